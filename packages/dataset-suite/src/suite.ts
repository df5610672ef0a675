import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Dataset, mean, normalizedScore } from '@orl/core';
import { readD4rl, writeD4rl } from '@orl/d4rl-loader';
import { halfCheetahFractionOnItsBack } from '@orl/mujoco-env';
import { collect } from './collect.js';
import { recipe, type Recipe } from './recipes.js';

export const SUITE_DIR_ENV = 'ORL_DATASET_DIR';

export function suiteCacheDir(): string {
  return process.env[SUITE_DIR_ENV] || join(homedir(), '.cache', 'orl', 'datasets');
}

export interface GenerateOptions {
  /** Rows as a fraction of the recipe's full size (default 1; tests use small values). */
  scale?: number;
  /** Exact number of rows (overrides scale). */
  transitions?: number;
  seed?: number;
  cacheDir?: string;
  /** Regenerate even when cached. */
  force?: boolean;
  onProgress?: (message: string) => void;
}

export interface Generated {
  name: string;
  path: string;
  dataset: Dataset;
  metadata: Record<string, unknown>;
  cached: boolean;
}

function sizeOf(r: Recipe, o: GenerateOptions): number {
  return o.transitions ?? Math.max(1000, Math.round(r.transitions * (o.scale ?? 1)));
}

/** Where a generated dataset is cached: the name plus a hash of everything that determines its contents. */
export function suitePath(name: string, options: GenerateOptions = {}): string {
  const r = recipe(name);
  const n = sizeOf(r, options);
  const seed = options.seed ?? 0;
  // The key covers the recipe's content (its revision is bookkeeping for results, so it is left out).
  const { revision: _revision, ...content } = r;
  const key = createHash('sha256')
    .update(JSON.stringify({ v: 1, recipe: content, n, seed }))
    .digest('hex')
    .slice(0, 10);
  return join(options.cacheDir ?? suiteCacheDir(), `${r.name}-n${n}-s${seed}-${key}.hdf5`);
}

/**
 * Generates a suite dataset (or returns the cached file) and writes it in D4RL's HDF5 layout with infos/qpos,
 * infos/qvel and metadata (recipe, per-segment returns, mean normalized return). Deterministic for a seed.
 */
export async function generate(name: string, options: GenerateOptions = {}): Promise<Generated> {
  const r = recipe(name);
  const path = suitePath(name, options);
  if (!options.force && existsSync(path)) {
    const { dataset, metadata } = await readD4rl(path);
    return { name: r.name, path, dataset, metadata, cached: true };
  }
  const n = sizeOf(r, options);
  const seed = options.seed ?? 0;
  let parts: { dataset: Dataset; qpos: Float64Array; qvel: Float64Array; returns: number[] }[] = [];
  if (r.kind === 'medium-expert') {
    // Exactly the medium and expert datasets of the same seed and size, concatenated (as D4RL builds it).
    for (const kind of ['medium', 'expert']) {
      const g = await generate(`${r.task}-${kind}`, { ...options, transitions: Math.round(n / 2), force: false });
      const { infos } = await readD4rl(g.path);
      parts.push({ dataset: g.dataset, qpos: infos.qpos as Float64Array, qvel: infos.qvel as Float64Array, returns: [] });
    }
  } else {
    let done = 0;
    parts = [];
    for (let k = 0; k < r.segments.length; k++) {
      const s = r.segments[k]!;
      const rows = k === r.segments.length - 1 ? n - done : Math.round(n * s.fraction);
      options.onProgress?.(`${r.name}: segment ${k + 1}/${r.segments.length} (${s.policy}, noise ${s.noise}, ${rows} rows)`);
      const c = await collect({ task: r.task, policy: s.policy, noise: s.noise, transitions: rows, seed: seed * 1000 + k });
      parts.push({ dataset: c.dataset, qpos: c.infos.qpos, qvel: c.infos.qvel, returns: c.episodeReturns });
      done += rows;
    }
  }
  const dataset = Dataset.concat(parts.map((p) => p.dataset));
  const cat = (arrays: Float64Array[]) => {
    const out = new Float64Array(arrays.reduce((s, a) => s + a.length, 0));
    let o = 0;
    for (const a of arrays) {
      out.set(a, o);
      o += a.length;
    }
    return out;
  };
  const allReturns = Array.from(dataset.episodeReturns());
  const finished = parts.flatMap((p) => p.returns);
  const returns = finished.length ? finished : allReturns;
  const metadata = {
    name: r.name,
    task: r.task,
    kind: r.kind,
    seed,
    transitions: n,
    recipe: JSON.stringify(r.segments),
    episodes: dataset.episodeEnds().length,
    mean_return: mean(returns),
    mean_normalized_return: normalizedScore(r.task, mean(returns)),
    revision: r.revision,
    ...(r.task === 'halfcheetah' ? { fraction_on_its_back: halfCheetahFractionOnItsBack(dataset.observations) } : {}),
    generator: '@orl/dataset-suite',
    policies_license: 'DLR-RM/rl-trained-agents (MIT)',
  };
  dataset.metadata = { ...metadata, source: path };
  await writeD4rl(path, dataset, { infos: { qpos: cat(parts.map((p) => p.qpos)), qvel: cat(parts.map((p) => p.qvel)) }, metadata });
  return { name: r.name, path, dataset, metadata, cached: false };
}

/** The dataset of a suite name, generated on first use and cached. */
export async function loadSuiteDataset(name: string, options: GenerateOptions = {}): Promise<Dataset> {
  return (await generate(name, options)).dataset;
}
