import { OrlError } from './errors.js';

/**
 * Seeded random numbers with a serializable state.
 *
 * Generator: xoshiro128** (Blackman & Vigna) — 32-bit integer arithmetic only (`Math.imul`, shifts), so the same seed
 * gives the same uint32 stream on every platform and engine. The seed is expanded with splitmix32. Normals use the
 * Box–Muller transform and cache the second value as part of the state, so `getState()`/`setState()` round-trip exactly.
 */
export interface RngState {
  readonly kind: 'xoshiro128ss';
  readonly s: readonly [number, number, number, number];
  /** Cached second Box–Muller normal, or null. */
  readonly spareNormal: number | null;
}

function splitmix32(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare: number | null = null;

  constructor(seed = 0) {
    if (!Number.isFinite(seed)) throw new OrlError('INVALID_ARGUMENT', `Rng seed must be a finite number, got ${seed}`);
    // Mix both halves of seeds above 2^32 so 2^32 + 1 and 1 differ.
    const hi = Math.floor(Math.abs(seed) / 0x100000000) >>> 0;
    const next = splitmix32((seed >>> 0) ^ Math.imul(hi, 0x27d4eb2d));
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  static fromState(state: RngState): Rng {
    const r = new Rng(0);
    r.setState(state);
    return r;
  }

  /** Next uint32. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  float(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [lo, hi). */
  uniform(lo = 0, hi = 1): number {
    return lo + (hi - lo) * this.float();
  }

  /** Unbiased integer in [0, n) (rejection sampling on uint32). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 0x100000000) {
      throw new OrlError('INVALID_ARGUMENT', `Rng.int(n) needs an integer 1 <= n <= 2^32, got ${n}`);
    }
    const limit = 0x100000000 - (0x100000000 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  /** Standard normal (Box–Muller; the pair's second value is cached in the state). */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.float();
    const v = this.float();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Fill `out` with N(mean, std²) samples. */
  fillNormal(out: Float32Array | Float64Array, mean = 0, std = 1): typeof out {
    for (let i = 0; i < out.length; i++) out[i] = mean + std * this.normal();
    return out;
  }

  /** Fill `out` with U(lo, hi) samples. */
  fillUniform(out: Float32Array | Float64Array, lo = 0, hi = 1): typeof out {
    for (let i = 0; i < out.length; i++) out[i] = lo + (hi - lo) * this.float();
    return out;
  }

  /** In-place Fisher–Yates shuffle. */
  shuffle<T extends { length: number; [i: number]: unknown }>(arr: T): T {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = arr[i];
      arr[i] = arr[j];
      arr[j] = tmp;
    }
    return arr;
  }

  /** A permutation of 0..n-1. */
  permutation(n: number): Uint32Array {
    const p = new Uint32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }

  /** An independent child stream (seeded from this one), e.g. one per network or per worker. */
  fork(): Rng {
    return new Rng(this.nextUint32() + this.nextUint32() * 0x100000000);
  }

  getState(): RngState {
    return { kind: 'xoshiro128ss', s: [this.s0, this.s1, this.s2, this.s3], spareNormal: this.spare };
  }

  setState(state: RngState): void {
    if (state?.kind !== 'xoshiro128ss' || !Array.isArray(state.s) || state.s.length !== 4) {
      throw new OrlError('INVALID_ARGUMENT', 'not an Rng state (expected {kind: "xoshiro128ss", s: [4 x uint32]})');
    }
    const [a, b, c, d] = state.s;
    this.s0 = a >>> 0;
    this.s1 = b >>> 0;
    this.s2 = c >>> 0;
    this.s3 = d >>> 0;
    this.spare = state.spareNormal ?? null;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
