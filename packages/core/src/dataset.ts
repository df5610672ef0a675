import { DatasetError, OrlError } from './errors.js';

/**
 * Columnar offline-RL data on typed arrays, row-major: row i of `observations` is
 * `observations.subarray(i * obsDim, (i + 1) * obsDim)`.
 *
 * `terminals[i] = 1` means the environment ended the episode at step i (no bootstrapping);
 * `timeouts[i] = 1` means a time limit cut it (bootstrapping allowed, D4RL's convention).
 * `rewardMask[i] = 1` marks a labelled reward; where it is 0 the reward is unknown (it may hold NaN or a prediction).
 */
export interface DatasetColumns {
  observations: Float32Array;
  actions: Float32Array;
  rewards: Float32Array;
  terminals: Uint8Array;
  timeouts: Uint8Array;
  nextObservations?: Float32Array | undefined;
  rewardMask?: Uint8Array | undefined;
}

export interface DatasetShape {
  obsDim: number;
  actDim: number;
}

export class Dataset implements DatasetColumns {
  readonly obsDim: number;
  readonly actDim: number;
  readonly size: number;
  observations: Float32Array;
  actions: Float32Array;
  rewards: Float32Array;
  terminals: Uint8Array;
  timeouts: Uint8Array;
  nextObservations: Float32Array | undefined;
  rewardMask: Uint8Array | undefined;
  /** Free-form provenance (source file, env name, generator settings…). */
  metadata: Record<string, unknown>;

  /** Builds and validates; pass `{ validate: false }` only for data you have already checked. */
  constructor(columns: DatasetColumns, shape: DatasetShape, options: { validate?: boolean; metadata?: Record<string, unknown> } = {}) {
    this.obsDim = shape.obsDim;
    this.actDim = shape.actDim;
    this.observations = columns.observations;
    this.actions = columns.actions;
    this.rewards = columns.rewards;
    this.terminals = columns.terminals;
    this.timeouts = columns.timeouts;
    this.nextObservations = columns.nextObservations;
    this.rewardMask = columns.rewardMask;
    this.size = columns.rewards?.length ?? 0;
    this.metadata = options.metadata ?? {};
    if (options.validate !== false) this.validate();
  }

  /**
   * Checks shapes, finiteness and flag values. Throws a `DatasetError` naming the field and the first bad row.
   * Rewards may be NaN only on rows whose `rewardMask` is 0 (unlabelled).
   */
  validate(): this {
    const { obsDim, actDim } = this;
    if (!Number.isInteger(obsDim) || obsDim <= 0) throw new DatasetError('INVALID_DATASET', 'obsDim', undefined, `must be a positive integer, got ${obsDim}`);
    if (!Number.isInteger(actDim) || actDim <= 0) throw new DatasetError('INVALID_DATASET', 'actDim', undefined, `must be a positive integer, got ${actDim}`);
    const checkType = (field: string, arr: unknown, ctor: Function): void => {
      if (!(arr instanceof ctor)) throw new DatasetError('INVALID_DATASET', field, undefined, `must be a ${ctor.name}, got ${describe(arr)}`);
    };
    checkType('rewards', this.rewards, Float32Array);
    checkType('observations', this.observations, Float32Array);
    checkType('actions', this.actions, Float32Array);
    checkType('terminals', this.terminals, Uint8Array);
    checkType('timeouts', this.timeouts, Uint8Array);
    if (this.nextObservations !== undefined) checkType('nextObservations', this.nextObservations, Float32Array);
    if (this.rewardMask !== undefined) checkType('rewardMask', this.rewardMask, Uint8Array);

    const n = this.size;
    if (n === 0) throw new DatasetError('EMPTY', 'rewards', undefined, 'dataset has no rows');
    const checkLen = (field: string, len: number, width: number): void => {
      if (len !== n * width) {
        throw new DatasetError(
          'SHAPE_MISMATCH',
          field,
          undefined,
          `expected ${n} rows x ${width} = ${n * width} values, got ${len}${len % width === 0 ? ` (${len / width} rows)` : ''}`,
          { expected: n * width, actual: len },
        );
      }
    };
    checkLen('observations', this.observations.length, obsDim);
    checkLen('actions', this.actions.length, actDim);
    checkLen('terminals', this.terminals.length, 1);
    checkLen('timeouts', this.timeouts.length, 1);
    if (this.nextObservations) checkLen('nextObservations', this.nextObservations.length, obsDim);
    if (this.rewardMask) checkLen('rewardMask', this.rewardMask.length, 1);

    checkFinite('observations', this.observations, obsDim);
    checkFinite('actions', this.actions, actDim);
    if (this.nextObservations) checkFinite('nextObservations', this.nextObservations, obsDim);
    checkFlags('terminals', this.terminals);
    checkFlags('timeouts', this.timeouts);
    if (this.rewardMask) checkFlags('rewardMask', this.rewardMask);
    const mask = this.rewardMask;
    for (let i = 0; i < n; i++) {
      const r = this.rewards[i]!;
      if (!Number.isFinite(r) && (mask === undefined || mask[i] === 1)) {
        throw new DatasetError('NON_FINITE', 'rewards', i, `reward is ${r}${mask ? ' on a labelled row' : ''}`);
      }
    }
    return this;
  }

