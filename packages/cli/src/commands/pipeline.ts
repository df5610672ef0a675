import { writeFileAtomic } from '@orl/core/node';
import { join } from 'node:path';
import type { BackendChoice } from '@orl/nn';
import { loadDataset } from '../data.js';
import { CONDITIONS, markdownTable, runCell, summarize, type Algo, type CellResult } from '../pipeline.js';
import { learningCurveSpec, renderChart } from '../plots.js';
import { safeName } from '../grid/cells.js';

export async function pipelineCmd(o: { dataset: string; labelFraction: number; algo: Algo; steps: number; seeds: number[]; evalEvery: number; evalEpisodes: number; scale: number; out: string; backend: BackendChoice; fresh?: boolean }): Promise<void> {
  const log = (m: string) => console.error(`[orl] ${m}`);
  const t0 = performance.now();
  const { dataset, source } = await loadDataset(o.dataset, { scale: o.scale, log });
  const name = safeName(o.dataset);
  log(`dataset ${o.dataset}: ${dataset.size} rows (${source})`);
  const cells: CellResult[] = [];
  const total = o.seeds.length * CONDITIONS.length;
  for (const seed of o.seeds) {
    for (const condition of CONDITIONS) {
      log(`run ${cells.length + 1}/${total}: ${o.algo}, ${condition}, seed ${seed}, ${o.steps} steps`);
      const dir = join(o.out, name, o.algo, `${condition}-s${seed}`);
      const r = await runCell(dataset, { algo: o.algo, condition, seed, labelFraction: o.labelFraction, steps: o.steps, evalEvery: o.evalEvery, evalEpisodes: o.evalEpisodes, backend: o.backend }, dir, log, { fresh: Boolean(o.fresh) });
      cells.push(r);
      log(`  → final normalized score ${r.finalScore.toFixed(1)} (${r.seconds.toFixed(0)} s)`);
    }
  }
  const summary = summarize(name, o.algo, o.labelFraction, o.steps, cells);
  writeFileAtomic(join(o.out, 'results.json'), JSON.stringify(summary, null, 2));
  const table = markdownTable([summary]);
  writeFileAtomic(join(o.out, 'table.md'), table);
  const plot = await renderChart(learningCurveSpec(`${name} · ${o.algo === 'td3bc' ? 'TD3+BC' : 'IQL'} · ${o.labelFraction * 100}% labels`, cells), join(o.out, 'learning-curves'));
  console.log('\n' + table);
  console.log(`results: ${join(o.out, 'results.json')}\nplots:   ${plot.svg}\n         ${plot.png}\ntotal ${((performance.now() - t0) / 60000).toFixed(1)} min`);
}
