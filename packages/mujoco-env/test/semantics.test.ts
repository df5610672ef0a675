import { afterAll, describe, expect, it } from 'vitest';
import { halfCheetahFractionOnItsBack, halfCheetahOnItsBack, makeEnv, type MujocoEnv } from '../src/index.js';

const opened: MujocoEnv[] = [];
async function env(name: string, opts = {}) {
  const e = await makeEnv(name, opts);
  opened.push(e);
  return e;
}
afterAll(() => opened.forEach((e) => e.close()));

describe.each([
  ['hopper', 11, 3, 0.008],
  ['walker2d', 17, 6, 0.008],
  ['halfcheetah', 17, 6, 0.05],
] as const)('%s', (task, obsDim, actDim, dt) => {
  it('has the Gymnasium-v4 spaces, dt and reset distribution', async () => {
    const e = await env(task);
    expect(e.observationSpace.shape).toEqual([obsDim]);
    expect(e.actionSpace.shape).toEqual([actDim]);
    expect(Array.from(e.actionSpace.low)).toEqual(new Array(actDim).fill(-1));
    expect(e.dt).toBeCloseTo(dt, 10);
    const { observation } = e.reset({ seed: 1 });
    expect(observation.length).toBe(obsDim);
    const { qpos, qvel } = e.getState();
    const noise = task === 'halfcheetah' ? 0.1 : 5e-3;
    const qpos0 = task === 'hopper' ? [0, 1.25, 0, 0, 0, 0] : undefined;
    if (qpos0) qpos.forEach((q, i) => expect(Math.abs(q - qpos0[i]!)).toBeLessThanOrEqual(noise));
    if (task !== 'halfcheetah') qvel.forEach((v) => expect(Math.abs(v)).toBeLessThanOrEqual(noise));
    // Observation = qpos[1:] ++ qvel (clipped to ±10 for hopper/walker2d).
    for (let i = 1; i < qpos.length; i++) expect(observation[i - 1]).toBeCloseTo(qpos[i]!, 6);
    for (let i = 0; i < qvel.length; i++) expect(observation[qpos.length - 1 + i]).toBeCloseTo(qvel[i]!, 6);
  });

  it('seeded resets reproduce episodes; other seeds differ', async () => {
    const e = await env(task);
    const run = (seed: number) => {
      const out = [Array.from(e.reset({ seed }).observation)];
      for (let t = 0; t < 20; t++) out.push(Array.from(e.step(new Array(actDim).fill(0.3)).observation));
      return out;
    };
    const a = run(5);
    expect(run(5)).toEqual(a);
    expect(run(6)[0]).not.toEqual(a[0]);
  });

  it('reward = forward velocity + healthy reward − control cost', async () => {
    const e = await env(task);
    e.reset({ seed: 2 });
    const action = Array.from({ length: actDim }, (_, i) => (i % 2 ? 0.5 : -0.7));
    const before = e.getState().qpos[0]!;
    const r = e.step(action);
    const after = e.getState().qpos[0]!;
    const ctrlW = task === 'halfcheetah' ? 0.1 : 1e-3;
    const healthy = task === 'halfcheetah' ? 0 : 1;
    const ctrl = ctrlW * action.reduce((s, a) => s + a * a, 0);
    expect(r.reward).toBeCloseTo((after - before) / dt + healthy - ctrl, 9);
    expect(r.info.x_velocity).toBeCloseTo((after - before) / dt, 9);
  });
});

describe('termination and truncation', () => {
  it('hopper terminates when it falls, and the healthy reward is still paid on that step (v4)', async () => {
    const e = await env('hopper');
    e.reset({ seed: 0 });
    let last;
    for (let t = 0; t < 1000; t++) {
      last = e.step([1, -1, 1]);
      if (last.terminated) break;
    }
    expect(last!.terminated).toBe(true);
    expect(last!.truncated).toBe(false);
    const { qpos } = e.getState();
    const unhealthy = !(qpos[1]! > 0.7 && Math.abs(qpos[2]!) < 0.2);
    expect(unhealthy || qpos.some((q, i) => i >= 2 && Math.abs(q) >= 100)).toBe(true);
    expect(last!.info.reward_survive).toBe(1);
    expect(() => e.step([0, 0, 0])).toThrow(expect.objectContaining({ code: 'EPISODE_DONE' }));
  });

  it('halfcheetah never terminates and is truncated at the time limit', async () => {
    const e = await env('halfcheetah');
    e.reset({ seed: 0 });
    let t = 0,
      r;
    do {
      r = e.step([1, -1, 1, -1, 1, -1]);
      t++;
      expect(r.terminated).toBe(false);
    } while (!r.truncated);
    expect(t).toBe(1000);
    const short = await env('halfcheetah', { maxEpisodeSteps: 7 });
    short.reset();
    for (let i = 0; i < 6; i++) expect(short.step(new Array(6).fill(0)).truncated).toBe(false);
    expect(short.step(new Array(6).fill(0)).truncated).toBe(true);
  });
});

describe('errors', () => {
  it('rejects wrong shapes, NaN, unknown names, stepping before reset or after close', async () => {
    const e = await makeEnv('walker2d');
    expect(() => e.step(new Array(6).fill(0))).toThrow(expect.objectContaining({ code: 'EPISODE_DONE' }));
    e.reset();
    expect(() => e.step([0, 0, 0])).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
    expect(() => e.step([0, 0, NaN, 0, 0, 0])).toThrow(expect.objectContaining({ code: 'NON_FINITE' }));
    e.close();
    e.close();
    expect(() => e.reset()).toThrow(expect.objectContaining({ code: 'ENV' }));
    await expect(makeEnv('ant')).rejects.toMatchObject({ code: 'UNKNOWN_NAME' });
  });
});

describe('state replay', () => {
  it('setState + step reproduces the transition (true next state for model-based checks)', async () => {
    const e = await env('hopper');
    e.reset({ seed: 3 });
    for (let t = 0; t < 10; t++) e.step([0.2, -0.1, 0.3]);
    const s = e.getState();
    const a = [0.5, 0.1, -0.4];
    const next = Array.from(e.step(a).observation);
    const other = await env('hopper');
    other.reset({ seed: 99 });
    other.setState(s.qpos, s.qvel);
    expect(Array.from(other.step(a).observation)).toEqual(next);
  });
});

describe('halfcheetah on its back', () => {
  it('is false at reset and true once the torso is pitched past π/2, and stays so under the simulator', async () => {
    const e = await env('halfcheetah');
    const o = e.reset({ seed: 1 }).observation;
    expect(halfCheetahOnItsBack(o)).toBe(false);
    const { qpos, qvel } = e.getState();
    const flipped = Float64Array.from(qpos);
    flipped[2] = Math.PI; // rooty: upside down
    const back = e.setState(flipped, qvel.fill(0));
    expect(halfCheetahOnItsBack(back)).toBe(true);
    // Rows: one upright, then ten steps on its back with zero torque (it cannot right itself without acting).
    const rows = [...o];
    for (let t = 0; t < 10; t++) rows.push(...e.step([0, 0, 0, 0, 0, 0]).observation);
    expect(halfCheetahFractionOnItsBack(rows)).toBeCloseTo(10 / 11, 10);
    expect(halfCheetahOnItsBack(rows, 0)).toBe(false);
  });
});
