import { Dataset, OrlError, StateNormalizer, UniformSampler, toTransitions, taskOf } from '@orl/core';
import { trainLoop, type TrainLoopResult } from '@orl/core/node';
import { createEngine, type BackendChoice, type Engine } from '@orl/nn';
import { makeEvaluator } from '@orl/mujoco-env';
import { TD3BC, TD3BC_DEFAULTS, type TD3BCConfig } from './td3bc.js';

export interface TrainTD3BCOptions {
  /** Gradient steps (CORL: 1 000 000). */
  steps: number;
  /** Evaluate every K steps in the MuJoCo task (0: only at the end; default 5000). */
  evalEvery?: number;
  evalEpisodes?: number;
  evalSeed?: number;
  /** Task to evaluate in (default: from the dataset's metadata); `null` disables evaluation. */
  task?: string | null;
  /** Sample only these rows (e.g. the labelled rows of the labelled-only condition). */
  rows?: Uint32Array;
  outDir?: string;
  logEvery?: number;
  checkpointEvery?: number;
  resume?: boolean;
  progress?: boolean | 'auto';
  signal?: AbortSignal;
  backend?: BackendChoice;
  engine?: Engine;
}

export interface TrainResult {
  agent: TD3BC;
  loop: TrainLoopResult;
}

/** Prepares transitions, checks that sampled rewards are labelled, and fits the state normalizer (CORL style). */
export function prepareOffline(dataset: Dataset, rows?: Uint32Array): { data: Dataset; normalizer: StateNormalizer } {
  const data = dataset.nextObservations ? dataset : toTransitions(dataset);
  const rowList = rows ?? null;
  const n = rowList ? rowList.length : data.size;
  for (let k = 0; k < n; k++) {
    const i = rowList ? rowList[k]! : k;
    if (!Number.isFinite(data.rewards[i]!)) {
      throw new OrlError('INVALID_DATASET', `row ${i} has no reward (unlabelled): impute rewards first, or train on the labelled rows only (rows option)`, { row: i });
    }
  }
  // Statistics over the states the agent trains on (all rows, as CORL normalizes the whole dataset).
  return { data, normalizer: StateNormalizer.fit(data.observations, data.obsDim, 1e-3) };
}

export function resolveEvalTask(dataset: Dataset, task: string | null | undefined): string | null {
  if (task === null) return null;
  if (task) return taskOf(task);
  for (const v of [dataset.metadata.task, dataset.metadata.env, dataset.metadata.name, dataset.metadata.source]) {
    if (typeof v === 'string') {
      try {
        return taskOf(v);
      } catch {
        /* try the next field */
      }
    }
  }
  return null;
}

/** Trains TD3+BC on an offline dataset through the core loop (metrics, checkpoints, resume, evaluation). */
export async function trainTD3BC(dataset: Dataset, config: Partial<TD3BCConfig>, options: TrainTD3BCOptions): Promise<TrainResult> {
  const cfg = { ...TD3BC_DEFAULTS, ...config };
  const { data, normalizer } = prepareOffline(dataset, options.rows);
  const engine = options.engine ?? createEngine({ backend: options.backend ?? 'auto' });
  const agent = new TD3BC(engine, data.obsDim, data.actDim, normalizer, cfg);
  const sampler = new UniformSampler(data, cfg.batchSize, cfg.seed + 1, options.rows ? { rows: options.rows } : {});
  const task = resolveEvalTask(dataset, options.task);
  const evaluator = task ? makeEvaluator(task, { episodes: options.evalEpisodes ?? 10, seed: options.evalSeed ?? 0 }) : undefined;
  const loop = await trainLoop({
    agent,
    sampler,
    steps: options.steps,
    evalEvery: evaluator ? (options.evalEvery ?? 5000) : 0,
    ...(evaluator ? { evaluate: () => evaluator(agent.policy()) } : {}),
    ...(options.outDir ? { outDir: options.outDir } : {}),
    logEvery: options.logEvery ?? 1000,
    ...(options.checkpointEvery ? { checkpointEvery: options.checkpointEvery } : {}),
    resume: options.resume ?? true,
    progress: options.progress ?? 'auto',
    ...(options.signal ? { signal: options.signal } : {}),
    runInfo: { algo: 'td3bc', config: cfg as never, rows: options.rows ? options.rows.length : null, size: data.size },
  });
  return { agent, loop };
}
