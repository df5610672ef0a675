import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { ensureDir, fsError, writeFileAtomic } from '@orl/core/node';
import { join } from 'node:path';
import { type Dataset, OrlError } from '@orl/core';
import type { Group as H5Group } from 'h5wasm';
import { checkHdf5File, openH5 } from './h5.js';
import { type MinariData, minariFromFile } from './minari-read.js';

export type { MinariData } from './minari-read.js';
import { minariCacheDir, resolveMinariId } from './names.js';

export interface ReadMinariOptions {
  root?: string;
  maxBytes?: number;
  /** Run the HDF5 library in a worker thread with a time limit (default true), as `readD4rl`. */
  isolate?: boolean;
  timeoutMs?: number;
}

/** Reads a Minari dataset from its id (`mujoco/hopper/medium-v0`, under $MINARI_DATASETS_PATH) or its data folder. */
export async function readMinari(idOrDir: string, options: ReadMinariOptions = {}): Promise<MinariData> {
  if (options.isolate === false) return readMinariHere(idOrDir, options);
  const { readIsolated } = await import('./isolated.js');
  return readIsolated('minari', idOrDir, options) as Promise<MinariData>;
}

/** `readMinari` in the calling thread (what the worker runs). */
export async function readMinariHere(idOrDir: string, options: ReadMinariOptions = {}): Promise<MinariData> {
  const dataDir = existsSync(join(idOrDir, 'main_data.hdf5')) ? idOrDir : resolveMinariId(idOrDir, options.root ?? minariCacheDir());
  const h5path = join(dataDir, 'main_data.hdf5');
  if (!existsSync(h5path)) throw new OrlError('NOT_FOUND', `no Minari dataset at ${dataDir} (main_data.hdf5 missing)`, { path: dataDir });
  let metadata: Record<string, unknown> = {};
  const metaPath = join(dataDir, 'metadata.json');
  if (existsSync(metaPath)) {
    try {
      metadata = JSON.parse(readFileSync(metaPath, 'utf8'));
    } catch (cause) {
      throw new OrlError('FORMAT', `${metaPath}: not valid JSON`, { file: metaPath }, { cause });
    }
  }
  const limits = { maxBytes: options.maxBytes ?? 16 * 2 ** 30, fileBytes: checkHdf5File(h5path) };
  const f = await openH5(h5path, 'r');
  try {
    return minariFromFile(f, h5path, metadata, limits, dataDir);
  } finally {
    f.close();
  }
}

/**
 * Writes a dataset as Minari (`<dir>/data/main_data.hdf5` + `<dir>/data/metadata.json`). Episodes are split where
 * `terminals` or `timeouts` is set; each episode's observations get the final next observation appended (T+1 rows), so
 * the dataset needs `nextObservations`.
 */
export async function writeMinari(dir: string, data: Dataset, metadata: Record<string, unknown> = {}): Promise<string> {
  if (!data.nextObservations) throw new OrlError('INVALID_DATASET', 'writeMinari needs nextObservations (Minari stores T+1 observations per episode)');
  const dataDir = join(dir, 'data');
  ensureDir(dataDir);
  const ends = data.episodeEnds();
  const { obsDim, actDim } = data;
  const tmp = join(dataDir, `.main_data.${process.pid}.tmp`);
  const f = await openH5(tmp, 'w');
  try {
    let start = 0;
    for (let e = 0; e < ends.length; e++) {
      const end = ends[e]!;
      const t = end - start;
      const g = f.create_group(`episode_${e}`) as H5Group;
      const obs = new Float32Array((t + 1) * obsDim);
      obs.set(data.observations.subarray(start * obsDim, end * obsDim));
      obs.set(data.nextObservations.subarray((end - 1) * obsDim, end * obsDim), t * obsDim);
      g.create_dataset({ name: 'observations', data: obs, shape: [t + 1, obsDim], dtype: '<f' });
      g.create_dataset({ name: 'actions', data: data.actions.slice(start * actDim, end * actDim), shape: [t, actDim], dtype: '<f' });
      g.create_dataset({ name: 'rewards', data: Float64Array.from(data.rewards.subarray(start, end)), shape: [t], dtype: '<d' });
      g.create_dataset({ name: 'terminations', data: data.terminals.slice(start, end), shape: [t], dtype: '<B' });
      g.create_dataset({ name: 'truncations', data: data.timeouts.slice(start, end), shape: [t], dtype: '<B' });
      g.create_group('infos');
      g.create_attribute('id', e, null, '<i8');
      g.create_attribute('total_steps', t, null, '<i8');
      start = end;
    }
  } finally {
    f.close();
  }
  try {
    renameSync(tmp, join(dataDir, 'main_data.hdf5'));
  } catch (cause) {
    rmSync(tmp, { force: true });
    throw fsError(cause, 'write', join(dataDir, 'main_data.hdf5')) ?? cause;
  }
  const meta = {
    dataset_id: metadata.dataset_id ?? 'orl/unnamed/dataset-v0',
    total_episodes: ends.length,
    total_steps: data.size,
    observation_space: { type: 'Box', shape: [obsDim], dtype: 'float32' },
    action_space: { type: 'Box', shape: [actDim], dtype: 'float32', low: -1, high: 1 },
    minari_version: '0.5.0',
    ...metadata,
  };
  writeFileAtomic(join(dataDir, 'metadata.json'), JSON.stringify(meta, null, 2));
  return dataDir;
}
