import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { banditData, banditError, refForward } from '../../../tools/rl-test-helpers.js';
import { StateNormalizer, UniformSampler, toTransitions, type Batch } from '@orl/core';
import { MlpPolicy, createEngine } from '@orl/nn';
import { TD3BC } from '../src/index.js';
import { trainTD3BC } from '../src/node.js';

describe('TD3+BC losses equal hand computations on a tiny fixed network', () => {
  it('critic loss (step 1) and actor loss with λ = α/mean|Q| (step 2)', () => {
    const e = createEngine({ backend: 'js', notice: false });
    const obsDim = 2,
      actDim = 1;
    const normalizer = StateNormalizer.identity(obsDim);
    const agent = new TD3BC(e, obsDim, actDim, normalizer, { hidden: [4], batchSize: 3, policyNoise: 0, seed: 3, discount: 0.9 });
    const batch: Batch = {
      size: 3,
      obsDim,
      actDim,
      observations: Float32Array.from([0.1, -0.2, 0.5, 0.3, -0.4, 0.9]),
      actions: Float32Array.from([0.2, -0.5, 0.7]),
      rewards: Float32Array.from([1, -0.5, 0.25]),
      nextObservations: Float32Array.from([0.2, 0.1, -0.3, 0.6, 0.8, -0.1]),
      dones: Float32Array.from([0, 1, 0]),
      indices: new Uint32Array(3),
    };
    const st = () => agent.stateDict().nets as Record<string, { params: Float32Array }>;
    const expectedCritic = (nets: Record<string, { params: Float32Array }>) => {
      let loss = 0;
      for (const q of ['q1', 'q2']) {
        for (let r = 0; r < 3; r++) {
          const s = [batch.observations[2 * r]!, batch.observations[2 * r + 1]!];
          const s2 = [batch.nextObservations[2 * r]!, batch.nextObservations[2 * r + 1]!];
          const na = refForward(nets.actorTarget!.params, [2, 4, 1], s2, 'tanh')[0]!;
          const t = Math.min(
            refForward(nets.q1Target!.params, [3, 4, 1], [...s2, na], 'linear')[0]!,
            refForward(nets.q2Target!.params, [3, 4, 1], [...s2, na], 'linear')[0]!,
          );
          const y = batch.rewards[r]! + (1 - batch.dones[r]!) * 0.9 * t;
          const qv = refForward(nets[q]!.params, [3, 4, 1], [...s, batch.actions[r]!], 'linear')[0]!;
          loss += (qv - y) ** 2 / 3;
        }
      }
      return loss;
    };
    const m1 = agent.update(batch);
    // Step 1 used the initial networks; targets equal the online nets at init.
    const init = new TD3BC(createEngine({ backend: 'js', notice: false }), 2, 1, normalizer, {
      hidden: [4],
      batchSize: 3,
      policyNoise: 0,
      seed: 3,
      discount: 0.9,
    });
    expect(m1['loss/critic']).toBeCloseTo(expectedCritic(init.stateDict().nets as never), 5);
    expect(m1['loss/actor']).toBeUndefined();

    const before = st();
    const m2 = agent.update(batch);
    expect(m2['loss/critic']).toBeCloseTo(expectedCritic(before), 5);
    const after = st(); // q1 after its step (the actor step does not touch it); the actor before its step
    const qs = [0, 1, 2].map((r) => {
      const s = [batch.observations[2 * r]!, batch.observations[2 * r + 1]!];
      const pi = refForward(before.actor!.params, [2, 4, 1], s, 'tanh')[0]!;
      return { q: refForward(after.q1!.params, [3, 4, 1], [...s, pi], 'linear')[0]!, pi };
    });
    const lambda = 2.5 / (qs.reduce((a, x) => a + Math.abs(x.q), 0) / 3);
    const actorLoss = -lambda * (qs.reduce((a, x) => a + x.q, 0) / 3) + qs.reduce((a, x, r) => a + (x.pi - batch.actions[r]!) ** 2, 0) / 3;
    expect(m2.lambda).toBeCloseTo(lambda, 4);
    expect(m2['loss/actor']).toBeCloseTo(actorLoss, 4);
  });
});

