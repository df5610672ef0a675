import { totalmem } from 'node:os';
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { ensureDir, fsError } from '@orl/core/node';
import { dirname } from 'node:path';
import { Dataset, DatasetError, OrlError, toTransitions, type TypedArray } from '@orl/core';
import type { File as H5File, Group as H5Group } from 'h5wasm';
import { asFormatError, checkHdf5File, isDataset, isGroup, openH5, readNumeric, readValue, type ReadLimits } from './h5.js';
import { d4rlCacheDir, isDatasetName, resolveD4rlName, d4rlUrl } from './names.js';

export interface ReadOptions {
  /** Cache folder for names (default $D4RL_DATASET_DIR or ~/.d4rl/datasets). */
  cacheDir?: string;
  /** Largest array to allocate, in bytes (default 16 GiB). */
  maxBytes?: number;
  /**
   * Memory budget of the whole load, in bytes: the arrays every key declares are added up and compared with it before
   * anything is read (default: half of the machine's memory, at most 16 GiB).
   */
  memoryBudget?: number;
  /** Read `infos/*` (default true) and `metadata/*` (default true). */
  infos?: boolean;
  metadata?: boolean;
  /** Run the HDF5 library in a worker thread (default true): a corrupt file can abort or loop inside it. */
  isolate?: boolean;
  /** Time limit of an isolated read in ms (default 600 000): a read still running then is stopped with FORMAT. */
  timeoutMs?: number;
}

export interface D4rlData {
  /** Raw rows as stored (use `qlearningDataset` for transitions). */
  dataset: Dataset;
  /** `infos/*` arrays (e.g. qpos, qvel, action_log_probs), float64 kept as stored. */
  infos: Record<string, Float32Array | Float64Array>;
  /** `metadata/*` values (strings, numbers, nested groups as objects). */
  metadata: Record<string, unknown>;
  path: string;
}

/** Resolves a path or a D4RL name (in the cache folder) to a file path. */
export function resolveD4rlPath(pathOrName: string, cacheDir = d4rlCacheDir()): string {
  if (existsSync(pathOrName)) return pathOrName;
  if (isDatasetName(pathOrName)) {
    const p = resolveD4rlName(pathOrName, cacheDir);
    if (!existsSync(p)) {
      throw new OrlError('NOT_FOUND', `dataset '${pathOrName}' is not in ${cacheDir}: download ${d4rlUrl(pathOrName)} there, or set $D4RL_DATASET_DIR`, {
        name: pathOrName,
        path: p,
      });
    }
    return p;
  }
  if (/[\\/]|\.(hdf5|h5)$/i.test(pathOrName)) throw new OrlError('NOT_FOUND', `${pathOrName}: no such file`, { file: pathOrName });
  return resolveD4rlName(pathOrName, cacheDir); // throws UNKNOWN_NAME / UNSAFE_PATH with the reason
}

function limitsFor(path: string, opts: ReadOptions): ReadLimits {
  return { maxBytes: opts.maxBytes ?? 16 * 2 ** 30, fileBytes: checkHdf5File(path) };
}

/**
 * Reads a D4RL HDF5 file (path or name) exactly as D4RL's `get_dataset` sees it. The HDF5 library runs in a worker
 * thread with a time limit (see `isolated.ts`): a mangled file cannot crash or hang the caller.
 */
export async function readD4rl(pathOrName: string, options: ReadOptions = {}): Promise<D4rlData> {
  if (options.isolate === false) return readD4rlHere(pathOrName, options);
  const { readIsolated } = await import('./isolated.js');
  return readIsolated('d4rl', pathOrName, options) as Promise<D4rlData>;
}

