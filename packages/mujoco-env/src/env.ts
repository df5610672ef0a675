import { OrlError, Rng, box, taskOf, type BoxSpace, type Env, type ResetResult, type StepResult } from '@orl/core';
import type { MjData, MjModel } from 'mujoco';
import { acquireModel, bumpHeapGeneration, heapGeneration, loadMujoco, moduleOf, releaseModel, type Mujoco, type MujocoModule, type Task } from './mujoco.js';
import { TASKS, type TaskSpec } from './tasks.js';

export interface EnvOptions {
  /** Episode length limit reported as `truncated` (default 1000, as Gymnasium and D4RL). */
  maxEpisodeSteps?: number;
  /** Seed of the reset-noise generator used until `reset({ seed })` reseeds it. */
  seed?: number;
}

/** Resolves 'hopper', 'Hopper-v4', 'hopper-medium-v2', 'half_cheetah'… to a task; unknown names are UNKNOWN_NAME. */
export function resolveTask(name: string): Task {
  const t = taskOf(name);
  if (!Object.hasOwn(TASKS, t)) throw new OrlError('UNKNOWN_NAME', `unknown task '${name}' (known: ${Object.keys(TASKS).join(', ')})`, { name });
  return t as Task;
}

/**
 * One MuJoCo locomotion environment with Gymnasium-v4 semantics. Created with `await makeEnv('hopper')`.
 * Observations are float32 copies (safe to keep); simulation runs in float64.
 */
export class MujocoEnv implements Env {
  readonly id: string;
  readonly spec: TaskSpec;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: BoxSpace;
  readonly maxEpisodeSteps: number;
  readonly dt: number;
  private readonly mj: MujocoModule;
  private readonly model: MjModel;
  private data: MjData | null;
  private rng: Rng;
  private qpos!: Float64Array;
  private qvel!: Float64Array;
  private ctrl!: Float64Array;
  private qpos0: Float64Array;
  private seenGeneration = -1;
  private elapsed = 0;
  private done = true;
  private needsReset = true;

  /** Prefer `makeEnv`; this constructor needs the loaded module. */
  constructor(mj: Mujoco, task: Task, options: EnvOptions = {}) {
    this.mj = moduleOf(mj);
    this.spec = TASKS[task];
    this.id = this.spec.gymId;
    this.model = acquireModel(mj, task);
    this.data = new this.mj.MjData(this.model);
    bumpHeapGeneration();
    this.maxEpisodeSteps = options.maxEpisodeSteps ?? 1000;
    if (!Number.isInteger(this.maxEpisodeSteps) || this.maxEpisodeSteps <= 0)
      throw new OrlError('INVALID_ARGUMENT', `maxEpisodeSteps must be a positive integer`);
    this.dt = this.model.opt.timestep * this.spec.frameSkip;
    this.qpos0 = Float64Array.from(this.model.qpos0 as Float64Array);
    this.rng = new Rng(options.seed ?? 0);
    this.observationSpace = box(-Infinity, Infinity, this.spec.obsDim);
    const range = this.model.actuator_ctrlrange as Float64Array;
    const lo = new Float32Array(this.spec.actDim),
      hi = new Float32Array(this.spec.actDim);
    for (let i = 0; i < this.spec.actDim; i++) {
      lo[i] = range[2 * i]!;
      hi[i] = range[2 * i + 1]!;
    }
    this.actionSpace = box(lo, hi);
  }

  get task(): Task {
    return this.spec.task;
  }

  /** Steps taken in the current episode. */
  get episodeSteps(): number {
    return this.elapsed;
  }

  private views(): void {
    if (this.seenGeneration === heapGeneration) return;
    const d = this.alive();
    this.qpos = d.qpos as Float64Array;
    this.qvel = d.qvel as Float64Array;
    this.ctrl = d.ctrl as Float64Array;
    this.seenGeneration = heapGeneration;
  }

  private alive(): MjData {
    if (!this.data) throw new OrlError('ENV', `${this.id}: environment is closed`);
    return this.data;
  }

  reset(options: { seed?: number } = {}): ResetResult {
    if (options.seed !== undefined) this.rng = new Rng(options.seed);
    const d = this.alive();
    this.mj.mj_resetData(this.model, d);
    this.views();
    this.spec.resetState(this.rng, this.qpos0, this.qpos, this.qvel);
    this.mj.mj_forward(this.model, d);
    this.elapsed = 0;
    this.done = false;
    this.needsReset = false;
    return { observation: this.observation(), info: {} };
  }

