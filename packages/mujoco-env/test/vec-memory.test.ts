import { describe, expect, it } from 'vitest';
import { heapBytes, loadMujoco, makeEnv, makeVecEnv } from '../src/index.js';

describe('VecEnv', () => {
  it('steps N envs in lockstep, equal to stepping them one by one, with same-step autoreset', async () => {
    const vec = await makeVecEnv('hopper', 3, { maxEpisodeSteps: 25 });
    const singles = await Promise.all([0, 1, 2].map(() => makeEnv('hopper', { maxEpisodeSteps: 25 })));
    const obs = vec.reset(10);
    singles.forEach((s, i) => expect(Array.from(s.reset({ seed: 10 + i }).observation)).toEqual(Array.from(obs.subarray(i * 11, (i + 1) * 11))));
    const actions = new Float32Array(9);
    let truncations = 0;
    for (let t = 0; t < 30; t++) {
      for (let i = 0; i < 9; i++) actions[i] = Math.sin(t + i) * 0.5;
      const r = vec.step(actions);
      for (let i = 0; i < 3; i++) {
        const s = singles[i]!.step(actions.subarray(i * 3, i * 3 + 3));
        expect(r.rewards[i]).toBe(s.reward);
        const done = s.terminated || s.truncated;
        expect(Boolean(r.terminated[i] || r.truncated[i])).toBe(done);
        if (done) {
          truncations += r.truncated[i]!;
          expect(Array.from(r.finalObservations.subarray(i * 11, (i + 1) * 11))).toEqual(Array.from(s.observation));
          singles[i]!.reset();
        }
      }
    }
    expect(truncations).toBeGreaterThan(0);
    expect(() => vec.step(new Float32Array(3))).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
    vec.close();
    singles.forEach((s) => s.close());
  });
});

describe('memory', () => {
  it('creating and closing envs and stepping leave the WASM heap flat', async () => {
    const mj = await loadMujoco();
    const cycle = async () => {
      for (let k = 0; k < 10; k++) {
        const e = await makeEnv(k % 2 ? 'walker2d' : 'halfcheetah');
        e.reset({ seed: k });
        for (let t = 0; t < 500; t++) {
          const r = e.step(new Array(6).fill(Math.sin(t)));
          if (r.terminated || r.truncated) e.reset();
        }
        e.close();
      }
    };
    const keep = await makeEnv('hopper'); // keeps one model alive so heapBytes() measures without side effects
    await cycle(); // warm-up: the heap may grow once to its working size
    const before = heapBytes(mj);
    for (let i = 0; i < 3; i++) await cycle();
    expect(heapBytes(mj)).toBe(before);
    keep.close();
  });
});
