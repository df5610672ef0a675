/**
 * Gaussian heads with bounded log-variance (MBPO/OfflineRL-Kit style, fixed bounds): a network outputs [μ | raw] per
 * target; logvar = maxLogVar − softplus(maxLogVar − raw), then logvar = minLogVar + softplus(logvar − minLogVar).
 */
export const MAX_LOGVAR = 0.5;
export const MIN_LOGVAR = -10;

const softplus = (x: number) => (x > 20 ? x : Math.log1p(Math.exp(x)));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** logvar from the raw output, and d logvar / d raw. */
export function boundLogVar(raw: number): { logvar: number; grad: number } {
  const a = MAX_LOGVAR - softplus(MAX_LOGVAR - raw);
  const da = sigmoid(MAX_LOGVAR - raw); // d a / d raw
  const lv = MIN_LOGVAR + softplus(a - MIN_LOGVAR);
  const dlv = sigmoid(a - MIN_LOGVAR) * da;
  return { logvar: lv, grad: dlv };
}

/**
 * Gaussian negative log-likelihood (without the constant), mean over rows and dims:
 * L = mean((μ − y)²·exp(−logvar) + logvar). Writes dL/d[μ | raw] into `grad` (layout [rows × 2·dim]).
 */
export function gaussianNll(
  out: ArrayLike<number>,
  target: ArrayLike<number>,
  rows: number,
  dim: number,
  grad: Float32Array,
  weights?: ArrayLike<number>,
): number {
  let loss = 0;
  const n = rows * dim;
  for (let r = 0; r < rows; r++) {
    const w = weights ? weights[r]! : 1;
    for (let j = 0; j < dim; j++) {
      const mu = out[r * 2 * dim + j]!;
      const { logvar, grad: dlv } = boundLogVar(out[r * 2 * dim + dim + j]!);
      const inv = Math.exp(-logvar);
      const d = mu - target[r * dim + j]!;
      loss += w * (d * d * inv + logvar);
      grad[r * 2 * dim + j] = (w * 2 * d * inv) / n;
      grad[r * 2 * dim + dim + j] = (w * (1 - d * d * inv) * dlv) / n;
    }
  }
  return loss / n;
}
