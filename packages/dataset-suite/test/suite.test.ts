import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizedScore, toTransitions } from '@orl/core';
import { readD4rl } from '@orl/d4rl-loader';
import { halfCheetahFractionOnItsBack, shippedPolicy } from '@orl/mujoco-env';
import { RECIPES, SUITE_NAMES, collect, generate, recipe } from '../src/index.js';

describe('collect', () => {
  it('records D4RL-style rows that replay in the simulator', async () => {
    const c = await collect({ task: 'hopper', policy: 'hopper-ppo', noise: 1, transitions: 3000, seed: 1 });
    const d = c.dataset;
    expect(d.size).toBe(3000);
    expect(c.infos.qpos.length).toBe(3000 * 6);
    // Episodes end on terminals or timeouts; next observation = the following row inside an episode.
    for (let i = 0; i < d.size - 1; i++) {
      if (d.terminals[i] || d.timeouts[i]) continue;
      expect(Array.from(d.nextObservations!.subarray(i * 11, (i + 1) * 11))).toEqual(Array.from(d.observation(i + 1)));
    }
    expect(d.timeouts[d.size - 1] || d.terminals[d.size - 1]).toBe(1);
    // Observation = qpos[1:] ++ clip(qvel): the recorded state matches the observation.
    for (const i of [0, 500, 2999]) expect(d.observations[i * 11]).toBeCloseTo(c.infos.qpos[i * 6 + 1]!, 5);
    expect(c.metadata.episodes).toBeGreaterThan(0);
    expect(c.metadata.mean_normalized_return).toBeCloseTo(normalizedScore('hopper', c.metadata.mean_return as number), 6);
  });

  it('is deterministic for a seed; noise lowers the return; random and custom policies work', async () => {
    const a = await collect({ task: 'walker2d', policy: 'walker2d-sac', noise: 1, transitions: 1500, seed: 3 });
    const b = await collect({ task: 'walker2d', policy: 'walker2d-sac', noise: 1, transitions: 1500, seed: 3 });
    expect(Array.from(b.dataset.actions)).toEqual(Array.from(a.dataset.actions));
    const det = await collect({ task: 'halfcheetah', policy: 'halfcheetah-sac', noise: 0, transitions: 2000, seed: 0 });
    const noisy = await collect({ task: 'halfcheetah', policy: 'halfcheetah-sac', noise: 3, transitions: 2000, seed: 0 });
    expect(noisy.metadata.mean_return).toBeLessThan(det.metadata.mean_return as number);
    const rnd = await collect({ task: 'hopper', policy: 'random', transitions: 500, seed: 0 });
    expect(rnd.dataset.size).toBe(500);
    const custom = await collect({ task: 'hopper', policy: await shippedPolicy('hopper-tqc'), noise: 0.1, transitions: 300 });
    expect(custom.metadata.policy).toBe('hopper-tqc');
    await expect(collect({ task: 'hopper', policy: 'walker2d-sac', transitions: 10 })).rejects.toMatchObject({ code: 'SHAPE_MISMATCH' });
    await expect(collect({ task: 'hopper', policy: 'hopper-sac', transitions: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('halfcheetah data', () => {
  it('reports how much of it shows the cheetah on its back (hopper data does not carry the field)', async () => {
    // PPO at twice revision 1's noise flips the cheetah within a few episodes; the field must see it.
    const c = await collect({ task: 'halfcheetah', policy: 'halfcheetah-ppo', noise: 3.4, transitions: 3000, seed: 0 });
    const f = c.metadata.fraction_on_its_back as number;
    expect(f).toBe(halfCheetahFractionOnItsBack(c.dataset.observations));
    expect(f).toBeGreaterThan(0.05);
    const h = await collect({ task: 'hopper', policy: 'hopper-sac', transitions: 200, seed: 0 });
    expect(h.metadata).not.toHaveProperty('fraction_on_its_back');
  });
});

describe('suite', () => {
  it('has the 12 recipes and refuses unknown names', () => {
    expect(SUITE_NAMES.length).toBe(12);
    for (const r of Object.values(RECIPES)) {
      if (r.kind !== 'medium-expert') expect(r.segments.reduce((s, x) => s + x.fraction, 0)).toBeCloseTo(1, 9);
    }
    expect(recipe('hopper-medium-v2').name).toBe('hopper-medium');
    expect(() => recipe('ant-medium')).toThrow(expect.objectContaining({ code: 'UNKNOWN_NAME' }));
  });

  it("pins each recipe's behaviour to its revision (change one, bump the other: results on old data are not reused)", () => {
    const pinned: Record<string, [number, string]> = {
      'hopper-medium': [1, 'dcb9d3407fa3'],
      'hopper-medium-replay': [1, '3e3cb7c6cc9d'],
      'hopper-expert': [1, '4f0625f16bd0'],
      'hopper-medium-expert': [1, '7b063279eb30'],
      'walker2d-medium': [1, '14f0b2b3fb1b'],
      'walker2d-medium-replay': [1, '911585739c9c'],
      'walker2d-expert': [1, '69a595d35f74'],
      'walker2d-medium-expert': [1, '4819d17bf9a0'],
      'halfcheetah-medium': [2, '4bc6712da21a'],
      'halfcheetah-medium-replay': [2, 'eeb0e37fe5b8'],
      'halfcheetah-expert': [1, '65168beebaec'],
      'halfcheetah-medium-expert': [2, 'bcd12f0d9b98'],
    };
    for (const r of Object.values(RECIPES)) {
      const segments = createHash('sha256').update(JSON.stringify(r.segments)).digest('hex').slice(0, 12);
      expect([r.name, r.revision, segments]).toEqual([r.name, ...pinned[r.name]!]);
    }
  });

  it('generates a D4RL-layout file deterministically, caches it, and medium-expert = medium + expert', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'orl-suite-'));
    const g = await generate('hopper-medium-replay', { transitions: 2000, seed: 1, cacheDir });
    expect(g.cached).toBe(false);
    const again = await generate('hopper-medium-replay', { transitions: 2000, seed: 1, cacheDir });
    expect(again.cached).toBe(true);
    expect(Array.from(again.dataset.rewards)).toEqual(Array.from(g.dataset.rewards));
    const file = await readD4rl(g.path);
    expect(file.infos.qpos!.length).toBe(2000 * 6);
    expect(file.metadata).toMatchObject({ task: 'hopper', kind: 'medium-replay', transitions: 2000 });
    expect(toTransitions(file.dataset).size).toBeGreaterThan(1900);
    const regenerated = await generate('hopper-medium-replay', { transitions: 2000, seed: 1, cacheDir, force: true });
    expect(Array.from(regenerated.dataset.observations)).toEqual(Array.from(g.dataset.observations));

    const me = await generate('halfcheetah-medium-expert', { transitions: 2000, cacheDir });
    const m = await generate('halfcheetah-medium', { transitions: 1000, cacheDir });
    const e = await generate('halfcheetah-expert', { transitions: 1000, cacheDir });
    expect(m.cached && e.cached).toBe(true);
    expect(Array.from(me.dataset.rewards)).toEqual([...m.dataset.rewards, ...e.dataset.rewards]);
  }, 120_000);
});

describe('suite names are looked up as own keys', () => {
  it.each(['constructor', '__proto__', 'toString'])('%s is an unknown dataset', async (name) => {
    const { recipe } = await import('../src/index.js');
    expect(() => recipe(name)).toThrow(expect.objectContaining({ code: 'UNKNOWN_NAME' }));
  });
});