  observation(i: number): Float32Array {
    return this.observations.subarray(i * this.obsDim, (i + 1) * this.obsDim);
  }

  action(i: number): Float32Array {
    return this.actions.subarray(i * this.actDim, (i + 1) * this.actDim);
  }

  /** Number of rows whose reward is labelled (all rows when there is no mask). */
  labelledCount(): number {
    if (!this.rewardMask) return this.size;
    let c = 0;
    for (let i = 0; i < this.size; i++) c += this.rewardMask[i]!;
    return c;
  }

  /** Exclusive end index of every episode; an episode ends where `terminals` or `timeouts` is set, or at the last row. */
  episodeEnds(): Uint32Array {
    const ends: number[] = [];
    for (let i = 0; i < this.size; i++) if (this.terminals[i] || this.timeouts[i]) ends.push(i + 1);
    if (ends.length === 0 || ends[ends.length - 1] !== this.size) ends.push(this.size);
    return Uint32Array.from(ends);
  }

  /** Sum of rewards per episode (only meaningful when every reward is labelled). */
  episodeReturns(): Float64Array {
    const ends = this.episodeEnds();
    const out = new Float64Array(ends.length);
    let start = 0;
    for (let e = 0; e < ends.length; e++) {
      let s = 0;
      for (let i = start; i < ends[e]!; i++) s += this.rewards[i]!;
      out[e] = s;
      start = ends[e]!;
    }
    return out;
  }

  /** A new dataset holding the given rows, in order (copies). */
  select(rows: ArrayLike<number>): Dataset {
    const n = rows.length;
    const { obsDim, actDim } = this;
    const pick = <T extends Float32Array | Uint8Array>(src: T, width: number, make: (len: number) => T): T => {
      const out = make(n * width);
      for (let k = 0; k < n; k++) {
        const i = rows[k]!;
        if (!(i >= 0 && i < this.size && Number.isInteger(i))) throw new OrlError('INVALID_ARGUMENT', `select: row ${i} out of range [0, ${this.size})`);
        if (width === 1) out[k] = src[i]!;
        else out.set(src.subarray(i * width, (i + 1) * width), k * width);
      }
      return out;
    };
    const f32 = (len: number) => new Float32Array(len);
    const u8 = (len: number) => new Uint8Array(len);
    return new Dataset(
      {
        observations: pick(this.observations, obsDim, f32),
        actions: pick(this.actions, actDim, f32),
        rewards: pick(this.rewards, 1, f32),
        terminals: pick(this.terminals, 1, u8),
        timeouts: pick(this.timeouts, 1, u8),
        nextObservations: this.nextObservations ? pick(this.nextObservations, obsDim, f32) : undefined,
        rewardMask: this.rewardMask ? pick(this.rewardMask, 1, u8) : undefined,
      },
      { obsDim, actDim },
      { validate: false, metadata: { ...this.metadata } },
    );
  }

  /** A shallow copy with some columns replaced (the replaced ones are validated). */
  with(columns: Partial<DatasetColumns>, metadata?: Record<string, unknown>): Dataset {
    return new Dataset(
      {
        observations: this.observations,
        actions: this.actions,
        rewards: this.rewards,
        terminals: this.terminals,
        timeouts: this.timeouts,
        nextObservations: this.nextObservations,
        rewardMask: this.rewardMask,
        ...columns,
      },
      { obsDim: this.obsDim, actDim: this.actDim },
      { metadata: metadata ?? { ...this.metadata } },
    );
  }

