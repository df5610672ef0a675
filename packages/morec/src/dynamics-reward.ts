/**
 * MOREC's dynamics reward (Luo et al., ICLR 2024): a discriminator D(s, a, Δs) trained adversarially against the
 * dynamics model, kept as an ensemble of snapshots, scores how "real" a transition is:
 *   r_D(s, a, Δs) = −log(1 − mean_i clip(σ(D_i(s, a, Δs)), 0, 1))
 * The authors never released the adversarial loop. Design here (GAIL/AIRL-style, the dynamics model is the "policy"):
 *   - discriminator step: binary cross-entropy, real (s, a, Δs) from data → 1, model samples Δs ~ p_k(·|s, a) → 0;
 *   - model step: REINFORCE on the sampled Δs of one elite with advantage r_D − mean(r_D), plus the maximum-likelihood
 *     loss on the real batch (keeps the model anchored to the data);
 *   - snapshots of D every `snapshotEvery` steps over the last `snapshotWindow` steps form the ensemble (≈ 40);
 *   - equilibrium calibration (`calibration: 'equilibrium'`, our addition): the reference's κ = 0.1 and stop threshold
 *     0.6 are on the scale of a discriminator near the adversarial equilibrium (D = 0.5 ⇒ r_D = ln 2 ≈ 0.69; 0.6 ⇔
 *     D ≈ 0.45). A discriminator facing a Gaussian model of deterministic MuJoCo dynamics wins outright (measured on
 *     hopper-medium: real r_D ≈ 5, model samples ≈ 0, 99% below 0.6, so every rollout would stop at its first step).
 *     Each snapshot's logit is therefore standardised by the median and spread of its logits on the final model's
 *     own samples at data (s, a): a typical model sample sits at D = 0.5, better ones above, and a rollout stops only
 *     when all candidates are worse than most model samples on the data. Ranking (AUC) is unchanged.
 */
import { type Dataset, OrlError, Rng, StateNormalizer, type StateDict } from '@orl/core';
import { Adam, MLP, Tape, type Engine } from '@orl/nn';
import type { DynamicsEnsemble } from './dynamics.js';
import { boundLogVar, gaussianNll } from './gaussian.js';

export interface DynamicsRewardConfig {
  hidden: number[];
  lr: number;
  /** Learning rate of the adversarial model step (0 disables it: D then only separates data from the fixed model). */
  modelLr: number;
  /** Weight of the maximum-likelihood term in the model step. */
  mleWeight: number;
  batchSize: number;
  steps: number;
  snapshotEvery: number;
  snapshotWindow: number;
  /** 'equilibrium': standardise each snapshot's logits on model samples (see above); 'none': raw logits. */
  calibration: 'equilibrium' | 'none';
  seed: number;
}

