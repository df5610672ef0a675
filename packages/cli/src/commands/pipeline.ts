import { writeFileAtomic } from '@orl/core/node';
import { join } from 'node:path';
import type { BackendChoice } from '@orl/nn';
import { loadDataset } from '../data.js';
import { CONDITIONS, markdownTable, runCell, summarize, type Algo, type CellResult } from '../pipeline.js';
import { learningCurveSpec, renderChart } from '../plots.js';
import { safeName } from '../grid/cells.js';
import type { MetricsFormat } from '@orl/core/node';
import { configFromFlags } from '../config-flags.js';
import { progressMode } from './train.js';

export interface PipelineCmdOptions {
  dataset: string;
  labelFraction: number;
  algo: Algo;
  steps: number;
  seeds: number[];
  evalEvery: number;
  evalEpisodes: number;
  scale: number;
  out: string;
  backend: BackendChoice;
  fresh?: boolean;
  quiet?: boolean;
  json?: boolean;
  progressEvery?: number;
  metrics?: MetricsFormat[];
  /** Config flags (--alpha, --rm-hidden, …). */
  [flag: string]: unknown;
}

export async function pipelineCmd(o: PipelineCmdOptions): Promise<void> {
  const progress = progressMode(o);
  const algoConfig = configFromFlags(o, o.algo, ['td3bc', 'iql'].filter((a) => a !== o.algo));
  const rewardModel = configFromFlags(o, 'rm');
  const log = (m: string) => (o.quiet ? undefined : console.error(`[orl] ${m}`));
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
      const spec = {
        algo: o.algo, condition, seed, labelFraction: o.labelFraction, steps: o.steps, evalEvery: o.evalEvery, evalEpisodes: o.evalEpisodes, backend: o.backend, progress,
        ...(o.progressEvery ? { progressEvery: o.progressEvery } : {}), ...(o.metrics ? { metrics: o.metrics } : {}),
        ...(Object.keys(algoConfig).length ? { algoConfig } : {}),
        ...(condition === 'imputed' && Object.keys(rewardModel).length ? { rewardModel } : {}),
      };
      const r = await runCell(dataset, spec, dir, log, { fresh: Boolean(o.fresh) });
      cells.push(r);
      log(`  → final normalized score ${r.finalScore.toFixed(1)} (${r.seconds.toFixed(0)} s)`);
      if (o.json) console.log(JSON.stringify({ event: 'cell', algo: o.algo, condition, seed, finalScore: r.finalScore, lastThreeMean: r.lastThreeMean ?? null, seconds: r.seconds }));
    }
  }
  const summary = summarize(name, o.algo, o.labelFraction, o.steps, cells);
  writeFileAtomic(join(o.out, 'results.json'), JSON.stringify(summary, null, 2));
  const table = markdownTable([summary]);
  writeFileAtomic(join(o.out, 'table.md'), table);
  const plot = await renderChart(learningCurveSpec(`${name} · ${o.algo === 'td3bc' ? 'TD3+BC' : 'IQL'} · ${o.labelFraction * 100}% labels`, cells), join(o.out, 'learning-curves'));
  if (o.json) {
    console.log(JSON.stringify({ event: 'result', results: join(o.out, 'results.json'), table: join(o.out, 'table.md'), plot: plot.svg, minutes: (performance.now() - t0) / 60000 }));
    return;
  }
  console.log('\n' + table);
  console.log(`results: ${join(o.out, 'results.json')}\nplots:   ${plot.svg}\n         ${plot.png}\ntotal ${((performance.now() - t0) / 60000).toFixed(1)} min`);
}
