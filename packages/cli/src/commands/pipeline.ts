import { writeFileAtomic } from '@orl/core/node';
import { join } from 'node:path';
import type { BackendChoice } from '@orl/nn';
import { loadDataset } from '../data.js';
import { CONDITIONS, algoLabel, cellSpecOf, finishedCell, markdownTable, runCell, summarize, type Algo, type CellResult } from '../pipeline.js';
import { learningCurveSpec, renderChart } from '../plots.js';
import { safeName } from '../grid/cells.js';
import { spawn } from 'node:child_process';
import { cliCommand } from '../self.js';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { OrlError } from '@orl/core';
import type { MetricsFormat } from '@orl/core/node';
import { configFromFlags, configToFlags } from '../config-flags.js';
import { engineLine, progressMode } from './train.js';

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
  /** Runs at once, each in its own process (default: the number of cores; 1 = one after another in this process). */
  workers?: number;
  /** Kernel threads per worker process (default: cores / workers). */
  threads?: number;
  /** Config flags (--alpha, --rm-hidden, …). */
  [flag: string]: unknown;
}

export async function pipelineCmd(o: PipelineCmdOptions): Promise<void> {
  const progress = progressMode(o);
  const algoConfig = configFromFlags(
    o,
    o.algo,
    ['td3bc', 'iql'].filter((a) => a !== o.algo),
  );
  const rewardModel = configFromFlags(o, 'rm');
  const log = (m: string) => (o.quiet ? undefined : console.error(`[orl] ${m}`));
  if (!o.quiet) console.error(engineLine(o.backend));
  const t0 = performance.now();
  const { dataset, source } = await loadDataset(o.dataset, { scale: o.scale, log });
  const name = safeName(o.dataset);
  log(`dataset ${o.dataset}: ${dataset.size} rows (${source})`);
  const cells: CellResult[] = [];
  const total = o.seeds.length * CONDITIONS.length;
  const workers = Math.max(1, Math.min(total, o.workers ?? availableParallelism()));
  if (workers > 1) {
    const specOf = (seed: number, condition: (typeof CONDITIONS)[number]) => cellSpecOf(o, { algo: o.algo, condition, seed, algoConfig, rewardModel });
    const all = o.seeds.flatMap((seed) => CONDITIONS.map((condition) => ({ seed, condition, dir: join(o.out, name, o.algo, `${condition}-s${seed}`) })));
    // Finished runs are read here, not respawned.
    const jobs = all.filter((j) => !finishedCell(dataset, specOf(j.seed, j.condition), j.dir, { fresh: Boolean(o.fresh) }));
    const threads = o.threads ?? Math.max(1, Math.floor(availableParallelism() / workers));
    log(`${jobs.length} of ${total} runs to do, on ${Math.min(workers, jobs.length)} worker processes × ${threads} kernel thread${threads === 1 ? '' : 's'}`);
    const flags = [...configToFlags(algoConfig, o.algo), ...configToFlags(rewardModel, 'rm')];
    await runInProcesses(
      jobs,
      workers,
      threads,
      (job) => [
        'train',
        o.algo,
        '--dataset',
        source,
        '--out',
        job.dir,
        '--steps',
        String(o.steps),
        '--seed',
        String(job.seed),
        '--condition',
        job.condition,
        '--label-fraction',
        String(o.labelFraction),
        '--eval-every',
        String(o.evalEvery),
        '--eval-episodes',
        String(o.evalEpisodes),
        '--backend',
        o.backend,
        '--json',
        '--progress-every',
        String(o.progressEvery ?? 10),
        ...(o.metrics ? ['--metrics', o.metrics.join(',')] : []),
        // The reward-model flags only exist for the imputed condition.
        ...(job.condition === 'imputed' ? flags : configToFlags(algoConfig, o.algo)),
      ],
      { json: Boolean(o.json), quiet: Boolean(o.quiet), log },
    );
    for (const job of all) cells.push(JSON.parse(readFileSync(join(job.dir, 'result.json'), 'utf8')) as CellResult);
  }
  for (const seed of workers > 1 ? [] : o.seeds) {
    for (const condition of CONDITIONS) {
      log(`run ${cells.length + 1}/${total}: ${o.algo}, ${condition}, seed ${seed}, ${o.steps} steps`);
      const dir = join(o.out, name, o.algo, `${condition}-s${seed}`);
      const spec = cellSpecOf(o, { algo: o.algo, condition, seed, progress, algoConfig, rewardModel });
      const r = await runCell(dataset, spec, dir, log, { fresh: Boolean(o.fresh) });
      cells.push(r);
      log(`  → final normalized score ${r.finalScore.toFixed(1)} (${r.seconds.toFixed(0)} s)`);
      if (o.json)
        console.log(
          JSON.stringify({
            event: 'cell',
            algo: o.algo,
            condition,
            seed,
            finalScore: r.finalScore,
            lastThreeMean: r.lastThreeMean ?? null,
            seconds: r.seconds,
          }),
        );
    }
  }
  const summary = summarize(name, o.algo, o.labelFraction, o.steps, cells);
  writeFileAtomic(join(o.out, 'results.json'), JSON.stringify(summary, null, 2));
  const table = markdownTable([summary]);
  writeFileAtomic(join(o.out, 'table.md'), table);
  const plot = await renderChart(learningCurveSpec(`${name} · ${algoLabel(o.algo)} · ${o.labelFraction * 100}% labels`, cells), join(o.out, 'learning-curves'));
  if (o.json) {
    console.log(
      JSON.stringify({
        event: 'result',
        results: join(o.out, 'results.json'),
        table: join(o.out, 'table.md'),
        plot: plot.svg,
        minutes: (performance.now() - t0) / 60000,
      }),
    );
    return;
  }
  console.log(`\n${table}`);
  console.log(
    `results: ${join(o.out, 'results.json')}\nplots:   ${plot.svg}\n         ${plot.png}\ntotal ${((performance.now() - t0) / 60000).toFixed(1)} min`,
  );
}

