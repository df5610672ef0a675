import { describe, expect, it } from 'vitest';
import { OrlError, Rng } from '@orl/core';
import { Adam, MLP, ParamVector, Tape, availableBackends, createEngine, type Scalar, type Tensor } from '../src/index.js';

// Every tape op's backward against central finite differences of the loss in float64 (parameters are float32, so the
// step is 1e-2, as in gradcheck.test.ts). Leaves are ParamVectors shaped as tensors; networks use tanh hidden layers
// (a step across a ReLU kink spoils the numeric side).

const e = createEngine({ backend: 'js', notice: false });
const H = 1e-2;

function vec(values: ArrayLike<number>): ParamVector {
  const v = new ParamVector(e, values.length);
  v.set(values);
  return v;
}

function randn(rng: Rng, n: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => scale * rng.normal());
}

/** Checks d loss/d leaf for every element of every leaf (and sampled parameters of `nets`). */
function gradCheck(leaves: ParamVector[], nets: MLP[], build: (t: Tape) => Scalar): void {
  const tape = new Tape(e);
  const run = () => build(tape.reset()).value;
  for (const v of leaves) v.zeroGrad();
  for (const n of nets) n.zeroGrad();
  tape.reset();
  tape.backward(build(tape));
  const blocks = [...leaves, ...nets];
  const rng = new Rng(9);
  for (const b of blocks) {
    const analytic = e.read(b.grads, b.size);
    const idx = b.size <= 40 ? Array.from({ length: b.size }, (_, i) => i) : Array.from({ length: 24 }, () => rng.int(b.size));
    for (const i of idx) {
      const orig = e.heap()[b.params + i]!;
      e.heap()[b.params + i] = orig + H;
      const up = run();
      e.heap()[b.params + i] = orig - H;
      const down = run();
      e.heap()[b.params + i] = orig;
      const numeric = (up - down) / (2 * H);
      const tol = 3e-2 * Math.max(Math.abs(analytic[i]!), Math.abs(numeric)) + 3e-4;
      expect(Math.abs(analytic[i]! - numeric), `${i}: ${analytic[i]} vs ${numeric}`).toBeLessThanOrEqual(tol);
    }
  }
  tape.dispose();
}

