import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Dataset, toTransitions } from '@orl/core';
import { qlearningDataset, readD4rl, readMinari, summarize, writeD4rl, writeMinari } from '../src/index.js';
import { d4rlFields, tmp, writeH5 } from './helpers.js';

describe('readD4rl', () => {
  it('reads every field of a hand-built file, float64 included, with infos and metadata', async () => {
    const path = join(tmp(), 'hopper_medium-v2.hdf5');
    await writeH5(path, d4rlFields());
    const { dataset, infos, metadata } = await readD4rl(path);
    expect(dataset.size).toBe(10);
    expect([dataset.obsDim, dataset.actDim]).toEqual([3, 2]);
    for (let i = 0; i < 10; i++) {
      expect(Array.from(dataset.observation(i))).toEqual([3 * i, 3 * i + 1, 3 * i + 2]);
      expect(dataset.rewards[i]).toBeCloseTo(i + 0.5, 6);
    }
    expect(Array.from(dataset.terminals)).toEqual([0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(dataset.timeouts)).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 0, 0]);
    expect(infos.qpos).toBeInstanceOf(Float64Array);
    expect(infos.qpos![5]).toBe(1.25);
    expect(metadata.algorithm).toBe('SAC');
    expect(Array.from((metadata.policy as { fc0: { weight: Float32Array } }).fc0.weight)).toEqual([1, 2, 3, 4]);
  });

  it('qlearningDataset has D4RL semantics on every row', async () => {
    const path = join(tmp(), 'x.hdf5');
    await writeH5(path, d4rlFields());
    const t = qlearningDataset(await readD4rl(path));
    // Rows 0..8 considered (range(N-1)); row 7 is a timeout → dropped. Kept: 0,1,2,3,4,5,6,8.
    const kept = [0, 1, 2, 3, 4, 5, 6, 8];
    expect(t.size).toBe(kept.length);
    kept.forEach((i, k) => {
      expect(Array.from(t.observation(k))).toEqual([3 * i, 3 * i + 1, 3 * i + 2]);
      expect(Array.from(t.nextObservations!.subarray(k * 3, k * 3 + 3))).toEqual([3 * (i + 1), 3 * (i + 1) + 1, 3 * (i + 1) + 2]);
      expect(Array.from(t.action(k))).toEqual([-(2 * i) / 10, -(2 * i + 1) / 10].map((v) => Math.fround(v)));
      expect(t.rewards[k]).toBeCloseTo(i + 0.5, 6);
      expect(t.terminals[k]).toBe(i === 3 ? 1 : 0);
    });
  });

  it('uses next_observations when the file has them', async () => {
    const path = join(tmp(), 'x.hdf5');
    const fields = d4rlFields();
    fields.next_observations = { data: Float32Array.from({ length: 30 }, (_, i) => 1000 + i), shape: [10, 3] };
    await writeH5(path, fields);
    const t = qlearningDataset(await readD4rl(path));
    expect(Array.from(t.nextObservations!.subarray(0, 3))).toEqual([1000, 1001, 1002]);
  });
});

