import { OrlError } from '@orl/core';
import { Act, type GemmBatchArgs, type Kernels } from './contract.js';

/** `gemmBatch` as one `gemm` per product (the backends without a batched kernel). */
/** One offset of each matrix per product. */
export function checkGemmBatch(a: readonly number[], b: readonly number[], c: readonly number[]): void {
  if (a.length !== b.length || a.length !== c.length) throw new OrlError('SHAPE_MISMATCH', `gemmBatch: ${a.length}, ${b.length} and ${c.length} offsets`);
}

export function gemmOneByOne(kernels: Pick<Kernels, 'gemm'>, ...[transA, transB, m, n, k, a, b, c, beta]: GemmBatchArgs): void {
  checkGemmBatch(a, b, c);
  for (let i = 0; i < a.length; i++) kernels.gemm(transA, transB, m, n, k, a[i]!, b[i]!, c[i]!, beta);
}

/** `h` itself if it holds `floats`, else a copy at least twice as large (JS-owned heaps: js and native backends). */
export function grownHeap(h: Float32Array, floats: number): Float32Array {
  if (floats <= h.length) return h;
  const next = new Float32Array(Math.max(floats, h.length * 2));
  next.set(h);
  return next;
}

/** The float64 view of `rstd` (2·rows floats at an 8-byte-aligned float offset) in heap `h`. */
function rstdView(h: Float32Array, rstd: number, rows: number): Float64Array {
  return new Float64Array(h.buffer, h.byteOffset + rstd * 4, rows);
}

/** `Kernels.layerNorm` on heap `h` (the JS and WebAssembly backends). */
export function layerNormRows(
  h: Float32Array,
  x: number,
  xhat: number,
  out: number,
  gain: number,
  bias: number,
  rstd: number,
  rows: number,
  cols: number,
  eps: number,
): void {
  const rs = rstdView(h, rstd, rows);
  for (let r = 0; r < rows; r++) {
    const o = x + r * cols,
      xo = xhat + r * cols,
      oo = out + r * cols;
    let mu = 0;
    for (let j = 0; j < cols; j++) mu += h[o + j]!;
    mu /= cols;
    let v = 0;
    for (let j = 0; j < cols; j++) {
      const d = h[o + j]! - mu;
      v += d * d;
    }
    const k = (rs[r] = 1 / Math.sqrt(v / cols + eps));
    if (gain >= 0) {
      for (let j = 0; j < cols; j++) {
        const xh = Math.fround((h[o + j]! - mu) * k); // as stored, so the backward sees the same x̂
        h[xo + j] = xh;
        h[oo + j] = xh * h[gain + j]! + h[bias + j]!;
      }
    } else for (let j = 0; j < cols; j++) h[xo + j] = (h[o + j]! - mu) * k;
  }
}

/** `Kernels.layerNormBackward` on heap `h` (the JS and WebAssembly backends). */
export function layerNormBackwardRows(
  h: Float32Array,
  dy: number,
  xhat: number,
  gain: number,
  rstd: number,
  rows: number,
  cols: number,
  gx: number,
  gg: number,
  gb: number,
): void {
  const rs = rstdView(h, rstd, rows);
  for (let r = 0; r < rows; r++) {
    const d0 = dy + r * cols,
      x0 = xhat + r * cols;
    let mg = 0,
      mgx = 0;
    for (let j = 0; j < cols; j++) {
      const d = h[d0 + j]!,
        xh = h[x0 + j]!;
      if (gg >= 0) h[gg + j]! += d * xh;
      if (gb >= 0) h[gb + j]! += d;
      const g = gain >= 0 ? d * h[gain + j]! : d;
      mg += g;
      mgx += g * xh;
    }
    if (gx < 0) continue;
    mg /= cols;
    mgx /= cols;
    const k = rs[r]!,
      go = gx + r * cols;
    for (let j = 0; j < cols; j++) {
      const g = gain >= 0 ? h[d0 + j]! * h[gain + j]! : h[d0 + j]!;
      h[go + j]! += k * (g - mg - h[x0 + j]! * mgx);
    }
  }
}

/**
 * Plain-JS reference kernels: the portable fallback and the ground truth the conformance suite compares the fast
 * backends against. Loop orders are chosen for sequential access, nothing more.
 */
export class JsKernels implements Kernels {
  readonly heapStart = 16;
  readonly name = 'js' as const;
  private h: Float32Array;

  constructor(initialFloats = 1 << 16) {
    this.h = new Float32Array(initialFloats);
  }

  heap(): Float32Array {
    return this.h;
  }

  grow(floats: number): void {
    this.h = grownHeap(this.h, floats);
  }

  threads(): number {
    return 1;
  }

