/**
 * Array-level losses for code that drives an MLP directly (the reward model, FQE, benchmarks), each returning its value
 * and writing d(loss)/d(input). Algorithms use the same losses as Tape ops. Means are over all elements, as in PyTorch.
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
