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
    options: { rows?: Uint32Array } = {},
  ) {
    if (!Number.isInteger(batchSize) || batchSize <= 0) throw new OrlError('INVALID_ARGUMENT', `batchSize must be a positive integer, got ${batchSize}`);
    if (!dataset.nextObservations) {
      throw new DatasetError('INVALID_DATASET', 'nextObservations', undefined, 'sampler needs transitions; convert with toTransitions(dataset) first');
    }
    if (options.rows && options.rows.length === 0) throw new OrlError('EMPTY', 'sampler: the row subset is empty');
    this.rows = options.rows;
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