/**
 * Runs `orl train` jobs in child processes, `workers` at a time, each with `threads` kernel threads: two 1-thread runs
 * do more work than one 2-thread run (the kernels do not scale perfectly). Children report as JSON lines; they are shown
 * as progress lines (or passed through with --json). A failed child fails the pipeline after the others finish.
 */
async function runInProcesses<J extends { dir: string }>(
  jobs: J[],
  workers: number,
  threads: number,
  argsOf: (job: J) => string[],
  o: { json: boolean; quiet: boolean; log: (m: string) => void },
): Promise<void> {
  const failures: string[] = [];
  let next = 0;
  const runOne = (job: J) =>
    new Promise<void>((resolveJob) => {
      const child = spawn(process.execPath, [...cliCommand(), ...argsOf(job)], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ORL_NUM_THREADS: String(threads) },
      });
      let stderr = '';
      let buf = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        buf += chunk;
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (o.json) console.log(line);
          else if (!o.quiet) {
            try {
              const e = JSON.parse(line) as {
                event: string;
                run?: string;
                step?: number;
                total?: number;
                stepsPerSecond?: number;
                etaSeconds?: number | null;
                lastEval?: Record<string, number> | null;
                finalScore?: number;
              };
              const score = e.lastEval?.['eval/normalized_score'];
              if (e.event === 'progress')
                console.log(
                  `[train] ${e.run} step ${e.step}/${e.total} · ${Math.round(e.stepsPerSecond ?? 0)} steps/s · ETA ${e.etaSeconds ?? '?'} s${score === undefined ? '' : ` · eval ${score.toFixed(1)} @ ${e.lastEval!.step}`}`,
                );
              if (e.event === 'result') o.log(`${job.dir}: final normalized score ${e.finalScore?.toFixed(1)}`);
            } catch {
              console.log(line);
            }
          }
        }
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
      child.on('exit', (code) => {
        if (code !== 0) failures.push(`${job.dir}: ${stderr.trim().split('\n').at(-1) ?? `exit ${code}`}`);
        resolveJob();
      });
    });
  const lane = async () => {
    while (next < jobs.length) await runOne(jobs[next++]!);
  };
  await Promise.all(Array.from({ length: workers }, lane));
  if (failures.length) throw new OrlError('IO', `${failures.length} of ${jobs.length} runs failed: ${failures.join('; ')}`);
}
