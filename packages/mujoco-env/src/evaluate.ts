import { OrlError, mean, normalizedScore, std, type Policy } from '@orl/core';
import { MujocoEnv, resolveTask } from './env.js';
import { loadMujoco } from './mujoco.js';

export interface EvaluateOptions {
  /** Task name ('hopper', 'Walker2d-v4', 'halfcheetah-medium-v2'…). */
  task: string;
  /** Number of episodes (default 10). */
  episodes?: number;
  /** Episode k is reset with seed `seed + k` (default 0), so results do not depend on `numEnvs`. */
  seed?: number;
  /** Environments run side by side (default min(episodes, 8)). */
  numEnvs?: number;
  maxEpisodeSteps?: number;
}

export interface EvaluationResult {
  task: string;
  returns: number[];
  lengths: number[];
  normalizedScores: number[];
  meanReturn: number;
  stdReturn: number;
  meanNormalized: number;
  stdNormalized: number;
  seconds: number;
}

/**
 * Runs `episodes` episodes of `policy` and reports returns, lengths and D4RL normalized scores (mean ± population std).
 * Pass a factory `() => Policy` for policies with per-episode state when `numEnvs > 1`.
 */
export async function evaluate(policy: Policy | (() => Policy), options: EvaluateOptions): Promise<EvaluationResult> {
  const task = resolveTask(options.task);
  const episodes = options.episodes ?? 10;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(episodes) || episodes <= 0) throw new OrlError('INVALID_ARGUMENT', `episodes must be a positive integer, got ${episodes}`);
  const numEnvs = Math.min(options.numEnvs ?? 8, episodes);
  const factory = typeof policy === 'function' ? policy : undefined;
  const shared = typeof policy === 'function' ? undefined : policy;
  if (shared && numEnvs > 1 && (shared as { stateful?: boolean }).stateful) {
    throw new OrlError('INVALID_ARGUMENT', 'this policy keeps per-episode state: pass a factory () => policy.clone() to evaluate with numEnvs > 1');
  }
  const t0 = performance.now();
  const mj = await loadMujoco();
  const envs = Array.from({ length: numEnvs }, () => new MujocoEnv(mj, task, options.maxEpisodeSteps ? { maxEpisodeSteps: options.maxEpisodeSteps } : {}));
  const policies = envs.map(() => factory?.() ?? shared!);
  const returns = new Array<number>(episodes).fill(0);
  const lengths = new Array<number>(episodes).fill(0);
  try {
    const slotEpisode = new Array<number>(numEnvs).fill(-1);
    const obs: Float32Array[] = new Array(numEnvs);
    let next = 0;
    const start = (slot: number) => {
      if (next >= episodes) {
        slotEpisode[slot] = -1;
        return;
      }
      slotEpisode[slot] = next;
      policies[slot]!.reset?.();
      obs[slot] = envs[slot]!.reset({ seed: seed + next }).observation;
      next++;
    };
    for (let s = 0; s < numEnvs; s++) start(s);
    const actDim = envs[0]!.spec.actDim,
      obsDim = envs[0]!.spec.obsDim;
    const action = new Float32Array(actDim);
    // A shared policy with actBatch acts for all running envs in one call (one forward pass per step).
    const batched = shared?.actBatch ? shared : undefined;
    const obsBatch = new Float32Array(numEnvs * obsDim),
      actBatch = new Float32Array(numEnvs * actDim);
    const active: number[] = [];
    while (slotEpisode.some((e) => e >= 0)) {
      if (batched) {
        active.length = 0;
        for (let s = 0; s < numEnvs; s++) if (slotEpisode[s]! >= 0) active.push(s);
        active.forEach((s, k) => obsBatch.set(obs[s]!, k * obsDim));
        batched.actBatch!(obsBatch.subarray(0, active.length * obsDim), active.length, actBatch.subarray(0, active.length * actDim));
      }
      for (let s = 0, k = 0; s < numEnvs; s++) {
        const ep = slotEpisode[s]!;
        if (ep < 0) continue;
        if (batched) action.set(actBatch.subarray(k * actDim, (k + 1) * actDim));
        else policies[s]!.act(obs[s]!, action);
        k++;
        const r = envs[s]!.step(action);
        returns[ep]! += r.reward;
        lengths[ep]!++;
        obs[s] = r.observation;
        if (r.terminated || r.truncated) start(s);
      }
    }
  } finally {
    for (const e of envs) e.close();
  }
  const normalizedScores = returns.map((r) => normalizedScore(task, r));
  return {
    task,
    returns,
    lengths,
    normalizedScores,
    meanReturn: mean(returns),
    stdReturn: std(returns),
    meanNormalized: mean(normalizedScores),
    stdNormalized: std(normalizedScores),
    seconds: (performance.now() - t0) / 1000,
  };
}

/**
 * An evaluation callback for the training loop: `eval/return`, `eval/return_std`, `eval/normalized_score`,
 * `eval/normalized_score_std`, `eval/length` over `episodes` seeded episodes.
 */
export function makeEvaluator(task: string, options: { episodes?: number; seed?: number; numEnvs?: number } = {}) {
  return async (policy: Policy | (() => Policy)): Promise<Record<string, number>> => {
    const r = await evaluate(policy, {
      task,
      episodes: options.episodes ?? 10,
      seed: options.seed ?? 0,
      ...(options.numEnvs ? { numEnvs: options.numEnvs } : {}),
    });
    return {
      'eval/return': r.meanReturn,
      'eval/return_std': r.stdReturn,
      'eval/normalized_score': r.meanNormalized,
      'eval/normalized_score_std': r.stdNormalized,
      'eval/length': mean(r.lengths),
    };
  };
}
