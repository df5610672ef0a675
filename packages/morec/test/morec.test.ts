import { describe, expect, it } from 'vitest';
import { Rng } from '@orl/core';
import { MlpPolicy, createEngine } from '@orl/nn';
import { DynamicsEnsemble, DynamicsReward, MorecAgent, SAC, auc, gaussianNll, rollout, terminationFn } from '../src/index.js';
import { imputeRewards } from '../src/node.js';
import { system } from './helpers.js';

/** A known 3-d linear system: s' = s + 0.1·(M s + a), r = a₀ − 0.5 s₁ (every step; no terminals). */
describe('Gaussian NLL', () => {
  it('gradient matches finite differences', () => {
    const rng = new Rng(1);
    const rows = 4,
      dim = 3;
    const out = Float64Array.from({ length: rows * 2 * dim }, () => rng.normal());
    const y = Float64Array.from({ length: rows * dim }, () => rng.normal());
    const g = new Float32Array(out.length);
    gaussianNll(out, y, rows, dim, g);
    const tmp = new Float32Array(out.length);
    for (let i = 0; i < out.length; i++) {
      const o = out[i]!;
      out[i] = o + 1e-5;
      const up = gaussianNll(out, y, rows, dim, tmp);
      out[i] = o - 1e-5;
      const down = gaussianNll(out, y, rows, dim, tmp);
      out[i] = o;
      expect(g[i]).toBeCloseTo((up - down) / 2e-5, 4);
    }
  });
});

