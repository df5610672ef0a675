import { type Dataset, toTransitions } from './dataset.js';
import { OrlError } from './errors.js';
import { StateNormalizer } from './normalizer.js';
import { taskOf } from './scores.js';

/**
 * Transition form + TD3+BC/CORL state normalizer (statistics over all rows, eps 1e-3), after checking that every
 * row the agent will sample has a reward (NaN marks an unlabelled reward).
 */
export function prepareOffline(dataset: Dataset, rows?: Uint32Array): { data: Dataset; normalizer: StateNormalizer } {
  const data = dataset.nextObservations ? dataset : toTransitions(dataset);
  const n = rows ? rows.length : data.size;
  for (let k = 0; k < n; k++) {
    const i = rows ? rows[k]! : k;
    if (i >= data.size) throw new OrlError('INVALID_ARGUMENT', `row ${i} is out of range (${data.size} transitions)`);
    if (!Number.isFinite(data.rewards[i]!)) {
      throw new OrlError('INVALID_DATASET', `row ${i} has no reward (unlabelled): impute rewards first, or train on the labelled rows only (rows option)`, {
        row: i,
      });
    }
  }
  return { data, normalizer: StateNormalizer.fit(data.observations, data.obsDim, 1e-3) };
}

/** The task a dataset belongs to, from an explicit name or its metadata (task, env, name, source); null if unknown. */
export function inferTask(dataset: Dataset, task?: string | null): string | null {
  if (task === null) return null;
  if (task) return taskOf(task);
  for (const v of [dataset.metadata.task, dataset.metadata.env, dataset.metadata.name, dataset.metadata.source]) {
    if (typeof v !== 'string') continue;
    try {
      return taskOf(v);
    } catch {
      /* next field */
    }
  }
  return null;
}

/** 1000 / (max episode return − min episode return): CORL's reward normalisation for IQL and CQL on MuJoCo. */
export function returnRangeRewardScale(episodeReturns: ArrayLike<number>, maxEpisodeSteps = 1000): number {
  let lo = Infinity,
    hi = -Infinity;
  for (let i = 0; i < episodeReturns.length; i++) {
    lo = Math.min(lo, episodeReturns[i]!);
    hi = Math.max(hi, episodeReturns[i]!);
  }
  return hi > lo ? maxEpisodeSteps / (hi - lo) : 1;
}

/**
 * The reward scale an algorithm that normalises rewards trains with: `given` when set, 1 when `mode` is 'none', else
 * `returnRangeRewardScale` of the raw dataset — which needs episode boundaries (not q-learning transitions) and every
 * reward labelled, refused with a typed error otherwise.
 */
export function autoRewardScale(dataset: Dataset, algo: string, given: number | undefined, mode: 'auto' | 'none' = 'auto'): number {
  if (given !== undefined) return given;
  if (mode === 'none') return 1;
  if (dataset.nextObservations && dataset.metadata.transitions === 'qlearning') {
    throw new OrlError(
      'INVALID_ARGUMENT',
      `${algo} reward normalization needs the raw dataset (episode returns): pass the raw rows, config.rewardScale, or normalizeReward: "none"`,
    );
  }
  if (dataset.labelledCount() !== dataset.size) {
    throw new OrlError(
      'INVALID_ARGUMENT',
      `${algo} reward normalization needs every reward (episode returns): pass config.rewardScale or normalizeReward: "none"`,
    );
  }
  return returnRangeRewardScale(dataset.episodeReturns());
}