  /** Rows of several datasets one after another (same dims; optional columns kept only if every part has them). */
  static concat(parts: readonly Dataset[]): Dataset {
    if (parts.length === 0) throw new OrlError('EMPTY', 'Dataset.concat needs at least one dataset');
    const first = parts[0]!;
    for (const p of parts) {
      if (p.obsDim !== first.obsDim || p.actDim !== first.actDim) {
        throw new OrlError('SHAPE_MISMATCH', `Dataset.concat: dims ${p.obsDim}/${p.actDim} differ from ${first.obsDim}/${first.actDim}`);
      }
    }
    const cat = <T extends Float32Array | Uint8Array>(get: (d: Dataset) => T | undefined, make: (n: number) => T): T | undefined => {
      const arrays = parts.map(get);
      if (arrays.some((a) => a === undefined)) return undefined;
      const out = make(arrays.reduce((s, a) => s + a!.length, 0));
      let off = 0;
      for (const a of arrays) {
        out.set(a!, off);
        off += a!.length;
      }
      return out;
    };
    const f32 = (n: number) => new Float32Array(n);
    const u8 = (n: number) => new Uint8Array(n);
    return new Dataset(
      {
        observations: cat((d) => d.observations, f32)!,
        actions: cat((d) => d.actions, f32)!,
        rewards: cat((d) => d.rewards, f32)!,
        terminals: cat((d) => d.terminals, u8)!,
        timeouts: cat((d) => d.timeouts, u8)!,
        nextObservations: cat((d) => d.nextObservations, f32),
        rewardMask: parts.some((d) => d.rewardMask) ? cat((d) => d.rewardMask ?? new Uint8Array(d.size).fill(1), u8) : undefined,
      },
      { obsDim: first.obsDim, actDim: first.actDim },
      { metadata: { concatenatedFrom: parts.map((p) => p.metadata) } },
    );
  }
}

/**
 * D4RL's `qlearning_dataset` semantics: row i becomes (s_i, a_i, r_i, s'_i, done_i) with s'_i = observations[i+1]
 * (or `nextObservations[i]` when present). Rows with `timeouts` set are dropped (no valid next state), terminal rows are
 * kept with done = 1, and — exactly as D4RL loops over `range(N - 1)` — the final row is always dropped.
 * The result has `nextObservations` and keeps `rewardMask` when present; `timeouts` are all 0 and `terminals` is done.
 */
export function toTransitions(data: Dataset): Dataset {
  if (data.size < 2) throw new DatasetError('EMPTY', 'observations', undefined, 'need at least 2 rows to build transitions');
  const keep: number[] = [];
  for (let i = 0; i < data.size - 1; i++) if (!data.timeouts[i]) keep.push(i);
  if (keep.length === 0) throw new DatasetError('EMPTY', 'timeouts', undefined, 'every row is a timeout; no transitions remain');
  const n = keep.length;
  const { obsDim, actDim } = data;
  const obs = new Float32Array(n * obsDim);
  const next = new Float32Array(n * obsDim);
  const act = new Float32Array(n * actDim);
  const rew = new Float32Array(n);
  const term = new Uint8Array(n);
  const mask = data.rewardMask ? new Uint8Array(n) : undefined;
  const srcNext = data.nextObservations;
  for (let k = 0; k < n; k++) {
    const i = keep[k]!;
    obs.set(data.observations.subarray(i * obsDim, (i + 1) * obsDim), k * obsDim);
    if (srcNext) next.set(srcNext.subarray(i * obsDim, (i + 1) * obsDim), k * obsDim);
    else next.set(data.observations.subarray((i + 1) * obsDim, (i + 2) * obsDim), k * obsDim);
    act.set(data.actions.subarray(i * actDim, (i + 1) * actDim), k * actDim);
    rew[k] = data.rewards[i]!;
    term[k] = data.terminals[i]!;
    if (mask) mask[k] = data.rewardMask![i]!;
  }
  return new Dataset(
    { observations: obs, actions: act, rewards: rew, terminals: term, timeouts: new Uint8Array(n), nextObservations: next, rewardMask: mask },
    { obsDim, actDim },
    { validate: false, metadata: { ...data.metadata, transitions: 'qlearning' } },
  );
}

function checkFinite(field: string, arr: Float32Array, width: number): void {
  for (let j = 0; j < arr.length; j++) {
    const v = arr[j]!;
    if (v - v !== 0) {
      throw new DatasetError('NON_FINITE', field, Math.floor(j / width), `value ${v} at column ${j % width}`);
    }
  }
}

function checkFlags(field: string, arr: Uint8Array): void {
  for (let i = 0; i < arr.length; i++) {
    if (arr[i]! > 1) throw new DatasetError('INVALID_DATASET', field, i, `flag must be 0 or 1, got ${arr[i]}`);
  }
}

function describe(x: unknown): string {
  if (x === undefined || x === null) return String(x);
  return (x as object).constructor?.name ?? typeof x;
}
