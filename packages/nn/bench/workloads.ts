// Benchmark workloads: one complete TD3+BC update and one complete IQL update at the standard size (CORL's math,
// batch 256, 256-256 MLPs, obs 17, act 6), written directly on the engine so the figure is the engine's.
import { Rng } from '@orl/core';
import { Adam, MLP, ParamVector, Tape, cosineLr, expectileLoss, gaussianLogProb, mseLoss, polyak, type Engine } from '../src/index.js';

const OBS = 17,
  ACT = 6,
  B = 256,
  H = 256;

function fillBatch(rng: Rng, s: Float32Array, a: Float32Array, r: Float32Array, s2: Float32Array, d: Float32Array): void {
  // Synthetic batch: the cost of gathering real rows is measured by the algorithm packages' own benchmarks.
  for (let i = 0; i < s.length; i++) s[i] = rng.normal();
  for (let i = 0; i < s2.length; i++) s2[i] = rng.normal();
  for (let i = 0; i < a.length; i++) a[i] = rng.uniform(-1, 1);
  for (let i = 0; i < r.length; i++) r[i] = rng.normal();
  d.fill(0);
}

/** Writes [s | a] rows into a critic's input buffer. */
function writeSA(h: Float32Array, dst: number, s: Float32Array | number, a: Float32Array | number, sFromHeap: boolean, aFromHeap: boolean): void {
  for (let r = 0; r < B; r++) {
    const o = dst + r * (OBS + ACT);
    for (let j = 0; j < OBS; j++) h[o + j] = sFromHeap ? h[(s as number) + r * OBS + j]! : (s as Float32Array)[r * OBS + j]!;
    for (let j = 0; j < ACT; j++) h[o + OBS + j] = aFromHeap ? h[(a as number) + r * ACT + j]! : (a as Float32Array)[r * ACT + j]!;
  }
}

export function td3bcStep(e: Engine, seed = 0): () => void {
  const rng = new Rng(seed);
  const actor = new MLP(e, { sizes: [OBS, H, H, ACT], output: 'tanh', seed: 1 });
  const q1 = new MLP(e, { sizes: [OBS + ACT, H, H, 1], seed: 2 });
  const q2 = new MLP(e, { sizes: [OBS + ACT, H, H, 1], seed: 3 });
  const actorT = actor.clone(),
    q1T = q1.clone(),
    q2T = q2.clone();
  const optA = new Adam(actor),
    opt1 = new Adam(q1),
    opt2 = new Adam(q2);
  const s = new Float32Array(B * OBS),
    a = new Float32Array(B * ACT),
    r = new Float32Array(B),
    s2 = new Float32Array(B * OBS),
    d = new Float32Array(B);
  const target = new Float32Array(B),
    g = new Float32Array(B),
    gPi = new Float32Array(B * ACT),
    pi = new Float32Array(B * ACT);
  const dQ = e.alloc(B),
    dPi = e.alloc(B * ACT);
  let it = 0;
  return () => {
    it++;
    fillBatch(rng, s, a, r, s2, d);
    // Target: y = r + γ(1−d)·min Q'(s', clip(π'(s') + clip(ε·0.2, ±0.5), ±1)).
    e.write(actorT.inputOffset(B), s2);
    const na = actorT.forward(B);
    let h = e.heap();
    for (let i = 0; i < B * ACT; i++) h[na + i] = Math.max(-1, Math.min(1, h[na + i]! + Math.max(-0.5, Math.min(0.5, 0.2 * rng.normal()))));
    writeSA(h, q1T.inputOffset(B), s2, na, false, true);
    const t1 = q1T.forward(B, q1T.inputOffset(B));
    const t2 = q2T.forward(B, q1T.inputOffset(B));
    h = e.heap();
    for (let i = 0; i < B; i++) target[i] = r[i]! + 0.99 * (1 - d[i]!) * Math.min(h[t1 + i]!, h[t2 + i]!);
    // Critics.
    const sa = q1.inputOffset(B);
    writeSA(h, sa, s, a, false, false);
    for (const [q, opt] of [
      [q1, opt1],
      [q2, opt2],
    ] as const) {
      const out = q.forward(B, sa);
      mseLoss(e.view(out, B), target, g);
      e.write(dQ, g);
      q.zeroGrad();
      q.backward(dQ, { inputGrad: false });
      opt.step();
    }
    if (it % 2 === 0) {
      e.write(actor.inputOffset(B), s);
      const po = actor.forward(B);
      pi.set(e.view(po, B * ACT));
      h = e.heap();
      writeSA(h, q1.inputOffset(B), s, po, false, true);
      const qo = q1.forward(B);
      let meanAbs = 0;
      h = e.heap();
      for (let i = 0; i < B; i++) meanAbs += Math.abs(h[qo + i]!) / B;
      const lambda = 2.5 / meanAbs;
      mseLoss(pi, a, gPi);
      h.fill(-lambda / B, dQ, dQ + B);
      const dIn = q1.backward(dQ, { paramGrads: false });
      h = e.heap();
      for (let rr = 0; rr < B; rr++) for (let j = 0; j < ACT; j++) h[dPi + rr * ACT + j] = h[dIn + rr * (OBS + ACT) + OBS + j]! + gPi[rr * ACT + j]!;
      actor.zeroGrad();
      actor.backward(dPi, { inputGrad: false });
      optA.step();
      polyak(q1T, q1, 0.005);
      polyak(q2T, q2, 0.005);
      polyak(actorT, actor, 0.005);
    }
  };
}

