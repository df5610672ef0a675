// @orl/nn WebAssembly SIMD kernels (AssemblyScript). Implements the kernel contract of src/kernels/contract.ts.
// All pointers are BYTE offsets into this module's memory; the JS side converts float offsets (x4).
// Engine allocations are 64-byte aligned; kernels use unaligned v128 loads/stores anyway.
// GEMM: op(A) packed into 4-row panels and op(B) into 8-column panels (so every transpose shares one micro-kernel),
// then a 4x8 f32x4 micro-kernel. Packing is what makes 128-bit SIMD pay here.

// Activation codes. MUST MATCH src/kernels/contract.ts (Act) and native/orl_nn.c (enum act).
const ACT_RELU: i32 = 1;
const ACT_TANH: i32 = 2;

const MR: i32 = 4;
const NR: i32 = 8;
const KC: i32 = 256;
const MC: i32 = 128;
const NC: i32 = 1024;

// Scratch (set once by JS): packed A [MC x KC], packed B [KC x NC], a 4x8 tile.
let packA: usize = 0;
let packB: usize = 0;
let tile: usize = 0;

export function scratchFloats(): i32 {
  return MC * KC + KC * NC + MR * NR;
}

export function setScratch(base: usize): void {
  packA = base;
  packB = base + <usize>(MC * KC * 4);
  tile = packB + <usize>(KC * NC * 4);
}

// Packing only moves floats, but element by element it cost as much as a large share of the micro-kernel's work at
// k = 256 (as in the native kernels, where vectorising it made TD3+BC 1.3x faster): full 4 x 4 blocks go through
// registers — four v128 loads along the contiguous side, a transpose, four stores — and edges element by element.

// @ts-ignore: decorator
@inline
function transpose4Store(r0: v128, r1: v128, r2: v128, r3: v128, dst: usize, stride: usize): void {
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
  v128.store(dst + stride, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
  v128.store(dst + 2 * stride, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * stride, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
}

function packAPanel(mc: i32, kc: i32, a: usize, rs: i32, cs: i32): void {
  let dst = packA;
  for (let ir = 0; ir < mc; ir += MR) {
    const mr = min(MR, mc - ir);
    let p = 0;
    if (mr == MR && cs == 1) {
      // Row-major op(A): 4 p of each of the panel's 4 rows, transposed.
      const row = a + (<usize>(ir * rs) << 2);
      const rowBytes = <usize>rs << 2;
      for (; p + 4 <= kc; p += 4) {
        const src = row + (<usize>p << 2);
        transpose4Store(v128.load(src), v128.load(src + rowBytes), v128.load(src + 2 * rowBytes), v128.load(src + 3 * rowBytes), dst, 16);
        dst += 64;
      }
    } else if (mr == MR && rs == 1) {
      // Column-major op(A): the panel's 4 rows are contiguous for each p.
      for (; p < kc; p++) {
        v128.store(dst, v128.load(a + (<usize>(ir + p * cs) << 2)));
        dst += 16;
      }
    }
    for (; p < kc; p++) {
      const src = a + (<usize>(ir * rs + p * cs) << 2);
      for (let i = 0; i < MR; i++) {
        store<f32>(dst + (<usize>i << 2), i < mr ? load<f32>(src + (<usize>(i * rs) << 2)) : 0);
      }
      dst += <usize>(MR * 4);
    }
  }
}

function packBPanel(kc: i32, nc: i32, b: usize, rs: i32, cs: i32): void {
  let dst = packB;
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = min(NR, nc - jr);
    let p = 0;
    if (nr == NR && rs == 1 && cs != 1) {
      // Column-major op(B) (e.g. Wᵀ): 4 p of each column, transposed, for each half of the panel.
      const col = b + (<usize>(jr * cs) << 2);
      const colBytes = <usize>cs << 2;
      for (; p + 4 <= kc; p += 4) {
        const src = col + (<usize>p << 2);
        transpose4Store(v128.load(src), v128.load(src + colBytes), v128.load(src + 2 * colBytes), v128.load(src + 3 * colBytes), dst, 32);
        const src2 = src + 4 * colBytes;
        transpose4Store(v128.load(src2), v128.load(src2 + colBytes), v128.load(src2 + 2 * colBytes), v128.load(src2 + 3 * colBytes), dst + 16, 32);
        dst += 128;
      }
    }
    for (; p < kc; p++) {
      const src = b + (<usize>(p * rs + jr * cs) << 2);
      if (cs == 1 && nr == NR) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
      } else {
        for (let j = 0; j < NR; j++) {
          store<f32>(dst + (<usize>j << 2), j < nr ? load<f32>(src + (<usize>(j * cs) << 2)) : 0);
        }
      }
      dst += <usize>(NR * 4);
    }
  }
}

