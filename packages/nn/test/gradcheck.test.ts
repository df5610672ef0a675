import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineVariants } from './kernel-sets.js';
import { Rng } from '@orl/core';
import { MLP, ParamVector, createEngine, expectileLoss, gaussianLogProb, mseLoss, Tape, type Activation, type Engine } from '../src/index.js';

// Gradient checks against central finite differences. The networks run in float32, so the loss is accumulated in
// float64 and the step is large enough (h = 1e-2 in float32 parameters) for the difference to be well above rounding.
// ReLU layers get their own check; the composed losses use tanh hidden layers, because a step of h across a ReLU kink
// makes the numeric side wrong (seen: a hidden bias with a pre-activation within 1e-2 of zero).

const H = 1e-2;

function check(analytic: number, numeric: number): void {
  const tol = 3e-2 * Math.max(Math.abs(analytic), Math.abs(numeric)) + 2e-4;
  expect(Math.abs(analytic - numeric)).toBeLessThanOrEqual(tol);
}

/** Compares d loss / d params of `net` for `samples` random parameters. */
function gradCheckParams(
  net: { engine: Engine; params: number; grads: number; size: number },
  loss: () => number,
  backward: () => void,
  rng: Rng,
  samples = 24,
): void {
  const e = net.engine;
  e.heap().fill(0, net.grads, net.grads + net.size);
  loss();
  backward();
  const grads = e.read(net.grads, net.size);
  for (let s = 0; s < samples; s++) {
    const i = rng.int(net.size);
    const h = e.heap();
    const orig = h[net.params + i]!;
    h[net.params + i] = orig + H;
    const up = loss();
    e.heap()[net.params + i] = orig - H;
    const down = loss();
    e.heap()[net.params + i] = orig;
    check(grads[i]!, (up - down) / (2 * H));
  }
}

// Every backend (the JS reference too) and every native kernel set this CPU runs; the others are listed as skipped.
const { variants, skipped } = engineVariants();
const cases: [string, () => Engine, string | undefined][] = [
  ...variants.map((v) => [v.name, v.make, v.kernels] as [string, () => Engine, string | undefined]),
  ['js', () => createEngine({ backend: 'js', notice: false }), undefined],
];
for (const why of skipped) it.skip(`skipped: ${why}`, () => undefined);