export const DYNAMICS_REWARD_DEFAULTS: Readonly<DynamicsRewardConfig> = Object.freeze({
  hidden: [256, 256],
  lr: 3e-4,
  modelLr: 1e-5,
  mleWeight: 1,
  batchSize: 256,
  steps: 2000,
  snapshotEvery: 10,
  snapshotWindow: 400,
  calibration: 'equilibrium',
  seed: 0,
});

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export class DynamicsReward {
  readonly config: DynamicsRewardConfig;
  readonly net: MLP;
  snapshots: Float32Array[] = [];
  /** Per-snapshot logit shift and scale (identity without calibration). */
  calibration: { shift: number[]; scale: number[] } | null = null;
  norm: StateNormalizer | null = null;
  private readonly rng: Rng;

  constructor(
    readonly engine: Engine,
    readonly obsDim: number,
    readonly actDim: number,
    config: Partial<DynamicsRewardConfig> = {},
  ) {
    this.config = { ...DYNAMICS_REWARD_DEFAULTS, ...config };
    this.rng = new Rng(this.config.seed);
    this.net = new MLP(engine, { sizes: [2 * obsDim + actDim, ...this.config.hidden, 1], seed: this.rng.fork() });
  }

  private get inDim(): number {
    return 2 * this.obsDim + this.actDim;
  }

  /** Writes normalized (s, a, Δs) rows. */
  private pack(obs: ArrayLike<number>, act: ArrayLike<number>, delta: ArrayLike<number>, n: number, out: Float32Array): void {
    const { obsDim, actDim } = this;
    const w = this.inDim;
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < obsDim; j++) out[r * w + j] = obs[r * obsDim + j]!;
      for (let j = 0; j < actDim; j++) out[r * w + obsDim + j] = act[r * actDim + j]!;
      for (let j = 0; j < obsDim; j++) out[r * w + obsDim + actDim + j] = delta[r * obsDim + j]!;
    }
    if (this.norm) this.norm.normalize(out.subarray(0, n * w), out.subarray(0, n * w));
  }

  /** Adversarial training against `dynamics` on the real transitions of `data`. Returns the last losses. */
  train(dynamics: DynamicsEnsemble, data: Dataset, onStep?: (step: number, m: Record<string, number>) => void): Record<string, number> {
    if (!data.nextObservations) throw new OrlError('INVALID_DATASET', 'dynamics reward training needs transitions');
    const c = this.config;
    const { obsDim, actDim } = this;
    const w = this.inDim,
      td = dynamics.targetDim;
    const all = new Float32Array(data.size * w);
    for (let i = 0; i < data.size; i++) {
      all.set(data.observations.subarray(i * obsDim, (i + 1) * obsDim), i * w);
      all.set(data.actions.subarray(i * actDim, (i + 1) * actDim), i * w + obsDim);
      for (let j = 0; j < obsDim; j++) all[i * w + obsDim + actDim + j] = data.nextObservations[i * obsDim + j]! - data.observations[i * obsDim + j]!;
    }
    this.norm = StateNormalizer.fit(all, w, 1e-6);
    const B = c.batchSize;
    const opt = new Adam(this.net, { lr: c.lr });
    const modelOpts = c.modelLr > 0 ? dynamics.members.map((m) => new Adam(m, { lr: c.modelLr })) : [];
    const s = new Float32Array(B * obsDim),
      a = new Float32Array(B * actDim),
      dReal = new Float32Array(B * obsDim),
      dFake = new Float32Array(B * obsDim);
    const x = new Float32Array(2 * B * w),
      y = new Float32Array(B * td);
    const tape = new Tape(this.engine);
    this.snapshots = [];
    let last: Record<string, number> = {};
    for (let step = 1; step <= c.steps; step++) {
      const rows = Array.from({ length: B }, () => this.rng.int(data.size));
      rows.forEach((i, r) => {
        s.set(data.observations.subarray(i * obsDim, (i + 1) * obsDim), r * obsDim);
        a.set(data.actions.subarray(i * actDim, (i + 1) * actDim), r * actDim);
        for (let j = 0; j < obsDim; j++) dReal[r * obsDim + j] = data.nextObservations![i * obsDim + j]! - data.observations[i * obsDim + j]!;
      });
      // Model samples from one elite (its raw outputs kept for the model step).
      const k = dynamics.eliteIdx[this.rng.int(dynamics.eliteIdx.length)]!;
      const member = dynamics.members[k]!;
      const xin = new Float32Array(B * (obsDim + actDim));
      for (let r = 0; r < B; r++) {
        xin.set(s.subarray(r * obsDim, (r + 1) * obsDim), r * (obsDim + actDim));
        xin.set(a.subarray(r * actDim, (r + 1) * actDim), r * (obsDim + actDim) + obsDim);
      }
      dynamics.inputNorm!.normalize(xin, xin);
      const t = tape.reset();
      // The model's raw outputs, kept on the tape for its REINFORCE + MLE step below.
      const modelOut = t.mlp(member, t.constant(xin, B, obsDim + actDim), { frozen: modelOpts.length === 0 });
      const mRow = modelOut.values();
      const eps = new Float32Array(B * obsDim);
      for (let r = 0; r < B; r++) {
        for (let j = 0; j < obsDim; j++) {
          const e = this.rng.normal();
          eps[r * obsDim + j] = e;
          dFake[r * obsDim + j] = mRow[r * 2 * td + j]! + Math.exp(0.5 * boundLogVar(mRow[r * 2 * td + td + j]!).logvar) * e;
        }
      }
      // Discriminator step: BCE(real → 1, fake → 0), logits in one batch of 2B.
      this.pack(s, a, dReal, B, x.subarray(0, B * w));
      this.pack(s, a, dFake, B, x.subarray(B * w));
      const logitsT = t.mlp(this.net, t.constant(x, 2 * B, w));
      const logits = logitsT.values();
      let accReal = 0,
        accFake = 0;
      const dLoss = t.lossOf(logitsT, (l, g) => {
        let loss = 0;
        for (let r = 0; r < 2 * B; r++) {
          const p = sigmoid(l[r]!),
            label = r < B ? 1 : 0;
          loss -= (label ? Math.log(p + 1e-8) : Math.log(1 - p + 1e-8)) / (2 * B);
          g[r] = (p - label) / (2 * B);
          if (r < B) accReal += p > 0.5 ? 1 / B : 0;
          else accFake += p < 0.5 ? 1 / B : 0;
        }
        return loss;
      });
      opt.zeroGrad();
      t.backward(dLoss);
      opt.step();
      // Model step: REINFORCE with the discriminator's reward on the fake samples + MLE on the real batch.
      if (modelOpts.length) {
        const rD = new Float64Array(B);
        let mean = 0;
        for (let r = 0; r < B; r++) {
          const p = Math.min(sigmoid(logits[B + r]!), 1 - 1e-6);
          rD[r] = -Math.log(1 - p);
          mean += rD[r]! / B;
        }
        for (let r = 0; r < B; r++) {
          for (let j = 0; j < obsDim; j++) y[r * td + j] = dReal[r * obsDim + j]!;
          if (td > obsDim) y[r * td + obsDim] = mRow[r * 2 * td + obsDim]!; // leave the reward head alone here
        }
        // The surrogate's gradient: MLE on the real Δs, minus the REINFORCE term (the loss value itself is not reported).
        const surrogate = t.lossOf(modelOut, (_, gm) => {
          gaussianNll(mRow, y, B, td, gm);
          for (let i = 0; i < gm.length; i++) gm[i]! *= c.mleWeight;
          const n = B * obsDim;
          for (let r = 0; r < B; r++) {
            const adv = rD[r]! - mean;
            for (let j = 0; j < obsDim; j++) {
              const { logvar, grad: dlv } = boundLogVar(mRow[r * 2 * td + td + j]!);
              const e = eps[r * obsDim + j]!;
              // d log p(Δs_fake)/dμ = e·σ/σ² = e/σ (with Δs held fixed); d/dlogvar = 0.5(e² − 1).
              gm[r * 2 * td + j]! -= (adv * e * Math.exp(-0.5 * logvar)) / n;
              gm[r * 2 * td + td + j]! -= (adv * 0.5 * (e * e - 1) * dlv) / n;
            }
          }
          return 0;
        });
        modelOpts[k]!.zeroGrad();
        t.backward(surrogate);
        modelOpts[k]!.step();
      }
      if (step > c.steps - c.snapshotWindow && (c.steps - step) % c.snapshotEvery === 0) this.snapshots.push(this.net.getParams());
      last = { 'loss/discriminator': dLoss.value, 'acc/real': accReal, 'acc/fake': accFake };
      onStep?.(step, last);
    }
    if (this.snapshots.length === 0) this.snapshots.push(this.net.getParams());
    this.net.setParams(this.snapshots.at(-1)!);
    tape.dispose();
    opt.dispose();
    for (const o of modelOpts) o.dispose();
    this.calibration = null;
    if (c.calibration === 'equilibrium') this.calibrate(dynamics, data);
    return last;
  }

  /** Median and spread (IQR / 1.349) of every snapshot's logits on the model's own samples at data (s, a). */
  private calibrate(dynamics: DynamicsEnsemble, data: Dataset): void {
    const { obsDim, actDim } = this;
    const n = Math.min(4096, data.size),
      td = dynamics.targetDim;
    const rows = Array.from({ length: n }, () => this.rng.int(data.size));
    const s = new Float32Array(n * obsDim),
      a = new Float32Array(n * actDim),
      d = new Float32Array(n * obsDim);
    rows.forEach((i, r) => {
      s.set(data.observations.subarray(i * obsDim, (i + 1) * obsDim), r * obsDim);
      a.set(data.actions.subarray(i * actDim, (i + 1) * actDim), r * actDim);
    });
    const { mean, std } = dynamics.predict(s, a, n);
    for (let r = 0; r < n; r++) {
      const e = r % mean.length;
      for (let j = 0; j < obsDim; j++) d[r * obsDim + j] = mean[e]![r * td + j]! + std[e]![r * td + j]! * this.rng.normal();
    }
    const x = new Float32Array(n * this.inDim);
    this.pack(s, a, d, n, x);
    const shift: number[] = [],
      scale: number[] = [];
    for (const logits of this.snapshotLogits(x, n)) {
      const v = Array.from(logits).sort((p, q) => p - q);
      const at = (p: number) => v[Math.floor(p * (n - 1))]!;
      shift.push(at(0.5));
      scale.push(Math.max((at(0.75) - at(0.25)) / 1.349, 1e-3));
    }
    this.calibration = { shift, scale };
  }

  /** Raw logits of every snapshot for n packed rows. */
  private snapshotLogits(x: Float32Array, n: number): Float32Array[] {
    const current = this.net.getParams();
    const out = this.snapshots.map((snap) => {
      this.net.setParams(snap);
      const l = new Float32Array(n);
      for (let st = 0; st < n; st += 4096) {
        const m = Math.min(4096, n - st);
        l.set(this.net.predict(x.subarray(st * this.inDim, (st + m) * this.inDim), m), st);
      }
      return l;
    });
    this.net.setParams(current);
    return out;
  }

  /** The snapshot ensemble, input normalizer and config (what score() needs). */
  stateDict(): StateDict {
    return {
      format: 'orl-dynamics-reward/1',
      config: this.config as unknown as StateDict,
      obsDim: this.obsDim,
      actDim: this.actDim,
      norm: this.norm?.toJSON() ?? null,
      snapshots: this.snapshots,
      calibration: this.calibration,
    };
  }

  static fromState(engine: Engine, s: StateDict): DynamicsReward {
    if (s.format !== 'orl-dynamics-reward/1') throw new OrlError('FORMAT', 'not a dynamics reward state');
    const d = new DynamicsReward(engine, s.obsDim as number, s.actDim as number, s.config as unknown as DynamicsRewardConfig);
    d.snapshots = (s.snapshots as Float32Array[]).map((p) => Float32Array.from(p));
    if (d.snapshots.some((p) => p.length !== d.net.size))
      throw new OrlError('SHAPE_MISMATCH', `dynamics reward snapshot size differs from the network (${d.net.size} parameters)`);
    d.norm = s.norm ? StateNormalizer.fromJSON(s.norm as never) : null;
    d.calibration = (s.calibration as DynamicsReward['calibration']) ?? null;
    if (d.calibration && (d.calibration.shift.length !== d.snapshots.length || d.calibration.scale.length !== d.snapshots.length))
      throw new OrlError('SHAPE_MISMATCH', 'dynamics reward calibration does not match its snapshots');
    if (d.snapshots.length) d.net.setParams(d.snapshots.at(-1)!);
    return d;
  }

  /** r_D for n rows of (s, a, Δs) with the snapshot ensemble. */
  score(obs: ArrayLike<number>, act: ArrayLike<number>, delta: ArrayLike<number>, n: number): Float64Array {
    return this.scoreCandidates(obs, act, [delta], n)[0]!;
  }

  /**
   * r_D of K candidate deltas for the same n (s, a) rows — the rollout filter's question. One pass per snapshot over
   * all K·n rows: the same numbers as K calls of `score`, with K times fewer parameter swaps and kernel calls.
   */
  scoreCandidates(obs: ArrayLike<number>, act: ArrayLike<number>, deltas: readonly ArrayLike<number>[], n: number): Float64Array[] {
    if (this.snapshots.length === 0) throw new OrlError('INVALID_ARGUMENT', 'DynamicsReward.score before train');
    const w = this.inDim,
      rows = deltas.length * n;
    const x = new Float32Array(rows * w);
    deltas.forEach((delta, k) => this.pack(obs, act, delta, n, x.subarray(k * n * w, (k + 1) * n * w)));
    const sum = new Float64Array(rows);
    this.snapshotLogits(x, rows).forEach((logits, i) => {
      const shift = this.calibration?.shift[i] ?? 0,
        scale = this.calibration?.scale[i] ?? 1;
      for (let r = 0; r < rows; r++) sum[r]! += sigmoid((logits[r]! - shift) / scale);
    });
    const k = this.snapshots.length;
    for (let r = 0; r < rows; r++) sum[r] = -Math.log(1 - Math.min(Math.max(sum[r]! / k, 0), 1 - 1e-6));
    return deltas.map((_, c) => sum.subarray(c * n, (c + 1) * n));
  }
}

/** Area under the ROC curve: probability that a positive scores above a negative (ties count half). */
export function auc(pos: ArrayLike<number>, neg: ArrayLike<number>): number {
  const all = [...Array.from(pos, (v) => [v, 1] as const), ...Array.from(neg, (v) => [v, 0] as const)].sort((x, y) => x[0] - y[0]);
  let rankSum = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j]![0] === all[i]![0]) j++;
    const avgRank = (i + j + 1) / 2;
    for (let k = i; k < j; k++) if (all[k]![1] === 1) rankSum += avgRank;
    i = j;
  }
  const np = pos.length,
    nn = neg.length;
  return (rankSum - (np * (np + 1)) / 2) / (np * nn);
}
