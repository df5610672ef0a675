import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineVariants } from './kernel-sets.js';
import { Rng } from '@orl/core';
import { Act, Engine, JsKernels, availableBackends, createEngine } from '../src/index.js';

// One suite, every backend: each kernel against the plain-JS reference on random data, including edge tiles
// (sizes that are not multiples of the micro-kernel), K larger than one packing block, and every transpose.
const backends = availableBackends();
const ref = new Engine(new JsKernels());

function fill(e: Engine, off: number, n: number, rng: Rng): void {
  const h = e.heap();
  for (let i = 0; i < n; i++) h[off + i] = rng.normal();
}

function maxRelErr(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / (1 + Math.abs(b[i]!)));
  return worst;
}

it('WebAssembly and JS backends always load; native loads where it was built', () => {
  expect(backends).toContain('wasm');
  expect(backends).toContain('js');
});

// Every backend, and every native kernel set this CPU runs (the others are listed as skipped, with the reason).
const { variants: engineSets, skipped } = engineVariants();
const variants: [string, () => ReturnType<typeof createEngine>, string | undefined][] = [
  ...engineSets.map((v) => [v.name, v.make, v.kernels] as [string, () => ReturnType<typeof createEngine>, string | undefined]),
  ['wasm, 2 threads', () => createEngine({ backend: 'wasm', threads: 2, notice: false }), undefined],
];
for (const why of skipped) it.skip(`skipped: ${why}`, () => undefined);

it('ORL_KERNELS lowers the native kernel set; the engine reports the active one', () => {
  if (!backends.includes('native')) return;
  const e = createEngine({ backend: 'native', notice: false });
  const before = e.info().kernels;
  expect(e.info().supported).toContain(before);
  expect(e.setKernels('generic')).toBe('generic');
  expect(e.describe()).toMatch(/^native generic kernels \(generic.* supported\), \d+ threads?$/);
  expect(() => e.setKernels('avx512-not-a-set')).toThrow(expect.objectContaining({ code: 'UNSUPPORTED' }));
  e.setKernels(before);
});

it('the two-thread WebAssembly engine really runs two threads', () => {
  expect(createEngine({ backend: 'wasm', threads: 2, notice: false }).kernels.threads()).toBe(2);
});

