import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadH5 } from '../src/h5.js';

export const tmp = () => mkdtempSync(join(tmpdir(), 'orl-d4rl-'));

export type Fields = Record<string, { data: Float32Array | Float64Array | Uint8Array | Int8Array | string; shape?: number[]; dtype?: string }>;

/** Writes an HDF5 file with exactly the given datasets (paths may contain groups), as the tests' corpus. */
export async function writeH5(path: string, fields: Fields, extra?: (f: import('h5wasm').File) => void): Promise<void> {
  const h5 = await loadH5();
  const f = new h5.File(path, 'w');
  for (const [key, v] of Object.entries(fields)) {
    const parts = key.split('/');
    let g: import('h5wasm').Group = f;
    for (const p of parts.slice(0, -1)) g = (g.get(p) as import('h5wasm').Group) ?? g.create_group(p);
    g.create_dataset({ name: parts.at(-1)!, data: v.data as never, shape: v.shape ?? null, dtype: v.dtype ?? null });
  }
  extra?.(f);
  f.close();
}

/** A small D4RL-layout episode set: 2 episodes (terminal at row 3, timeout at row 7) + 2 rows of a third. */
export function d4rlFields(): Fields {
  const n = 10,
    obs = 3,
    act = 2;
  return {
    observations: { data: Float32Array.from({ length: n * obs }, (_, i) => i), shape: [n, obs] },
    actions: { data: Float32Array.from({ length: n * act }, (_, i) => -i / 10), shape: [n, act] },
    // medium-replay v2 stores some fields as float64: read them the same.
    rewards: { data: Float64Array.from({ length: n }, (_, i) => i + 0.5), shape: [n] },
    terminals: { data: Int8Array.from([0, 0, 0, 1, 0, 0, 0, 0, 0, 0]), shape: [n], dtype: '<b' },
    timeouts: { data: Int8Array.from([0, 0, 0, 0, 0, 0, 0, 1, 0, 0]), shape: [n], dtype: '<b' },
    'infos/qpos': { data: Float64Array.from({ length: n * 4 }, (_, i) => i * 0.25), shape: [n, 4] },
    'metadata/algorithm': { data: 'SAC' },
    'metadata/policy/fc0/weight': { data: Float32Array.from([1, 2, 3, 4]), shape: [2, 2] },
  };
}
