import { StateNormalizer, UniformSampler, toTransitions } from '@orl/core';
import { createEngine } from '@orl/nn';
import { describe, expect, it } from 'vitest';
import { agentConformance } from '../../../tools/agent-conformance.js';
import { banditData, banditError } from '../../../tools/rl-test-helpers.js';
import { AWAC } from '../src/index.js';
import { trainAWAC } from '../src/node.js';

describe('AWAC learns', () => {
  it('moves from uniformly random behaviour toward the optimal action of a one-step task (well past behaviour cloning)', async () => {
    const data = banditData(4000, 1);
    const { agent, loop } = await trainAWAC(data, { hidden: [64, 64], batchSize: 128, seed: 0 }, { steps: 3000, progress: 'none', backend: 'wasm' });
    expect(loop.step).toBe(3000);
    const { err, bcErr } = banditError(agent.policy());
    console.log(`AWAC one-step task: squared error ${err.toFixed(4)} vs behaviour cloning ${bcErr.toFixed(4)}`);
    expect(err).toBeLessThan(0.5 * bcErr);
  }, 120_000);

  it('weights are exp(A/λ) capped at expAdvMax, and the losses are finite', () => {
    const data = toTransitions(banditData(600, 2));
    const agent = new AWAC(createEngine({ backend: 'js', notice: false }), 2, 1, StateNormalizer.identity(2), {
      hidden: [16],
      batchSize: 64,
      awacLambda: 0.01,
      expAdvMax: 5,
    });
    const sampler = new UniformSampler(data, 64, 3);
    for (let i = 0; i < 50; i++) {
      const m = agent.update(sampler.sample());
      for (const v of Object.values(m)) expect(Number.isFinite(v)).toBe(true);
      expect(m['weights/mean']).toBeLessThanOrEqual(5);
      expect(m['weights/mean']).toBeGreaterThan(0);
    }
  });
});

agentConformance('AWAC', (engine, seed) => new AWAC(engine, 4, 2, StateNormalizer.identity(4), { hidden: [32, 32], batchSize: 32, seed }), {
  obsDim: 4,
  actDim: 2,
  batchSize: 32,
});
