import { OrlError, type Rng } from '@orl/core';
import type { DynamicsEnsemble } from './dynamics.js';
import type { DynamicsReward } from './dynamics-reward.js';

/** Termination from the observation (MOPO's termination functions; obs = qpos[1:] ++ qvel). */
export function terminationFn(task: string): (obs: Float32Array, offset: number) => boolean {
  if (task === 'hopper') {
    return (o, i) => {
      const z = o[i]!,
        angle = o[i + 1]!;
      for (let j = 1; j < 11; j++) if (!(Math.abs(o[i + j]!) < 100)) return true;
      return !(z > 0.7 && Math.abs(angle) < 0.2);
    };
  }
  if (task === 'walker2d') return (o, i) => !(o[i]! > 0.8 && o[i]! < 2.0 && o[i + 1]! > -1 && o[i + 1]! < 1);
  if (task === 'halfcheetah') return () => false;
  throw new OrlError('UNKNOWN_NAME', `no termination function for '${task}'`);
}

export interface RolloutConfig {
  /** Steps per model rollout (MOREC: 100 with the dynamics-reward filter; MOPO: 5). */
  horizon: number;
  /** Candidates per elite (10 candidates = 5 elites × 2). */
  samplesPerElite: number;
  /** 'softmax' (MOREC), 'argmax', or 'none' (plain MOPO: one random elite sample, no dynamics reward). */
  select: 'softmax' | 'argmax' | 'none';
  /** Softmax temperature κ over r_D. */
  kappa: number;
  /** Stop a rollout (stored as terminal) when the chosen transition's r_D is below this. */
  threshold: number;
  /** Early stopping on r_D (false = filter without early stop). */
  earlyStop: boolean;
  /** MOPO penalty λ: reward − λ · max_k ‖σ_k(Δs)‖. */
  penalty: number;
}

export const ROLLOUT_DEFAULTS: Readonly<RolloutConfig> = Object.freeze({
  horizon: 100,
  samplesPerElite: 2,
  select: 'softmax',
  kappa: 0.1,
  threshold: 0.6,
  earlyStop: true,
  penalty: 1,
});

export interface RolloutBatch {
  observations: Float32Array;
  actions: Float32Array;
  rewards: Float32Array;
  nextObservations: Float32Array;
  dones: Float32Array;
  size: number;
  /** Mean rollout length and the fraction of rollouts stopped by the dynamics reward. */
  meanLength: number;
  stoppedByReward: number;
  meanRewardD: number;
}

/**
 * Model rollouts from `starts` (n × obsDim) under `act(obs, n) → actions`. At each step every elite proposes
 * `samplesPerElite` candidates (Δs, r); one is picked by softmax(r_D/κ) (or argmax, or at random without a dynamics
 * reward); a pick with r_D < threshold ends that rollout as terminal. Reward = predicted r − λ·uncertainty.
 */