// @ts-ignore: decorator
@inline
function storeRow(c: usize, r0: v128, r1: v128, accumulate: bool): void {
  if (accumulate) {
    r0 = f32x4.add(r0, v128.load(c));
    r1 = f32x4.add(r1, v128.load(c, 16));
  }
  v128.store(c, r0);
  v128.store(c, r1, 16);
}

function micro(kc: i32, ap: usize, bp: usize, c: usize, ldc: i32, mr: i32, nr: i32, accumulate: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = f32x4.add(c00, f32x4.mul(a, b0));
    c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 4);
    c10 = f32x4.add(c10, f32x4.mul(a, b0));
    c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 8);
    c20 = f32x4.add(c20, f32x4.mul(a, b0));
    c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 12);
    c30 = f32x4.add(c30, f32x4.mul(a, b0));
    c31 = f32x4.add(c31, f32x4.mul(a, b1));
    ap += 16;
    bp += 32;
  }
  const ldb = <usize>ldc << 2;
  if (mr == MR && nr == NR) {
    storeRow(c, c00, c01, accumulate);
    storeRow(c + ldb, c10, c11, accumulate);
    storeRow(c + 2 * ldb, c20, c21, accumulate);
    storeRow(c + 3 * ldb, c30, c31, accumulate);
  } else {
    v128.store(tile, c00); v128.store(tile, c01, 16);
    v128.store(tile, c10, 32); v128.store(tile, c11, 48);
    v128.store(tile, c20, 64); v128.store(tile, c21, 80);
    v128.store(tile, c30, 96); v128.store(tile, c31, 112);
    for (let i = 0; i < mr; i++) {
      const row = c + <usize>i * ldb;
      for (let j = 0; j < nr; j++) {
        const dst = row + (<usize>j << 2);
        const v = load<f32>(tile + (<usize>(i * NR + j) << 2));
        store<f32>(dst, accumulate ? load<f32>(dst) + v : v);
      }
    }
  }
}

// Exported for the threaded variant: a sub-block of C with explicit strides (the JS side splits rows or columns).
export function gemmBlock(m: i32, n: i32, k: i32, a: usize, rsA: i32, csA: i32, b: usize, rsB: i32, csB: i32, c: usize, ldc: i32, beta: i32): void {
  if (k == 0) {
    if (beta == 0) for (let i = 0; i < m; i++) memory.fill(c + (<usize>(i * ldc) << 2), 0, <usize>n << 2);
    return;
  }
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      const accumulate = beta != 0 || pc > 0;
      packBPanel(kc, nc, b + (<usize>(pc * rsB + jc * csB) << 2), rsB, csB);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        packAPanel(mc, kc, a + (<usize>(ic * rsA + pc * csA) << 2), rsA, csA);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const bp = packB + (<usize>((jr / NR) * kc * NR) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const ap = packA + (<usize>((ir / MR) * kc * MR) << 2);
            micro(kc, ap, bp, c + (<usize>((ic + ir) * ldc + jc + jr) << 2), ldc, mr, nr, accumulate);
          }
        }
      }
    }
  }
}

export function gemm(ta: i32, tb: i32, m: i32, n: i32, k: i32, a: usize, b: usize, c: usize, beta: i32): void {
  const rsA = ta ? 1 : k, csA = ta ? m : 1;
  const rsB = tb ? 1 : n, csB = tb ? k : 1;
  gemmBlock(m, n, k, a, rsA, csA, b, rsB, csB, c, n, beta);
}

export function biasAct(y: usize, bias: usize, rows: i32, cols: i32, act: i32): void {
  const zero = f32x4.splat(0);
  const cols4 = cols & ~3;
  for (let r = 0; r < rows; r++) {
    const o = y + (<usize>(r * cols) << 2);
    if (act == ACT_TANH) {
      for (let j = 0; j < cols; j++) {
        const p = o + (<usize>j << 2);
        store<f32>(p, Mathf.tanh(load<f32>(p) + load<f32>(bias + (<usize>j << 2))));
      }
      continue;
    }
    let j = 0;
    for (; j < cols4; j += 4) {
      const p = o + (<usize>j << 2);
      let z = f32x4.add(v128.load(p), v128.load(bias + (<usize>j << 2)));
      if (act == ACT_RELU) z = f32x4.max(z, zero);
      v128.store(p, z);
    }
    for (; j < cols; j++) {
      const p = o + (<usize>j << 2);
      const z = load<f32>(p) + load<f32>(bias + (<usize>j << 2));
      store<f32>(p, act == ACT_RELU ? (z > 0 ? z : 0) : z);
    }
  }
}

