/**
 * MOREC — "Reward-Consistent Dynamics Models are Strongly Generalizable for Offline RL", Luo et al., ICLR 2024
 * (arXiv 2310.05422). Model-based offline RL (MOPO-style SAC on model rollouts) whose rollouts are filtered by a
 * dynamics reward learned adversarially (see dynamics-reward.ts). Settings of the public release
 * (OfflineRL-Kit based): 7 dynamics models, 5 elites; 10 candidates per step chosen by softmax(r_D/κ), κ = 0.1;
 * a rollout stops when r_D < 0.6; horizon 100 (MOPO uses 5: ours is a config); real-data ratio 0.05.
 * Ablations as flags: select 'none' (plain MOPO), earlyStop false, select 'argmax'.
 * Policy penalty: MOPO's (reward − λ·max‖σ‖, in the rollouts) or MOBILE's (Sun et al., ICML 2023): the critic target
 * of a model transition uses r − β·std_e(E_k[min Q′(s′_ek, a′)]) over next states s′_ek sampled from every elite e.
 */
import { type Dataset, OrlError, Rng, type Agent, type Batch, type StateDict } from '@orl/core';
import { AgentState, type Engine, type MlpPolicy } from '@orl/nn';
import type { DynamicsEnsemble, DynamicsConfig } from './dynamics.js';
import type { DynamicsReward, DynamicsRewardConfig } from './dynamics-reward.js';
import { rollout, type RolloutConfig } from './rollout.js';
import { SAC, type SACConfig } from './sac.js';

