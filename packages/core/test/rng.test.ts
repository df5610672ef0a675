import { describe, expect, it } from 'vitest';
import { Rng, UniformSampler, Dataset, toTransitions, isOrlError } from '../src/index.js';

describe('Rng', () => {
  it('produces a fixed uint32 stream for a seed (platform-independent integer math)', () => {
    const a = new Rng(42);
    const first = Array.from({ length: 5 }, () => a.nextUint32());
    // Regression values: any change to seeding or the generator shows here.
    const b = new Rng(42);
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(first);
    expect(new Set(first).size).toBe(5);
    expect(first.every((x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32)).toBe(true);
    expect(new Rng(43).nextUint32()).not.toBe(first[0]);
    expect(new Rng(2 ** 32 + 42).nextUint32()).not.toBe(first[0]);
  });

  it('round-trips its state exactly, including the cached normal', () => {
    const r = new Rng(7);
    r.normal(); // leaves a spare normal cached
    const state = JSON.parse(JSON.stringify(r.getState()));
    const expected = [r.normal(), r.float(), r.int(1000), r.normal()];
    const s = Rng.fromState(state);
    expect([s.normal(), s.float(), s.int(1000), s.normal()]).toEqual(expected);
  });

  it('has the right moments for float and normal', () => {
    const r = new Rng(1);
    const n = 200_000;
    let su = 0,
      sn = 0,
      sn2 = 0;
    for (let i = 0; i < n; i++) {
      su += r.float();
      const z = r.normal();
      sn += z;
      sn2 += z * z;
    }
    expect(su / n).toBeCloseTo(0.5, 2);
    expect(sn / n).toBeCloseTo(0, 2);
    expect(sn2 / n).toBeCloseTo(1, 1);
  });

  it('int(n) is unbiased and in range; bad n is a typed error', () => {
    const r = new Rng(3);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[r.int(6)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
    expect(() => r.int(0)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => new Rng(NaN)).toThrowError(/finite/);
    try {
      r.setState({ kind: 'bad' } as never);
    } catch (e) {
      expect(isOrlError(e, 'INVALID_ARGUMENT')).toBe(true);
    }
  });

  it('permutation contains every index once; fork gives an independent stream', () => {
    const r = new Rng(5);
    const p = Array.from(r.permutation(100)).sort((x, y) => x - y);
    expect(p).toEqual(Array.from({ length: 100 }, (_, i) => i));
    const f = r.fork();
    expect(f.nextUint32()).not.toBe(r.nextUint32());
  });
});

describe('UniformSampler', () => {
  const n = 50;
  const data = toTransitions(
    new Dataset(
      {
        observations: Float32Array.from({ length: n * 2 }, (_, i) => i),
        actions: Float32Array.from({ length: n }, (_, i) => -i),
        rewards: Float32Array.from({ length: n }, (_, i) => i * 10),
        terminals: new Uint8Array(n),
        timeouts: new Uint8Array(n),
      },
      { obsDim: 2, actDim: 1 },
    ),
  );

  it('gathers consistent rows and is reproducible for a seed', () => {
    const s = new UniformSampler(data, 16, 9);
    const b = s.sample();
    for (let k = 0; k < 16; k++) {
      const i = b.indices[k]!;
      expect(b.observations[k * 2]).toBe(2 * i);
      expect(b.nextObservations[k * 2]).toBe(2 * (i + 1));
      expect(b.actions[k]).toBe(-i);
      expect(b.rewards[k]).toBe(10 * i);
    }
    const idx = Array.from(b.indices);
    expect(Array.from(new UniformSampler(data, 16, 9).sample().indices)).toEqual(idx);
    const state = s.getState();
    const nextIdx = Array.from(s.sample().indices);
    s.setState(state);
    expect(Array.from(s.sample().indices)).toEqual(nextIdx);
  });

  it('restricts to a row subset and refuses datasets without next observations', () => {
    const rows = Uint32Array.from([3, 7]);
    const b = new UniformSampler(data, 64, 1, { rows }).sample();
    expect(new Set(b.indices)).toEqual(new Set([3, 7]));
    const raw = new Dataset(
      {
        observations: new Float32Array(4),
        actions: new Float32Array(2),
        rewards: new Float32Array(2),
        terminals: new Uint8Array(2),
        timeouts: new Uint8Array(2),
      },
      { obsDim: 2, actDim: 1 },
    );
    expect(() => new UniformSampler(raw, 4)).toThrow(expect.objectContaining({ code: 'INVALID_DATASET', field: 'nextObservations' }));
  });

  it("nextActions: the next row's action; terminal rows keep their own; time-limit ends and broken order are not sampled", () => {
    // Two episodes in order: rows 0–4 end in a terminal at 4; rows 5–9 end by time limit at 9; row 7's next state is
    // tampered (not row 8's observation).
    const m = 10;
    const obs = Float32Array.from({ length: m }, (_, i) => i);
    const next = Float32Array.from({ length: m }, (_, i) => i + 1);
    next[7] = 99;
    const terminals = new Uint8Array(m),
      timeouts = new Uint8Array(m);
    terminals[4] = 1;
    timeouts[9] = 1;
    const d = new Dataset(
      {
        observations: obs,
        actions: Float32Array.from({ length: m }, (_, i) => 100 + i),
        rewards: new Float32Array(m),
        terminals,
        timeouts,
        nextObservations: next,
      },
      { obsDim: 1, actDim: 1 },
    );
    const b = new UniformSampler(d, 256, 3, { nextActions: true }).sample();
    expect(new Set(b.indices)).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 8]));
    for (let k = 0; k < 256; k++) {
      const i = b.indices[k]!;
      expect(b.nextActions![k]).toBe(i === 4 ? 104 : 101 + i);
    }
    expect(new UniformSampler(d, 4, 3).sample().nextActions).toBeUndefined();
    const only = new UniformSampler(d, 64, 3, { nextActions: true, rows: Uint32Array.from([2, 7, 9]) }).sample();
    expect(new Set(only.indices)).toEqual(new Set([2]));
    expect(() => new UniformSampler(d, 4, 3, { nextActions: true, rows: Uint32Array.from([7, 9]) })).toThrow(expect.objectContaining({ code: 'EMPTY' }));
  });
});
