import { describe, expect, it } from 'vitest';
import { Dataset, Rng } from '@orl/core';
import { createEngine } from '@orl/nn';
import { RewardModel, regressionMetrics } from '../src/index.js';

/** Transitions with a known smooth reward r = sin(2 s0) + 0.5 a0² − 0.3 s'1 + a1·s2; `labelled` rows keep it. */
function synthetic(n: number, labelledFraction: number, seed = 0) {
  const rng = new Rng(seed);
  const obsDim = 4,
    actDim = 2;
  const obs = rng.fillUniform(new Float32Array(n * obsDim), -1, 1) as Float32Array;
  const next = rng.fillUniform(new Float32Array(n * obsDim), -1, 1) as Float32Array;
  const act = rng.fillUniform(new Float32Array(n * actDim), -1, 1) as Float32Array;
  const trueRewards = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    trueRewards[i] = Math.sin(2 * obs[i * 4]!) + 0.5 * act[i * 2]! ** 2 - 0.3 * next[i * 4 + 1]! + act[i * 2 + 1]! * obs[i * 4 + 2]!;
  }
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) mask[i] = rng.float() < labelledFraction ? 1 : 0;
  const rewards = trueRewards.map((r, i) => (mask[i] ? r : NaN));
  const dataset = new Dataset(
    { observations: obs, actions: act, rewards, terminals: new Uint8Array(n), timeouts: new Uint8Array(n), nextObservations: next, rewardMask: mask },
    { obsDim, actDim },
  );
  return { dataset, trueRewards };
}

describe('RewardModel', () => {
  it("defaults to the paper's (s, a) inputs, which cannot explain a reward that depends on s′", () => {
    expect(new RewardModel().config.features).toBe('sa');
    const { dataset, trueRewards } = synthetic(20_000, 0.1);
    const model = new RewardModel({ hidden: [64, 64], epochs: 100, patience: 10, seed: 1 });
    model.fit(dataset);
    const r2 = model.impute(dataset, { trueRewards }).report.imputationError!.r2;
    expect(r2).toBeLessThan(0.99); // the −0.3·s′₁ term is invisible to (s, a)
    expect(r2).toBeGreaterThan(0.8);
  }, 120_000);

  it("recovers a known reward function of (s, a, s′) from labelled rows with features 'sas' (R² ≥ 0.99 on held-out rows)", () => {
    const { dataset, trueRewards } = synthetic(20_000, 0.1);
    const model = new RewardModel({ hidden: [64, 64], epochs: 300, patience: 30, seed: 1, features: 'sas' });
    const fit = model.fit(dataset);
    expect(fit.labelledRows).toBe(dataset.labelledCount());
    expect(fit.validation!.r2).toBeGreaterThan(0.98);
    const { dataset: imputed, report } = model.impute(dataset, { trueRewards });
    expect(report.imputedRows).toBe(dataset.size - dataset.labelledCount());
    expect(report.imputationError!.r2).toBeGreaterThanOrEqual(0.99);
    expect(report.imputationError!.pearson).toBeGreaterThan(0.99);
    // Labelled rows are never changed — bit for bit — and the mask is kept.
    for (let i = 0; i < dataset.size; i++) {
      if (dataset.rewardMask![i]) expect(imputed.rewards[i]).toBe(dataset.rewards[i]);
      else expect(Number.isFinite(imputed.rewards[i]!)).toBe(true);
    }
    expect(Array.from(imputed.rewardMask!)).toEqual(Array.from(dataset.rewardMask!));
    expect(Number.isNaN(dataset.rewards[dataset.rewardMask!.indexOf(0)]!)).toBe(true); // input untouched
  }, 120_000);

  it('zero labelled rows or all-NaN rewards are typed errors; (s, a, s′) needs next observations', () => {
    const { dataset } = synthetic(200, 0.5);
    const none = dataset.with({ rewardMask: new Uint8Array(200), rewards: new Float32Array(200).fill(NaN) });
    expect(() => new RewardModel().fit(none)).toThrow(expect.objectContaining({ code: 'EMPTY' }));
    const allNaN = new Dataset(
      {
        observations: dataset.observations,
        actions: dataset.actions,
        rewards: new Float32Array(200).fill(NaN),
        terminals: new Uint8Array(200),
        timeouts: new Uint8Array(200),
        nextObservations: dataset.nextObservations,
        rewardMask: new Uint8Array(200),
      },
      { obsDim: 4, actDim: 2 },
    );
    expect(() => new RewardModel().fit(allNaN)).toThrow(expect.objectContaining({ code: 'EMPTY' }));
    const raw = dataset.with({ nextObservations: undefined });
    expect(() => new RewardModel({ features: 'sas' }).fit(raw)).toThrow(expect.objectContaining({ code: 'INVALID_DATASET' }));
    expect(() => new RewardModel({ features: 'sa', epochs: 2 }).fit(raw)).not.toThrow();
    expect(() => new RewardModel({ ensemble: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
  });

  it('ensemble: mean of members as the reward, std as uncertainty (0 on labelled rows)', () => {
    const { dataset } = synthetic(3000, 0.2, 4);
    const model = new RewardModel({ hidden: [32], epochs: 20, ensemble: 3, seed: 2 });
    const fit = model.fit(dataset);
    expect(fit.epochs.length).toBe(3);
    const { uncertainty, dataset: imputed } = model.impute(dataset);
    expect(uncertainty).not.toBeNull();
    let pos = 0;
    for (let i = 0; i < dataset.size; i++) {
      if (dataset.rewardMask![i]) expect(uncertainty![i]).toBe(0);
      else pos += uncertainty![i]! > 0 ? 1 : 0;
    }
    expect(pos).toBe(dataset.size - dataset.labelledCount());
    expect(imputed.metadata.rewardStd).toBe(uncertainty);
  });

  it('save/load round trip and determinism', () => {
    const { dataset } = synthetic(2000, 0.3, 5);
    const a = new RewardModel({ hidden: [32, 32], epochs: 10, seed: 3 }, { backend: 'wasm' });
    a.fit(dataset);
    const b = new RewardModel({ hidden: [32, 32], epochs: 10, seed: 3 }, { backend: 'wasm' });
    b.fit(dataset);
    const pa = a.predict(dataset).mean;
    expect(Array.from(b.predict(dataset).mean)).toEqual(Array.from(pa));
    const loaded = RewardModel.decode(a.encode(), { engine: createEngine({ backend: 'js', notice: false }) });
    const pl = loaded.predict(dataset).mean;
    expect(regressionMetrics(pl, pa).mse).toBeLessThan(1e-10);
    expect(() => RewardModel.decode(new Uint8Array(10))).toThrow(expect.objectContaining({ code: 'FORMAT' }));
  });
});
