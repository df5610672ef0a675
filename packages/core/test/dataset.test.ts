import { describe, expect, it } from 'vitest';
import { Dataset, DatasetError, toTransitions, type DatasetColumns } from '../src/index.js';

function columns(n: number, obsDim = 3, actDim = 2): DatasetColumns {
  return {
    observations: Float32Array.from({ length: n * obsDim }, (_, i) => i),
    actions: Float32Array.from({ length: n * actDim }, (_, i) => i / 10),
    rewards: Float32Array.from({ length: n }, (_, i) => i),
    terminals: new Uint8Array(n),
    timeouts: new Uint8Array(n),
  };
}

function catchErr(f: () => unknown): DatasetError {
  try {
    f();
  } catch (e) {
    return e as DatasetError;
  }
  throw new Error('expected an error');
}

describe('Dataset.validate', () => {
  it('accepts consistent data', () => {
    const d = new Dataset(columns(5), { obsDim: 3, actDim: 2 });
    expect(d.size).toBe(5);
    expect(Array.from(d.observation(1))).toEqual([3, 4, 5]);
  });

  it('rejects empty data', () => {
    const e = catchErr(() => new Dataset(columns(0), { obsDim: 3, actDim: 2 }));
    expect(e).toBeInstanceOf(DatasetError);
    expect(e.code).toBe('EMPTY');
  });

  it('rejects wrong lengths naming the field', () => {
    const c = columns(5);
    c.actions = new Float32Array(9);
    const e = catchErr(() => new Dataset(c, { obsDim: 3, actDim: 2 }));
    expect(e.code).toBe('SHAPE_MISMATCH');
    expect(e.field).toBe('actions');
    const c2 = columns(5);
    c2.timeouts = new Uint8Array(4);
    expect(catchErr(() => new Dataset(c2, { obsDim: 3, actDim: 2 })).field).toBe('timeouts');
  });

  it('rejects NaN and Inf naming the field and row', () => {
    const c = columns(5);
    c.observations[3 * 3 + 1] = NaN;
    const e = catchErr(() => new Dataset(c, { obsDim: 3, actDim: 2 }));
    expect(e.code).toBe('NON_FINITE');
    expect(e.field).toBe('observations');
    expect(e.row).toBe(3);
    expect(e.message).toContain('row 3');
    const c2 = columns(5);
    c2.rewards[4] = Infinity;
    const e2 = catchErr(() => new Dataset(c2, { obsDim: 3, actDim: 2 }));
    expect([e2.field, e2.row]).toEqual(['rewards', 4]);
  });

  it('allows NaN rewards only on unlabelled rows', () => {
    const c = columns(4);
    c.rewards[1] = NaN;
    c.rewardMask = Uint8Array.from([1, 0, 1, 1]);
    expect(new Dataset(c, { obsDim: 3, actDim: 2 }).labelledCount()).toBe(3);
    c.rewardMask = Uint8Array.from([1, 1, 1, 1]);
    expect(catchErr(() => new Dataset(c, { obsDim: 3, actDim: 2 })).row).toBe(1);
  });

  it('rejects flags other than 0/1 and wrong column types', () => {
    const c = columns(3);
    c.terminals[2] = 7;
    expect(catchErr(() => new Dataset(c, { obsDim: 3, actDim: 2 })).field).toBe('terminals');
    const c2 = columns(3);
    (c2 as unknown as { rewards: number[] }).rewards = [1, 2, 3];
    expect(catchErr(() => new Dataset(c2, { obsDim: 3, actDim: 2 })).code).toBe('INVALID_DATASET');
  });
});

describe('episodes, select, concat', () => {
  it('finds episode ends and returns', () => {
    const c = columns(6, 1, 1);
    c.terminals[1] = 1;
    c.timeouts[4] = 1;
    const d = new Dataset(c, { obsDim: 1, actDim: 1 });
    expect(Array.from(d.episodeEnds())).toEqual([2, 5, 6]);
    expect(Array.from(d.episodeReturns())).toEqual([0 + 1, 2 + 3 + 4, 5]);
  });

  it('select copies rows and concat joins datasets', () => {
    const d = new Dataset(columns(4), { obsDim: 3, actDim: 2 });
    const s = d.select([3, 0]);
    expect(Array.from(s.observation(0))).toEqual([9, 10, 11]);
    expect(Array.from(s.rewards)).toEqual([3, 0]);
    const cat = Dataset.concat([d, s]);
    expect(cat.size).toBe(6);
    expect(Array.from(cat.observation(4))).toEqual([9, 10, 11]);
    expect(() => d.select([4])).toThrow(/out of range/);
  });
});

describe('toTransitions (D4RL qlearning_dataset semantics)', () => {
  it('drops timeout rows and the last row, keeps terminals, takes the next row as next observation', () => {
    // Two episodes: rows 0-2 end with a terminal at 2; rows 3-5 end with a timeout at 5; row 6 starts a third.
    const c = columns(7, 1, 1);
    c.terminals[2] = 1;
    c.timeouts[5] = 1;
    const t = toTransitions(new Dataset(c, { obsDim: 1, actDim: 1 }));
    // Kept rows: 0,1,2,3,4 (5 is a timeout, 6 is the last row).
    expect(Array.from(t.observations)).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(t.nextObservations!)).toEqual([1, 2, 3, 4, 5]);
    expect(Array.from(t.terminals)).toEqual([0, 0, 1, 0, 0]);
    expect(Array.from(t.rewards)).toEqual([0, 1, 2, 3, 4]);
  });

  it('uses next_observations when present', () => {
    const c = columns(3, 1, 1);
    c.nextObservations = Float32Array.from([10, 20, 30]);
    const t = toTransitions(new Dataset(c, { obsDim: 1, actDim: 1 }));
    expect(Array.from(t.nextObservations!)).toEqual([10, 20]);
  });
});