/** `readD4rl` in the calling thread (what the worker runs). */
export async function readD4rlHere(pathOrName: string, options: ReadOptions = {}): Promise<D4rlData> {
  const path = resolveD4rlPath(pathOrName, options.cacheDir);
  const limits = limitsFor(path, options);
  const f = await openH5(path, 'r');
  try {
    planLoad(f, path, options);
    const f32 = (n: number) => new Float32Array(n);
    const u8 = (n: number) => new Uint8Array(n);
    const obs = readNumeric(f, 'observations', f32, limits);
    const n = obs.rows;
    const act = readNumeric(f, 'actions', f32, limits, { rows: n });
    const rewards = readNumeric(f, 'rewards', f32, limits, { rows: n, width: 1 });
    const terminals = readNumeric(f, 'terminals', u8, limits, { rows: n, width: 1 });
    const timeouts = f.get('timeouts') ? readNumeric(f, 'timeouts', u8, limits, { rows: n, width: 1 }).data : new Uint8Array(n);
    const next = f.get('next_observations') ? readNumeric(f, 'next_observations', f32, limits, { rows: n, width: obs.width }).data : undefined;
    // Which rewards are known (written by writeD4rl for partly labelled data; D4RL's own files have none).
    const rewardMask = isDataset(f.get('infos/reward_mask')) ? readNumeric(f, 'infos/reward_mask', u8, limits, { rows: n, width: 1 }).data : undefined;
    if (rewardMask) for (let i = 0; i < rewardMask.length; i++) if (rewardMask[i]! > 1) rewardMask[i] = 1;
    // h5py stores bools as 0/1 enums; anything else non-zero also means true.
    for (const flags of [terminals.data, timeouts]) for (let i = 0; i < flags.length; i++) if (flags[i]! > 1) flags[i] = 1;
    let dataset: Dataset;
    try {
      dataset = new Dataset(
        { observations: obs.data, actions: act.data, rewards: rewards.data, terminals: terminals.data, timeouts, nextObservations: next, rewardMask },
        { obsDim: obs.width, actDim: act.width },
        { metadata: { source: path, format: 'd4rl' } },
      );
    } catch (e) {
      if (e instanceof DatasetError) {
        const key = { nextObservations: 'next_observations' }[e.field] ?? e.field;
        throw new DatasetError(e.code, e.field, e.row, `${path}: '${key}' ${e.message}`, { file: path, key });
      }
      throw e;
    }
    const infos: Record<string, Float32Array | Float64Array> = {};
    if (options.infos !== false && isGroup(f.get('infos'))) {
      for (const k of (f.get('infos') as H5Group).keys()) {
        const key = `infos/${k}`;
        if (!isDataset(f.get(key))) continue;
        const meta = (f.get(key) as { metadata: { type: number; size: number } }).metadata;
        if (meta.type !== 0 && meta.type !== 1 && meta.type !== 8) continue;
        infos[k] =
          meta.type === 1 && meta.size === 8
            ? readNumeric(f, key, (m) => new Float64Array(m), limits, { rows: n }).data
            : readNumeric(f, key, (m) => new Float32Array(m), limits, { rows: n }).data;
      }
    }
    const metadata = options.metadata !== false && isGroup(f.get('metadata')) ? readGroup(f, 'metadata') : {};
    dataset.metadata = { ...dataset.metadata, ...metadata };
    return { dataset, infos, metadata, path };
  } catch (e) {
    throw asFormatError(e, path);
  } finally {
    f.close();
  }
}

/**
 * Checks what a file declares before anything is read: every row-indexed array has as many rows as `observations`,
 * and the bytes of everything the load would allocate (float32 for the main arrays, flags as bytes, float64 infos,
 * metadata values at 8 bytes each) fit one memory budget. A small compressed file can declare gigabytes; this refuses
 * it up front instead of after reading half of it.
 */
function planLoad(f: H5File, path: string, options: ReadOptions): void {
  const budget = options.memoryBudget ?? Math.min(16 * 2 ** 30, Math.floor(totalmem() / 2));
  const shapeOf = (key: string): { rows: number; elements: number; size: number } | undefined => {
    const e = f.get(key);
    if (!isDataset(e)) return undefined;
    try {
      const m = e.metadata as { shape?: number[] | null; size: number };
      const shape = m.shape ?? [];
      return { rows: shape[0] ?? 1, elements: shape.reduce((a, b) => a * b, 1), size: m.size };
    } catch {
      return undefined; // unreadable metadata: readNumeric reports it with the key
    }
  };
  const maxBytes = options.maxBytes ?? 16 * 2 ** 30;
  const tooLarge = (key: string, sh: { rows: number; elements: number }, bpe: number) => {
    if (sh.elements * bpe > maxBytes || !Number.isSafeInteger(sh.elements)) {
      throw new OrlError(
        'TOO_LARGE',
        `${path}: '${key}' declares ${sh.rows} rows (${((sh.elements * bpe) / 2 ** 30).toFixed(1)} GiB), over the ${(maxBytes / 2 ** 30).toFixed(1)} GiB limit`,
        { file: path, key, rows: sh.rows },
      );
    }
  };
  const obs = shapeOf('observations');
  if (!obs) return; // readNumeric names the missing key
  tooLarge('observations', obs, 4);
  let bytes = 0;
  const add = (key: string, bytesPerElement: number, rowIndexed: boolean) => {
    const sh = shapeOf(key);
    if (!sh) return;
    tooLarge(key, sh, bytesPerElement);
    if (rowIndexed && sh.rows !== obs.rows)
      throw new OrlError('SHAPE_MISMATCH', `${path}: '${key}' declares ${sh.rows} rows, 'observations' ${obs.rows}`, {
        file: path,
        key,
        rows: sh.rows,
        expected: obs.rows,
      });
    bytes += sh.elements * bytesPerElement;
  };
  for (const k of ['observations', 'actions', 'rewards', 'next_observations']) add(k, 4, true);
  for (const k of ['terminals', 'timeouts']) add(k, 1, true);
  const walk = (group: string, rowIndexed: boolean, depth: number) => {
    const g = f.get(group);
    if (!isGroup(g) || depth > 32) return;
    for (const k of g.keys()) {
      const sub = `${group}/${k}`;
      if (isGroup(f.get(sub))) walk(sub, rowIndexed, depth + 1);
      else add(sub, 8, rowIndexed);
    }
  };
  if (options.infos !== false) walk('infos', true, 0);
  if (options.metadata !== false) walk('metadata', false, 0);
  if (!Number.isSafeInteger(bytes) || bytes > budget) {
    throw new OrlError(
      'TOO_LARGE',
      `${path}: loading it would take ${(bytes / 2 ** 30).toFixed(2)} GiB, over the ${(budget / 2 ** 30).toFixed(2)} GiB budget (ReadOptions.memoryBudget)`,
      { file: path, bytes, budget },
    );
  }
}

