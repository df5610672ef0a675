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
