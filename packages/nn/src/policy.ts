import { OrlError, StateNormalizer, decodeState, encodeState, type Policy, type StateDict } from '@orl/core';
import type { Engine } from './engine.js';
import { exportTfjs, importTfjs, mlpFromState, mlpState, type TfjsExport, type TfjsImport } from './io.js';
import type { MLP } from './mlp.js';

/**
 * A deterministic policy = state normalizer + actor MLP (+ output scaling). What TD3+BC and IQL evaluate and export.
 * `act` and `actBatch` run the actor on the engine (batched for vectorized evaluation).
 */
export class MlpPolicy implements Policy {
  readonly obsDim: number;
  readonly actDim: number;

  /** The task the policy was trained for (saved with it; `orl eval` refuses another task). */
  task: string | undefined;

  constructor(
    readonly actor: MLP,
    readonly normalizer: StateNormalizer,
    readonly maxAction = 1,
    task?: string,
  ) {
    this.task = task;
    this.obsDim = actor.inDim;
    this.actDim = actor.outDim;
    if (normalizer.dim !== this.obsDim) throw new OrlError('SHAPE_MISMATCH', `normalizer has ${normalizer.dim} dims, actor input ${this.obsDim}`);
  }

  act(observation: Float32Array, out: Float32Array = new Float32Array(this.actDim)): Float32Array {
    return this.actBatch(observation, 1, out);
  }

  actBatch(observations: Float32Array, n: number, out: Float32Array = new Float32Array(n * this.actDim)): Float32Array {
    if (observations.length !== n * this.obsDim)
      throw new OrlError('SHAPE_MISMATCH', `policy: expected ${n} × ${this.obsDim} observation values, got ${observations.length}`);
    const e = this.actor.engine;
    const input = this.actor.inputOffset(n);
    this.normalizer.normalize(observations, e.heap().subarray(input, input + n * this.obsDim));
    const y = this.actor.forward(n);
    const hh = e.heap();
    const m = this.maxAction;
    for (let i = 0; i < n * this.actDim; i++) {
      const a = hh[y + i]! * m;
      out[i] = a < -m ? -m : Math.min(a, m);
    }
    return out;
  }

  /** TensorFlow.js LayersModel with the normalizer folded into the first layer (takes raw observations). */
  exportTfjs(name = 'orl_policy'): TfjsExport {
    if (this.maxAction !== 1) throw new OrlError('UNSUPPORTED', 'TF.js export supports maxAction = 1 (the locomotion tasks)');
    return exportTfjs(this.actor, { normalizer: this.normalizer, name });
  }

  /**
   * A policy from a TensorFlow.js LayersModel of Dense layers (e.g. one `exportTfjs` wrote, with the normalizer folded
   * in, or a Keras actor converted by tensorflowjs): it takes raw observations; actions are scaled by `maxAction` and
   * clipped to ±maxAction as every policy's are.
   */
  static fromTfjs(engine: Engine, model: TfjsImport, options: { maxAction?: number; task?: string } = {}): MlpPolicy {
    const actor = importTfjs(engine, model);
    const identity = new StateNormalizer(new Float32Array(actor.inDim), new Float32Array(actor.inDim).fill(1), 0);
    return new MlpPolicy(actor, identity, options.maxAction ?? 1, options.task);
  }

  /** Raises a typed error unless this policy fits `task` with these spaces (a walker2d policy must not run on halfcheetah). */
  checkTask(task: string, obsDim: number, actDim: number): void {
    if (this.task !== undefined && this.task !== task)
      throw new OrlError('INVALID_ARGUMENT', `this policy was trained for ${this.task}, not ${task}`, { policyTask: this.task, task });
    if (obsDim !== this.obsDim || actDim !== this.actDim)
      throw new OrlError('SHAPE_MISMATCH', `policy maps ${this.obsDim} → ${this.actDim} values; ${task} has ${obsDim} observations and ${actDim} actions`);
  }

  stateDict(): StateDict {
    return {
      format: 'orl-policy/1',
      actor: mlpState(this.actor),
      normalizer: this.normalizer.toJSON(),
      maxAction: this.maxAction,
      spaces: { observation: this.obsDim, action: this.actDim },
      ...(this.task !== undefined ? { task: this.task } : {}),
    };
  }

  /** The project's own policy format (`orl-state/1` container). */
  encode(): Uint8Array {
    return encodeState(this.stateDict());
  }

  static fromState(engine: Engine, s: StateDict): MlpPolicy {
    if (s.format !== 'orl-policy/1') throw new OrlError('FORMAT', `not an orl-policy/1 state (format: ${String(s.format).slice(0, 40)})`);
    const maxAction = s.maxAction;
    if (typeof maxAction !== 'number' || !Number.isFinite(maxAction) || maxAction <= 0)
      throw new OrlError('FORMAT', `orl-policy/1: bad maxAction ${String(maxAction)}`);
    if (s.task !== undefined && (typeof s.task !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(s.task)))
      throw new OrlError('FORMAT', 'orl-policy/1: bad task name');
    const normalizer = StateNormalizer.fromJSON(s.normalizer as never);
    const actor = mlpFromState(engine, s.actor as StateDict);
    const spaces = s.spaces as { observation?: unknown; action?: unknown } | undefined;
    if (spaces !== undefined && (spaces?.observation !== actor.inDim || spaces?.action !== actor.outDim)) {
      actor.dispose();
      throw new OrlError(
        'SHAPE_MISMATCH',
        `orl-policy/1: declared spaces ${JSON.stringify(spaces).slice(0, 60)} do not match the network ${actor.inDim} → ${actor.outDim}`,
      );
    }
    if (normalizer.dim !== actor.inDim) {
      actor.dispose();
      throw new OrlError('SHAPE_MISMATCH', `orl-policy/1: normalizer has ${normalizer.dim} dims, the network ${actor.inDim} inputs`);
    }
    return new MlpPolicy(actor, normalizer, maxAction, s.task as string | undefined);
  }

  static decode(engine: Engine, bytes: Uint8Array): MlpPolicy {
    return MlpPolicy.fromState(engine, decodeState(bytes, 'policy'));
  }
}

/** Writes [a | b] rows (widths aDim, bDim) into engine memory at `dst`, e.g. a critic's (s, a) input. */
export function concatRows(engine: Engine, dst: number, a: Float32Array | number, aDim: number, b: Float32Array | number, bDim: number, rows: number): void {
  const h = engine.heap();
  const w = aDim + bDim;
  for (let r = 0; r < rows; r++) {
    const o = dst + r * w;
    if (typeof a === 'number') h.copyWithin(o, a + r * aDim, a + (r + 1) * aDim);
    else h.set(a.subarray(r * aDim, (r + 1) * aDim), o);
    if (typeof b === 'number') h.copyWithin(o + aDim, b + r * bDim, b + (r + 1) * bDim);
    else h.set(b.subarray(r * bDim, (r + 1) * bDim), o + aDim);
  }
}
