import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { ensureDir, fsError, writeFileAtomic } from '@orl/core/node';
import { join } from 'node:path';
import { Dataset, OrlError } from '@orl/core';
import type { Group as H5Group } from 'h5wasm';
import { asFormatError, checkHdf5File, isGroup, openH5, readNumeric } from './h5.js';
import { minariCacheDir, resolveMinariId } from './names.js';

export interface MinariData {
  /** All steps in transition form: `nextObservations` from each episode's T+1 observations; terminals = terminations,
   *  timeouts = truncations (no row is dropped: every step has its next observation). */
  dataset: Dataset;
  metadata: Record<string, unknown>;
  episodes: number;
  dataDir: string;
}

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
    const names = f
      .keys()
      .filter((k) => /^episode_\d+$/.test(k))
      .sort((a, b) => Number(a.slice(8)) - Number(b.slice(8)));
    if (names.length === 0) throw new OrlError('FORMAT', `${h5path}: no episode_N groups`, { file: h5path });
    // Minari's metadata counts the episodes and steps: a file that holds a different number is incomplete or altered.
    const declared = metadata.total_episodes;
    if (declared !== undefined && declared !== names.length) {
      throw new OrlError('FORMAT', `${h5path}: metadata.json declares ${String(declared)} episodes, the file holds ${names.length}`, {
        file: h5path,
        declared,
        found: names.length,
      });
    }
    const expectedNames = names.every((n, i) => n === `episode_${i}`);
    if (!expectedNames)
      throw new OrlError('FORMAT', `${h5path}: episode groups are not numbered 0…${names.length - 1} (missing or extra episodes)`, { file: h5path });
    const parts: { obs: Float32Array; act: Float32Array; rew: Float32Array; term: Uint8Array; trunc: Uint8Array; t: number }[] = [];
    let obsDim = 0,
      actDim = 0,
      total = 0;
    for (const ep of names) {
      if (!isGroup(f.get(ep))) throw new OrlError('FORMAT', `${h5path}: '${ep}' is not a group`, { file: h5path, key: ep });
      const act = readNumeric(f, `${ep}/actions`, (n) => new Float32Array(n), limits);
      const t = act.rows;
      const obs = readNumeric(f, `${ep}/observations`, (n) => new Float32Array(n), limits, { rows: t + 1 });
      const rew = readNumeric(f, `${ep}/rewards`, (n) => new Float32Array(n), limits, { rows: t, width: 1 });
      const term = readNumeric(f, `${ep}/terminations`, (n) => new Uint8Array(n), limits, { rows: t, width: 1 });
      const trunc = readNumeric(f, `${ep}/truncations`, (n) => new Uint8Array(n), limits, { rows: t, width: 1 });
      if (parts.length === 0) {
        obsDim = obs.width;
        actDim = act.width;
      } else if (obs.width !== obsDim || act.width !== actDim) {
        throw new OrlError('SHAPE_MISMATCH', `${h5path}: '${ep}' has dims ${obs.width}/${act.width}, expected ${obsDim}/${actDim}`, { file: h5path, key: ep });
      }
      parts.push({ obs: obs.data, act: act.data, rew: rew.data, term: term.data, trunc: trunc.data, t });
      total += t;
    }
    const declaredSteps = metadata.total_steps;
    if (declaredSteps !== undefined && declaredSteps !== total) {
      throw new OrlError('FORMAT', `${h5path}: metadata.json declares ${String(declaredSteps)} steps, the episodes hold ${total}`, {
        file: h5path,
        declared: declaredSteps,
        found: total,
      });
    }
    const observations = new Float32Array(total * obsDim),
      nextObservations = new Float32Array(total * obsDim);
    const actions = new Float32Array(total * actDim),
      rewards = new Float32Array(total);
    const terminals = new Uint8Array(total),
      timeouts = new Uint8Array(total);
    let row = 0;
    for (const p of parts) {
      observations.set(p.obs.subarray(0, p.t * obsDim), row * obsDim);
      nextObservations.set(p.obs.subarray(obsDim, (p.t + 1) * obsDim), row * obsDim);
      actions.set(p.act, row * actDim);
      rewards.set(p.rew, row);
      for (let i = 0; i < p.t; i++) {
        terminals[row + i] = p.term[i] ? 1 : 0;
        timeouts[row + i] = p.trunc[i] ? 1 : 0;
      }
      // An episode that ends with neither flag (data cut mid-episode) still ends here.
      if (p.t > 0 && !terminals[row + p.t - 1] && !timeouts[row + p.t - 1]) timeouts[row + p.t - 1] = 1;
      row += p.t;
    }
    const dataset = new Dataset(
      { observations, actions, rewards, terminals, timeouts, nextObservations },
      { obsDim, actDim },
      { metadata: { source: dataDir, format: 'minari', ...metadata } },
    );
    return { dataset, metadata, episodes: names.length, dataDir };
  } catch (e) {
    throw asFormatError(e, h5path);
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
