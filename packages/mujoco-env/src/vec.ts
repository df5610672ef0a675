import { OrlError } from '@orl/core';
import { MujocoEnv, resolveTask, type EnvOptions } from './env.js';
import { loadMujoco } from './mujoco.js';

export interface VecStepResult {
  /** [n × obsDim]; for an env that finished this step (and was auto-reset) this is the new episode's first observation. */
  observations: Float32Array;
  rewards: Float64Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  /** Last observation of each episode that ended this step (rows of finished envs are valid). */
  finalObservations: Float32Array;
}

/**
 * N environments of one task stepped together (one shared MjModel, N MjData), with batched observations.
 * Finished envs are reset in the same step (Gymnasium ≤ 0.29 "same-step" autoreset); their last observation is in
 * `finalObservations`. Env i is seeded with `seed + i`.
 */
export class VecEnv {
  readonly envs: MujocoEnv[];
  readonly num: number;
  readonly obsDim: number;
  readonly actDim: number;
  private readonly result: VecStepResult;

  constructor(envs: MujocoEnv[]) {
    if (envs.length === 0) throw new OrlError('INVALID_ARGUMENT', 'VecEnv needs at least one env');
    this.envs = envs;
    this.num = envs.length;
    this.obsDim = envs[0]!.spec.obsDim;
    this.actDim = envs[0]!.spec.actDim;
    this.result = {
      observations: new Float32Array(this.num * this.obsDim),
      rewards: new Float64Array(this.num),
      terminated: new Uint8Array(this.num),
      truncated: new Uint8Array(this.num),
      finalObservations: new Float32Array(this.num * this.obsDim),
    };
  }

  reset(seed?: number): Float32Array {
    for (let i = 0; i < this.num; i++) {
      const { observation } = this.envs[i]!.reset(seed === undefined ? {} : { seed: seed + i });
      this.result.observations.set(observation, i * this.obsDim);
    }
    return this.result.observations;
  }

  /** `actions` holds n rows of actDim. The returned buffers are reused by the next call. */
  step(actions: Float32Array | Float64Array): VecStepResult {
    if (actions.length !== this.num * this.actDim) {
      throw new OrlError('SHAPE_MISMATCH', `VecEnv.step: expected ${this.num} × ${this.actDim} actions, got ${actions.length} values`);
    }
    const r = this.result;
    for (let i = 0; i < this.num; i++) {
      const env = this.envs[i]!;
      const s = env.step(actions.subarray(i * this.actDim, (i + 1) * this.actDim));
      r.rewards[i] = s.reward;
      r.terminated[i] = s.terminated ? 1 : 0;
      r.truncated[i] = s.truncated ? 1 : 0;
      if (s.terminated || s.truncated) {
        r.finalObservations.set(s.observation, i * this.obsDim);
        r.observations.set(env.reset().observation, i * this.obsDim);
      } else {
        r.observations.set(s.observation, i * this.obsDim);
      }
    }
    return r;
  }

  close(): void {
    for (const e of this.envs) e.close();
  }
}

export async function makeVecEnv(name: string, num: number, options: EnvOptions = {}): Promise<VecEnv> {
  if (!Number.isInteger(num) || num <= 0) throw new OrlError('INVALID_ARGUMENT', `number of envs must be a positive integer, got ${num}`);
  const task = resolveTask(name);
  const mj = await loadMujoco();
  const seed = options.seed ?? 0;
  return new VecEnv(Array.from({ length: num }, (_, i) => new MujocoEnv(mj, task, { ...options, seed: seed + i })));
}
