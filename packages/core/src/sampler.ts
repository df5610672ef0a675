import type { Dataset } from './dataset.js';
import { DatasetError, OrlError } from './errors.js';
import { Rng, type RngState } from './rng.js';

/** A mini-batch of transitions, row-major. Buffers are owned by the sampler and overwritten by the next `sample()`. */
export interface Batch {
  size: number;
  obsDim: number;
  actDim: number;
  observations: Float32Array;
  actions: Float32Array;
  rewards: Float32Array;
  nextObservations: Float32Array;
  /** 1 where the transition ended the episode (no bootstrap), else 0. */
  dones: Float32Array;
  /** 1 where the reward is labelled; present when the dataset has a reward mask. */
  rewardMask?: Float32Array;
  /** Row indices drawn from the dataset. */
  indices: Uint32Array;
  /** The action the dataset took at the next state (`UniformSampler` option `nextActions`; ReBRAC's critic penalty). */
  nextActions?: Float32Array;
}

/** Anything the training loop can draw batches from; its state is saved in checkpoints. */
export interface BatchSource {
  sample(): Batch;
  getState(): unknown;
  setState(state: unknown): void;
}

/**
 * Uniform sampling with replacement (as CORL's replay buffer). The dataset must be in transition form
 * (have `nextObservations`; see `toTransitions`). `rows` restricts sampling to a subset, e.g. labelled rows only.
 */
export class UniformSampler implements BatchSource {
  readonly batch: Batch;
  readonly rng: Rng;
  private readonly rows: Uint32Array | undefined;

  constructor(
    readonly dataset: Dataset,
    readonly batchSize: number,
    seedOrRng: number | Rng = 0,
    options: {
      rows?: Uint32Array;
      /**
       * Fill `batch.nextActions` with the dataset's action at each transition's next state. Only rows whose next state
       * is the next row's observation (same episode, stored in order) or that end the episode (terminal: the next
       * action is never used) are sampled — as CORL's ReBRAC data loader, which drops time-limit transitions.
       */
      nextActions?: boolean;
    } = {},
  ) {
    if (!Number.isInteger(batchSize) || batchSize <= 0) throw new OrlError('INVALID_ARGUMENT', `batchSize must be a positive integer, got ${batchSize}`);
    if (!dataset.nextObservations) {
      throw new DatasetError('INVALID_DATASET', 'nextObservations', undefined, 'sampler needs transitions; convert with toTransitions(dataset) first');
    }
    if (options.rows && options.rows.length === 0) throw new OrlError('EMPTY', 'sampler: the row subset is empty');
    this.rows = options.nextActions ? rowsWithNextAction(dataset, options.rows) : options.rows;
    this.rng = typeof seedOrRng === 'number' ? new Rng(seedOrRng) : seedOrRng;
    const { obsDim, actDim } = dataset;
    this.batch = {
      size: batchSize,
      obsDim,
      actDim,
      observations: new Float32Array(batchSize * obsDim),
      actions: new Float32Array(batchSize * actDim),
      rewards: new Float32Array(batchSize),
      nextObservations: new Float32Array(batchSize * obsDim),
      dones: new Float32Array(batchSize),
      indices: new Uint32Array(batchSize),
      ...(dataset.rewardMask ? { rewardMask: new Float32Array(batchSize) } : {}),
      ...(options.nextActions ? { nextActions: new Float32Array(batchSize * actDim) } : {}),
    };
  }

  sample(): Batch {
    const d = this.dataset;
    const b = this.batch;
    const { obsDim, actDim } = d;
    const next = d.nextObservations!;
    const rows = this.rows;
    const n = rows ? rows.length : d.size;
    for (let k = 0; k < b.size; k++) {
      const j = this.rng.int(n);
      const i = rows ? rows[j]! : j;
      b.indices[k] = i;
      b.observations.set(d.observations.subarray(i * obsDim, (i + 1) * obsDim), k * obsDim);
      b.nextObservations.set(next.subarray(i * obsDim, (i + 1) * obsDim), k * obsDim);
      b.actions.set(d.actions.subarray(i * actDim, (i + 1) * actDim), k * actDim);
      b.rewards[k] = d.rewards[i]!;
      b.dones[k] = d.terminals[i]!;
      if (b.rewardMask) b.rewardMask[k] = d.rewardMask![i]!;
      // A terminal row's next action is never used (no bootstrap): its own action stands in.
      if (b.nextActions) b.nextActions.set(d.actions.subarray((d.terminals[i] ? i : i + 1) * actDim, (d.terminals[i] ? i + 1 : i + 2) * actDim), k * actDim);
    }
    return b;
  }

  getState(): RngState {
    return this.rng.getState();
  }

  setState(state: unknown): void {
    this.rng.setState(state as RngState);
  }
}

/**
 * Rows (of `subset`, default all) whose next action the dataset holds: terminal rows, and rows whose next state is
 * exactly the following row's observation (the same episode, in order). Time-limit ends and the last row drop out.
 */
function rowsWithNextAction(d: Dataset, subset: Uint32Array | undefined): Uint32Array {
  const { obsDim } = d;
  const next = d.nextObservations!;
  const keep: number[] = [];
  const n = subset ? subset.length : d.size;
  for (let j = 0; j < n; j++) {
    const i = subset ? subset[j]! : j;
    let ok = d.terminals[i] === 1;
    if (!ok && d.timeouts[i] === 0 && i + 1 < d.size) {
      ok = true;
      for (let c = 0; c < obsDim && ok; c++) ok = next[i * obsDim + c] === d.observations[(i + 1) * obsDim + c];
    }
    if (ok) keep.push(i);
  }
  if (keep.length === 0) throw new OrlError('EMPTY', 'sampler: no row has its next action in the dataset (are the rows out of episode order?)');
  return Uint32Array.from(keep);
}
