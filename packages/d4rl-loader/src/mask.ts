import { type Dataset, OrlError, Rng } from '@orl/core';

export interface MaskedRewards {
  /** The dataset with `rewardMask` set (1 = labelled) and unlabelled rewards replaced by NaN. */
  dataset: Dataset;
  /** Rows that keep their reward, ascending. */
  labelled: Uint32Array;
  /** The true rewards of every row (for studies of imputation error only; never train on them). */
  trueRewards: Float32Array;
}

/**
 * The imputed-rewards protocol: keep rewards on a seeded, uniformly drawn fraction `k` of the transitions
 * (round(k·N) rows, at least 1) and mark the rest unlabelled. The same seed and size give the same rows.
 */
export function maskRewards(data: Dataset, fraction: number, seed = 0): MaskedRewards {
  if (!(fraction > 0 && fraction <= 1)) throw new OrlError('INVALID_ARGUMENT', `label fraction must be in (0, 1], got ${fraction}`, { fraction });
  const n = data.size;
  const count = Math.max(1, Math.min(n, Math.round(fraction * n)));
  // Partial Fisher–Yates: the first `count` entries of a seeded permutation.
  const perm = new Uint32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  const rng = new Rng(seed);
  for (let i = 0; i < count; i++) {
    const j = i + rng.int(n - i);
    const t = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = t;
  }
  const labelled = perm.slice(0, count).sort();
  const mask = new Uint8Array(n);
  for (const i of labelled) mask[i] = 1;
  const rewards = new Float32Array(n).fill(NaN);
  for (const i of labelled) rewards[i] = data.rewards[i]!;
  const dataset = data.with({ rewards, rewardMask: mask }, { ...data.metadata, labelFraction: fraction, labelSeed: seed, labelled: count });
  return { dataset, labelled, trueRewards: Float32Array.from(data.rewards) };
}