describe('dynamics ensemble and dynamics reward', () => {
  const engine = createEngine({ notice: false });
  const data = system(6000, 0, 0.1);
  const dyn = new DynamicsEnsemble(engine, 3, 2, { hidden: [64, 64], maxEpochs: 40, patience: 5, seed: 0 });
  const fit = dyn.fit(data);

  it('learns Δs and the reward (head trained on the 10% labelled rows only); keeps 5 elites of 7', () => {
    expect(fit.elites.length).toBe(5);
    expect(new Set(fit.elites).size).toBe(5);
    const test = system(500, 9, 1);
    const { mean } = dyn.predict(test.observations, test.actions, 500);
    let se = 0,
      seR = 0,
      varD = 0,
      varR = 0;
    for (let i = 0; i < 500; i++) {
      for (let j = 0; j < 3; j++) {
        const d = test.nextObservations![i * 3 + j]! - test.observations[i * 3 + j]!;
        se += (mean[0]![i * 4 + j]! - d) ** 2;
        varD += d * d;
      }
      seR += (mean[0]![i * 4 + 3]! - test.rewards[i]!) ** 2;
      varR += test.rewards[i]! ** 2;
    }
    expect(1 - se / varD).toBeGreaterThan(0.95);
    expect(1 - seR / varR).toBeGreaterThan(0.95);
  });

  it('the dynamics reward ranks true next states above perturbed ones on held-out data (AUC)', () => {
    const dr = new DynamicsReward(engine, 3, 2, { hidden: [64, 64], steps: 300, snapshotWindow: 100, snapshotEvery: 10, seed: 1 });
    dr.train(dyn, data);
    expect(dr.snapshots.length).toBe(10);
    const held = system(1000, 7, 1);
    const trueDelta = new Float32Array(1000 * 3);
    for (let i = 0; i < 3000; i++) trueDelta[i] = held.nextObservations![i]! - held.observations[i]!;
    const truth = dr.score(held.observations, held.actions, trueDelta, 1000);
    const aucAt = (sigma: number) => {
      const rng = new Rng(3);
      const bad = trueDelta.map((d) => d + sigma * rng.normal());
      return auc(truth, dr.score(held.observations, held.actions, bad, 1000));
    };
    const small = aucAt(0.05),
      large = aucAt(0.2);
    console.log(`dynamics-reward AUC, true vs perturbed next states: σ=0.05 → ${small.toFixed(3)}, σ=0.2 → ${large.toFixed(3)}`);
    expect(small).toBeGreaterThan(0.7);
    expect(large).toBeGreaterThan(small);
    expect(large).toBeGreaterThan(0.9);
  });

  it('calibrated r_D: model samples sit near the equilibrium (ln 2), real transitions above; picking by r_D beats a random pick', () => {
    // Deterministic dynamics, like MuJoCo: a Gaussian model's samples are off by its own noise, which D can see.
    const det = system(6000, 20, 1, 0);
    const adv = new DynamicsEnsemble(engine, 3, 2, { hidden: [64, 64], maxEpochs: 40, patience: 5, seed: 0 });
    adv.fit(det);
    const dr = new DynamicsReward(engine, 3, 2, { hidden: [64, 64], steps: 1500, snapshotWindow: 100, snapshotEvery: 10, seed: 5 });
    dr.train(adv, det);
    const held = system(1000, 11, 1, 0);
    const n = 1000,
      td = adv.targetDim;
    const trueDelta = new Float32Array(n * 3);
    for (let i = 0; i < n * 3; i++) trueDelta[i] = held.nextObservations![i]! - held.observations[i]!;
    const { mean, std } = adv.predict(held.observations, held.actions, n);
    const rng = new Rng(6);
    const cands = Array.from({ length: 10 }, (_, j) => {
      const e = Math.floor(j / 2),
        v = new Float32Array(n * 3);
      for (let r = 0; r < n; r++) for (let d = 0; d < 3; d++) v[r * 3 + d] = mean[e]![r * td + d]! + std[e]![r * td + d]! * rng.normal();
      return v;
    });
    const scores = cands.map((v) => dr.score(held.observations, held.actions, v, n));
    // The rollout's batched call (all candidates in one pass per snapshot) gives the same bits.
    const batched = dr.scoreCandidates(held.observations, held.actions, cands, n);
    expect(batched.map((x) => Array.from(x))).toEqual(scores.map((x) => Array.from(x)));
    const all = scores.flatMap((x) => Array.from(x)).sort((a, b) => a - b);
    const medianModel = all[all.length >> 1]!;
    const real = Array.from(dr.score(held.observations, held.actions, trueDelta, n)).sort((a, b) => a - b);
    expect(medianModel).toBeGreaterThan(0.5);
    expect(medianModel).toBeLessThan(0.9);
    expect(real[n >> 1]!).toBeGreaterThan(medianModel);
    let errRandom = 0,
      errPick = 0;
    for (let r = 0; r < n; r++) {
      const err = (v: Float32Array) => Math.hypot(v[r * 3]! - trueDelta[r * 3]!, v[r * 3 + 1]! - trueDelta[r * 3 + 1]!, v[r * 3 + 2]! - trueDelta[r * 3 + 2]!);
      let best = 0;
      for (let j = 1; j < 10; j++) if (scores[j]![r]! > scores[best]![r]!) best = j;
      errPick += err(cands[best]!) / n;
      errRandom += cands.reduce((s, v) => s + err(v), 0) / 10 / n;
    }
    console.log(
      `one-step error of the candidate picked by r_D ${errPick.toExponential(3)} vs random ${errRandom.toExponential(3)}; median r_D model ${medianModel.toFixed(2)}, real ${real[n >> 1]!.toFixed(2)}`,
    );
    expect(errPick).toBeLessThan(0.9 * errRandom);
    expect(dr.calibration!.shift.length).toBe(dr.snapshots.length);
    const raw = new DynamicsReward(engine, 3, 2, { hidden: [16], steps: 20, snapshotWindow: 20, seed: 5, calibration: 'none' });
    raw.train(DynamicsEnsemble.fromState(engine, adv.stateDict()), det);
    expect(raw.calibration).toBeNull();
  });

  it('dynamics reward save/load scores identically; a wrong state is refused', () => {
    const dr = new DynamicsReward(engine, 3, 2, { hidden: [16], steps: 30, snapshotWindow: 20, snapshotEvery: 10, seed: 8 });
    dr.train(DynamicsEnsemble.fromState(engine, dyn.stateDict()), data);
    const copy = DynamicsReward.fromState(engine, structuredClone(dr.stateDict()));
    const d = data.nextObservations!.slice(0, 300).map((v, i) => v - data.observations[i]!);
    expect(Array.from(copy.score(data.observations, data.actions, d, 100))).toEqual(Array.from(dr.score(data.observations, data.actions, d, 100)));
    expect(() => DynamicsReward.fromState(engine, { format: 'nope' })).toThrow(expect.objectContaining({ code: 'FORMAT' }));
    const bad = { ...dr.stateDict(), snapshots: [new Float32Array(3)] };
    expect(() => DynamicsReward.fromState(engine, bad)).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
  });

  it('imputeRewards: labelled rewards kept bit-identical, unlabelled ones predicted by the reward head', () => {
    const filled = imputeRewards(data, dyn);
    const truth = system(6000, 0, 1);
    let se = 0,
      v = 0,
      m = 0,
      count = 0;
    for (let i = 0; i < data.size; i++) {
      if (data.rewardMask![i]) {
        expect(filled.rewards[i]).toBe(data.rewards[i]);
        continue;
      }
      se += (filled.rewards[i]! - truth.rewards[i]!) ** 2;
      m += truth.rewards[i]!;
      count++;
    }
    m /= count;
    for (let i = 0; i < data.size; i++) if (!data.rewardMask![i]) v += (truth.rewards[i]! - m) ** 2;
    expect(count).toBeGreaterThan(5000);
    expect(1 - se / v).toBeGreaterThan(0.95);
    expect(Array.from(filled.rewardMask!)).toEqual(Array.from(data.rewardMask!));
  });

  it('rollouts: r_D early stop, horizon, MOPO ablation, termination functions', () => {
    const dr = new DynamicsReward(engine, 3, 2, { hidden: [16], steps: 20, snapshotWindow: 20, modelLr: 0, seed: 2 });
    dr.train(dyn, data);
    const rng = new Rng(4);
    const starts = data.observations.slice(0, 20 * 3);
    const policy = (_o: Float32Array, n: number) => rng.fillUniform(new Float32Array(n * 2), -1, 1) as Float32Array;
    const mopo = rollout(dyn, null, policy, starts, 'halfcheetah', { horizon: 7, select: 'none', penalty: 0 }, rng);
    expect(mopo.size).toBe(20 * 7);
    expect(mopo.meanLength).toBe(7);
    const strict = rollout(dyn, dr, policy, starts, 'halfcheetah', { horizon: 7, threshold: 1e9 }, rng);
    expect(strict.meanLength).toBe(1);
    expect(Array.from(strict.dones).every((d) => d === 1)).toBe(true);
    const noStop = rollout(dyn, dr, policy, starts, 'halfcheetah', { horizon: 7, threshold: 1e9, earlyStop: false, select: 'argmax' }, rng);
    expect(noStop.meanLength).toBe(7);
    expect(() => rollout(dyn, null, policy, starts, 'halfcheetah', { select: 'softmax' }, rng)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    const hop = terminationFn('hopper');
    expect(hop(Float32Array.from([1.2, 0.05, 0, 0, 0, 0, 0, 0, 0, 0, 0]), 0)).toBe(false);
    expect(hop(Float32Array.from([0.6, 0.05, 0, 0, 0, 0, 0, 0, 0, 0, 0]), 0)).toBe(true);
    expect(terminationFn('walker2d')(Float32Array.from([1.0, 1.5]), 0)).toBe(true);
  });

  it('MOREC agent: mixes real and model data and runs SAC updates with finite metrics', () => {
    const dr = new DynamicsReward(engine, 3, 2, { hidden: [16], steps: 20, snapshotWindow: 20, seed: 3 });
    dr.train(dyn, data);
    const agent = new MorecAgent(engine, data, dyn, dr, 'halfcheetah', {
      rolloutBatch: 50,
      rolloutFreq: 5,
      rollout: { horizon: 5, threshold: 0.1 },
      batchSize: 32,
      sac: { hidden: [32, 32] },
    });
    const real = {
      size: 2,
      obsDim: 3,
      actDim: 2,
      observations: data.observations.slice(0, 6),
      actions: data.actions.slice(0, 4),
      rewards: data.rewards.slice(0, 2).map((r) => (Number.isFinite(r) ? r : 0)),
      nextObservations: data.nextObservations!.slice(0, 6),
      dones: new Float32Array(2),
      indices: new Uint32Array(2),
    };
    let m: Record<string, number> = {};
    for (let i = 0; i < 12; i++) m = agent.update(real);
    for (const v of Object.values(m)) expect(Number.isFinite(v)).toBe(true);
    expect(m['rollout/length']).toBeGreaterThan(0);
    expect(agent.policy().act(Float32Array.from([0, 0, 0])).length).toBe(2);
  });
});

describe('MOBILE penalty', () => {
  it("is the spread of the elites' Bellman estimates: positive, and larger when the elites disagree", () => {
    const engine = createEngine({ notice: false });
    const data = system(2000, 4, 1);
    const dyn = new DynamicsEnsemble(engine, 3, 2, { hidden: [32, 32], maxEpochs: 10, seed: 0 });
    dyn.fit(data);
    const real = {
      size: 4,
      obsDim: 3,
      actDim: 2,
      observations: data.observations.slice(0, 12),
      actions: data.actions.slice(0, 8),
      rewards: data.rewards.slice(0, 4),
      nextObservations: data.nextObservations!.slice(0, 12),
      dones: new Float32Array(4),
      indices: new Uint32Array(4),
    };
    const make = () =>
      new MorecAgent(engine, data, dyn, null, 'halfcheetah', {
        rolloutBatch: 50,
        rolloutFreq: 1000,
        rollout: { select: 'none', horizon: 3 },
        batchSize: 64,
        sac: { hidden: [32, 32], seed: 1 },
        policyPenalty: 'mobile',
        mobile: { beta: 1, samples: 2 },
      });
    const agree = make().update(real)['penalty/mobile']!;
    expect(agree).toBeGreaterThan(0);
    // Push one elite's predictions far off: the spread of the value estimates must grow.
    const k = dyn.eliteIdx[0]!;
    const saved = dyn.members[k]!.getParams();
    const rng = new Rng(9);
    dyn.members[k]!.setParams(saved.map((v) => v + 0.5 * rng.normal()));
    const disagree = make().update(real)['penalty/mobile']!;
    dyn.members[k]!.setParams(saved);
    console.log(`MOBILE penalty: elites as fitted ${agree.toFixed(4)}, one elite perturbed ${disagree.toFixed(4)}`);
    expect(disagree).toBeGreaterThan(2 * agree);
    expect(() => new MorecAgent(engine, data, dyn, null, 'halfcheetah', { policyPenalty: 'mobile', mobile: { beta: -1, samples: 2 } })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG' }),
    );
  });
});

describe('SAC', () => {
  it('learns a one-step task (a* = 0.5·tanh(s)) and tunes α towards the target entropy', () => {
    const engine = createEngine({ notice: false });
    const sac = new SAC(engine, 1, 1, { hidden: [32, 32], seed: 0, actorLr: 1e-3, criticLr: 1e-3 });
    const rng = new Rng(5);
    const B = 64;
    const startAlpha = sac.alpha;
    for (let it = 0; it < 1500; it++) {
      const s = rng.fillUniform(new Float32Array(B), -1, 1) as Float32Array;
      const a = rng.fillUniform(new Float32Array(B), -1, 1) as Float32Array;
      const r = s.map((x, i) => -((a[i]! - 0.5 * Math.tanh(2 * x)) ** 2));
      sac.update({
        size: B,
        obsDim: 1,
        actDim: 1,
        observations: s,
        actions: a,
        rewards: r,
        nextObservations: s,
        dones: new Float32Array(B).fill(1),
        indices: new Uint32Array(B),
      });
    }
    let err = 0;
    for (let k = 0; k < 50; k++) {
      const s = -1 + (2 * k) / 49;
      err += (sac.policy().act(Float32Array.of(s))[0]! - 0.5 * Math.tanh(2 * s)) ** 2 / 50;
    }
    expect(err).toBeLessThan(0.02);
    // The exported policy equals tanh(μ(s)) and survives save/load.
    const policy = sac.policy();
    const obs = Float32Array.from([-0.7, 0.1, 0.9]);
    const copy = MlpPolicy.decode(engine, policy.encode());
    const a = copy.actBatch(obs, 3);
    const mu = sac.actMean(obs, 3);
    for (let k = 0; k < 3; k++) expect(a[k]).toBeCloseTo(mu[k]!, 6);
    expect(sac.alpha).not.toBe(startAlpha);
  }, 120_000);
});
