// Average normalized return of each recipe at a reduced size (README table). Usage: measure-recipes.ts [scale]
import { generate, RECIPES } from '../src/index.js';
const scale = Number(process.argv[2] ?? 0.05);
for (const r of Object.values(RECIPES)) {
  if (r.kind === 'medium') continue; // measured at full size
  const g = await generate(r.name, { scale: r.kind === 'medium-expert' ? scale / 2 : scale });
  console.log(
    JSON.stringify({
      name: r.name,
      rows: g.dataset.size,
      episodes: g.metadata.episodes,
      mean_normalized_return: Number((g.metadata.mean_normalized_return as number).toFixed(1)),
    }),
  );
}
