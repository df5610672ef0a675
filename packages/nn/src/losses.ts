import type { Engine } from './engine.js';
/**
 * Losses the algorithms compose, each returning its value and writing d(loss)/d(input) — small per-batch vectors,
 * computed in JS (they are O(batch·dim), negligible next to the GEMMs). Means are over all elements, as in PyTorch.
 */

/** mean((pred − target)²); grad = d/dpred. */
export function mseLoss(pred: ArrayLike<number>, target: ArrayLike<number>, grad?: Float32Array, n = pred.length): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = pred[i]! - target[i]!;
    s += d * d;
    if (grad) grad[i] = (2 * d) / n;
  }
  return s / n;
}

/**
 * IQL's expectile loss of u = target − pred: mean(|τ − 1(u < 0)| · u²). `grad` receives d/du.
 */
export function expectileLoss(u: ArrayLike<number>, tau: number, grad?: Float32Array, n = u.length): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const x = u[i]!;
    const w = x < 0 ? 1 - tau : tau;
    s += w * x * x;
    if (grad) grad[i] = (2 * w * x) / n;
  }
  return s / n;
}

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * Diagonal Gaussian log-density summed over `dim`, per row: log N(x; μ, exp(ℓ)).
 * `logStd` has `dim` values (state-independent, CORL's IQL) or one per element. Gradients of Σ_rows w_r·logp_r
 * (w = `rowWeights`, default 1) are accumulated into dMean (per element) and dLogStd (same shape as logStd).
 */
export function gaussianLogProb(
  x: ArrayLike<number>,
  mean: ArrayLike<number>,
  logStd: ArrayLike<number>,
  rows: number,
  dim: number,
  out: Float64Array | Float32Array,
  grads?: { dMean: Float32Array; dLogStd: Float32Array; rowWeights?: ArrayLike<number> },
): void {
  const shared = logStd.length === dim;
  for (let r = 0; r < rows; r++) {
    let lp = 0;
    const w = grads?.rowWeights ? grads.rowWeights[r]! : 1;
    for (let j = 0; j < dim; j++) {
      const i = r * dim + j;
      const ls = logStd[shared ? j : i]!;
      const inv = Math.exp(-ls);
      const z = (x[i]! - mean[i]!) * inv;
      lp += -0.5 * z * z - ls - HALF_LOG_2PI;
      if (grads) {
        grads.dMean[i]! += w * z * inv;
        grads.dLogStd[shared ? j : i]! += w * (z * z - 1);
      }
    }
    out[r] = lp;
  }
}

/**
 * Reparameterised tanh-Gaussian (SAC): u = μ + exp(ℓ)·ε, a = tanh(u),
 * log π(a) = Σ_j [log N(u; μ, exp(ℓ)) − log(1 − a² + 1e-6)]. Writes `action` [rows×dim] and `logProb` [rows].
 */
export function tanhGaussianSample(
  mean: ArrayLike<number>,
  logStd: ArrayLike<number>,
  noise: ArrayLike<number>,
  rows: number,
  dim: number,
  action: Float32Array,
  logProb: Float32Array,
): void {
  for (let r = 0; r < rows; r++) {
    let lp = 0;
    for (let j = 0; j < dim; j++) {
      const i = r * dim + j;
      const e = noise[i]!;
      const ls = logStd[i]!;
      const a = Math.tanh(mean[i]! + Math.exp(ls) * e);
      action[i] = a;
      lp += -0.5 * e * e - ls - HALF_LOG_2PI - Math.log(1 - a * a + 1e-6);
    }
    logProb[r] = lp;
  }
}

/**
 * Backward of `tanhGaussianSample` for a loss L(a, logπ): given dL/da [rows×dim] and dL/dlogπ [rows], writes
 * dL/dμ and dL/dℓ [rows×dim] (noise held fixed: the reparameterisation trick).
 */
export function tanhGaussianBackward(
  logStd: ArrayLike<number>,
  noise: ArrayLike<number>,
  action: ArrayLike<number>,
  dAction: ArrayLike<number>,
  dLogProb: ArrayLike<number>,
  rows: number,
  dim: number,
  dMean: Float32Array,
  dLogStd: Float32Array,
): void {
  for (let r = 0; r < rows; r++) {
    const gl = dLogProb[r]!;
    for (let j = 0; j < dim; j++) {
      const i = r * dim + j;
      const a = action[i]!;
      const oneMinus = 1 - a * a;
      const du = dAction[i]! * oneMinus + (gl * 2 * a * oneMinus) / (oneMinus + 1e-6);
      dMean[i] = du;
      dLogStd[i] = du * Math.exp(logStd[i]!) * noise[i]! - gl;
    }
  }
}

/** Work buffers of `weightedGaussianActorBackward`, sized for `rows` × `dim` once by the agent. */
export interface GaussianActorWork {
  dMean: Float32Array;
  dLogStd: Float32Array;
  logProb: Float64Array;
  /** Engine offset of rows × dim floats for dL/dμ. */
  dMu: number;
}

/**
 * The actor step of advantage-weighted regression (IQL, AWAC): L = −mean_r w_r · log N(a_r; μ_r, σ), σ =
 * exp(clamp(log σ, min, max)) one learned vector. Backpropagates into `actor` (its last forward must be the one that
 * produced `mu`) and into `logStd` (zero gradient where the clamp is active), leaving the optimizer steps to the caller.
 * Returns L.
 */
export function weightedGaussianActorBackward(
  actor: { engine: Engine; zeroGrad(): void; backward(dOut: number, o: { inputGrad: boolean }): unknown },
  mu: number,
  logStd: { get(): Float32Array; zeroGrad(): void; grads: number },
  bounds: { min: number; max: number },
  actions: ArrayLike<number>,
  weights: ArrayLike<number>,
  rows: number,
  dim: number,
  work: GaussianActorWork,
): number {
  const e = actor.engine;
  const raw = logStd.get();
  const clamped = raw.map((x) => Math.min(bounds.max, Math.max(bounds.min, x)));
  work.dMean.fill(0);
  work.dLogStd.fill(0);
  gaussianLogProb(actions, e.view(mu, rows * dim), clamped, rows, dim, work.logProb, { dMean: work.dMean, dLogStd: work.dLogStd, rowWeights: weights });
  let loss = 0;
  for (let r = 0; r < rows; r++) loss -= (weights[r]! * work.logProb[r]!) / rows;
  let h = e.heap();
  for (let i = 0; i < rows * dim; i++) h[work.dMu + i] = -work.dMean[i]! / rows;
  actor.zeroGrad();
  actor.backward(work.dMu, { inputGrad: false });
  logStd.zeroGrad();
  h = e.heap();
  for (let j = 0; j < dim; j++) {
    const outside = raw[j]! < bounds.min || raw[j]! > bounds.max;
    h[logStd.grads + j] = outside ? 0 : -work.dLogStd[j]! / rows;
  }
  return loss;
}
