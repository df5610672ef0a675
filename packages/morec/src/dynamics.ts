import { type Dataset, OrlError, Rng, StateNormalizer, type StateDict } from '@orl/core';
import { Adam, MLP, Tape, mlpState, type Engine } from '@orl/nn';
import { boundLogVar, gaussianNll } from './gaussian.js';

/** A row carries a usable reward: not masked out, and finite. */
export function isLabelled(d: Dataset, i: number): boolean {
  return (!d.rewardMask || d.rewardMask[i] === 1) && Number.isFinite(d.rewards[i]!);
}

export interface DynamicsConfig {
  /** Ensemble size (MOREC/OfflineRL-Kit: 7). */
  members: number;
  /** Members kept for rollouts, the best by hold-out MSE (5). */
  elites: number;
  /** Hidden widths (4 × 200). */
  hidden: number[];
  lr: number;
  /** L2 weight decay (the release uses 2.5e-5…1e-4 per layer; one value here). */
  weightDecay: number;
  batchSize: number;
  /** Hold-out rows: min(holdoutFraction · N, maxHoldout). */
  holdoutFraction: number;
  maxHoldout: number;
  /** Stop after this many epochs in which no member improved its hold-out MSE by more than 1%. */
  patience: number;
  maxEpochs: number;
  /** Predict the reward as well (the reward head); rows without a label (NaN) are left out of its loss. */
  predictReward: boolean;
  seed: number;
}

export const DYNAMICS_DEFAULTS: Readonly<DynamicsConfig> = Object.freeze({
  members: 7,
  elites: 5,
  hidden: [200, 200, 200, 200],
  lr: 1e-3,
  weightDecay: 5e-5,
  batchSize: 256,
  holdoutFraction: 0.2,
  maxHoldout: 1000,
  patience: 5,
  maxEpochs: 200,
  predictReward: true,
  seed: 0,
});

/**
 * An ensemble of Gaussian MLPs predicting (Δs, r) from (s, a) (MOREC/MOPO's dynamics model). Inputs are standardised;
 * targets are raw. Each member outputs [μ | raw logvar] for the target's dims.
 */
export class DynamicsEnsemble {
  readonly config: DynamicsConfig;
  readonly members: MLP[];
  eliteIdx: number[] = [];
  inputNorm: StateNormalizer | null = null;
  private readonly rng: Rng;

  constructor(
    readonly engine: Engine,
    readonly obsDim: number,
    readonly actDim: number,
    config: Partial<DynamicsConfig> = {},
  ) {
    this.config = { ...DYNAMICS_DEFAULTS, ...config };
    if (this.config.elites > this.config.members) throw new OrlError('INVALID_CONFIG', 'elites must be ≤ members');
    this.rng = new Rng(this.config.seed);
    const out = 2 * this.targetDim;
    this.members = Array.from(
      { length: this.config.members },
      () => new MLP(engine, { sizes: [obsDim + actDim, ...this.config.hidden, out], hidden: 'relu', seed: this.rng.fork() }),
    );
  }

  /** Δs dims + 1 reward dim (when predicted). */
  get targetDim(): number {
    return this.obsDim + (this.config.predictReward ? 1 : 0);
  }

  private inputs(data: Dataset, rows: ArrayLike<number>, start: number, n: number, out: Float32Array): void {
    const { obsDim, actDim } = this;
    const w = obsDim + actDim;
    for (let k = 0; k < n; k++) {
      const i = rows[start + k]!;
      out.set(data.observations.subarray(i * obsDim, (i + 1) * obsDim), k * w);
      out.set(data.actions.subarray(i * actDim, (i + 1) * actDim), k * w + obsDim);
    }
    this.inputNorm!.normalize(out.subarray(0, n * w), out.subarray(0, n * w));
  }

  private targets(data: Dataset, rows: ArrayLike<number>, start: number, n: number, out: Float32Array, mask: Float32Array): void {
    const { obsDim } = this;
    const td = this.targetDim;
    const next = data.nextObservations!;
    for (let k = 0; k < n; k++) {
      const i = rows[start + k]!;
      for (let j = 0; j < obsDim; j++) out[k * td + j] = next[i * obsDim + j]! - data.observations[i * obsDim + j]!;
      if (this.config.predictReward) {
        const labelled = isLabelled(data, i);
        out[k * td + obsDim] = labelled ? data.rewards[i]! : 0;
        mask[k] = labelled ? 1 : 0;
      }
    }
  }

