/**
 * Minari's layout (episode_N groups, T+1 observations per episode) read from an open HDF5 file (browser-safe: the Node
 * reader and the in-memory reader open the file and pass it in).
 */
import { Dataset, OrlError } from '@orl/core';
import type { File as H5File } from 'h5wasm';
import { asFormatError, isGroup, readNumeric, type ReadLimits } from './h5-read.js';

export interface MinariData {
  /** All steps in transition form: `nextObservations` from each episode's T+1 observations; terminals = terminations,
   *  timeouts = truncations (no row is dropped: every step has its next observation). */
  dataset: Dataset;
  metadata: Record<string, unknown>;
  episodes: number;
  /** Where the data came from: the data folder (Node) or the name given to the in-memory reader. */
  dataDir: string;
}

/**
 * Reads every episode of an open Minari `main_data.hdf5`; `metadata` (its metadata.json, if known) is checked against
 * what the file holds. `h5path` names the file in errors, `source` goes into the dataset's metadata.
 */
export function minariFromFile(f: H5File, h5path: string, metadata: Record<string, unknown>, limits: ReadLimits, source: string): MinariData {
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
      { metadata: { source, format: 'minari', ...metadata } },
    );
    return { dataset, metadata, episodes: names.length, dataDir: source };
  } catch (e) {
    throw asFormatError(e, h5path);
  }
}
