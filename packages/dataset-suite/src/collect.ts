import { Dataset, OrlError, Rng, mean, normalizedScore, type Policy } from '@orl/core';
import { BehaviorPolicy, MujocoEnv, halfCheetahFractionOnItsBack, loadMujoco, resolveTask, shippedPolicy } from '@orl/mujoco-env';

export interface CollectOptions {
  /** Task: hopper, walker2d, halfcheetah (any spelling `resolveTask` accepts). */
  task: string;
  /** A shipped behavior policy name ('hopper-sac'), a BehaviorPolicy, any Policy, or 'random' (uniform actions). */
  policy: string | BehaviorPolicy | Policy;
  /** Number of transitions (rows) to record. */
  transitions: number;
  /**
   * Exploration: for a BehaviorPolicy, the scale of its own Gaussian noise (0 = deterministic, 1 = as trained).
   * For other policies: std of Gaussian noise added to the action (then clipped to [−1, 1]).
   */
  noise?: number;
  /** Seeds the episodes' resets and the action noise: same seed → same data. */
  seed?: number;
  maxEpisodeSteps?: number;
  /** Called with the number of rows recorded so far (about every 10 000 rows). */
  onProgress?: (rows: number) => void;
}

export interface Collected {
  /** Raw rows in D4RL's layout: terminals, timeouts, next observations. */
  dataset: Dataset;
  /** `infos/qpos`, `infos/qvel` (simulator state at each observation, float64). */
  infos: { qpos: Float64Array; qvel: Float64Array };
  /** Provenance and returns, written to `metadata/*`. */
  metadata: Record<string, string | number>;
  /** Returns of the episodes that finished inside the data. */
  episodeReturns: number[];
}

/**
 * Runs a policy in a MuJoCo task and records D4RL-style data (like Minari's DataCollector). Episodes end on
 * termination (terminals) or the time limit (timeouts); the final row is marked as a timeout when the budget cuts an
 * episode. Deterministic for a seed.
 */
export async function collect(options: CollectOptions): Promise<Collected> {
  const task = resolveTask(options.task);
  const n = options.transitions;
  if (!Number.isInteger(n) || n <= 0) throw new OrlError('INVALID_ARGUMENT', `transitions must be a positive integer, got ${n}`);
  const seed = options.seed ?? 0;
  const noise = options.noise ?? 1;
  if (!(noise >= 0)) throw new OrlError('INVALID_ARGUMENT', `noise must be ≥ 0, got ${noise}`);
  const policy = typeof options.policy === 'string' && options.policy !== 'random' ? await shippedPolicy(options.policy) : options.policy;
  const policyName = typeof options.policy === 'string' ? options.policy : policy instanceof BehaviorPolicy ? policy.name : 'custom';
  const mj = await loadMujoco();
  const env = new MujocoEnv(mj, task, options.maxEpisodeSteps ? { maxEpisodeSteps: options.maxEpisodeSteps } : {});
  if (policy !== 'random' && typeof policy !== 'string' && (policy.obsDim !== env.spec.obsDim || policy.actDim !== env.spec.actDim)) {
    env.close();
    throw new OrlError('SHAPE_MISMATCH', `policy ${policyName} is ${policy.obsDim}→${policy.actDim}, task ${task} needs ${env.spec.obsDim}→${env.spec.actDim}`);
  }
  const { obsDim, actDim } = env.spec;
  const nq = env.getState().qpos.length,
    nv = env.getState().qvel.length;
  const obs = new Float32Array(n * obsDim),
    next = new Float32Array(n * obsDim),
    act = new Float32Array(n * actDim);
  const rew = new Float32Array(n),
    term = new Uint8Array(n),
    tout = new Uint8Array(n);
  const qpos = new Float64Array(n * nq),
    qvel = new Float64Array(n * nv);
  const rng = new Rng(seed);
  const a = new Float32Array(actDim);
  const returns: number[] = [];
  let episode = 0,
    ret = 0;
  const startEpisode = () => {
    (policy as Policy).reset?.();
    ret = 0;
    return env.reset({ seed: seed * 1_000_003 + episode++ }).observation;
  };
  try {
    let o = startEpisode();
    for (let i = 0; i < n; i++) {
      if (policy === 'random') for (let j = 0; j < actDim; j++) a[j] = rng.uniform(-1, 1);
      else if (policy instanceof BehaviorPolicy) {
        if (noise === 0) policy.act(o, a);
        else policy.sample(o, rng, noise, a);
      } else {
        (policy as Policy).act(o, a);
        if (noise > 0) for (let j = 0; j < actDim; j++) a[j] = Math.min(1, Math.max(-1, a[j]! + noise * rng.normal()));
      }
      const st = env.getState();
      qpos.set(st.qpos, i * nq);
      qvel.set(st.qvel, i * nv);
      obs.set(o, i * obsDim);
      act.set(a, i * actDim);
      const r = env.step(a);
      rew[i] = r.reward;
      ret += r.reward;
      next.set(r.observation, i * obsDim);
      term[i] = r.terminated ? 1 : 0;
      tout[i] = r.truncated ? 1 : 0;
      if (r.terminated || r.truncated) {
        returns.push(ret);
        o = startEpisode();
      } else {
        o = r.observation;
        if (i === n - 1) tout[i] = 1; // the budget cut this episode
      }
      if (options.onProgress && (i + 1) % 10_000 === 0) options.onProgress(i + 1);
    }
  } finally {
    env.close();
  }
  const dataset = new Dataset(
    { observations: obs, actions: act, rewards: rew, terminals: term, timeouts: tout, nextObservations: next },
    { obsDim, actDim },
    { metadata: { task, policy: policyName, noise, seed } },
  );
  const meanReturn = returns.length ? mean(returns) : NaN;
  return {
    dataset,
    infos: { qpos, qvel },
    metadata: {
      task,
      policy: policyName,
      noise,
      seed,
      transitions: n,
      episodes: returns.length,
      mean_return: meanReturn,
      mean_normalized_return: returns.length ? normalizedScore(task, meanReturn) : NaN,
      // A flipped cheetah keeps running on its back for low reward, and offline policies learn to copy it: report it.
      ...(task === 'halfcheetah' ? { fraction_on_its_back: halfCheetahFractionOnItsBack(obs) } : {}),
      generator: '@orl/dataset-suite collect()',
    },
    episodeReturns: returns,
  };
}
