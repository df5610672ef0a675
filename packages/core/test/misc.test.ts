import { describe, expect, it } from 'vitest';
import {
  StateNormalizer,
  normalizedScore,
  returnFromNormalized,
  taskOf,
  encodeState,
  decodeState,
  box,
  contains,
  OrlError,
  mean,
  std,
  median,
  clamp,
} from '../src/index.js';

describe('StateNormalizer', () => {
  it('uses population std plus eps like TD3+BC', () => {
    const x = Float32Array.from([1, 10, 3, 10, 5, 10]); // dim 2: column 0 = 1,3,5 ; column 1 constant
    const n = StateNormalizer.fit(x, 2);
    expect(n.mean[0]).toBeCloseTo(3);
    expect(n.std[0]).toBeCloseTo(Math.sqrt(8 / 3), 5);
    expect(n.std[1]).toBe(0);
    const y = n.normalize(x);
    expect(y[0]).toBeCloseTo((1 - 3) / (Math.sqrt(8 / 3) + 1e-3), 5);
    expect(y[1]).toBe(0);
    expect(Array.from(n.denormalize(y)).map((v) => Math.round(v * 1e4) / 1e4)).toEqual(Array.from(x));
    expect(StateNormalizer.fromJSON(JSON.parse(JSON.stringify(n))).std[0]).toBe(n.std[0]);
  });
});

describe('D4RL normalized score', () => {
  it('maps the reference returns to 0 and 100', () => {
    expect(normalizedScore('hopper', -20.272305)).toBeCloseTo(0);
    expect(normalizedScore('hopper-medium-v2', 3234.3)).toBeCloseTo(100);
    expect(normalizedScore('HalfCheetah-v4', 12135.0)).toBeCloseTo(100);
    expect(normalizedScore('walker2d', (1.629008 + 4592.3) / 2)).toBeCloseTo(50);
    expect(returnFromNormalized('walker2d', normalizedScore('walker2d', 1234))).toBeCloseTo(1234);
    expect(taskOf('half_cheetah')).toBe('halfcheetah');
    expect(() => taskOf('ant-medium-v2')).toThrow(expect.objectContaining({ code: 'UNKNOWN_NAME' }));
  });
});

describe('state serialization', () => {
  it('round-trips nested typed arrays and JSON values', () => {
    const state = {
      step: 12,
      name: 'x',
      nested: { w: Float32Array.from([1.5, -2]), ids: Uint32Array.from([7]), flags: [true, null] },
      list: [Float64Array.from([Math.PI]), 3],
      inf: Infinity,
    };
    const back = decodeState(encodeState(state));
    expect(back.step).toBe(12);
    expect((back.nested as { w: Float32Array }).w).toEqual(Float32Array.from([1.5, -2]));
    expect((back.nested as { ids: Uint32Array }).ids).toBeInstanceOf(Uint32Array);
    expect(((back.list as unknown[])[0] as Float64Array)[0]).toBe(Math.PI);
    expect(back.inf).toBe(Infinity);
  });

  it('refuses garbage and truncated input with a FORMAT error', () => {
    expect(() => decodeState(new Uint8Array([1, 2, 3]))).toThrow(expect.objectContaining({ code: 'FORMAT' }));
    const bytes = encodeState({ w: new Float32Array(100) });
    expect(() => decodeState(bytes.subarray(0, bytes.length - 8))).toThrow(/truncated/);
  });
});

describe('spaces and stats', () => {
  it('box contains and validates', () => {
    const b = box(-1, 1, 3);
    expect(contains(b, [0, 1, -1])).toBe(true);
    expect(contains(b, [0, 1.1, -1])).toBe(false);
    expect(contains(b, [0, 1])).toBe(false);
    expect(() => box([1], [0])).toThrow(OrlError);
  });
  it('stats', () => {
    expect(mean([1, 2, 3])).toBe(2);
    expect(std([1, 3])).toBe(1);
    expect(median([5, 1, 3, 2])).toBe(2.5);
    expect([clamp(-2, -1, 1), clamp(0.25, -1, 1), clamp(3, -1, 1)]).toEqual([-1, 0.25, 1]);
    expect(clamp(Number.NaN, -1, 1)).toBeNaN();
  });
});