function readGroup(f: H5File, key: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of (f.get(key) as H5Group).keys()) {
    const sub = `${key}/${k}`;
    const e = f.get(sub);
    if (isGroup(e)) out[k] = readGroup(f, sub);
    else if (isDataset(e)) out[k] = readValue(f, sub);
  }
  return out;
}

/** Transitions (s, a, r, s', done) with D4RL's `qlearning_dataset` semantics. */
export function qlearningDataset(data: Dataset | D4rlData): Dataset {
  return toTransitions(data instanceof Dataset ? data : data.dataset);
}

export interface WriteD4rlOptions {
  infos?: Record<string, TypedArray>;
  /** Written under `metadata/`: strings, numbers, booleans, typed arrays, nested objects become groups. */
  metadata?: Record<string, unknown>;
  /** Also write `next_observations` when the dataset has them (default true). */
  nextObservations?: boolean;
}

function dtypeFor(a: TypedArray): string {
  if (a instanceof Float32Array) return '<f';
  if (a instanceof Float64Array) return '<d';
  if (a instanceof Uint8Array) return '<B';
  if (a instanceof Int32Array) return '<i';
  if (a instanceof Uint32Array) return '<I';
  return '<f';
}

function writeArray(g: H5Group, name: string, data: TypedArray, rows: number): void {
  const width = data.length / rows;
  g.create_dataset({ name, data, shape: width === 1 ? [rows] : [rows, width], dtype: dtypeFor(data) });
}

function writeMeta(g: H5Group, meta: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(meta)) {
    if (v === undefined || v === null) continue;
    if (ArrayBuffer.isView(v)) g.create_dataset({ name: k, data: v as TypedArray, dtype: dtypeFor(v as TypedArray) });
    else if (typeof v === 'string') g.create_dataset({ name: k, data: v });
    else if (typeof v === 'number') g.create_dataset({ name: k, data: v, dtype: Number.isInteger(v) ? '<i8' : '<d' });
    else if (typeof v === 'boolean') g.create_dataset({ name: k, data: v ? 1 : 0, dtype: '<B' });
    else if (Array.isArray(v) && v.every((x) => typeof x === 'number')) g.create_dataset({ name: k, data: Float64Array.from(v as number[]), dtype: '<d' });
    else if (typeof v === 'object') writeMeta(g.create_group(k), v as Record<string, unknown>);
    else g.create_dataset({ name: k, data: JSON.stringify(v) });
  }
}

/**
 * Writes a dataset in D4RL's HDF5 layout (observations, actions, rewards, terminals, timeouts, optional
 * next_observations, infos/*, metadata/*) so `d4rl`/`h5py` can open it. Flags are stored as uint8 (h5py reads them as
 * 0/1 integers; D4RL's loaders treat them with `bool()`). Written to a temporary name, then renamed.
 */
export async function writeD4rl(path: string, data: Dataset, options: WriteD4rlOptions = {}): Promise<void> {
  data.validate();
  ensureDir(dirname(path));
  if (existsSync(path) && statSync(path).isDirectory()) throw new OrlError('IO', `cannot write ${path}: it is a folder`, { path, errno: 'EISDIR' });
  const tmp = `${path}.${process.pid}.tmp`;
  const f = await openH5(tmp, 'w');
  const n = data.size;
  let ok = false;
  try {
    writeArray(f, 'observations', data.observations, n);
    writeArray(f, 'actions', data.actions, n);
    writeArray(f, 'rewards', data.rewards, n);
    writeArray(f, 'terminals', data.terminals, n);
    writeArray(f, 'timeouts', data.timeouts, n);
    if (data.nextObservations && options.nextObservations !== false) writeArray(f, 'next_observations', data.nextObservations, n);
    // A partly labelled dataset keeps its mask (read back by readD4rl), unless the caller writes one itself.
    const infos = { ...(data.rewardMask ? { reward_mask: data.rewardMask } : {}), ...options.infos };
    if (Object.keys(infos).length > 0) {
      const g = f.create_group('infos');
      for (const [k, v] of Object.entries(infos)) writeArray(g, k, v, n);
    }
    if (options.metadata && Object.keys(options.metadata).length > 0) writeMeta(f.create_group('metadata'), options.metadata);
    ok = true;
  } finally {
    f.close();
    if (!ok) rmSync(tmp, { force: true });
  }
  try {
    renameSync(tmp, path);
  } catch (cause) {
    rmSync(tmp, { force: true });
    throw fsError(cause, 'write', path) ?? cause;
  }
}