export function iqlStep(e: Engine, seed = 0): () => void {
  const rng = new Rng(seed);
  const actor = new MLP(e, { sizes: [OBS, H, H, ACT], output: 'tanh', seed: 1 });
  const logStd = new ParamVector(e, ACT, 0);
  const v = new MLP(e, { sizes: [OBS, H, H, 1], seed: 2 });
  const q1 = new MLP(e, { sizes: [OBS + ACT, H, H, 1], seed: 3 });
  const q2 = new MLP(e, { sizes: [OBS + ACT, H, H, 1], seed: 4 });
  const q1T = q1.clone(),
    q2T = q2.clone();
  const optA = new Adam(actor),
    optS = new Adam(logStd),
    optV = new Adam(v),
    opt1 = new Adam(q1),
    opt2 = new Adam(q2);
  const s = new Float32Array(B * OBS),
    a = new Float32Array(B * ACT),
    r = new Float32Array(B),
    s2 = new Float32Array(B * OBS),
    d = new Float32Array(B);
  const u = new Float32Array(B),
    gu = new Float32Array(B),
    adv = new Float32Array(B),
    target = new Float32Array(B),
    g = new Float32Array(B);
  const lp = new Float64Array(B),
    dMean = new Float32Array(B * ACT),
    dLogStd = new Float32Array(ACT),
    w = new Float32Array(B);
  const dV = e.alloc(B),
    dQ = e.alloc(B),
    dMu = e.alloc(B * ACT);
  let it = 0;
  return () => {
    it++;
    fillBatch(rng, s, a, r, s2, d);
    let h = e.heap();
    // V: expectile regression towards min Q'(s, a).
    const sa = q1T.inputOffset(B);
    writeSA(h, sa, s, a, false, false);
    const t1 = q1T.forward(B, sa),
      t2 = q2T.forward(B, sa);
    e.write(v.inputOffset(B), s);
    const vo = v.forward(B);
    h = e.heap();
    for (let i = 0; i < B; i++) {
      adv[i] = Math.min(h[t1 + i]!, h[t2 + i]!) - h[vo + i]!;
      u[i] = adv[i]!;
    }
    expectileLoss(u, 0.7, gu);
    for (let i = 0; i < B; i++) h[dV + i] = -gu[i]!;
    v.zeroGrad();
    v.backward(dV, { inputGrad: false });
    optV.step();
    // Q: y = r + γ(1−d)·V(s').
    e.write(v.inputOffset(B), s2);
    const vn = v.forward(B);
    h = e.heap();
    for (let i = 0; i < B; i++) target[i] = r[i]! + 0.99 * (1 - d[i]!) * h[vn + i]!;
    const qin = q1.inputOffset(B);
    writeSA(h, qin, s, a, false, false);
    for (const [q, opt] of [
      [q1, opt1],
      [q2, opt2],
    ] as const) {
      const out = q.forward(B, qin);
      mseLoss(e.view(out, B), target, g);
      e.write(dQ, g);
      q.zeroGrad();
      q.backward(dQ, { inputGrad: false });
      opt.step();
    }
    // Actor: advantage-weighted log-likelihood, weights exp(β·A) clipped at 100.
    for (let i = 0; i < B; i++) w[i] = Math.min(Math.exp(3 * adv[i]!), 100);
    e.write(actor.inputOffset(B), s);
    const mu = actor.forward(B);
    dMean.fill(0);
    dLogStd.fill(0);
    gaussianLogProb(a, e.view(mu, B * ACT), logStd.get(), B, ACT, lp, { dMean, dLogStd, rowWeights: w });
    h = e.heap();
    for (let i = 0; i < B * ACT; i++) h[dMu + i] = -dMean[i]! / B;
    actor.zeroGrad();
    actor.backward(dMu, { inputGrad: false });
    logStd.zeroGrad();
    for (let j = 0; j < ACT; j++) e.heap()[logStd.grads + j] = -dLogStd[j]! / B;
    optA.lr = cosineLr(3e-4, it, 1_000_000);
    optA.step();
    optS.step();
    polyak(q1T, q1, 0.005);
    polyak(q2T, q2, 0.005);
  };
}

/**
 * One update of an ensemble of `members` equal MLPs (twin critics: 2 × 23-256-256-1; a dynamics model: 7 ×
 * 14-200-200-200-200-24) on one shared batch, through the tape: `batched` applies them with `tape.mlps` (one batched
 * kernel call per layer), otherwise with one `tape.mlp` per member. Same bits either way; the bench compares speed.
 */
export function ensembleStep(e: Engine, kind: 'twin-critic' | 'dynamics', batched: boolean, seed = 0): () => void {
  const rng = new Rng(seed);
  const sizes = kind === 'twin-critic' ? [OBS + ACT, H, H, 1] : [14, 200, 200, 200, 200, 24];
  const count = kind === 'twin-critic' ? 2 : 7;
  const nets = Array.from({ length: count }, (_, i) => new MLP(e, { sizes, seed: seed + i + 1 }));
  const opts = nets.map((n) => new Adam(n));
  const tape = new Tape(e);
  const x = new Float32Array(B * sizes[0]!),
    y = new Float32Array(B * sizes.at(-1)!);
  return () => {
    rng.fillNormal(x);
    rng.fillNormal(y);
    const t = tape.reset();
    const input = t.constant(x, B, sizes[0]!);
    const target = t.constant(y, B, sizes.at(-1)!);
    const outs = batched ? t.mlps(nets, input) : nets.map((n) => t.mlp(n, input));
    const loss = outs.map((o) => t.mse(o, target)).reduce((sum, l) => t.add(sum, l));
    for (const o of opts) o.zeroGrad();
    t.backward(loss);
    for (const o of opts) o.step();
  };
}