describe('tape gradients (finite differences)', () => {
  const rng = new Rng(3);
  const B = 5;

  it('mlp on a concatenation, mse: network parameters and the trainable input', () => {
    const net = new MLP(e, { sizes: [4, 8, 2], hidden: 'tanh', seed: 1 });
    const s = randn(rng, B * 3);
    const a = vec(randn(rng, B));
    const y = randn(rng, B * 2);
    gradCheck([a], [net], (t) => t.mse(t.mlp(net, t.concat(t.constant(s, B, 3), t.param(a, B, 1))), t.constant(y, B, 2)));
  });

  it('add, sub, mul, scale, mean and scalar sums', () => {
    const a = vec(randn(rng, B * 2)),
      b = vec(randn(rng, B * 2));
    gradCheck([a, b], [], (t) => {
      const A = t.param(a, B, 2),
        Bt = t.param(b, B, 2);
      return t.add(t.mean(t.mul(t.add(A, Bt), t.sub(A, t.scale(Bt, 0.5)))), t.scale(t.mean(A), -3));
    });
  });

  it('min and clamp away from their kinks', () => {
    const base = randn(rng, B * 2);
    const a = vec(base),
      b = vec(base.map((x, i) => x + (i % 2 ? 0.5 : -0.5)));
    const c = vec(Float32Array.from({ length: 8 }, (_, i) => [-2, -0.6, 0.1, 0.7, 1.9, -1.5, 0.3, 2.4][i]!));
    gradCheck([a, b, c], [], (t) => {
      const m = t.min(t.param(a, B, 2), t.param(b, B, 2));
      const k = t.clamp(t.param(c, 2, 4), -1, 1);
      return t.add(t.mean(t.mul(m, m)), t.mean(t.mul(k, t.exp(k))));
    });
  });

  it("layerNorm with a broadcast gain and bias, then relu (a LayerNorm critic block), away from relu's kink", () => {
    const net = new MLP(e, { sizes: [3, 6], seed: 4 });
    const s = randn(rng, B * 3);
    const gain = vec(Float32Array.from({ length: 6 }, (_, i) => 0.5 + 0.2 * i)),
      bias = vec(Float32Array.from({ length: 6 }, (_, i) => 1.5 - 0.4 * i));
    gradCheck([gain, bias], [net], (t) => {
      const x = t.mlp(net, t.constant(s, B, 3));
      const z = t.layerNorm(x);
      const y = t.relu(t.add(t.mul(z, t.param(gain, 1, 6)), t.param(bias, 1, 6)));
      const fused = t.layerNorm(x, 1e-5, { gain: t.param(gain, 1, 6), bias: t.param(bias, 1, 6) });
      return t.add(t.mean(t.mul(y, t.exp(t.scale(z, 0.3)))), t.mean(t.mul(fused, t.exp(t.scale(fused, -0.2)))));
    });
  });

  it('layerNorm matches the formula: zero mean, unit (biased) variance per row', () => {
    const t = new Tape(e);
    const x = t.constant(Float32Array.from([1, 2, 3, 4, -2, 0, 2, 8]), 2, 4);
    const y = t.layerNorm(x, 0).values();
    for (const r of [0, 1]) {
      const row = Array.from(y.subarray(r * 4, r * 4 + 4));
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 6);
      expect(row.reduce((a, b) => a + b * b, 0) / 4).toBeCloseTo(1, 5);
    }
    expect(y[0]).toBeCloseTo(-1.5 / Math.sqrt(1.25), 6);
    const g = t.constant(Float32Array.from([1, 2, 3, 4]), 1, 4),
      b = t.constant(Float32Array.from([0, 1, 0, -1]), 1, 4);
    const fused = t.layerNorm(x, 0, { gain: g, bias: b }).values();
    for (let i = 0; i < 8; i++) expect(fused[i]).toBeCloseTo(y[i]! * [1, 2, 3, 4][i % 4]! + [0, 1, 0, -1][i % 4]!, 6);
    expect(() => t.layerNorm(x, 0, { gain: t.constant(new Float32Array(3), 1, 3), bias: b })).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
  });

  it('exp, logsumexp, rows, stack and slice', () => {
    const a = vec(randn(rng, B * 4));
    gradCheck([a], [], (t) => {
      const A = t.param(a, B, 4);
      const st = t.stack(t.rows(A, 0, 2), t.rows(A, 3, 5));
      const l = t.logsumexp(t.slice(st, 1, 4));
      return t.add(t.mean(t.mul(l, l)), t.mean(t.exp(t.slice(A, 0, 1))));
    });
  });

  it('broadcasting a row and a single value; addConst; repeatRows and reshape', () => {
    const a = vec(randn(rng, B * 3)),
      row = vec(randn(rng, 3)),
      one = vec([0.7]);
    gradCheck([a, row, one], [], (t) => {
      const A = t.param(a, B, 3);
      const x = t.add(t.mul(A, t.param(row, 1, 3)), t.sub(t.addConst(A, 0.3), t.param(one, 1, 1)));
      const r = t.reshape(t.repeatRows(x, 2), B * 3, 2);
      return t.mean(t.mul(r, t.exp(t.scale(r, 0.3))));
    });
  });

  it('lossOf: a loss written as array code with its own gradient (here Σ sin(x)·w / n)', () => {
    const a = vec(randn(rng, B * 2));
    const w = randn(rng, B * 2);
    gradCheck([a], [], (t) =>
      t.lossOf(t.exp(t.scale(t.param(a, B, 2), 0.5)), (v, g) => {
        let l = 0;
        for (let i = 0; i < v.length; i++) {
          l += (Math.sin(v[i]!) * w[i]!) / v.length;
          g[i] = (Math.cos(v[i]!) * w[i]!) / v.length;
        }
        return l;
      }),
    );
  });

  it('expectile of a difference', () => {
    const q = vec(randn(rng, B)),
      v = vec(randn(rng, B));
    gradCheck([q, v], [], (t) => t.expectile(t.sub(t.param(q, B, 1), t.param(v, B, 1)), 0.7));
  });

  it.each([
    ['shared', 1],
    ['per-row', B],
  ])('Gaussian log-probability with %s log-std (x, mean and log-std)', (_n, lsRows) => {
    const x = vec(randn(rng, B * 3)),
      mu = vec(randn(rng, B * 3)),
      ls = vec(randn(rng, lsRows * 3, 0.3));
    const w = randn(rng, B);
    gradCheck([x, mu, ls], [], (t) =>
      t.scale(t.mean(t.mul(t.constant(w, B, 1), t.gaussianLogProb(t.param(x, B, 3), t.param(mu, B, 3), t.param(ls, lsRows, 3)))), -1),
    );
  });

  it('tanh-Gaussian sample: action and log-probability (mean and log-std)', () => {
    const mu = vec(randn(rng, B * 2, 0.5)),
      ls = vec(randn(rng, B * 2, 0.3));
    const noise = randn(rng, B * 2);
    const w = randn(rng, B * 2);
    gradCheck([mu, ls], [], (t) => {
      const { action, logProb } = t.tanhGaussian(t.param(mu, B, 2), t.param(ls, B, 2), t.constant(noise, B, 2));
      return t.add(t.mean(t.mul(action, t.constant(w, B, 2))), t.scale(t.mean(logProb), 0.2));
    });
  });

  it('one network applied twice in a tape gets the sum of both uses', () => {
    const net = new MLP(e, { sizes: [3, 6, 1], hidden: 'tanh', seed: 4 });
    const x1 = vec(randn(rng, B * 3)),
      x2 = randn(rng, B * 3);
    gradCheck([x1], [net], (t) => t.add(t.mean(t.mlp(net, t.param(x1, B, 3))), t.mse(t.mlp(net, t.constant(x2, B, 3)), t.constant(new Float32Array(B), B, 1))));
  });
});