describe.each(cases)('gradients on the %s backend', (_name, make, kernels) => {
  const e = make();
  const previous = kernels ? e.info().kernels : undefined;
  beforeAll(() => void (kernels && e.setKernels(kernels)));
  afterAll(() => void (previous && e.setKernels(previous)));

  it.each<Activation>(['linear', 'relu', 'tanh'])('MSE through an MLP with %s hidden layers (params and input)', (act) => {
    const rng = new Rng(1);
    const batch = 7,
      sizes = [5, 16, 12, 3];
    const net = new MLP(e, { sizes, hidden: act, output: act === 'relu' ? 'linear' : act, seed: 2 });
    const x = Float32Array.from({ length: batch * 5 }, () => rng.normal());
    const target = Float32Array.from({ length: batch * 3 }, () => rng.normal());
    const dOut = e.alloc(batch * 3);
    const grad = new Float32Array(batch * 3);
    const loss = () => {
      e.write(net.inputOffset(batch), x);
      const y = net.forward(batch);
      return mseLoss(e.view(y, batch * 3), target, grad);
    };
    const backward = () => {
      e.write(dOut, grad);
      return net.backward(dOut);
    };
    gradCheckParams(net, loss, backward, rng);
    // Input gradient.
    loss();
    const dx = e.read(backward(), batch * 5);
    for (let s = 0; s < 10; s++) {
      const i = rng.int(batch * 5);
      const orig = x[i]!;
      x[i] = orig + H;
      const up = loss();
      x[i] = orig - H;
      const down = loss();
      x[i] = orig;
      check(dx[i]!, (up - down) / (2 * H));
    }
  });

  it('TD3+BC actor loss through the critic: −λ·mean Q(s, π(s)) + mean (π(s) − a)²', () => {
    const rng = new Rng(3);
    const batch = 8,
      obs = 4,
      act = 2;
    const actor = new MLP(e, { sizes: [obs, 16, 16, act], hidden: 'tanh', output: 'tanh', seed: 4 });
    const critic = new MLP(e, { sizes: [obs + act, 16, 16, 1], hidden: 'tanh', seed: 5 });
    const s = Float32Array.from({ length: batch * obs }, () => rng.normal());
    const a = Float32Array.from({ length: batch * act }, () => rng.uniform(-1, 1));
    const dQ = e.alloc(batch),
      dPi = e.alloc(batch * act);
    // λ = α / mean|Q| is detached in TD3+BC: compute it once, then hold it fixed on both sides of the check.
    let lambda: number | undefined;
    let gPi = new Float32Array(batch * act);
    const loss = () => {
      e.write(actor.inputOffset(batch), s);
      const pi = e.read(actor.forward(batch), batch * act);
      const ci = critic.inputOffset(batch);
      const h = e.heap();
      for (let r = 0; r < batch; r++) {
        h.set(s.subarray(r * obs, (r + 1) * obs), ci + r * (obs + act));
        h.set(pi.subarray(r * act, (r + 1) * act), ci + r * (obs + act) + obs);
      }
      const q = e.read(critic.forward(batch), batch);
      let meanAbsQ = 0,
        qTerm = 0;
      for (const v of q) {
        meanAbsQ += Math.abs(v) / batch;
        qTerm += v / batch;
      }
      lambda ??= 2.5 / meanAbsQ;
      gPi = new Float32Array(batch * act);
      return -lambda * qTerm + mseLoss(pi, a, gPi);
    };
    const backward = () => {
      e.heap().fill(-lambda! / batch, dQ, dQ + batch);
      const dIn = critic.backward(dQ, { paramGrads: false });
      const h = e.heap();
      for (let r = 0; r < batch; r++) for (let j = 0; j < act; j++) h[dPi + r * act + j] = h[dIn + r * (obs + act) + obs + j]! + gPi[r * act + j]!;
      actor.backward(dPi, { inputGrad: false });
    };
    gradCheckParams(actor, loss, backward, rng);
    // The critic's parameter gradients must stay untouched by the actor loss.
    expect(Math.max(...critic.getGrads().map(Math.abs))).toBe(0);
  });

  it('expectile loss through a value network', () => {
    const rng = new Rng(6);
    const batch = 9;
    const v = new MLP(e, { sizes: [3, 12, 1], hidden: 'tanh', seed: 7 });
    const x = Float32Array.from({ length: batch * 3 }, () => rng.normal());
    const targetQ = Float32Array.from({ length: batch }, () => rng.normal());
    const dV = e.alloc(batch);
    const gu = new Float32Array(batch);
    const u = new Float32Array(batch);
    const loss = () => {
      e.write(v.inputOffset(batch), x);
      const out = e.view(v.forward(batch), batch);
      for (let i = 0; i < batch; i++) u[i] = targetQ[i]! - out[i]!;
      return expectileLoss(u, 0.7, gu);
    };
    const backward = () => {
      const h = e.heap();
      for (let i = 0; i < batch; i++) h[dV + i] = -gu[i]!; // u = q − v
      v.backward(dV);
    };
    gradCheckParams(v, loss, backward, rng);
  });

  it('Gaussian log-likelihood (IQL actor) with a state-independent log std', () => {
    const rng = new Rng(8);
    const batch = 6,
      obs = 3,
      act = 2;
    const net = new MLP(e, { sizes: [obs, 12, act], hidden: 'tanh', output: 'tanh', seed: 9 });
    const logStd = new ParamVector(e, act, -0.5);
    const x = Float32Array.from({ length: batch * obs }, () => rng.normal());
    const a = Float32Array.from({ length: batch * act }, () => rng.uniform(-0.9, 0.9));
    const w = Float32Array.from({ length: batch }, () => rng.uniform(0.5, 2));
    const lp = new Float64Array(batch);
    const dMean = new Float32Array(batch * act),
      dLogStd = new Float32Array(act);
    const dOut = e.alloc(batch * act);
    const loss = () => {
      e.write(net.inputOffset(batch), x);
      const mean = e.read(net.forward(batch), batch * act);
      dMean.fill(0);
      dLogStd.fill(0);
      gaussianLogProb(a, mean, logStd.get(), batch, act, lp, { dMean, dLogStd, rowWeights: w });
      let l = 0;
      for (let r = 0; r < batch; r++) l -= (w[r]! * lp[r]!) / batch; // loss = −mean(w · log π(a|s))
      return l;
    };
    const backward = () => {
      const h = e.heap();
      for (let i = 0; i < batch * act; i++) h[dOut + i] = -dMean[i]! / batch;
      net.backward(dOut);
      for (let j = 0; j < act; j++) h[logStd.grads + j]! += -dLogStd[j]! / batch;
    };
    gradCheckParams(net, loss, backward, rng);
    gradCheckParams(logStd, loss, backward, rng, 2);
  });

  it('tanh-squashed Gaussian (SAC actor) on the tape: α·log π(a|s) − Q-like term, reparameterised', () => {
    const rng = new Rng(10);
    const batch = 5,
      obs = 3,
      act = 2;
    // Network outputs [mean, raw log std] per action dim; the log std is bounded smoothly, as SAC's head.
    const net = new MLP(e, { sizes: [obs, 16, 2 * act], hidden: 'tanh', seed: 11 });
    const x = Float32Array.from({ length: batch * obs }, () => rng.normal());
    const noise = Float32Array.from({ length: batch * act }, () => rng.normal());
    const c = Float32Array.from({ length: batch * act }, (_, i) => 0.3 * (i % 3) - 0.2);
    const tape = new Tape(e);
    const build = () => {
      const t = tape.reset();
      const out = t.mlp(net, t.constant(x, batch, obs));
      const logStd = t.tanhBound(t.slice(out, act, 2 * act), -1, 0.5);
      const { action, logProb } = t.tanhGaussian(t.slice(out, 0, act), logStd, t.constant(noise, batch, act));
      return t.add(t.scale(t.mean(logProb), 0.2), t.scale(t.mean(t.mul(t.mul(action, action), t.constant(c, batch, act))), -1));
    };
    gradCheckParams(
      net,
      () => build().value,
      () => tape.backward(build()),
      rng,
    );
    tape.dispose();
  });
});