export interface MorecConfig {
  /** Model rollouts (dotted: rollout.horizon, rollout.kappa, …). */
  rollout: Partial<RolloutConfig>;
  /** New rollouts every this many SAC steps, from this many dataset start states. */
  rolloutFreq: number;
  /** Start states per rollout round. */
  rolloutBatch: number;
  /** The model buffer keeps this many rollout rounds' worth of transitions. */
  bufferRounds: number;
  /** Fraction of each batch drawn from the real data. */
  realRatio: number;
  /** SAC mini-batch size (real + model transitions). */
  batchSize: number;
  /** The SAC agent trained on the rollouts. */
  sac: Partial<SACConfig>;
  /** 'mopo': uncertainty penalty in the rollout rewards (rollout.penalty); 'mobile': Bellman-inconsistency penalty. */
  policyPenalty: 'mopo' | 'mobile';
  /** MOBILE's β and next-state samples per elite (its release: 10 samples; β tuned per dataset, 0.1–2.5). */
  mobile: {
    /** MOBILE's penalty coefficient β. */
    beta: number;
    /** MOBILE's next-state samples per elite. */
    samples: number;
  };
  /** Seed of everything MOREC draws. */
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
  policyPenalty: 'mopo',
  mobile: { beta: 1, samples: 2 },
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
  constructor(
    readonly capacity: number,
    readonly obsDim: number,
    readonly actDim: number,
  ) {
    this.obs = new Float32Array(capacity * obsDim);
    this.act = new Float32Array(capacity * actDim);
    this.rew = new Float32Array(capacity);
    this.next = new Float32Array(capacity * obsDim);
    this.done = new Float32Array(capacity);
  }
  /** The filled rows and the write position (what a checkpoint needs to continue exactly). */
  getState(): StateDict {
    const S = this.obsDim,
      A = this.actDim,
      n = this.size;
    return {
      size: n,
      ptr: this.ptr,
      obs: this.obs.slice(0, n * S),
      act: this.act.slice(0, n * A),
      rew: this.rew.slice(0, n),
      next: this.next.slice(0, n * S),
      done: this.done.slice(0, n),
    };
  }
  setState(s: StateDict): void {
    const n = s.size as number;
    if (!Number.isInteger(n) || n < 0 || n > this.capacity || (s.obs as Float32Array)?.length !== n * this.obsDim)
      throw new OrlError('CHECKPOINT', `model buffer state does not fit this agent (capacity ${this.capacity})`);
    this.obs.set(s.obs as Float32Array);
    this.act.set(s.act as Float32Array);
    this.rew.set(s.rew as Float32Array);
    this.next.set(s.next as Float32Array);
    this.done.set(s.done as Float32Array);
    this.size = n;
    this.ptr = s.ptr as number;
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
  private readonly steps: { value: number };
  lastRollout: { meanLength: number; stoppedByReward: number; meanRewardD: number } | null = null;
  /** SAC, the rollout RNG, the model buffer and counters: what checkpoints save (the models are trained before). */
  private readonly state = new AgentState();

  constructor(
    readonly engine: Engine,
    readonly data: Dataset,
    readonly dynamics: DynamicsEnsemble,
    readonly dynamicsReward: DynamicsReward | null,
    readonly task: string,
    config: Partial<MorecConfig> = {},
  ) {
    this.config = { ...MOREC_DEFAULTS, ...config, mobile: { ...MOREC_DEFAULTS.mobile, ...config.mobile } };
    if (!(this.config.mobile.samples >= 1) || !(this.config.mobile.beta >= 0))
      throw new OrlError('INVALID_CONFIG', 'mobile.samples must be ≥ 1 and mobile.beta ≥ 0');
    if (this.config.policyPenalty === 'mobile' && dynamics.eliteIdx.length < 2) throw new OrlError('INVALID_CONFIG', 'MOBILE needs at least 2 elites');
    const c = this.config;
    const { obsDim, actDim } = data;
    const st = this.state;
    this.sac = new SAC(engine, obsDim, actDim, { seed: c.seed, ...c.sac });
    st.entry('sac', { get: () => this.sac.stateDict(), set: (v) => this.sac.loadStateDict(v as StateDict), dispose: () => this.sac.dispose() });
    this.rng = st.rng('rng', new Rng(c.seed + 7));
    this.steps = st.counter('steps');
    this.buffer = new ModelBuffer(Math.max(1, c.bufferRounds * c.rolloutBatch * (c.rollout.horizon ?? 100)), obsDim, actDim);
    st.entry('buffer', { get: () => this.buffer.getState(), set: (v) => this.buffer.setState(v as StateDict) });
    st.entry('lastRollout', {
      get: () => (this.lastRollout ? { ...this.lastRollout } : null),
      set: (v) => (this.lastRollout = v ? { ...(v as NonNullable<MorecAgent['lastRollout']>) } : null),
    });
    const B = c.batchSize;
    this.batch = {
      size: B,
      obsDim,
      actDim,
      observations: new Float32Array(B * obsDim),
      actions: new Float32Array(B * actDim),
      rewards: new Float32Array(B),
      nextObservations: new Float32Array(B * obsDim),
      dones: new Float32Array(B),
      indices: new Uint32Array(B),
    };
  }

  private refreshRollouts(): void {
    const c = this.config,
      d = this.data,
      S = d.obsDim;
    const starts = new Float32Array(c.rolloutBatch * S);
    for (let i = 0; i < c.rolloutBatch; i++) {
      const r = this.rng.int(d.size);
      starts.set(d.observations.subarray(r * S, (r + 1) * S), i * S);
    }
    const cfg = c.policyPenalty === 'mobile' ? { penalty: 0, ...c.rollout } : c.rollout;
    const roll = rollout(this.dynamics, this.dynamicsReward, (o, n) => this.sac.sample(o, n).action, starts, this.task, cfg, this.rng);
    this.buffer.add(roll.observations, roll.actions, roll.rewards, roll.nextObservations, roll.dones, roll.size);
    this.lastRollout = { meanLength: roll.meanLength, stoppedByReward: roll.stoppedByReward, meanRewardD: roll.meanRewardD };
  }

  /** `real` is a batch of real transitions (its size sets the real share); the rest comes from the model buffer. */
  update(real: Batch): Record<string, number> {
    if (this.steps.value % this.config.rolloutFreq === 0) this.refreshRollouts();
    this.steps.value++;
    const b = this.batch,
      S = b.obsDim,
      A = b.actDim;
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
    const mobile = this.config.policyPenalty === 'mobile' && nReal < b.size ? this.mobilePenalty(b, nReal) : null;
    const m = this.sac.update(b);
    if (mobile !== null) m['penalty/mobile'] = mobile;
    if (this.lastRollout) {
      m['rollout/length'] = this.lastRollout.meanLength;
      m['rollout/stopped_by_reward'] = this.lastRollout.stoppedByReward;
      if (Number.isFinite(this.lastRollout.meanRewardD)) m['rollout/r_d'] = this.lastRollout.meanRewardD;
    }
    return m;
  }

  /**
   * MOBILE: subtracts β·std over elites of the mean target value of sampled next states from the rewards of the
   * model rows (rows ≥ nReal) of `b`, which is what its critic target r − β·u + γ·V(s′) amounts to. Returns mean u.
   */
  private mobilePenalty(b: Batch, nReal: number): number {
    const { beta, samples: K } = this.config.mobile;
    const S = b.obsDim,
      A = b.actDim,
      m = b.size - nReal,
      td = this.dynamics.targetDim;
    const obs = b.observations.subarray(nReal * S),
      act = b.actions.subarray(nReal * A, b.size * A);
    const { mean, std } = this.dynamics.predict(obs, act, m);
    const E = mean.length;
    const next = new Float32Array(E * K * m * S);
    for (let e = 0; e < E; e++) {
      for (let k = 0; k < K; k++) {
        for (let r = 0; r < m; r++) {
          const o = ((e * K + k) * m + r) * S;
          for (let j = 0; j < S; j++) next[o + j] = obs[r * S + j]! + mean[e]![r * td + j]! + std[e]![r * td + j]! * this.rng.normal();
        }
      }
    }
    const v = this.sac.targetValue(next, E * K * m);
    let total = 0;
    for (let r = 0; r < m; r++) {
      let s1 = 0,
        s2 = 0;
      for (let e = 0; e < E; e++) {
        let q = 0;
        for (let k = 0; k < K; k++) q += v[(e * K + k) * m + r]! / K;
        s1 += q;
        s2 += q * q;
      }
      const u = Math.sqrt(Math.max(0, s2 / E - (s1 / E) ** 2) * (E / (E - 1)));
      b.rewards[nReal + r]! -= beta * u;
      total += u / m;
    }
    return total;
  }

  policy(): MlpPolicy {
    return this.sac.policy();
  }

  /** SAC state and step count (the model buffer is regenerated after a resume, so resumes are not bit-exact). */
  stateDict(): StateDict {
    return { algo: 'morec', ...this.state.stateDict() };
  }

  loadStateDict(s: StateDict): void {
    this.state.loadStateDict(s);
  }

  /** Frees SAC's engine memory (the dynamics models belong to the caller). */
  dispose(): void {
    this.state.dispose();
  }
}

export type { DynamicsConfig, DynamicsRewardConfig };