describe('tape semantics', () => {
  it('repeatRows repeats each row in place; reshape keeps row-major order', () => {
    const tape = new Tape(e);
    const x = tape.constant([1, 2, 3, 4], 2, 2);
    expect(Array.from(tape.repeatRows(x, 2).values())).toEqual([1, 2, 1, 2, 3, 4, 3, 4]);
    expect(tape.reshape(x, 1, 4).cols).toBe(4);
    expect(() => tape.reshape(x, 3, 1)).toThrow(/reshape/);
  });

  it('orthogonal initialisation gives orthonormal rows (wide) or columns (tall) times the gain, and zero bias', () => {
    for (const sizes of [
      [6, 4],
      [3, 8],
    ]) {
      const net = new MLP(e, { sizes, seed: 1 });
      net.initLayer(0, 'orthogonal', 2, 7);
      const { weight, bias, inDim, outDim } = net.layer(0); // [in × out]
      const tall = outDim >= inDim; // PyTorch's W is [out × in]: columns orthonormal when out ≥ in
      const k = tall ? inDim : outDim;
      for (let p = 0; p < k; p++) {
        for (let q = 0; q < k; q++) {
          let dot = 0;
          if (tall) for (let o = 0; o < outDim; o++) dot += weight[p * outDim + o]! * weight[q * outDim + o]!;
          else for (let i = 0; i < inDim; i++) dot += weight[i * outDim + p]! * weight[i * outDim + q]!;
          expect(dot).toBeCloseTo(p === q ? 4 : 0, 4);
        }
      }
      expect(Array.from(bias).every((b) => b === 0)).toBe(true);
    }
  });

  it('frozen networks get no parameter gradients but pass input gradients', () => {
    const net = new MLP(e, { sizes: [2, 4, 1], seed: 2 });
    const x = vec([0.5, -1, 2, 0.3]);
    const tape = new Tape(e);
    net.zeroGrad();
    x.zeroGrad();
    tape.backward(tape.mean(tape.mlp(net, tape.param(x, 2, 2), { frozen: true })));
    expect(net.getGrads().every((g) => g === 0)).toBe(true);
    expect(x.get().length).toBe(4);
    expect(Array.from(e.read(x.grads, 4)).some((g) => g !== 0)).toBe(true);
  });

  it('a frozen network on constants records nothing; backward through it is refused', () => {
    const net = new MLP(e, { sizes: [2, 1], seed: 2 });
    const tape = new Tape(e);
    const y = tape.mlp(net, tape.constant([1, 2], 1, 2), { frozen: true });
    expect(y.requiresGrad).toBe(false);
    expect(() => tape.backward(tape.mean(y))).toThrow(OrlError);
  });

  it('backpropagating after an optimizer step changed the network throws', () => {
    const net = new MLP(e, { sizes: [2, 3, 1], seed: 2 });
    const opt = new Adam(net);
    const tape = new Tape(e);
    const loss = tape.mean(tape.mlp(net, tape.constant([1, 2], 1, 2)));
    opt.zeroGrad();
    tape.backward(loss);
    opt.step();
    expect(() => tape.backward(loss)).toThrow(/changed .* after its forward/);
  });

  it('tensors from before reset() are refused; shapes are checked', () => {
    const tape = new Tape(e);
    const a = tape.constant([1, 2, 3, 4], 2, 2);
    expect(() => tape.add(a, tape.constant([1, 2, 3], 1, 3))).toThrow(/SHAPE|2×2/);
    expect(() => tape.min(a, tape.constant([1, 2], 1, 2))).toThrow(/SHAPE|2×2/);
    tape.reset();
    expect(() => tape.mean(a)).toThrow(/before reset/);
    expect(() => tape.constant([1, 2], 2, 2)).toThrow(OrlError);
  });

  it('map computes outside the graph, with the element index', () => {
    const tape = new Tape(e);
    const a = tape.constant([1, 2, 3], 3, 1),
      b = tape.constant([10, 20, 30], 3, 1);
    const m: Tensor = tape.map([a, b], (x, y, i) => x * y + i!);
    expect(Array.from(m.values())).toEqual([10, 41, 92]);
    expect(m.requiresGrad).toBe(false);
  });

  it('a steady-state update allocates no engine memory after the first', () => {
    const net = new MLP(e, { sizes: [3, 8, 1], seed: 1 });
    const opt = new Adam(net);
    const tape = new Tape(e);
    const x = new Float32Array(12).fill(0.5);
    const step = () => {
      tape.reset();
      const loss = tape.mse(tape.mlp(net, tape.constant(x, 4, 3)), tape.constant(new Float32Array(4), 4, 1));
      opt.zeroGrad();
      tape.backward(loss);
      opt.step();
    };
    step();
    const before = e.allocatedFloats();
    for (let i = 0; i < 5; i++) step();
    expect(e.allocatedFloats()).toBe(before);
    tape.dispose();
    expect(e.allocatedFloats()).toBeLessThan(before);
  });

  it('gradients of the last pass are readable on tensors', () => {
    const x = vec([1, -2]);
    const tape = new Tape(e);
    const X = tape.param(x, 1, 2);
    tape.backward(tape.mean(tape.mul(X, X)));
    expect(Array.from(X.grad())).toEqual([1, -2]);
  });
});