describe('TD3+BC learns', () => {
  it('finds the optimal action of a one-step task from uniformly random behaviour', async () => {
    const data = banditData(4000, 1);
    const { agent } = await trainTD3BC(data, { hidden: [64, 64], batchSize: 128, seed: 0, alpha: 2.5 }, { steps: 4000, progress: false });
    const { err, bcErr } = banditError(agent.policy());
    expect(err).toBeLessThan(0.02);
    expect(err).toBeLessThan(0.1 * bcErr);
  }, 120_000);
});

describe('TD3+BC checkpoints and determinism', () => {
  const data = toTransitions(banditData(600, 2));

  it('same seed → identical parameters; stop + resume → identical to an uninterrupted run', async () => {
    const cfg = { hidden: [32, 32], batchSize: 32, seed: 5 };
    const full = await trainTD3BC(data, cfg, { steps: 120, progress: false });
    const again = await trainTD3BC(data, cfg, { steps: 120, progress: false });
    expect(Array.from(again.agent.actor.getParams())).toEqual(Array.from(full.agent.actor.getParams()));

    const out = mkdtempSync(join(tmpdir(), 'orl-td3bc-'));
    const ac = new AbortController();
    let steps = 0;
    const orig = TD3BC.prototype.update;
    TD3BC.prototype.update = function (b) {
      if (++steps === 57) ac.abort();
      return orig.call(this, b);
    };
    try {
      const first = await trainTD3BC(data, cfg, { steps: 120, progress: false, outDir: out, signal: ac.signal, checkpointEvery: 1000 });
      expect(first.loop.stopped).toBe(true);
    } finally {
      TD3BC.prototype.update = orig;
    }
    const resumed = await trainTD3BC(data, cfg, { steps: 120, progress: false, outDir: out });
    expect(resumed.loop.resumedFrom).toBe(57);
    expect(Array.from(resumed.agent.actor.getParams())).toEqual(Array.from(full.agent.actor.getParams()));
    const st = (a: TD3BC) => Array.from((a.stateDict().nets as { q2Target: { params: Float32Array } }).q2Target.params);
    expect(st(resumed.agent)).toEqual(st(full.agent));
  }, 120_000);

  it('refuses unlabelled rewards unless restricted to labelled rows', async () => {
    const masked = data.with({ rewards: data.rewards.map((r, i) => (i % 2 ? NaN : r)), rewardMask: Uint8Array.from(data.rewards, (_, i) => (i % 2 ? 0 : 1)) });
    await expect(trainTD3BC(masked, { hidden: [8] }, { steps: 2, progress: false })).rejects.toMatchObject({ code: 'INVALID_DATASET' });
    const rows = Uint32Array.from({ length: 300 }, (_, k) => 2 * k);
    const r = await trainTD3BC(masked, { hidden: [8], batchSize: 16 }, { steps: 4, progress: false, rows });
    expect(r.loop.step).toBe(4);
  });

  it('exports the policy in the project format and TF.js format', async () => {
    const { agent } = await trainTD3BC(data, { hidden: [16], batchSize: 16 }, { steps: 10, progress: false });
    const p = agent.policy();
    const s = Float32Array.from([0.3, -0.7]);
    const back = MlpPolicy.decode(createEngine({ backend: 'wasm', notice: false }), p.encode());
    expect(back.act(s)[0]).toBeCloseTo(p.act(s)[0]!, 5);
    const { modelJson, weights } = p.exportTfjs();
    expect((modelJson as { format: string }).format).toBe('layers-model');
    expect(weights.byteLength).toBe(4 * (2 * 16 + 16 + 16 + 1));
  });
});

it('a batch sampled from a dataset runs one update with finite metrics', () => {
  const data = toTransitions(banditData(100, 3));
  const agent = new TD3BC(createEngine({ notice: false }), 2, 1, StateNormalizer.fit(data.observations, 2), { hidden: [8], batchSize: 8 });
  const s = new UniformSampler(data, 8, 0);
  for (let i = 0; i < 4; i++) for (const v of Object.values(agent.update(s.sample()))) expect(Number.isFinite(v)).toBe(true);
});