describe.each(variants)('%s backend conforms to the JS reference', (_name, make, kernels) => {
  const e = make();
  const k = e.kernels;
  const previous = kernels ? e.info().kernels : undefined;
  beforeAll(() => void (kernels && e.setKernels(kernels)));
  afterAll(() => void (previous && e.setKernels(previous)));

  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [5, 7, 3],
    [37, 29, 300],
    [256, 256, 256],
    [256, 6, 256],
    [23, 256, 256],
    [256, 1, 256],
    [3, 1100, 9],
  ];
  // A batch of products (an ensemble's layer): each one as gemm() computes it, bit for bit, whatever the thread split.
  for (const [count, m, n, kk, ta, tb, beta] of [
    [2, 256, 256, 256, false, false, 0],
    [2, 256, 23, 256, false, true, 0],
    [2, 23, 256, 256, true, false, 1],
    [3, 37, 29, 300, false, false, 1],
    [7, 100, 200, 24, false, false, 0],
    [1, 5, 7, 3, true, true, 1],
  ] as const) {
    it(`gemmBatch of ${count}: ${m}x${n}x${kk} transA=${ta} transB=${tb} beta=${beta} equals ${count} gemm calls`, () => {
      const rng = new Rng(count * 7 + m);
      const alloc = (size: number) => {
        const o = e.alloc(size);
        fill(e, o, size, rng);
        return o;
      };
      const as = Array.from({ length: count }, () => alloc(m * kk));
      const bs = Array.from({ length: count }, () => alloc(kk * n));
      const cs = Array.from({ length: count }, () => alloc(m * n));
      const one = Array.from({ length: count }, () => e.alloc(m * n));
      cs.forEach((c, i) => e.write(one[i]!, e.read(c, m * n)));
      k.gemmBatch(ta, tb, m, n, kk, as, bs, cs, beta);
      for (let i = 0; i < count; i++) k.gemm(ta, tb, m, n, kk, as[i]!, bs[i]!, one[i]!, beta);
      for (let i = 0; i < count; i++)
        expect(Buffer.from(e.read(cs[i]!, m * n).buffer).equals(Buffer.from(e.read(one[i]!, m * n).buffer)), `product ${i}`).toBe(true);
      [...as, ...bs, ...cs, ...one].forEach((o) => e.free(o));
    });
  }
  // One output column has its own kernel (no 16- or 32-wide tile for one column): it must give the bits the tile
  // gives, checked against the same product with the column duplicated (n = 2 goes through the micro-kernel).
  for (const [m, kk] of [
    [256, 256],
    [97, 300],
    [5, 3],
    [1000, 24],
  ] as const)
    for (const beta of [0, 1])
      it(`one-column gemm ${m}x1x${kk} beta=${beta} has the micro-kernel's bits`, () => {
        const rng = new Rng(m + kk + beta);
        const a = e.alloc(m * kk),
          b = e.alloc(kk),
          b2 = e.alloc(kk * 2),
          c = e.alloc(m),
          c2 = e.alloc(m * 2);
        fill(e, a, m * kk, rng);
        fill(e, b, kk, rng);
        fill(e, c, m, rng);
        const bv = e.read(b, kk),
          cv = e.read(c, m);
        e.write(
          b2,
          Float32Array.from({ length: kk * 2 }, (_, i) => bv[i >> 1]!),
        );
        e.write(
          c2,
          Float32Array.from({ length: m * 2 }, (_, i) => cv[i >> 1]!),
        );
        k.gemm(false, false, m, 1, kk, a, b, c, beta);
        k.gemm(false, false, m, 2, kk, a, b2, c2, beta);
        const one = e.read(c, m),
          two = e.read(c2, m * 2).filter((_, i) => i % 2 === 0);
        expect(Buffer.from(one.buffer).equals(Buffer.from(two.buffer))).toBe(true);
        [a, b, b2, c, c2].forEach((o) => e.free(o));
      });

  it('gemmBatch refuses offset lists of different lengths', () => {
    expect(() => k.gemmBatch(false, false, 1, 1, 1, [16, 32], [16], [16, 32], 0)).toThrow();
  });

  for (const [m, n, kk] of shapes) {
    for (const [ta, tb] of [
      [false, false],
      [false, true],
      [true, false],
      [true, true],
    ] as const) {
      for (const beta of [0, 1]) {
        it(`gemm ${m}x${n}x${kk} transA=${ta} transB=${tb} beta=${beta}`, () => {
          const rng = new Rng(m * 1000 + n + kk);
          const sizes = [m * kk, kk * n, m * n];
          const [a, b, c] = sizes.map((s) => e.alloc(s)) as [number, number, number];
          const [ra, rb, rc] = sizes.map((s) => ref.alloc(s)) as [number, number, number];
          fill(e, a, m * kk, rng);
          fill(e, b, kk * n, rng);
          fill(e, c, m * n, rng);
          ref.write(ra, e.read(a, m * kk));
          ref.write(rb, e.read(b, kk * n));
          ref.write(rc, e.read(c, m * n));
          k.gemm(ta, tb, m, n, kk, a, b, c, beta);
          ref.kernels.gemm(ta, tb, m, n, kk, ra, rb, rc, beta);
          expect(maxRelErr(e.read(c, m * n), ref.read(rc, m * n))).toBeLessThan(1e-4);
          [a, b, c].forEach((o) => e.free(o));
          [ra, rb, rc].forEach((o) => ref.free(o));
        });
      }
    }
  }

  it.each(Object.entries(Act))('biasAct and actGrad (%s)', (_label, act) => {
    const rng = new Rng(act + 1);
    const rows = 13,
      cols = 37,
      n = rows * cols;
    const y = e.alloc(n),
      bias = e.alloc(cols),
      dy = e.alloc(n),
      dst = e.alloc(n);
    const ry = ref.alloc(n),
      rbias = ref.alloc(cols),
      rdy = ref.alloc(n),
      rdst = ref.alloc(n);
    fill(e, y, n, rng);
    fill(e, bias, cols, rng);
    fill(e, dy, n, rng);
    ref.write(ry, e.read(y, n));
    ref.write(rbias, e.read(bias, cols));
    ref.write(rdy, e.read(dy, n));
    k.biasAct(y, bias, rows, cols, act);
    ref.kernels.biasAct(ry, rbias, rows, cols, act);
    expect(maxRelErr(e.read(y, n), ref.read(ry, n))).toBeLessThan(1e-6);
    k.actGrad(dst, dy, y, n, act);
    ref.kernels.actGrad(rdst, rdy, ry, n, act);
    expect(maxRelErr(e.read(dst, n), ref.read(rdst, n))).toBeLessThan(1e-6);
    k.actGrad(dy, dy, y, n, act); // in place
    expect(maxRelErr(e.read(dy, n), ref.read(rdst, n))).toBeLessThan(1e-6);
  });

  it('colSumAcc, polyak, sumSq, scale', () => {
    const rng = new Rng(9);
    const rows = 19,
      cols = 23,
      n = rows * cols;
    const x = e.alloc(n),
      out = e.alloc(cols),
      t = e.alloc(n);
    const rx = ref.alloc(n),
      rout = ref.alloc(cols),
      rt = ref.alloc(n);
    fill(e, x, n, rng);
    fill(e, out, cols, rng);
    fill(e, t, n, rng);
    ref.write(rx, e.read(x, n));
    ref.write(rout, e.read(out, cols));
    ref.write(rt, e.read(t, n));
    k.colSumAcc(x, rows, cols, out);
    ref.kernels.colSumAcc(rx, rows, cols, rout);
    expect(maxRelErr(e.read(out, cols), ref.read(rout, cols))).toBeLessThan(1e-5);
    k.polyak(t, x, n, 0.005);
    ref.kernels.polyak(rt, rx, n, 0.005);
    expect(maxRelErr(e.read(t, n), ref.read(rt, n))).toBeLessThan(1e-6);
    expect(k.sumSq(x, n)).toBeCloseTo(ref.kernels.sumSq(rx, n), 3);
    k.scale(x, n, 0.3);
    ref.kernels.scale(rx, n, 0.3);
    expect(maxRelErr(e.read(x, n), ref.read(rx, n))).toBeLessThan(1e-6);
  });

  // LayerNorm's sums have a fixed order in every backend, so its bits match the reference exactly: with and without
  // the affine part, a row count that is not a multiple of the native kernel's block of 4, and each gradient alone.
  it.each([
    [true, 11, 37, -1],
    [false, 8, 16, -1],
    [true, 3, 256, 0],
    [true, 5, 9, 1],
    [true, 6, 9, 2],
  ])('layerNorm and its backward, bit for bit (affine %s, %i×%i, gradient %i only)', (affine, rows, cols, only) => {
    const rng = new Rng(rows * cols);
    const n = rows * cols;
    const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
    const run = (en: Engine, data: Float32Array[]) => {
      const [x, gain, bias, dy, gx, gg, gb] = [n, cols, cols, n, n, cols, cols].map((len, i) => {
        const o = en.alloc(len);
        en.write(o, data[i]!);
        return o;
      }) as [number, number, number, number, number, number, number];
      const xhat = en.alloc(n),
        out = affine ? en.alloc(n) : xhat,
        rstd = en.alloc(2 * rows);
      en.kernels.layerNorm(x, xhat, out, affine ? gain : -1, affine ? bias : -1, rstd, rows, cols, 1e-6);
      const want = (i: number) => only < 0 || only === i;
      en.kernels.layerNormBackward(dy, xhat, affine ? gain : -1, rstd, rows, cols, want(0) ? gx : -1, want(1) && affine ? gg : -1, want(2) && affine ? gb : -1);
      return [out, xhat, gx, gg, gb].map((o, i) => bits(en.read(o, i < 3 ? n : cols)));
    };
    const data = [n, cols, cols, n, n, cols, cols].map((len) => Float32Array.from({ length: len }, () => rng.normal() * 3 + 0.5));
    const got = run(e, data);
    const expected = run(ref, data);
    expect(got).toEqual(expected);
    expect(got[0]).not.toBe(bits(data[0]!)); // it normalised something
  });

  it.each([
    [0, 0],
    [1e-2, 0],
    [1e-2, 1],
  ])('adam (weight decay %s, decoupled %s)', (wd, decoupled) => {
    const rng = new Rng(4);
    const n = 1003;
    const [p, g, m, v] = [0, 1, 2, 3].map(() => e.alloc(n)) as [number, number, number, number];
    const [rp, rg, rm, rv] = [0, 1, 2, 3].map(() => ref.alloc(n)) as [number, number, number, number];
    fill(e, p, n, rng);
    for (let t = 1; t <= 3; t++) {
      fill(e, g, n, rng);
      if (t === 1) ref.write(rp, e.read(p, n));
      ref.write(rg, e.read(g, n));
      const args = [n, 1e-3, 0.9, 0.999, 1e-8, wd, decoupled, 1 - 0.9 ** t, 1 - 0.999 ** t] as const;
      k.adam(p, g, m, v, ...args);
      ref.kernels.adam(rp, rg, rm, rv, ...args);
    }
    expect(maxRelErr(e.read(p, n), ref.read(rp, n))).toBeLessThan(1e-6);
    expect(maxRelErr(e.read(v, n), ref.read(rv, n))).toBeLessThan(1e-6);
  });
});

describe('Adam step matches the PyTorch formula', () => {
  it.each(backends)('%s', (name) => {
    const e = createEngine({ backend: name, notice: false });
    const p = e.alloc(3),
      g = e.alloc(3),
      m = e.alloc(3),
      v = e.alloc(3);
    e.write(p, [1, -2, 0.5]);
    e.write(g, [0.1, -0.3, 2]);
    e.kernels.adam(p, g, m, v, 3, 0.01, 0.9, 0.999, 1e-8, 0, 0, 1 - 0.9, 1 - 0.999);
    // First step: m̂ = g, v̂ = g², so p ← p − lr·g/(|g| + eps) = p − lr·sign(g).
    const out = e.read(p, 3);
    expect(out[0]).toBeCloseTo(0.99, 5);
    expect(out[1]).toBeCloseTo(-1.99, 5);
    expect(out[2]).toBeCloseTo(0.49, 5);
  });
});
