import { Dataset, Rng, StateNormalizer, UniformSampler, toTransitions } from '@orl/core';
import { createEngine } from '@orl/nn';
import { describe, expect, it } from 'vitest';
import { agentConformance } from '../../../tools/agent-conformance.js';
import { BC } from '../src/index.js';
import { trainBC } from '../src/node.js';

/** Logged data of a known deterministic behaviour a = 0.8·tanh(s₀ − s₁) (max action 2: scaled to ±1.6), plus noise. */
function behaviour(n: number, noise: number, seed = 0): Dataset {
  const rng = new Rng(seed);
  const obs = rng.fillNormal(new Float32Array(n * 3)) as Float32Array;
  const act = Float32Array.from({ length: n }, (_, i) => 1.6 * Math.tanh(obs[i * 3]! - obs[i * 3 + 1]!) + noise * rng.normal());
  return new Dataset(
    {
      observations: obs,
      actions: act,
      rewards: new Float32Array(n),
      terminals: new Uint8Array(n),
      timeouts: Uint8Array.from({ length: n }, (_, i) => Number(i % 100 === 99)),
    },
    { obsDim: 3, actDim: 1 },
  );
}

describe('behaviour cloning', () => {
  it("learns the data's behaviour: held-out actions within 0.1 of the true ones, with max action 2", async () => {
    const data = behaviour(4000, 0.05);
    const { agent, loop } = await trainBC(data, { hidden: [64, 64], batchSize: 128, maxAction: 2 }, { steps: 1500, progress: 'none', backend: 'wasm' });
    expect(loop.step).toBe(1500);
    const probe = behaviour(200, 0, 9);
    const predicted = agent.policy().actBatch(probe.observations, 200);
    let err = 0;
    for (let i = 0; i < 200; i++) err += Math.abs(predicted[i]! - probe.actions[i]!) / 200;
    expect(err).toBeLessThan(0.1);
    // Rewards play no part: the same rows with other rewards give the same actor.
    const other = behaviour(4000, 0.05);
    other.rewards.fill(7);
    const { agent: same } = await trainBC(other, { hidden: [64, 64], batchSize: 128, maxAction: 2 }, { steps: 1500, progress: 'none', backend: 'wasm' });
    expect(Array.from(same.actor.getParams())).toEqual(Array.from(agent.actor.getParams()));
  }, 120_000);

  it('its loss is the mean squared action error, and falls', () => {
    const data = toTransitions(behaviour(1000, 0.0));
    const agent = new BC(createEngine({ backend: 'js', notice: false }), 3, 1, StateNormalizer.identity(3), { hidden: [16], batchSize: 50, maxAction: 2 });
    const sampler = new UniformSampler(data, 50, 1);
    const batch = sampler.sample();
    const before = agent.policy().actBatch(batch.observations, 50);
    let expected = 0;
    for (let i = 0; i < 50; i++) expected += (before[i]! - batch.actions[i]!) ** 2 / 50;
    expect(agent.update(batch)['loss/actor']).toBeCloseTo(expected, 5);
    const first = agent.update(sampler.sample())['loss/actor']!;
    let last = first;
    for (let i = 0; i < 300; i++) last = agent.update(sampler.sample())['loss/actor']!;
    expect(last).toBeLessThan(first * 0.2);
  });
});

agentConformance('BC', (engine, seed) => new BC(engine, 4, 2, StateNormalizer.identity(4), { hidden: [32, 32], batchSize: 32, seed }), {
  obsDim: 4,
  actDim: 2,
  batchSize: 32,
});
