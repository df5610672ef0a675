import { homedir } from 'node:os';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { OrlError } from '@orl/core';

/** D4RL's own cache variable and default, so files downloaded by the Python tools are found as they are. */
export const D4RL_DIR_ENV = 'D4RL_DATASET_DIR';
export const MINARI_DIR_ENV = 'MINARI_DATASETS_PATH';
/** Where D4RL's MuJoCo v2 files are published (for users with internet; this library never downloads). */
export const D4RL_DOWNLOAD_BASE = 'http://rail.eecs.berkeley.edu/datasets/offline_rl/gym_mujoco_v2/';

export const D4RL_ENVS = ['hopper', 'walker2d', 'halfcheetah', 'ant'] as const;
export const D4RL_KINDS = ['random', 'medium', 'medium-replay', 'medium-expert', 'expert', 'full-replay'] as const;

export function d4rlCacheDir(): string {
  return process.env[D4RL_DIR_ENV] || join(homedir(), '.d4rl', 'datasets');
}

export function minariCacheDir(): string {
  return process.env[MINARI_DIR_ENV] || join(homedir(), '.minari', 'datasets');
}

const D4RL_NAME = /^(hopper|walker2d|halfcheetah|ant)-(random|medium|medium-replay|medium-expert|expert|full-replay)-v([0-2])$/;

/** True when `s` looks like a dataset name rather than a path. */
export function isDatasetName(s: string): boolean {
  return D4RL_NAME.test(s);
}

/** `hopper-medium-replay-v2` → `hopper_medium_replay-v2.hdf5` (the file name D4RL downloads to). */
export function d4rlFileName(name: string): string {
  const m = D4RL_NAME.exec(name);
  if (!m) {
    throw new OrlError('UNKNOWN_NAME', `unknown D4RL dataset '${name}' (expected {${D4RL_ENVS.join(',')}}-{${D4RL_KINDS.join(',')}}-v{0,1,2})`, { name });
  }
  return `${m[1]}_${m[2]!.replace(/-/g, '_')}-v${m[3]}.hdf5`;
}

/** The published URL of a D4RL MuJoCo v2 dataset (documentation; nothing here downloads). */
export function d4rlUrl(name: string): string {
  return D4RL_DOWNLOAD_BASE + d4rlFileName(name);
}

/** Joins `rel` under `root`, refusing anything that would escape it (`..`, absolute paths, NUL). */
export function safeJoin(root: string, rel: string): string {
  if (rel.length === 0 || rel.includes('\0') || isAbsolute(rel) || /^[a-zA-Z]:/.test(rel) || rel.split(/[\\/]/).some((p) => p === '..')) {
    throw new OrlError('UNSAFE_PATH', `refusing dataset name '${rel}': it would leave the cache folder`, { name: rel });
  }
  const base = resolve(root);
  const full = resolve(base, rel);
  if (full !== base && !full.startsWith(base + sep))
    throw new OrlError('UNSAFE_PATH', `refusing dataset name '${rel}': it resolves outside ${base}`, { name: rel });
  return full;
}

/** Resolves a D4RL dataset name to its file in the cache folder (does not check existence). */
export function resolveD4rlName(name: string, cacheDir = d4rlCacheDir()): string {
  if (!isDatasetName(name)) {
    safeJoin(cacheDir, name); // throws UNSAFE_PATH for traversal attempts before the UNKNOWN_NAME below
  }
  return safeJoin(cacheDir, d4rlFileName(name));
}

const MINARI_ID = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*-v\d+$/;

/** `mujoco/hopper/medium-v0` → `<root>/mujoco/hopper/medium-v0/data`. */
export function resolveMinariId(id: string, root = minariCacheDir()): string {
  const dir = safeJoin(root, id);
  if (!MINARI_ID.test(id)) throw new OrlError('UNKNOWN_NAME', `'${id}' is not a Minari dataset id (namespace/env/name-vN)`, { name: id });
  return join(dir, 'data');
}
