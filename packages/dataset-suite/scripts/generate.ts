// Generates (or finds cached) suite datasets and prints one JSON line of statistics each:
//   npx tsx --conditions=source packages/dataset-suite/scripts/generate.ts hopper-medium walker2d-medium
import { generate } from '../src/index.js';
for (const name of process.argv.slice(2)) {
  const t0 = performance.now();
  const g = await generate(name, { onProgress: (m) => console.log(m) });
  console.log(
    JSON.stringify({
      name,
      cached: g.cached,
      rows: g.dataset.size,
      episodes: g.metadata.episodes,
      mean_normalized_return: g.metadata.mean_normalized_return,
      seconds: (performance.now() - t0) / 1000,
      path: g.path,
    }),
  );
}