  gemmBatch(...args: GemmBatchArgs): void {
    gemmOneByOne(this, ...args);
  }

  gemm(transA: boolean, transB: boolean, m: number, n: number, k: number, a: number, b: number, c: number, beta: number): void {
    const h = this.h;
    if (beta === 0) h.fill(0, c, c + m * n);
    if (!transA && !transB) {
      for (let i = 0; i < m; i++) {
        const ci = c + i * n;
        for (let p = 0; p < k; p++) {
          const av = h[a + i * k + p]!;
          if (av === 0) continue;
          const bp = b + p * n;
          for (let j = 0; j < n; j++) h[ci + j]! += av * h[bp + j]!;
        }
      }
    } else if (!transA && transB) {
      for (let i = 0; i < m; i++) {
        const ai = a + i * k;
        for (let j = 0; j < n; j++) {
          const bj = b + j * k;
          let s = 0;
          for (let p = 0; p < k; p++) s += h[ai + p]! * h[bj + p]!;
          h[c + i * n + j]! += s;
        }
      }
    } else if (transA && !transB) {
      for (let p = 0; p < k; p++) {
        const ap = a + p * m;
        const bp = b + p * n;
        for (let i = 0; i < m; i++) {
          const av = h[ap + i]!;
          if (av === 0) continue;
          const ci = c + i * n;
          for (let j = 0; j < n; j++) h[ci + j]! += av * h[bp + j]!;
        }
      }
    } else {
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let p = 0; p < k; p++) s += h[a + p * m + i]! * h[b + j * k + p]!;
          h[c + i * n + j]! += s;
        }
      }
    }
  }

  biasAct(y: number, bias: number, rows: number, cols: number, act: number): void {
    const h = this.h;
    for (let r = 0; r < rows; r++) {
      const o = y + r * cols;
      for (let j = 0; j < cols; j++) {
        const z = h[o + j]! + h[bias + j]!;
        h[o + j] = act === Act.relu ? Math.max(z, 0) : act === Act.tanh ? Math.tanh(z) : z;
      }
    }
  }

  actGrad(dst: number, dy: number, y: number, n: number, act: number): void {
    const h = this.h;
    for (let i = 0; i < n; i++) {
      const yi = h[y + i]!;
      const d = h[dy + i]!;
      h[dst + i] = act === Act.relu ? (yi > 0 ? d : 0) : act === Act.tanh ? d * (1 - yi * yi) : d;
    }
  }

  colSumAcc(x: number, rows: number, cols: number, out: number): void {
    const h = this.h;
    for (let r = 0; r < rows; r++) {
      const o = x + r * cols;
      for (let j = 0; j < cols; j++) h[out + j]! += h[o + j]!;
    }
  }

  adam(
    p: number,
    g: number,
    m: number,
    v: number,
    n: number,
    lr: number,
    b1: number,
    b2: number,
    eps: number,
    wd: number,
    decoupled: number,
    bc1: number,
    bc2: number,
  ): void {
    const h = this.h;
    const stepSize = lr / bc1;
    const sqrtBc2 = Math.sqrt(bc2);
    for (let i = 0; i < n; i++) {
      let gi = h[g + i]!;
      let pi = h[p + i]!;
      if (wd !== 0) {
        if (decoupled) pi -= lr * wd * pi;
        else gi += wd * pi;
      }
      const mi = b1 * h[m + i]! + (1 - b1) * gi;
      const vi = b2 * h[v + i]! + (1 - b2) * gi * gi;
      h[m + i] = mi;
      h[v + i] = vi;
      h[p + i] = pi - (stepSize * mi) / (Math.sqrt(vi) / sqrtBc2 + eps);
    }
  }

  polyak(target: number, source: number, n: number, tau: number): void {
    const h = this.h;
    for (let i = 0; i < n; i++) h[target + i] = (1 - tau) * h[target + i]! + tau * h[source + i]!;
  }

  sumSq(x: number, n: number): number {
    const h = this.h;
    let s = 0;
    for (let i = 0; i < n; i++) s += h[x + i]! * h[x + i]!;
    return s;
  }

  scale(x: number, n: number, s: number): void {
    const h = this.h;
    for (let i = 0; i < n; i++) h[x + i]! *= s;
  }

  layerNorm(x: number, xhat: number, out: number, gain: number, bias: number, rstd: number, rows: number, cols: number, eps: number): void {
    layerNormRows(this.h, x, xhat, out, gain, bias, rstd, rows, cols, eps);
  }

  layerNormBackward(dy: number, xhat: number, gain: number, rstd: number, rows: number, cols: number, gx: number, gg: number, gb: number): void {
    layerNormBackwardRows(this.h, dy, xhat, gain, rstd, rows, cols, gx, gg, gb);
  }
}
