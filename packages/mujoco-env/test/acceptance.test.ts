import { describe, expect, it } from 'vitest';
import { median } from '@orl/core';
import { evaluate, shippedPolicy, SHIPPED_POLICIES, versionString, loadMujoco } from '../src/index.js';

// The shipped behavior policies must reach the returns measured for them in MuJoCo 3.5.1: a wrong observation,
// reward or reset makes them collapse. Deterministic actions, 5 seeded episodes each.
describe('behavior policies reproduce their returns', () => {
  it('runs on MuJoCo 3.5.1', async () => {
    expect(versionString(await loadMujoco())).toBe('3.5.1');
  });

  it.each([
    ['hopper-tqc', 3500],
    ['walker2d-tqc', 4000],
    ['halfcheetah-tqc', 11500],
  ])('%s median return ≥ %d', async (name, threshold) => {
    const policy = await shippedPolicy(name);
    const r = await evaluate(() => policy.clone(), { task: name, episodes: 5, seed: 0, numEnvs: 5 });
    expect(median(r.returns)).toBeGreaterThanOrEqual(threshold);
    expect(r.normalizedScores.length).toBe(5);
  });

  it('hopper-ppo reaches 2440 ± 100', async () => {
    const policy = await shippedPolicy('hopper-ppo');
    const r = await evaluate(policy, { task: 'hopper', episodes: 5, seed: 0, numEnvs: 1 });
    expect(Math.abs(median(r.returns) - 2440)).toBeLessThanOrEqual(100);
    expect(r.lengths.every((l) => l === 1000)).toBe(true);
  });

  it('stochastic actions are seeded and cost return; stateful policies need a factory for parallel episodes', async () => {
    const { Rng } = await import('@orl/core');
    const p = await shippedPolicy('walker2d-ppo');
    const obs = new Float32Array(17);
    p.reset();
    const a = Array.from(p.sample(obs, new Rng(1)));
    p.reset();
    expect(Array.from(p.sample(obs, new Rng(1)))).toEqual(a);
    await expect(evaluate(p, { task: 'walker2d', episodes: 2, numEnvs: 2 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(SHIPPED_POLICIES.length).toBe(12);
    await expect(shippedPolicy('ant-sac')).rejects.toMatchObject({ code: 'UNKNOWN_NAME' });
  });
});
