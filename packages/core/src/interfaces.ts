import type { Batch } from './sampler.js';
import type { BoxSpace } from './spaces.js';
import type { StateDict } from './serialize.js';

export interface ResetResult {
  observation: Float32Array;
  info: Record<string, unknown>;
}

export interface StepResult {
  observation: Float32Array;
  reward: number;
  /** The MDP reached a terminal state (e.g. the hopper fell): do not bootstrap. */
  terminated: boolean;
  /** The episode was cut from outside (time limit): bootstrapping is still valid. */
  truncated: boolean;
  info: Record<string, unknown>;
}

/** Gymnasium-style environment. `reset({ seed })` makes the episode reproducible. */
export interface Env {
  readonly id: string;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: BoxSpace;
  readonly maxEpisodeSteps: number;
  reset(options?: { seed?: number }): ResetResult;
  step(action: ArrayLike<number>): StepResult;
  close(): void;
}

/** Maps observations to actions. `out` lets hot loops avoid allocation. */
export interface Policy {
  readonly obsDim: number;
  readonly actDim: number;
  act(observation: Float32Array, out?: Float32Array): Float32Array;
  /** Optional batched form: `observations` holds `n` rows. */
  actBatch?(observations: Float32Array, n: number, out?: Float32Array): Float32Array;
  /** Called at episode start (policies with per-episode state, e.g. a time feature). */
  reset?(): void;
}

/** Everything that can be saved into and restored from a checkpoint. */
export interface Checkpointable {
  stateDict(): StateDict;
  loadStateDict(state: StateDict): void;
}

/** A learner: one gradient update per call, returning named scalar metrics (`loss/critic`, …). */
export interface Agent extends Checkpointable {
  update(batch: Batch): Record<string, number>;
  /** The policy to evaluate (deterministic). */
  policy(): Policy;
}

/**
 * One field of an algorithm's config, generated from its doc comment (tools/config-fields.mts): what the CLI turns
 * into a flag with that doc as its help. Nested objects appear as dotted names ('rollout.horizon').
 */
export interface ConfigFieldSpec {
  name: string;
  doc: string;
  type: 'number' | 'number[]' | 'boolean' | 'choice';
  choices?: string[];
}
