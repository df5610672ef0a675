import { describe, expect, it } from 'vitest';
import { Dataset } from '@orl/core';
import { maskRewards } from '../src/index.js';

const data = (n: number) =>
  new Dataset(
    {
      observations: new Float32Array(n),
      actions: new Float32Array(n),
      rewards: Float32Array.from({ length: n }, (_, i) => i),
      terminals: new Uint8Array(n),
      timeouts: new Uint8Array(n),
    },
    { obsDim: 1, actDim: 1 },
  );

describe('maskRewards', () => {
  it('keeps round(k·N) seeded rows, unchanged, and hides the rest', () => {
    const d = data(10_000);
    const { dataset, labelled, trueRewards } = maskRewards(d, 0.01, 7);
    expect(labelled.length).toBe(100);
    expect(dataset.labelledCount()).toBe(100);
    for (const i of labelled) expect(dataset.rewards[i]).toBe(i);
    let nan = 0;
    for (let i = 0; i < d.size; i++) if (!dataset.rewardMask![i]) nan += Number.isNaN(dataset.rewards[i]!) ? 1 : 0;
    expect(nan).toBe(9900);
    expect(trueRewards[1234]).toBe(1234);
    expect(d.rewards[5]).toBe(5); // the input is not modified
  });

  it('same seed → same rows; other seed → other rows; uniform over transitions', () => {
    const d = data(20_000);
    const a = maskRewards(d, 0.05, 1).labelled;
    expect(Array.from(maskRewards(d, 0.05, 1).labelled)).toEqual(Array.from(a));
    expect(Array.from(maskRewards(d, 0.05, 2).labelled)).not.toEqual(Array.from(a));
    const firstHalf = Array.from(a).filter((i) => i < 10_000).length;
    expect(Math.abs(firstHalf - 500)).toBeLessThan(75); // ~3.4 sd
  });

  it('k = 1 labels everything; bad fractions are typed errors; tiny k keeps at least one row', () => {
    expect(maskRewards(data(10), 1).dataset.labelledCount()).toBe(10);
    expect(maskRewards(data(10), 0.001).labelled.length).toBe(1);
    for (const k of [0, -0.1, 1.5, NaN]) expect(() => maskRewards(data(10), k)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
