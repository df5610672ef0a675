import type { Rng } from '@orl/core';
import type { Task } from './mujoco.js';

/**
 * Gymnasium-v4 semantics of the three locomotion tasks (identical to gym v3 used by D4RL apart from the binding):
 * observation layout and clipping, reward terms, health/termination, reset noise, frame skip.
 */
export interface TaskSpec {
  readonly task: Task;
  readonly gymId: string;
  readonly obsDim: number;
  readonly actDim: number;
  readonly frameSkip: number;
  readonly ctrlCostWeight: number;
  /** Paid every step, including the step that terminates (v4; v5 changed that). 0 for HalfCheetah. */
  readonly healthyReward: number;
  readonly terminates: boolean;
  /** qpos/qvel are the unclipped simulator state. */
  isHealthy(qpos: Float64Array, qvel: Float64Array): boolean;
  observe(qpos: Float64Array, qvel: Float64Array, out: Float32Array): void;
  /** Writes the reset state from the model's reference pose qpos0 (qvel0 = 0). */
  resetState(rng: Rng, qpos0: Float64Array, qpos: Float64Array, qvel: Float64Array): void;
}

const clip = (x: number, lo: number, hi: number) => (x < lo ? lo : Math.min(x, hi));

function observeClipped(qpos: Float64Array, qvel: Float64Array, out: Float32Array): void {
  let k = 0;
  for (let i = 1; i < qpos.length; i++) out[k++] = qpos[i]!;
  for (let i = 0; i < qvel.length; i++) out[k++] = clip(qvel[i]!, -10, 10);
}

function uniformReset(scale: number) {
  return (rng: Rng, qpos0: Float64Array, qpos: Float64Array, qvel: Float64Array) => {
    for (let i = 0; i < qpos.length; i++) qpos[i] = qpos0[i]! + rng.uniform(-scale, scale);
    for (let i = 0; i < qvel.length; i++) qvel[i] = rng.uniform(-scale, scale);
  };
}

export const TASKS: Record<Task, TaskSpec> = {
  hopper: {
    task: 'hopper',
    gymId: 'Hopper-v4',
    obsDim: 11,
    actDim: 3,
    frameSkip: 4,
    ctrlCostWeight: 1e-3,
    healthyReward: 1,
    terminates: true,
    isHealthy(qpos, qvel) {
      const z = qpos[1]!,
        angle = qpos[2]!;
      // state_vector()[2:] = (qpos ++ qvel)[2:] must lie in (−100, 100).
      for (let i = 2; i < qpos.length; i++) if (!(qpos[i]! > -100 && qpos[i]! < 100)) return false;
      for (let i = 0; i < qvel.length; i++) if (!(qvel[i]! > -100 && qvel[i]! < 100)) return false;
      return z > 0.7 && angle > -0.2 && angle < 0.2;
    },
    observe: observeClipped,
    resetState: uniformReset(5e-3),
  },
  walker2d: {
    task: 'walker2d',
    gymId: 'Walker2d-v4',
    obsDim: 17,
    actDim: 6,
    frameSkip: 4,
    ctrlCostWeight: 1e-3,
    healthyReward: 1,
    terminates: true,
    isHealthy(qpos) {
      const z = qpos[1]!,
        angle = qpos[2]!;
      return z > 0.8 && z < 2.0 && angle > -1 && angle < 1;
    },
    observe: observeClipped,
    resetState: uniformReset(5e-3),
  },
  halfcheetah: {
    task: 'halfcheetah',
    gymId: 'HalfCheetah-v4',
    obsDim: 17,
    actDim: 6,
    frameSkip: 5,
    ctrlCostWeight: 0.1,
    healthyReward: 0,
    terminates: false,
    isHealthy: () => true,
    observe(qpos, qvel, out) {
      let k = 0;
      for (let i = 1; i < qpos.length; i++) out[k++] = qpos[i]!;
      for (let i = 0; i < qvel.length; i++) out[k++] = qvel[i]!;
    },
    resetState(rng, qpos0, qpos, qvel) {
      for (let i = 0; i < qpos.length; i++) qpos[i] = qpos0[i]! + rng.uniform(-0.1, 0.1);
      for (let i = 0; i < qvel.length; i++) qvel[i] = 0.1 * rng.normal();
    },
  },
};

/**
 * Whether HalfCheetah is on its back in observation row `row` of `observations` (rows of 17): observation 1 is the
 * torso's pitch (rad) and past ±π/2 the cheetah is upside down. HalfCheetah never terminates, so a flipped cheetah
 * keeps "running" on its back for low reward — noisy behaviour policies fall into it, and offline policies trained on
 * such rows can learn to copy it (README, halfcheetah flips).
 */
export function halfCheetahOnItsBack(observations: ArrayLike<number>, row = 0): boolean {
  return Math.abs(observations[row * TASKS.halfcheetah.obsDim + 1]!) > Math.PI / 2;
}

/** Fraction of the rows of `observations` (HalfCheetah, rows of 17) on which the cheetah is on its back. */
export function halfCheetahFractionOnItsBack(observations: ArrayLike<number>): number {
  const rows = Math.floor(observations.length / TASKS.halfcheetah.obsDim);
  let n = 0;
  for (let row = 0; row < rows; row++) if (halfCheetahOnItsBack(observations, row)) n++;
  return rows ? n / rows : 0;
}
