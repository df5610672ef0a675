import { OrlError } from './errors.js';

/**
 * Per-dimension standardisation `(x − mean) / (std + eps)` as TD3+BC/CORL compute it (population std, eps = 1e-3).
 */
export class StateNormalizer {
  constructor(
    readonly mean: Float32Array,
    readonly std: Float32Array,
    readonly eps = 1e-3,
  ) {
    if (mean.length !== std.length) throw new OrlError('SHAPE_MISMATCH', `normalizer: mean has ${mean.length} dims, std ${std.length}`);
  }

  get dim(): number {
    return this.mean.length;
  }

  /** Statistics over `rows` rows of width `dim` (accumulated in float64). */
  static fit(values: Float32Array, dim: number, eps = 1e-3): StateNormalizer {
    const n = values.length / dim;
    if (!Number.isInteger(n) || n === 0)
      throw new OrlError('INVALID_ARGUMENT', `normalizer: ${values.length} values is not a whole number (>0) of rows of ${dim}`);
    const sum = new Float64Array(dim);
    for (let i = 0; i < values.length; i++) sum[i % dim]! += values[i]!;
    const mean = new Float64Array(dim);
    for (let j = 0; j < dim; j++) mean[j] = sum[j]! / n;
    const sq = new Float64Array(dim);
    for (let i = 0; i < values.length; i++) {
      const d = values[i]! - mean[i % dim]!;
      sq[i % dim]! += d * d;
    }
    const std = new Float32Array(dim);
    for (let j = 0; j < dim; j++) std[j] = Math.sqrt(sq[j]! / n);
    return new StateNormalizer(Float32Array.from(mean), std, eps);
  }

  /** Identity normalizer (mean 0, std 1, eps 0). */
  static identity(dim: number): StateNormalizer {
    return new StateNormalizer(new Float32Array(dim), new Float32Array(dim).fill(1), 0);
  }

  /** Normalizes `values` (any number of rows) into `out` (may be the same array). */
  normalize(values: Float32Array, out: Float32Array = new Float32Array(values.length)): Float32Array {
    const dim = this.dim;
    const { mean, std, eps } = this;
    // Row/column loops (no modulo per element): this runs on every batch and over whole datasets.
    for (let o = 0; o < values.length; o += dim) {
      for (let j = 0; j < dim; j++) out[o + j] = (values[o + j]! - mean[j]!) / (std[j]! + eps);
    }
    return out;
  }

  denormalize(values: Float32Array, out: Float32Array = new Float32Array(values.length)): Float32Array {
    const dim = this.dim;
    for (let i = 0; i < values.length; i++) {
      const j = i % dim;
      out[i] = values[i]! * (this.std[j]! + this.eps) + this.mean[j]!;
    }
    return out;
  }

  toJSON(): { mean: number[]; std: number[]; eps: number } {
    return { mean: Array.from(this.mean), std: Array.from(this.std), eps: this.eps };
  }

  /** Rebuilds a normalizer from saved statistics, refusing anything a file could get wrong (sizes, non-finite values). */
  static fromJSON(j: { mean: ArrayLike<number>; std: ArrayLike<number>; eps: number }): StateNormalizer {
    const isList = (v: unknown) => ArrayBuffer.isView(v) || Array.isArray(v);
    if (!j || typeof j !== 'object' || !isList(j.mean) || !isList(j.std)) throw new OrlError('FORMAT', 'normalizer: mean and std must be arrays');
    const mean = Float32Array.from(j.mean);
    const std = Float32Array.from(j.std);
    if (!mean.every(Number.isFinite) || !std.every((x) => Number.isFinite(x) && x >= 0))
      throw new OrlError('NON_FINITE', 'normalizer: mean/std must be finite (std ≥ 0)');
    if (!(typeof j.eps === 'number' && Number.isFinite(j.eps) && j.eps >= 0)) throw new OrlError('FORMAT', `normalizer: bad eps ${String(j.eps)}`);
    return new StateNormalizer(mean, std, j.eps);
  }
}
