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