  step(action: ArrayLike<number>): StepResult {
    if (this.needsReset) {
      throw new OrlError(
        'EPISODE_DONE',
        `${this.id}: ${this.done && this.elapsed > 0 ? 'the episode has ended' : 'reset() was not called'}; call reset() before step()`,
      );
    }
    const { spec } = this;
    if (!action || action.length !== spec.actDim) {
      throw new OrlError('SHAPE_MISMATCH', `${this.id}: action must have ${spec.actDim} values, got ${action?.length}`, {
        expected: spec.actDim,
        actual: action?.length,
      });
    }
    let ctrlCost = 0;
    for (let i = 0; i < spec.actDim; i++) {
      const a = action[i]!;
      if (!Number.isFinite(a)) throw new OrlError('NON_FINITE', `${this.id}: action[${i}] is ${a}`, { index: i });
      ctrlCost += a * a;
    }
    ctrlCost *= spec.ctrlCostWeight;
    this.views();
    const d = this.alive();
    const xBefore = this.qpos[0]!;
    // MuJoCo clamps ctrl to ctrlrange (ctrllimited); the control cost uses the action as given, like Gymnasium.
    for (let i = 0; i < spec.actDim; i++) this.ctrl[i] = action[i]!;
    for (let k = 0; k < spec.frameSkip; k++) this.mj.mj_step(this.model, d);
    const xAfter = this.qpos[0]!;
    const xVelocity = (xAfter - xBefore) / this.dt;
    const healthy = spec.isHealthy(this.qpos, this.qvel);
    const reward = xVelocity + spec.healthyReward - ctrlCost;
    const terminated = spec.terminates && !healthy;
    this.elapsed++;
    const truncated = !terminated && this.elapsed >= this.maxEpisodeSteps;
    this.done = terminated || truncated;
    this.needsReset = this.done;
    return {
      observation: this.observation(),
      reward,
      terminated,
      truncated,
      info: { x_position: xAfter, x_velocity: xVelocity, reward_forward: xVelocity, reward_ctrl: -ctrlCost, reward_survive: spec.healthyReward },
    };
  }

  observation(out: Float32Array = new Float32Array(this.spec.obsDim)): Float32Array {
    this.views();
    this.spec.observe(this.qpos, this.qvel, out);
    return out;
  }

  /** The simulator state (copies). */
  getState(): { qpos: Float64Array; qvel: Float64Array } {
    this.views();
    return { qpos: Float64Array.from(this.qpos), qvel: Float64Array.from(this.qvel) };
  }

  /**
   * Sets the simulator state (as Gymnasium's set_state) and continues the episode from it — e.g. to replay a dataset
   * transition and get the true next state. The episode step counter is kept unless `episodeSteps` is given.
   */
  setState(qpos: ArrayLike<number>, qvel: ArrayLike<number>, episodeSteps?: number): Float32Array {
    this.views();
    if (qpos.length !== this.qpos.length || qvel.length !== this.qvel.length) {
      throw new OrlError('SHAPE_MISMATCH', `${this.id}: state needs qpos[${this.qpos.length}] and qvel[${this.qvel.length}]`);
    }
    const d = this.alive();
    for (let i = 0; i < qpos.length; i++) this.qpos[i] = qpos[i]!;
    for (let i = 0; i < qvel.length; i++) this.qvel[i] = qvel[i]!;
    this.mj.mj_forward(this.model, d);
    if (episodeSteps !== undefined) this.elapsed = episodeSteps;
    this.done = false;
    this.needsReset = false;
    return this.observation();
  }

  /** Positions of every geom (x, y, z per geom) and their types/sizes, for rendering. */
  geoms(): { xpos: Float64Array; xmat: Float64Array; type: Int32Array; size: Float64Array } {
    const d = this.alive();
    return {
      xpos: Float64Array.from(d.geom_xpos as Float64Array),
      xmat: Float64Array.from(d.geom_xmat as Float64Array),
      type: Int32Array.from(this.model.geom_type as Int32Array),
      size: Float64Array.from(this.model.geom_size as Float64Array),
    };
  }

  /** Frees the MuJoCo data (and the model when no env uses it). Safe to call twice. */
  close(): void {
    if (!this.data) return;
    this.data.delete();
    this.data = null;
    releaseModel(this.spec.task);
  }
}

/** Creates an environment: `await makeEnv('hopper')`, `await makeEnv('HalfCheetah-v4', { seed: 1 })`. */
export async function makeEnv(name: string, options: EnvOptions = {}): Promise<MujocoEnv> {
  const task = resolveTask(name);
  const mj = await loadMujoco();
  return new MujocoEnv(mj, task, options);
}
