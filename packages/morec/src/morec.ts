/**
 * MOREC — "Reward-Consistent Dynamics Models are Strongly Generalizable for Offline RL", Luo et al., ICLR 2024
 * (arXiv 2310.05422). Model-based offline RL (MOPO-style SAC on model rollouts) whose rollouts are filtered by a
 * dynamics reward learned adversarially (see dynamics-reward.ts). Settings of the public release
 * (OfflineRL-Kit based): 7 dynamics models, 5 elites; 10 candidates per step chosen by softmax(r_D/κ), κ = 0.1;
 * a rollout stops when r_D < 0.6; horizon 100 (MOPO uses 5: ours is a config); real-data ratio 0.05.
 * Ablations as flags: select 'none' (plain MOPO), earlyStop false, select 'argmax'.
 */
import { Dataset, OrlError, Rng, type Agent, type Batch, type StateDict } from '@orl/core';
import type { Engine, MlpPolicy } from '@orl/nn';
import { DynamicsEnsemble, type DynamicsConfig } from './dynamics.js';
import { DynamicsReward, type DynamicsRewardConfig } from './dynamics-reward.js';
import { rollout, type RolloutConfig } from './rollout.js';
import { SAC, type SACConfig } from './sac.js';

export interface MorecConfig {
  rollout: Partial<RolloutConfig>;
  /** New rollouts every this many SAC steps, from this many dataset start states. */
  rolloutFreq: number;
  rolloutBatch: number;
  /** The model buffer keeps this many rollout rounds' worth of transitions. */
  bufferRounds: number;
  /** Fraction of each batch drawn from the real data. */
  realRatio: number;
  batchSize: number;
  sac: Partial<SACConfig>;
  seed: number;
}

export const MOREC_DEFAULTS: Readonly<MorecConfig> = Object.freeze({
  rollout: {},
  rolloutFreq: 1000,
  rolloutBatch: 2000,
  bufferRounds: 5,
  realRatio: 0.05,
  batchSize: 256,
  sac: {},
  seed: 0,
});

/** A ring buffer of model transitions. */
class ModelBuffer {
  readonly obs: Float32Array;
  readonly act: Float32Array;
  readonly rew: Float32Array;
  readonly next: Float32Array;
  readonly done: Float32Array;
  size = 0;
  private ptr = 0;
  constructor(readonly capacity: number, readonly obsDim: number, readonly actDim: number) {
    this.obs = new Float32Array(capacity * obsDim);
    this.act = new Float32Array(capacity * actDim);
    this.rew = new Float32Array(capacity);
    this.next = new Float32Array(capacity * obsDim);
    this.done = new Float32Array(capacity);
  }
  add(o: Float32Array, a: Float32Array, r: Float32Array, n: Float32Array, d: Float32Array, count: number): void {
    for (let i = 0; i < count; i++) {
      const p = this.ptr;
      this.obs.set(o.subarray(i * this.obsDim, (i + 1) * this.obsDim), p * this.obsDim);
      this.act.set(a.subarray(i * this.actDim, (i + 1) * this.actDim), p * this.actDim);
      this.rew[p] = r[i]!;
      this.next.set(n.subarray(i * this.obsDim, (i + 1) * this.obsDim), p * this.obsDim);
      this.done[p] = d[i]!;
      this.ptr = (p + 1) % this.capacity;
      this.size = Math.min(this.size + 1, this.capacity);
    }
  }
}

export class MorecAgent implements Agent {
  readonly config: MorecConfig;
  readonly sac: SAC;
  private readonly buffer: ModelBuffer;
  private readonly rng: Rng;
  private readonly batch: Batch;
  private steps = 0;
  lastRollout: { meanLength: number; stoppedByReward: number; meanRewardD: number } | null = null;

