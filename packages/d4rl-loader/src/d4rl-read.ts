/**
 * D4RL's layout read from an open HDF5 file (browser-safe: no filesystem here; the Node reader and the in-memory
 * reader open the file and pass it in).
 */
import { Dataset, DatasetError, OrlError } from '@orl/core';
import type { File as H5File, Group as H5Group } from 'h5wasm';
import { asFormatError, isDataset, isGroup, readNumeric, readValue, type ReadLimits } from './h5-read.js';

export interface D4rlReadOptions {
  /** Largest array to allocate, in bytes (default 16 GiB). */
  maxBytes?: number;
  /** Memory budget of the whole load, in bytes, checked against what the file declares before reading (default 16 GiB). */
  memoryBudget?: number;
  /** Read `infos/*` (default true) and `metadata/*` (default true). */
  infos?: boolean;
  metadata?: boolean;
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

/** Reads D4RL's keys from an open file; `path` names it in errors. */
export function d4rlFromFile(f: H5File, path: string, limits: ReadLimits, options: D4rlReadOptions = {}): D4rlData {
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
  }
}

/**
 * Checks what a file declares before anything is read: every row-indexed array has as many rows as `observations`,
 * and the bytes of everything the load would allocate (float32 for the main arrays, flags as bytes, float64 infos,
 * metadata values at 8 bytes each) fit one memory budget. A small compressed file can declare gigabytes; this refuses
 * it up front instead of after reading half of it.
 */
function planLoad(f: H5File, path: string, options: D4rlReadOptions): void {
  const budget = options.memoryBudget ?? 16 * 2 ** 30;
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