describe.each(availableBackends())('tape.mlps on %s: an ensemble in one node, the same bits as one mlp per member', (backend) => {
  const engine = createEngine({ backend, notice: false });
  // 256-wide layers at 128 rows: large enough for the native batched kernel to give each thread a whole product.
  const make = (seed: number) => new MLP(engine, { sizes: [7, 256, 256, 1], seed });
  const bits = (a: Float32Array) => Buffer.from(a.buffer);

  /** Values, parameter gradients and input gradients of a loss over a twin ensemble, built with `mlps` or with `mlp`. */
  function run(batched: boolean, shared: boolean, frozen: boolean) {
    const nets = [make(1), make(2)];
    const input = new ParamVector(engine, 2 * 128 * 7);
    input.set(randn(new Rng(3), 2 * 128 * 7));
    const t = new Tape(engine);
    const x = t.param(input, 256, 7);
    const xs = shared ? [t.rows(x, 0, 128), t.rows(x, 0, 128)] : [t.rows(x, 0, 128), t.rows(x, 128, 256)];
    const [q1, q2] = batched ? t.mlps(nets, shared ? xs[0]! : xs, { frozen }) : nets.map((n, i) => t.mlp(n, xs[i]!, { frozen }));
    const loss = t.add(
      t.mean(t.min(q1!, q2!)),
      t.mse(
        q1!,
        t.map(q2!, (v) => 0.5 * v),
      ),
    );
    for (const n of nets) n.zeroGrad();
    input.zeroGrad();
    t.backward(loss);
    const out = { values: [q1!.values(), q2!.values()], grads: nets.map((n) => engine.read(n.grads, n.size)), dx: engine.read(input.grads, input.size) };
    for (const n of nets) n.dispose();
    input.dispose();
    t.dispose();
    return out;
  }

  for (const shared of [true, false])
    for (const frozen of [false, true])
      it(`${shared ? 'shared input' : 'an input each'}${frozen ? ', frozen' : ''}`, () => {
        const a = run(true, shared, frozen),
          b = run(false, shared, frozen);
        a.values.forEach((v, i) => expect(bits(v).equals(bits(b.values[i]!))).toBe(true));
        a.grads.forEach((g, i) => expect(bits(g).equals(bits(b.grads[i]!))).toBe(true));
        expect(bits(a.dx).equals(bits(b.dx))).toBe(true);
        expect(a.dx.some((v) => v !== 0)).toBe(true);
        if (!frozen) expect(a.grads[1]!.some((v) => v !== 0)).toBe(true);
      });

  it('refuses members of different shapes and a wrong number of inputs', () => {
    const t = new Tape(engine);
    const x = t.constant(new Float32Array(7 * 4), 4, 7);
    const other = new MLP(engine, { sizes: [7, 32, 1], seed: 1 });
    expect(() => t.mlps([make(1), other], x)).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
    expect(() => t.mlps([make(1), make(2)], [x])).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
  });
});
