import { totalmem } from 'node:os';
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { ensureDir, fsError } from '@orl/core/node';
import { dirname } from 'node:path';
import { Dataset, OrlError, toTransitions, type TypedArray } from '@orl/core';
import type { Group as H5Group } from 'h5wasm';
import { checkHdf5File, openH5, type ReadLimits } from './h5.js';
import { type D4rlData, d4rlFromFile } from './d4rl-read.js';

export type { D4rlData } from './d4rl-read.js';
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
    return d4rlFromFile(f, path, limits, { ...options, memoryBudget: options.memoryBudget ?? Math.min(16 * 2 ** 30, Math.floor(totalmem() / 2)) });
  } finally {
    f.close();
  }
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
