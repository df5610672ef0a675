import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Agent } from '@orl/core';
import type { BatchSource } from '@orl/core';
import type { StateDict, StateValue } from '@orl/core';
import { loadState, saveState } from './fs.js';
import { CsvMetrics, JsonlMetrics, readJsonl, type MetricRecord, type MetricsSink } from './metrics.js';
import { createProgress, type ProgressMode } from './progress.js';
// The package's own entry, not a relative path: @orl/core/node must share its classes (OrlError) with @orl/core.
import { OrlError } from '@orl/core';

export interface TrainLoopOptions {
  agent: Agent;
  sampler: BatchSource;
  /** Total number of `agent.update` calls. */
  steps: number;
  /** Folder for `metrics.jsonl` and `checkpoint.orl`; without it nothing is written to disk. */
  outDir?: string;
  /** Evaluate every K steps (and at the end) through `evaluate`. 0 disables. */
  evalEvery?: number;
  /** Returns metrics named `eval/...` (e.g. `eval/normalized_score`). Must not use the training RNG. */
  evaluate?: (step: number) => Promise<Record<string, number>> | Record<string, number>;
  /** Average training metrics over this many steps per logged record (default 1000). */
  logEvery?: number;
  /** Save a checkpoint every K steps (default: at each evaluation, else every 10 000 steps) and at the end. */
  checkpointEvery?: number;
  /** Continue from `outDir/checkpoint.orl` when it exists (default true). */
  resume?: boolean;
  /** 'auto' (default): a bar on a terminal, one line every `progressEvery` s otherwise; 'lines', 'json', 'bar', 'none'. */
  progress?: ProgressMode;
  /** Seconds between progress lines (default 10). */
  progressEvery?: number;
  /** Names the run in progress lines. */
  label?: string;
  /** Metric files written in `outDir` (default ['jsonl']; 'csv' adds metrics.csv). JSONL is always kept for resume. */
  metrics?: MetricsFormat[];
  /** Extra sinks (e.g. in-memory for tests, your own logger); the files of `metrics` are added automatically. */
  sinks?: MetricsSink[];
  /** Stops after the current step, saving a checkpoint first (Ctrl-C handling, tests). */
  signal?: AbortSignal;
  /** A training metric (loss, Q…) beyond ±this, or NaN/Infinity, stops the run with a NON_FINITE error (default 1e15). */
  divergeAt?: number;
  /** Extra JSON saved with checkpoints (config, seeds…) and checked on resume. */
  runInfo?: Record<string, StateValue>;
}

export interface TrainLoopResult {
  /** Steps completed (equals `steps` unless stopped). */
  step: number;
  stopped: boolean;
  resumedFrom: number | null;
  lastEval: Record<string, number> | null;
  seconds: number;
}

export const CHECKPOINT_FILE = 'checkpoint.orl';
export const METRICS_FILE = 'metrics.jsonl';
export const METRICS_CSV_FILE = 'metrics.csv';
export type MetricsFormat = 'jsonl' | 'csv';

/**
 * The training loop: `agent.update(sampler.sample())` for `steps` steps, periodic evaluation, JSONL metrics, atomic
 * checkpoints (agent state + sampler RNG + step) and resume. Resuming from a checkpoint gives the same parameters as an
 * uninterrupted run, provided the agent's `stateDict` holds all of its state (parameters, optimizer moments, RNG).
 */