  /** Trains every member on shuffled batches; hold-out early stopping; picks the elites. Returns hold-out MSEs. */
  fit(data: Dataset, onEpoch?: (epoch: number, holdout: number[]) => void): { holdout: number[]; epochs: number; elites: number[] } {
    if (!data.nextObservations) throw new OrlError('INVALID_DATASET', 'dynamics training needs transitions (nextObservations)');
    const c = this.config;
    const { obsDim, actDim } = this;
    const w = obsDim + actDim,
      td = this.targetDim;
    const perm = this.rng.permutation(data.size);
    const nHold = Math.min(Math.round(c.holdoutFraction * data.size), c.maxHoldout);
    const hold = perm.slice(0, nHold),
      train = perm.slice(nHold);
    const sa = new Float32Array(train.length * w);
    for (let k = 0; k < train.length; k++) {
      const i = train[k]!;
      sa.set(data.observations.subarray(i * obsDim, (i + 1) * obsDim), k * w);
      sa.set(data.actions.subarray(i * actDim, (i + 1) * actDim), k * w + obsDim);
    }
    this.inputNorm = StateNormalizer.fit(sa, w, 1e-6);
    const opts = this.members.map((m) => new Adam(m, { lr: c.lr, weightDecay: c.weightDecay }));
    const B = Math.min(c.batchSize, train.length);
    const x = new Float32Array(B * w),
      y = new Float32Array(B * td),
      mask = new Float32Array(B).fill(1),
      tape = new Tape(this.engine);
    const hx = new Float32Array(nHold * w),
      hy = new Float32Array(nHold * td),
      hm = new Float32Array(nHold).fill(1);
    this.inputs(data, hold, 0, nHold, hx);
    this.targets(data, hold, 0, nHold, hy, hm);
    const best = this.members.map(() => Infinity);
    const snapshots = this.members.map((m) => m.getParams());
    let stale = 0,
      epoch = 0;
    const orders = this.members.map(() => Uint32Array.from(train));
    for (epoch = 1; epoch <= c.maxEpochs; epoch++) {
      // Every member sees its own shuffle of the rows; all members step together, one batched kernel call per layer.
      for (const order of orders) this.rng.shuffle(order);
      for (let s = 0; s + B <= train.length; s += B) {
        const t = tape.reset();
        const xs = orders.map((order) => {
          this.inputs(data, order, s, B, x);
          return t.constant(x, B, w);
        });
        const outs = t.mlps(this.members, xs);
        const losses = outs.map((out, k) => {
          this.targets(data, orders[k]!, s, B, y, mask);
          return t.lossOf(out, (o, g) => this.nll(o, y, B, mask, g)); // evaluated now: y and mask are reused
        });
        for (const o of opts) o.zeroGrad();
        t.backward(losses.reduce((sum, l) => t.add(sum, l)));
        for (const o of opts) o.step();
      }
      const mses = this.mseAll(hx, hy, nHold, hm);
      let improved = false;
      mses.forEach((v, k) => {
        if ((best[k]! - v) / best[k]! > 0.01 || best[k] === Infinity) {
          best[k] = v;
          snapshots[k] = this.members[k]!.getParams();
          improved = true;
        }
      });
      onEpoch?.(epoch, mses);
      stale = improved ? 0 : stale + 1;
      if (stale >= c.patience) break;
    }
    this.members.forEach((m, k) => m.setParams(snapshots[k]!));
    this.eliteIdx = best
      .map((v, k) => [v, k] as const)
      .sort((a, b) => a[0] - b[0])
      .slice(0, c.elites)
      .map(([, k]) => k);
    tape.dispose();
    for (const o of opts) o.dispose();
    return { holdout: best, epochs: Math.min(epoch, c.maxEpochs), elites: [...this.eliteIdx] };
  }

