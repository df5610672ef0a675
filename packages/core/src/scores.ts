import { OrlError } from './errors.js';

/**
 * D4RL reference returns (random and expert policies) used for the normalized score
 * `100 · (return − random) / (expert − random)`. Values from D4RL's `infos.py` (same for v0/v1/v2).
 */
export const D4RL_REF_SCORES = {
  hopper: { random: -20.272305, expert: 3234.3 },
  walker2d: { random: 1.629008, expert: 4592.3 },
  halfcheetah: { random: -280.178953, expert: 12135.0 },
} as const;

export type D4rlTask = keyof typeof D4RL_REF_SCORES;

export const D4RL_TASKS = Object.keys(D4RL_REF_SCORES) as D4rlTask[];

/** Task of a dataset or env name: `hopper-medium-v2`, `Hopper-v4`, `half_cheetah`, `mujoco/hopper/medium-v0` → `hopper`… */
export function taskOf(name: string): D4rlTask {
  const s = name.toLowerCase().replace(/[_\s]/g, '');
  for (const t of D4RL_TASKS) if (s.includes(t)) return t;
  throw new OrlError('UNKNOWN_NAME', `no D4RL task in '${name}' (known: ${D4RL_TASKS.join(', ')})`, { name });
}

export function normalizedScore(task: D4rlTask | string, episodeReturn: number): number {
  const ref = D4RL_REF_SCORES[taskOf(task)];
  return (100 * (episodeReturn - ref.random)) / (ref.expert - ref.random);
}

/** Inverse of `normalizedScore`. */
export function returnFromNormalized(task: D4rlTask | string, score: number): number {
  const ref = D4RL_REF_SCORES[taskOf(task)];
  return ref.random + (score / 100) * (ref.expert - ref.random);
}