describe('writing', () => {
  const data = () =>
    new Dataset(
      {
        observations: Float32Array.from({ length: 12 * 2 }, (_, i) => Math.sin(i)),
        actions: Float32Array.from({ length: 12 }, (_, i) => i / 12),
        rewards: Float32Array.from({ length: 12 }, (_, i) => i),
        terminals: Uint8Array.from([0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]),
        timeouts: Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0]),
        nextObservations: Float32Array.from({ length: 12 * 2 }, (_, i) => Math.cos(i)),
      },
      { obsDim: 2, actDim: 1 },
    );

  it('D4RL round trip keeps every value, infos and metadata', async () => {
    const path = join(tmp(), 'sub', 'out.hdf5');
    const d = data();
    await writeD4rl(path, d, {
      infos: { qpos: Float64Array.from({ length: 24 }, (_, i) => i / 3) },
      metadata: { algorithm: 'tqc', noise: 0.1, seed: 3, policy: { name: 'hopper-tqc' } },
    });
    const back = await readD4rl(path);
    expect(Array.from(back.dataset.observations)).toEqual(Array.from(d.observations));
    expect(Array.from(back.dataset.nextObservations!)).toEqual(Array.from(d.nextObservations!));
    expect(Array.from(back.dataset.terminals)).toEqual(Array.from(d.terminals));
    expect(Array.from(back.dataset.timeouts)).toEqual(Array.from(d.timeouts));
    expect(back.infos.qpos![4]).toBeCloseTo(4 / 3, 12);
    expect(back.metadata).toMatchObject({ algorithm: 'tqc', noise: 0.1, seed: 3, policy: { name: 'hopper-tqc' } });
  });

  it('Minari round trip: episodes of T+1 observations, flags, metadata.json', async () => {
    const dir = tmp();
    const d = data();
    const dataDir = await writeMinari(dir, d, { dataset_id: 'orl/hopper/test-v0' });
    const back = await readMinari(dataDir);
    expect(back.episodes).toBe(3);
    expect(back.metadata).toMatchObject({ dataset_id: 'orl/hopper/test-v0', total_steps: 12, total_episodes: 3 });
    expect(Array.from(back.dataset.observations)).toEqual(Array.from(d.observations));
    // Within an episode, next observation = the stored next observation at each episode's last step.
    expect(Array.from(back.dataset.nextObservations!.subarray(4 * 2, 5 * 2))).toEqual(Array.from(d.nextObservations!.subarray(8, 10)));
    expect(Array.from(back.dataset.rewards)).toEqual(Array.from(d.rewards));
    expect(back.dataset.terminals[4]).toBe(1);
    expect(back.dataset.timeouts[8]).toBe(1);
    expect(back.dataset.timeouts[11]).toBe(1); // data cut mid-episode still ends the episode
    const byId = await readMinari('orl/hopper/test-v0', { root: join(dir, '..') }).catch((e) => e);
    expect(byId.code).toBe('NOT_FOUND');
  });

  it('refuses a Minari dataset whose metadata counts more episodes or steps than it holds', async () => {
    const { readFileSync, writeFileSync } = await import('node:fs');
    for (const patch of [{ total_episodes: 4 }, { total_steps: 13 }]) {
      const dataDir = await writeMinari(tmp(), data(), { dataset_id: 'orl/hopper/test-v0' });
      const meta = JSON.parse(readFileSync(join(dataDir, 'metadata.json'), 'utf8'));
      writeFileSync(join(dataDir, 'metadata.json'), JSON.stringify({ ...meta, ...patch }));
      await expect(readMinari(dataDir)).rejects.toMatchObject({ code: 'FORMAT', message: expect.stringMatching(/declares (4 episodes|13 steps)/) });
    }
  });
});

describe('summarize', () => {
  it('reports sizes, episodes, returns and the normalized range', () => {
    const n = 6;
    const d = new Dataset(
      {
        observations: new Float32Array(n),
        actions: new Float32Array(n),
        rewards: Float32Array.from([1, 1, 1, 2, 2, 2]),
        terminals: Uint8Array.from([0, 0, 1, 0, 0, 0]),
        timeouts: new Uint8Array(n),
      },
      { obsDim: 1, actDim: 1 },
      { metadata: { task: 'hopper' } },
    );
    const s = summarize(d);
    expect(s).toMatchObject({ rows: 6, episodes: 2, terminals: 1, labelledRewards: 6, task: 'hopper' });
    expect(s.returns).toMatchObject({ min: 3, max: 6, mean: 4.5 });
    expect(s.normalized!.max).toBeCloseTo((100 * (6 + 20.272305)) / (3234.3 + 20.272305), 6);
    expect(toTransitions(d).size).toBe(5);
  });
});

describe('flag semantics follow D4RL (numpy bool())', () => {
  it('terminals stored as floats: 0.5, NaN, -1 and 2 are true, 0 and -0 false', async () => {
    const p = join(tmp(), 'float-flags.hdf5');
    const fields = d4rlFields();
    fields.terminals = { data: Float32Array.from([0, 0.5, NaN, -1, 2, -0, 0, 0, 0, 0]), shape: [10] };
    fields.timeouts = { data: Float64Array.from([0, 0, 0, 0, 0, 0, 0, 1e-30, 0, 0]), shape: [10] };
    await writeH5(p, fields);
    const { dataset } = await readD4rl(p);
    expect(Array.from(dataset.terminals)).toEqual([0, 1, 1, 1, 1, 0, 0, 0, 0, 0]);
    expect(Array.from(dataset.timeouts)).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 0, 0]);
  });
});