export function actGrad(dst: usize, dy: usize, y: usize, n: i32, act: i32): void {
  const n4 = n & ~3;
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  let i = 0;
  if (act == ACT_RELU) {
    for (; i < n4; i += 4) {
      const o = <usize>i << 2;
      const mask = f32x4.gt(v128.load(y + o), zero);
      v128.store(dst + o, v128.and(v128.load(dy + o), mask));
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      store<f32>(dst + o, load<f32>(y + o) > 0 ? load<f32>(dy + o) : 0);
    }
  } else if (act == ACT_TANH) {
    for (; i < n4; i += 4) {
      const o = <usize>i << 2;
      const yy = v128.load(y + o);
      v128.store(dst + o, f32x4.mul(v128.load(dy + o), f32x4.sub(one, f32x4.mul(yy, yy))));
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      const yy = load<f32>(y + o);
      store<f32>(dst + o, load<f32>(dy + o) * (1 - yy * yy));
    }
  } else if (dst != dy) {
    memory.copy(dst, dy, <usize>n << 2);
  }
}

export function colSumAcc(x: usize, rows: i32, cols: i32, out: usize): void {
  const cols4 = cols & ~3;
  for (let r = 0; r < rows; r++) {
    const o = x + (<usize>(r * cols) << 2);
    let j = 0;
    for (; j < cols4; j += 4) {
      const p = out + (<usize>j << 2);
      v128.store(p, f32x4.add(v128.load(p), v128.load(o + (<usize>j << 2))));
    }
    for (; j < cols; j++) {
      const p = out + (<usize>j << 2);
      store<f32>(p, load<f32>(p) + load<f32>(o + (<usize>j << 2)));
    }
  }
}

export function adam(p: usize, g: usize, m: usize, v: usize, n: i32, lr: f32, b1: f32, b2: f32, eps: f32, wd: f32, decoupled: i32, bc1: f32, bc2: f32): void {
  const step: f32 = lr / bc1;
  const invSqrtBc2: f32 = 1 / Mathf.sqrt(bc2);
  const l2: f32 = decoupled ? 0 : wd;
  const shrink: f32 = decoupled ? 1 - lr * wd : 1;
  const vStep = f32x4.splat(step), vInv = f32x4.splat(invSqrtBc2), vEps = f32x4.splat(eps);
  const vB1 = f32x4.splat(b1), vB2 = f32x4.splat(b2), vC1 = f32x4.splat(1 - b1), vC2 = f32x4.splat(1 - b2);
  const vL2 = f32x4.splat(l2), vShrink = f32x4.splat(shrink);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    const pp = v128.load(p + o);
    const gi = f32x4.add(v128.load(g + o), f32x4.mul(vL2, pp));
    const mi = f32x4.add(f32x4.mul(vB1, v128.load(m + o)), f32x4.mul(vC1, gi));
    const vi = f32x4.add(f32x4.mul(vB2, v128.load(v + o)), f32x4.mul(vC2, f32x4.mul(gi, gi)));
    v128.store(m + o, mi);
    v128.store(v + o, vi);
    const denom = f32x4.add(f32x4.mul(f32x4.sqrt(vi), vInv), vEps);
    v128.store(p + o, f32x4.sub(f32x4.mul(pp, vShrink), f32x4.div(f32x4.mul(vStep, mi), denom)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const pp = load<f32>(p + o);
    const gi = load<f32>(g + o) + l2 * pp;
    const mi = b1 * load<f32>(m + o) + (1 - b1) * gi;
    const vi = b2 * load<f32>(v + o) + (1 - b2) * gi * gi;
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    store<f32>(p + o, pp * shrink - (step * mi) / (Mathf.sqrt(vi) * invSqrtBc2 + eps));
  }
}

export function polyak(t: usize, s: usize, n: i32, tau: f32): void {
  const vKeep = f32x4.splat(1 - tau), vTau = f32x4.splat(tau);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(t + o, f32x4.add(f32x4.mul(vKeep, v128.load(t + o)), f32x4.mul(vTau, v128.load(s + o))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(t + o, (1 - tau) * load<f32>(t + o) + tau * load<f32>(s + o));
  }
}

export function sumSq(x: usize, n: i32): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const v = <f64>load<f32>(x + (<usize>i << 2));
    s += v * v;
  }
  return s;
}

export function scale(x: usize, n: i32, s: f32): void {
  const vs = f32x4.splat(s);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(x + o, f32x4.mul(v128.load(x + o), vs));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(x + o, load<f32>(x + o) * s);
  }
}
