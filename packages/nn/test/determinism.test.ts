import { describe, expect, it } from 'vitest';
import { Rng } from '@orl/core';
import { Adam, MLP, availableBackends, createEngine, mseLoss, polyak, type BackendName } from '../src/index.js';

function train(backend: BackendName, seed: number, steps = 30, threads?: number): Float32Array {
  const e = createEngine({ backend, notice: false, ...(threads ? { threads } : {}) });
  const net = new MLP(e, { sizes: [11, 64, 64, 3], seed });
  const target = net.clone();
  const opt = new Adam(net, { lr: 1e-3, maxGradNorm: 5 });
  const rng = new Rng(seed + 1);
  const batch = 32;
  const x = new Float32Array(batch * 11),
    y = new Float32Array(batch * 3),
    g = new Float32Array(batch * 3);
  const dOut = e.alloc(batch * 3);
  for (let s = 0; s < steps; s++) {
    rng.fillNormal(x);
    for (let i = 0; i < batch * 3; i++) y[i] = Math.sin(x[i]!);
    e.write(net.inputOffset(batch), x);
    const out = net.forward(batch);
    mseLoss(e.view(out, batch * 3), y, g);
    e.write(dOut, g);
    net.zeroGrad();
    net.backward(dOut);
    opt.step();
    polyak(target, net, 0.005);
  }
  const p = net.getParams();
  const t = target.getParams();
  const both = new Float32Array(p.length + t.length);
  both.set(p);
  both.set(t, p.length);
  net.dispose();
  target.dispose();
  return both;
}

describe.each(availableBackends())('determinism on %s', (backend) => {
  it('same seed → bit-identical parameters after N steps; another seed differs', () => {
    const a = train(backend, 3);
    const b = train(backend, 3);
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    const c = train(backend, 4);
    expect(Buffer.from(a.buffer).equals(Buffer.from(c.buffer))).toBe(false);
  });
});

it('backends agree closely after training (same math, different rounding)', () => {
  const backends = availableBackends();
  const ref = train('js', 3);
  for (const b of backends) {
    const p = train(b, 3);
    let worst = 0;
    for (let i = 0; i < p.length; i++) worst = Math.max(worst, Math.abs(p[i]! - ref[i]!));
    expect(worst, b).toBeLessThan(1e-3);
  }
});

it('the two-thread WASM engine gives bit-identical parameters to the single-thread one (fixed split, same sums)', () => {
  const one = train('wasm', 3);
  const two = train('wasm', 3, 30, 2);
  expect(Buffer.from(two.buffer).equals(Buffer.from(one.buffer))).toBe(true);
});

// avx2 and avx512 sum every output element in the same order with FMA (different tile shapes, same per-element
// arithmetic), and the element-wise kernels are built without FMA contraction, so the two sets must agree bit for bit.
// generic rounds a*b and the sum apart: it only agrees within float tolerance (the test above).
const nativeSets = availableBackends().includes('native') ? createEngine({ backend: 'native', notice: false }).info().supported : [];
const fmaSets = nativeSets.filter((s) => s !== 'generic');
const describeFma = fmaSets.length >= 2 ? describe : describe.skip;
if (fmaSets.length < 2)
  it.skip(`skipped: bitwise agreement of FMA kernel sets needs two of them (this machine runs ${nativeSets.join(', ') || 'no native addon'})`, () => undefined);
describeFma(`native FMA kernel sets agree bit for bit (${fmaSets.join(', ')})`, () => {
  it('GEMM on edge shapes, every transpose, K beyond one packing block, 1 and 2 threads', () => {
    const rng = new Rng(11);
    const shapes = [
      [1, 1, 1],
      [5, 7, 3],
      [13, 33, 17],
      [37, 70, 300],
      [256, 256, 23],
      [97, 1, 256],
      [300, 40, 9],
    ] as const;
    for (const threads of [1, 2]) {
      // One native engine at a time: the addon holds the heap of the engine created last.
      const engine = createEngine({ backend: 'native', notice: false, threads });
      const active = engine.info().kernels;
      for (const [m, n, k] of shapes)
        for (const ta of [false, true])
          for (const tb of [false, true])
            for (const beta of [0, 1] as const) {
              const a = engine.alloc(m * k),
                b = engine.alloc(k * n),
                c = engine.alloc(m * n);
              const init = new Float32Array(m * n),
                av = new Float32Array(m * k),
                bv = new Float32Array(k * n);
              rng.fillNormal(init);
              rng.fillNormal(av);
              rng.fillNormal(bv);
              engine.write(a, av);
              engine.write(b, bv);
              const results = fmaSets.map((set) => {
                engine.setKernels(set);
                engine.write(c, init);
                engine.kernels.gemm(ta, tb, m, n, k, a, b, c, beta);
                return Buffer.from(engine.view(c, m * n).slice().buffer);
              });
              engine.setKernels(active);
              const where = `${m}x${n}x${k} ta${ta} tb${tb} beta${beta}, ${threads} thread(s)`;
              for (let i = 1; i < results.length; i++) expect(results[i]!.equals(results[0]!), `${fmaSets[i]} vs ${fmaSets[0]}: ${where}`).toBe(true);
              engine.free(c);
              engine.free(b);
              engine.free(a);
            }
    }
  });

  it('30 training steps (forward, backward, Adam, Polyak) give the same parameters under each set', () => {
    const engine = createEngine({ backend: 'native', notice: false });
    const active = engine.info().kernels;
    const runs = fmaSets.map((set) => {
      engine.setKernels(set);
      return Buffer.from(train('native', 3).buffer);
    });
    engine.setKernels(active);
    for (let i = 1; i < runs.length; i++) expect(runs[i]!.equals(runs[0]!), `${fmaSets[i]} vs ${fmaSets[0]}`).toBe(true);
  });
});