export function rollout(
  dyn: DynamicsEnsemble,
  dr: DynamicsReward | null,
  act: (obs: Float32Array, n: number) => Float32Array,
  starts: Float32Array,
  task: string,
  cfg: Partial<RolloutConfig>,
  rng: Rng,
): RolloutBatch {
  const c = { ...ROLLOUT_DEFAULTS, ...cfg };
  if (c.select !== 'none' && !dr) throw new OrlError('INVALID_ARGUMENT', `select '${c.select}' needs a dynamics reward`);
  const { obsDim, actDim } = dyn;
  const td = dyn.targetDim;
  const done = terminationFn(task);
  let n = starts.length / obsDim;
  const nStart = n;
  let obs = Float32Array.from(starts);
  const out = { o: [] as Float32Array[], a: [] as Float32Array[], r: [] as Float32Array[], no: [] as Float32Array[], d: [] as Float32Array[] };
  let steps = 0,
    stopped = 0,
    rdSum = 0,
    rdCount = 0;
  const E = dyn.eliteIdx.length,
    K = E * c.samplesPerElite;
  for (let t = 0; t < c.horizon && n > 0; t++) {
    const a = act(obs, n);
    const { mean, std } = dyn.predict(obs, a, n);
    // Candidates: [K][n × td].
    const cand = Array.from({ length: K }, (_, j) => {
      const e = Math.floor(j / c.samplesPerElite);
      const v = new Float32Array(n * td);
      for (let i = 0; i < n * td; i++) v[i] = mean[e]![i]! + std[e]![i]! * rng.normal();
      return v;
    });
    const chosen = new Int32Array(n);
    const rdChosen = new Float64Array(n).fill(Infinity);
    if (c.select === 'none') {
      for (let r = 0; r < n; r++) chosen[r] = rng.int(K);
    } else {
      const deltas = cand.map((v) => {
        const delta = new Float32Array(n * obsDim);
        for (let r = 0; r < n; r++) for (let j = 0; j < obsDim; j++) delta[r * obsDim + j] = v[r * td + j]!;
        return delta;
      });
      const scores = dr!.scoreCandidates(obs, a, deltas, n);
      for (let r = 0; r < n; r++) {
        if (c.select === 'argmax') {
          let best = 0;
          for (let j = 1; j < K; j++) if (scores[j]![r]! > scores[best]![r]!) best = j;
          chosen[r] = best;
        } else {
          let mx = -Infinity;
          for (let j = 0; j < K; j++) mx = Math.max(mx, scores[j]![r]! / c.kappa);
          let z = 0;
          const p = new Float64Array(K);
          for (let j = 0; j < K; j++) z += p[j] = Math.exp(scores[j]![r]! / c.kappa - mx);
          let u = rng.float() * z,
            j = 0;
          while (j < K - 1 && (u -= p[j]!) > 0) j++;
          chosen[r] = j;
        }
        rdChosen[r] = scores[chosen[r]!]![r]!;
        rdSum += rdChosen[r]!;
        rdCount++;
      }
    }
    const next = new Float32Array(n * obsDim),
      rew = new Float32Array(n),
      dn = new Float32Array(n);
    const keep: number[] = [];
    for (let r = 0; r < n; r++) {
      const v = cand[chosen[r]!]!;
      for (let j = 0; j < obsDim; j++) next[r * obsDim + j] = obs[r * obsDim + j]! + v[r * td + j]!;
      let u = 0;
      for (let e = 0; e < E; e++) {
        let s2 = 0;
        for (let j = 0; j < obsDim; j++) s2 += std[e]![r * td + j]! ** 2;
        u = Math.max(u, Math.sqrt(s2));
      }
      rew[r] = (td > obsDim ? v[r * td + obsDim]! : 0) - c.penalty * u;
      const lowReward = c.select !== 'none' && c.earlyStop && rdChosen[r]! < c.threshold;
      const term = done(next, r * obsDim);
      dn[r] = term || lowReward ? 1 : 0;
      if (lowReward && !term) stopped++;
      if (!dn[r]) keep.push(r);
    }
    out.o.push(obs);
    out.a.push(a.slice(0, n * actDim));
    out.r.push(rew);
    out.no.push(next);
    out.d.push(dn);
    steps += n;
    const nextObs = new Float32Array(keep.length * obsDim);
    keep.forEach((r, k) => nextObs.set(next.subarray(r * obsDim, (r + 1) * obsDim), k * obsDim));
    obs = nextObs;
    n = keep.length;
  }
  const cat = (xs: Float32Array[]) => {
    const o = new Float32Array(xs.reduce((s, x) => s + x.length, 0));
    let off = 0;
    for (const x of xs) {
      o.set(x, off);
      off += x.length;
    }
    return o;
  };
  return {
    observations: cat(out.o),
    actions: cat(out.a),
    rewards: cat(out.r),
    nextObservations: cat(out.no),
    dones: cat(out.d),
    size: steps,
    meanLength: steps / nStart,
    stoppedByReward: stopped / nStart,
    meanRewardD: rdCount ? rdSum / rdCount : NaN,
  };
}
