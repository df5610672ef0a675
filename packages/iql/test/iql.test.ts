import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { banditData, banditError, refForward } from '../../../tools/rl-test-helpers.js';
import { Dataset, StateNormalizer, toTransitions, type Batch } from '@orl/core';
import { createEngine } from '@orl/nn';
import { IQL, iqlRewardScale } from '../src/index.js';
import { trainIQL } from '../src/node.js';

describe('IQL losses equal hand computations on a tiny fixed network', () => {
  it('value (expectile), critic and advantage-weighted actor losses of one update', () => {
    const norm = StateNormalizer.identity(2);
    const cfg = { hidden: [4], batchSize: 3, seed: 2, discount: 0.9, expectile: 0.7, beta: 3, rewardScale: 2 };
    const agent = new IQL(createEngine({ backend: 'js', notice: false }), 2, 1, norm, cfg);
    const nets = agent.stateDict().nets as Record<string, { params: Float32Array }>;
    const batch: Batch = {
      size: 3,
      obsDim: 2,
      actDim: 1,
      observations: Float32Array.from([0.1, -0.2, 0.5, 0.3, -0.4, 0.9]),
      actions: Float32Array.from([0.2, -0.5, 0.7]),
      rewards: Float32Array.from([1, -0.5, 0.25]),
      nextObservations: Float32Array.from([0.2, 0.1, -0.3, 0.6, 0.8, -0.1]),
      dones: Float32Array.from([0, 1, 0]),
      indices: new Uint32Array(3),
    };
    let vLoss = 0,
      qLoss = 0,
      piLoss = 0;
    for (let r = 0; r < 3; r++) {
      const s = [batch.observations[2 * r]!, batch.observations[2 * r + 1]!];
      const s2 = [batch.nextObservations[2 * r]!, batch.nextObservations[2 * r + 1]!];
      const a = batch.actions[r]!;
      const tq = Math.min(
        refForward(nets.q1Target!.params, [3, 4, 1], [...s, a], 'linear')[0]!,
        refForward(nets.q2Target!.params, [3, 4, 1], [...s, a], 'linear')[0]!,
      );
      const v = refForward(nets.v!.params, [2, 4, 1], s, 'linear')[0]!;
      const u = tq - v;
      vLoss += (Math.abs(0.7 - (u < 0 ? 1 : 0)) * u * u) / 3;
      const y = 2 * batch.rewards[r]! + (1 - batch.dones[r]!) * 0.9 * refForward(nets.v!.params, [2, 4, 1], s2, 'linear')[0]!;
      for (const q of ['q1', 'q2']) qLoss += (refForward(nets[q]!.params, [3, 4, 1], [...s, a], 'linear')[0]! - y) ** 2 / 3 / 2;
      const mu = refForward(nets.actor!.params, [2, 4, 1], s, 'tanh')[0]!;
      const logp = -0.5 * (a - mu) ** 2 - 0 - 0.5 * Math.log(2 * Math.PI); // log std 0 at init
      piLoss -= (Math.min(Math.exp(3 * u), 100) * logp) / 3;
    }
    const m = agent.update(batch);
    expect(m['loss/value']).toBeCloseTo(vLoss, 5);
    expect(m['loss/critic']).toBeCloseTo(qLoss, 5);
    expect(m['loss/actor']).toBeCloseTo(piLoss, 4);
    expect(m['lr/actor']).toBeCloseTo(3e-4, 10); // cosine schedule starts at the base lr
  });
});

describe('IQL learns', () => {
  it('weights the dataset towards better actions on a one-step task', async () => {
    const { agent } = await trainIQL(
      banditData(4000, 1),
      { hidden: [64, 64], batchSize: 128, beta: 10, expectile: 0.9 },
      { steps: 4000, progress: false, normalizeReward: 'none' },
    );
    const { err, bcErr } = banditError(agent.policy());
    expect(err).toBeLessThan(0.3 * bcErr);
  }, 120_000);
});

describe('IQL checkpoints, determinism, reward scale', () => {
  const data = toTransitions(banditData(600, 2));
  it('stop + resume → identical to an uninterrupted run (including the cosine schedule)', async () => {
    const cfg = { hidden: [32, 32], batchSize: 32, seed: 4 };
    const opts = { steps: 100, progress: false, normalizeReward: 'none' as const };
    const full = await trainIQL(data, cfg, opts);
    const out = mkdtempSync(join(tmpdir(), 'orl-iql-'));
    const ac = new AbortController();
    let n = 0;
    const orig = IQL.prototype.update;
    IQL.prototype.update = function (b) {
      if (++n === 41) ac.abort();
      return orig.call(this, b);
    };
    try {
      await trainIQL(data, cfg, { ...opts, outDir: out, signal: ac.signal });
    } finally {
      IQL.prototype.update = orig;
    }
    const resumed = await trainIQL(data, cfg, { ...opts, outDir: out });
    expect(resumed.loop.resumedFrom).toBe(41);
    expect(Array.from(resumed.agent.actor.getParams())).toEqual(Array.from(full.agent.actor.getParams()));
    expect(Array.from(resumed.agent.logStd.get())).toEqual(Array.from(full.agent.logStd.get()));
  }, 120_000);

  it('CORL reward scale from raw episode returns; refuses when returns are unknown', async () => {
    expect(iqlRewardScale([100, 300, 600])).toBeCloseTo(2);
    const n = 20;
    const raw = new Dataset(
      {
        observations: new Float32Array(n),
        actions: new Float32Array(n),
        rewards: new Float32Array(n).fill(1),
        terminals: Uint8Array.from({ length: n }, (_, i) => (i === 4 ? 1 : 0)),
        timeouts: new Uint8Array(n),
      },
      { obsDim: 1, actDim: 1 },
    );
    const { agent } = await trainIQL(raw, { hidden: [4], batchSize: 4 }, { steps: 1, progress: false });
    expect(agent.config.rewardScale).toBeCloseTo(1000 / (15 - 5));
    await expect(trainIQL(data, { hidden: [4] }, { steps: 1, progress: false })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
