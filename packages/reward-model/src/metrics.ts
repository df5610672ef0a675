/** Regression metrics (float64 accumulation). */
export interface RegressionMetrics {
  mse: number;
  mae: number;
  r2: number;
  pearson: number;
  n: number;
}

export function regressionMetrics(pred: ArrayLike<number>, target: ArrayLike<number>, rows?: ArrayLike<number>): RegressionMetrics {
  const n = rows ? rows.length : pred.length;
  let sp = 0,
    st = 0;
  for (let k = 0; k < n; k++) {
    const i = rows ? rows[k]! : k;
    sp += pred[i]!;
    st += target[i]!;
  }
  const mp = sp / n,
    mt = st / n;
  let se = 0,
    ae = 0,
    vt = 0,
    vp = 0,
    cov = 0;
  for (let k = 0; k < n; k++) {
    const i = rows ? rows[k]! : k;
    const p = pred[i]!,
      t = target[i]!;
    se += (p - t) ** 2;
    ae += Math.abs(p - t);
    vt += (t - mt) ** 2;
    vp += (p - mp) ** 2;
    cov += (p - mp) * (t - mt);
  }
  return { mse: se / n, mae: ae / n, r2: vt > 0 ? 1 - se / vt : NaN, pearson: vt > 0 && vp > 0 ? cov / Math.sqrt(vt * vp) : NaN, n };
}
