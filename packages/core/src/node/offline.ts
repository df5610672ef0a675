import type { Dataset } from '@orl/core';
import type { Agent, Policy } from '@orl/core';
import type { StateValue } from '@orl/core';
import { trainLoop, type MetricsFormat, type TrainLoopResult } from './train.js';
import type { MetricsSink } from './metrics.js';
import type { ProgressMode } from './progress.js';
// The package's own entry, not a relative path: @orl/core/node must share its classes (OrlError) with @orl/core.
import { UniformSampler } from '@orl/core';

/** Options every offline algorithm's `train()` accepts. */
export interface OfflineTrainOptions {
  /** Gradient steps. */
  steps: number;
  /** Evaluate every K steps (default 5000) and at the end. */
  evalEvery?: number;
  /**
   * Scores the current policy every `evalEvery` steps and at the end, returning metrics named `eval/…` (e.g.
   * `eval/normalized_score`). Algorithms never import a simulator: pass one in, e.g. `makeEvaluator('hopper')` from
   * @orl/mujoco-env. Without it nothing is evaluated.
   */
  evaluate?: (policy: Policy) => Promise<Record<string, number>>;
  /** Sample only these rows (e.g. the labelled rows of the labelled-only condition). */
  rows?: Uint32Array;
  outDir?: string;
  logEvery?: number;
  checkpointEvery?: number;
  resume?: boolean;
  /** 'auto' (default): a bar on a terminal, a line every `progressEvery` s otherwise; 'lines', 'json', 'bar', 'none'. */
  progress?: ProgressMode;
  progressEvery?: number;
  /** Names the run in progress lines. */
  label?: string;
  /** Metric files in `outDir`: 'jsonl' (always), 'csv'. */
  metrics?: MetricsFormat[];
  /** Your own metric sinks (a logger, a dashboard…), beside the files. */
  sinks?: MetricsSink[];
  signal?: AbortSignal;
  /**
   * A training metric beyond ±this, or NaN/Infinity, stops the run with a NON_FINITE error (default 1e15; Infinity:
   * only non-finite values stop it, as in CORL, which has no such guard).
   */
  divergeAt?: number;
}

/** Samples uniform batches from `data` and runs `agent` through the core loop, evaluating its policy. */
export function trainOffline(args: {
  agent: Agent;
  data: Dataset;
  batchSize: number;
  seed: number;
  evaluate?: (policy: Policy) => Promise<Record<string, number>>;
  runInfo: Record<string, StateValue>;
  options: OfflineTrainOptions;
  /** Batches carry the dataset's next actions (`UniformSampler` option; ReBRAC). */
  nextActions?: boolean;
}): Promise<TrainLoopResult> {
  const { agent, data, options: o } = args;
  const sampler = new UniformSampler(data, args.batchSize, args.seed, {
    ...(o.rows ? { rows: o.rows } : {}),
    ...(args.nextActions ? { nextActions: true } : {}),
  });
  const evaluate = args.evaluate ?? o.evaluate;
  return trainLoop({
    agent,
    sampler,
    steps: o.steps,
    evalEvery: evaluate ? (o.evalEvery ?? 5000) : 0,
    ...(evaluate ? { evaluate: () => evaluate(agent.policy()) } : {}),
    ...(o.outDir ? { outDir: o.outDir } : {}),
    logEvery: o.logEvery ?? 1000,
    ...(o.checkpointEvery ? { checkpointEvery: o.checkpointEvery } : {}),
    resume: o.resume ?? true,
    progress: o.progress ?? 'auto',
    ...(o.progressEvery !== undefined ? { progressEvery: o.progressEvery } : {}),
    ...(o.label ? { label: o.label } : {}),
    ...(o.metrics ? { metrics: o.metrics } : {}),
    ...(o.sinks ? { sinks: o.sinks } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.divergeAt !== undefined ? { divergeAt: o.divergeAt } : {}),
    runInfo: { ...args.runInfo, rows: o.rows ? o.rows.length : null, size: data.size },
  });
}