export async function trainLoop(opts: TrainLoopOptions): Promise<TrainLoopResult> {
  const { agent, sampler, steps } = opts;
  if (!Number.isInteger(steps) || steps < 0) throw new OrlError('INVALID_ARGUMENT', `steps must be a non-negative integer, got ${steps}`);
  const evalEvery = opts.evalEvery ?? 0;
  const logEvery = Math.max(1, opts.logEvery ?? 1000);
  const checkpointEvery = opts.checkpointEvery ?? (evalEvery > 0 ? evalEvery : 10_000);
  const divergeAt = opts.divergeAt ?? 1e15;
  const ckptPath = opts.outDir ? join(opts.outDir, CHECKPOINT_FILE) : undefined;
  const sinks: MetricsSink[] = [...(opts.sinks ?? [])];
  let jsonl: JsonlMetrics | undefined;
  let csv: CsvMetrics | undefined;
  if (opts.outDir) {
    jsonl = new JsonlMetrics(join(opts.outDir, METRICS_FILE));
    sinks.push(jsonl);
    for (const f of opts.metrics ?? []) {
      if (f === 'csv') sinks.push((csv = new CsvMetrics(join(opts.outDir, METRICS_CSV_FILE))));
      else if (f !== 'jsonl') throw new OrlError('INVALID_ARGUMENT', `unknown metrics format '${String(f)}' (jsonl, csv)`);
    }
  }

  let step = 0;
  let resumedFrom: number | null = null;
  if (ckptPath && opts.resume !== false && existsSync(ckptPath)) {
    const ck = loadState(ckptPath);
    if (typeof ck.step !== 'number' || typeof ck.agent !== 'object' || ck.agent === null) {
      throw new OrlError('CHECKPOINT', `${ckptPath}: not a training checkpoint`, { path: ckptPath });
    }
    if (opts.runInfo && ck.runInfo !== undefined && JSON.stringify(ck.runInfo) !== JSON.stringify(opts.runInfo)) {
      throw new OrlError('CHECKPOINT', `${ckptPath}: saved with a different configuration; use another outDir or resume: false`, { path: ckptPath });
    }
    agent.loadStateDict(ck.agent as StateDict);
    sampler.setState(ck.sampler);
    step = ck.step;
    resumedFrom = step;
    jsonl?.truncateAfter(step);
    csv?.truncateAfter(step);
  } else {
    jsonl?.truncateAfter(0); // a run started over must not append to the records of an earlier one
    csv?.truncateAfter(0);
  }
  if (opts.outDir) removeStaleTempFiles(opts.outDir);

  const saveCheckpoint = () => {
    if (!ckptPath) return;
    saveState(ckptPath, {
      format: 'orl-checkpoint/1',
      step,
      agent: agent.stateDict(),
      sampler: sampler.getState() as StateValue,
      runInfo: opts.runInfo ?? null,
      savedAt: new Date().toISOString(),
    });
  };

  const progress = createProgress({
    mode: opts.progress ?? 'auto',
    total: steps,
    ...(opts.progressEvery !== undefined ? { every: opts.progressEvery } : {}),
    ...(opts.label ? { label: opts.label } : {}),
  });
  progress.start(step);

  const emit = (rec: MetricRecord) => {
    for (const s of sinks) s.write(rec);
  };

  const t0 = performance.now();
  let windowStart = performance.now();
  let windowSteps = 0;
  const acc = new Map<string, number>();
  const counts = new Map<string, number>(); // a metric is averaged over the steps that reported it (e.g. delayed actor updates)
  let lastEval: Record<string, number> | null = null;
  let stopped = false;

  const runEval = async () => {
    if (!opts.evaluate) return;
    const res = await opts.evaluate(step);
    lastEval = res;
    emit({ step, ...res });
    progress.evaluated(step, res);
  };

  try {
    while (step < steps) {
      const m = agent.update(sampler.sample());
      step++;
      windowSteps++;
      for (const k in m) {
        const v = m[k]!;
        // Stop at the first sign of divergence instead of training on (and checkpointing) garbage.
        if (!Number.isFinite(v) || Math.abs(v) > divergeAt) {
          throw new OrlError(
            'NON_FINITE',
            `training diverged at step ${step}: ${k} = ${v} (rewards or observations out of scale? the last checkpoint is kept)`,
            { step, metric: k, value: v },
          );
        }
        acc.set(k, (acc.get(k) ?? 0) + v);
        counts.set(k, (counts.get(k) ?? 0) + 1);
      }

      if (step % logEvery === 0 || step === steps) {
        const now = performance.now();
        const rec: MetricRecord = { step };
        for (const [k, v] of acc) rec[k] = v / counts.get(k)!;
        rec['perf/steps_per_s'] = (windowSteps * 1000) / Math.max(1e-9, now - windowStart);
        emit(rec);
        progress.tick(step, rec['perf/steps_per_s']);
        acc.clear();
        counts.clear();
        windowSteps = 0;
        windowStart = now;
      } else if (step % 50 === 0) {
        progress.tick(step);
      }
      if (evalEvery > 0 && step % evalEvery === 0 && step !== steps) await runEval();
      if (step % checkpointEvery === 0 && step !== steps) saveCheckpoint();
      if (opts.signal?.aborted) {
        stopped = step < steps;
        break;
      }
    }
    // A run resumed from its final checkpoint (killed before its caller saw the result) already has its final
    // evaluation on record: reuse it instead of logging a second one.
    const finalEval =
      resumedFrom === steps && jsonl
        ? readJsonl(jsonl.path)
            .filter((r) => r.step === steps && Object.keys(r).some((k) => k.startsWith('eval/')))
            .at(-1)
        : undefined;
    if (finalEval) {
      const { step: _s, ...rest } = finalEval;
      lastEval = rest;
    } else if (!stopped && (evalEvery > 0 || opts.evaluate) && steps > 0) await runEval();
    saveCheckpoint();
  } finally {
    progress.stop(step);
  }
  return { step, stopped, resumedFrom, lastEval, seconds: (performance.now() - t0) / 1000 };
}

/** Temporary files of `writeFileAtomic` (`.<name>.<pid>.<time>.tmp`) left in a run folder by a killed process. */
function removeStaleTempFiles(dir: string): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) if (/^\..+\.\d+\.\d+\.tmp$/.test(name)) rmSync(join(dir, name), { force: true });
}