  constructor(
    readonly engine: Engine,
    readonly data: Dataset,
    readonly dynamics: DynamicsEnsemble,
    readonly dynamicsReward: DynamicsReward | null,
    readonly task: string,
    config: Partial<MorecConfig> = {},
  ) {
    this.config = { ...MOREC_DEFAULTS, ...config };
    const c = this.config;
    const { obsDim, actDim } = data;
    this.sac = new SAC(engine, obsDim, actDim, { seed: c.seed, ...c.sac });
    this.rng = new Rng(c.seed + 7);
    this.buffer = new ModelBuffer(Math.max(1, c.bufferRounds * c.rolloutBatch * (c.rollout.horizon ?? 100)), obsDim, actDim);
    const B = c.batchSize;
    this.batch = { size: B, obsDim, actDim, observations: new Float32Array(B * obsDim), actions: new Float32Array(B * actDim), rewards: new Float32Array(B), nextObservations: new Float32Array(B * obsDim), dones: new Float32Array(B), indices: new Uint32Array(B) };
  }

  private refreshRollouts(): void {
    const c = this.config, d = this.data, S = d.obsDim;
    const starts = new Float32Array(c.rolloutBatch * S);
    for (let i = 0; i < c.rolloutBatch; i++) {
      const r = this.rng.int(d.size);
      starts.set(d.observations.subarray(r * S, (r + 1) * S), i * S);
    }
    const roll = rollout(this.dynamics, this.dynamicsReward, (o, n) => this.sac.sample(o, n).action, starts, this.task, c.rollout, this.rng);
    this.buffer.add(roll.observations, roll.actions, roll.rewards, roll.nextObservations, roll.dones, roll.size);
    this.lastRollout = { meanLength: roll.meanLength, stoppedByReward: roll.stoppedByReward, meanRewardD: roll.meanRewardD };
  }

  /** `real` is a batch of real transitions (its size sets the real share); the rest comes from the model buffer. */
  update(real: Batch): Record<string, number> {
    if (this.steps % this.config.rolloutFreq === 0) this.refreshRollouts();
    this.steps++;
    const b = this.batch, S = b.obsDim, A = b.actDim;
    const nReal = Math.min(real.size, b.size);
    for (let i = 0; i < b.size; i++) {
      if (i < nReal) {
        b.observations.set(real.observations.subarray(i * S, (i + 1) * S), i * S);
        b.actions.set(real.actions.subarray(i * A, (i + 1) * A), i * A);
        b.rewards[i] = real.rewards[i]!;
        b.nextObservations.set(real.nextObservations.subarray(i * S, (i + 1) * S), i * S);
        b.dones[i] = real.dones[i]!;
      } else {
        const j = this.rng.int(this.buffer.size);
        b.observations.set(this.buffer.obs.subarray(j * S, (j + 1) * S), i * S);
        b.actions.set(this.buffer.act.subarray(j * A, (j + 1) * A), i * A);
        b.rewards[i] = this.buffer.rew[j]!;
        b.nextObservations.set(this.buffer.next.subarray(j * S, (j + 1) * S), i * S);
        b.dones[i] = this.buffer.done[j]!;
      }
    }
    const m = this.sac.update(b);
    if (this.lastRollout) {
      m['rollout/length'] = this.lastRollout.meanLength;
      m['rollout/stopped_by_reward'] = this.lastRollout.stoppedByReward;
      if (Number.isFinite(this.lastRollout.meanRewardD)) m['rollout/r_d'] = this.lastRollout.meanRewardD;
    }
    return m;
  }

  policy(): MlpPolicy {
    return this.sac.policy();
  }

  /** SAC state and step count (the model buffer is regenerated after a resume, so resumes are not bit-exact). */
  stateDict(): StateDict {
    return { algo: 'morec', steps: this.steps, sac: this.sac.stateDict() };
  }

  loadStateDict(s: StateDict): void {
    if (s.algo !== 'morec') throw new OrlError('CHECKPOINT', 'not a MOREC checkpoint');
    this.sac.loadStateDict(s.sac as StateDict);
    this.steps = (s.steps as number) - ((s.steps as number) % this.config.rolloutFreq);
  }
}

export type { DynamicsConfig, DynamicsRewardConfig };
