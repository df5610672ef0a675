import { UniformSampler, inferTask, prepareOffline, toTransitions, type Dataset, type Policy } from '@orl/core';
import { trainLoop, type MetricsFormat, type ProgressMode, type TrainLoopResult } from '@orl/core/node';
import { createEngine, type BackendChoice, type Engine } from '@orl/nn';
import { FQE, FQE_DEFAULTS, initialStates, valueToNormalizedScore, type FQEConfig } from '@orl/ope';

export interface FitFqeOptions {
  /** Gradient steps (default 50 000). */
  steps?: number;
  /** Record the estimate every K steps (default steps / 10). */
  evalEvery?: number;
  /** Task for the normalized score (default: from the dataset's metadata). */
  task?: string | null;
  outDir?: string;
  progress?: ProgressMode;
  label?: string;
  metrics?: MetricsFormat[];
  backend?: BackendChoice;
  engine?: Engine;
}

export interface FqeEstimate {
  /** V̂(π): mean Q(s₀, π(s₀)) over the dataset's episode start states (discounted return). */
  value: number;
  /** `value` read as a D4RL-normalized score (see valueToNormalizedScore: an approximation); null without a task. */
  normalized: number | null;
  /** The estimate along training, for convergence checks. */
  curve: { step: number; value: number }[];
  starts: number;
  loop: TrainLoopResult;
}

/** Fits FQE for `policy` on `dataset` through the core training loop and returns its value estimate. */
export async function fitFqe(dataset: Dataset, policy: Policy, config: Partial<FQEConfig> = {}, o: FitFqeOptions = {}): Promise<FqeEstimate> {
  const cfg = { ...FQE_DEFAULTS, ...config };
  const { data, normalizer } = prepareOffline(toTransitions(dataset));
  const engine = o.engine ?? createEngine({ backend: o.backend ?? 'auto', notice: false });
  const fqe = new FQE(engine, policy, normalizer, cfg);
  fqe.precomputeNextActions(data.nextObservations!);
  const starts = initialStates(dataset);
  const steps = o.steps ?? 50_000;
  const curve: { step: number; value: number }[] = [];
  const loop = await trainLoop({
    agent: fqe,
    sampler: new UniformSampler(data, cfg.batchSize, cfg.seed + 1),
    steps,
    evalEvery: o.evalEvery ?? Math.max(1, Math.floor(steps / 10)),
    evaluate: (step) => {
      const value = fqe.initialStateValue(starts);
      curve.push({ step, value });
      return { 'eval/fqe_value': value };
    },
    logEvery: Math.min(1000, steps),
    progress: o.progress ?? 'auto',
    ...(o.label ? { label: o.label } : {}),
    ...(o.outDir ? { outDir: o.outDir } : {}),
    ...(o.metrics ? { metrics: o.metrics } : {}),
    runInfo: { algo: 'fqe', config: cfg as never },
  });
  const value = loop.lastEval?.['eval/fqe_value'] ?? fqe.initialStateValue(starts);
  const task = inferTask(dataset, o.task);
  return { value, normalized: task ? valueToNormalizedScore(task, value, cfg.discount) : null, curve, starts: starts.length / dataset.obsDim, loop };
}