  private nll(out: Float32Array, y: Float32Array, B: number, mask: Float32Array, g: Float32Array): number {
    const td = this.targetDim;
    if (!this.config.predictReward) return gaussianNll(out, y, B, td, g);
    // The reward dim of unlabelled rows gets no loss (the imputed-rewards idea inside MOREC).
    const loss = gaussianNll(out, y, B, td, g);
    for (let r = 0; r < B; r++) {
      if (mask[r]) continue;
      g[r * 2 * td + td - 1] = 0;
      g[r * 2 * td + 2 * td - 1] = 0;
    }
    return loss;
  }

  /** Mean squared error of each member's mean prediction on normalized inputs (reward dim only where labelled). */
  private mseAll(x: Float32Array, y: Float32Array, n: number, mask: Float32Array): number[] {
    const td = this.targetDim;
    return this.forwardMembers(this.members, x, n).map((out) => {
      let s = 0,
        cnt = 0;
      for (let r = 0; r < n; r++) {
        for (let j = 0; j < td; j++) {
          if (j === this.obsDim && !mask[r]) continue;
          s += (out[r * 2 * td + j]! - y[r * td + j]!) ** 2;
          cnt++;
        }
      }
      return s / cnt;
    });
  }

  /** Outputs of `members` on n normalized rows, in chunks, one batched kernel call per layer and chunk. */
  private forwardMembers(members: readonly MLP[], x: Float32Array, n: number): Float32Array[] {
    const td = this.targetDim,
      w = this.obsDim + this.actDim;
    const outs = members.map(() => new Float32Array(n * 2 * td));
    const chunk = 4096;
    for (let s = 0; s < n; s += chunk) {
      const k = Math.min(chunk, n - s);
      MLP.predictEnsemble(members, x.subarray(s * w, (s + k) * w), k).forEach((o, i) => outs[i]!.set(o, s * 2 * td));
    }
    return outs;
  }

  /**
   * Mean and std of (Δs, r) of every elite for `n` rows of raw (s, a): returns [elite][n × targetDim] arrays.
   */
  predict(obs: Float32Array, act: Float32Array, n: number): { mean: Float32Array[]; std: Float32Array[] } {
    if (!this.inputNorm || this.eliteIdx.length === 0) throw new OrlError('INVALID_ARGUMENT', 'DynamicsEnsemble.predict before fit');
    const { obsDim, actDim } = this;
    const w = obsDim + actDim,
      td = this.targetDim;
    const x = new Float32Array(n * w);
    for (let r = 0; r < n; r++) {
      x.set(obs.subarray(r * obsDim, (r + 1) * obsDim), r * w);
      x.set(act.subarray(r * actDim, (r + 1) * actDim), r * w + obsDim);
    }
    this.inputNorm.normalize(x, x);
    const mean: Float32Array[] = [],
      std: Float32Array[] = [];
    const outs = this.forwardMembers(
      this.eliteIdx.map((k) => this.members[k]!),
      x,
      n,
    );
    for (const out of outs) {
      const mu = new Float32Array(n * td),
        sd = new Float32Array(n * td);
      for (let r = 0; r < n; r++) {
        for (let j = 0; j < td; j++) {
          mu[r * td + j] = out[r * 2 * td + j]!;
          sd[r * td + j] = Math.exp(0.5 * boundLogVar(out[r * 2 * td + td + j]!).logvar);
        }
      }
      mean.push(mu);
      std.push(sd);
    }
    return { mean, std };
  }

  stateDict(): StateDict {
    return {
      format: 'orl-dynamics/1',
      config: this.config as unknown as StateDict,
      obsDim: this.obsDim,
      actDim: this.actDim,
      elites: this.eliteIdx,
      inputNorm: this.inputNorm?.toJSON() ?? null,
      members: this.members.map((m) => mlpState(m)),
    };
  }

  static fromState(engine: Engine, s: StateDict): DynamicsEnsemble {
    if (s.format !== 'orl-dynamics/1') throw new OrlError('FORMAT', 'not a dynamics ensemble state');
    const d = new DynamicsEnsemble(engine, s.obsDim as number, s.actDim as number, s.config as unknown as DynamicsConfig);
    (s.members as StateDict[]).forEach((ms, k) => d.members[k]!.setParams(ms.params as Float32Array));
    d.eliteIdx = s.elites as number[];
    d.inputNorm = s.inputNorm ? StateNormalizer.fromJSON(s.inputNorm as never) : null;
    return d;
  }
}
