import { OrlError } from '@orl/core';
import type { ParamBlock } from './mlp.js';

export interface AdamConfig {
  /** Learning rate (default 3e-4, the CORL default). */
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Weight decay (default 0). L2 added to the gradient as torch.optim.Adam, or decoupled (AdamW) if `decoupled`. */
  weightDecay?: number;
  decoupled?: boolean;
  /** Clip the gradient's global L2 norm to this value before the step (default: no clipping). */
  maxGradNorm?: number;
}

/** Adam over one parameter block; moments live in the engine heap next to the parameters. */
export class Adam {
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly decoupled: boolean;
  readonly maxGradNorm: number | undefined;
  t = 0;
  private readonly m: number;
  private readonly v: number;

  constructor(
    readonly block: ParamBlock,
    config: AdamConfig = {},
  ) {
    this.lr = config.lr ?? 3e-4;
    this.beta1 = config.beta1 ?? 0.9;
    this.beta2 = config.beta2 ?? 0.999;
    this.eps = config.eps ?? 1e-8;
    this.weightDecay = config.weightDecay ?? 0;
    this.decoupled = config.decoupled ?? false;
    this.maxGradNorm = config.maxGradNorm;
    if (!(this.lr > 0) || !(this.beta1 >= 0 && this.beta1 < 1) || !(this.beta2 >= 0 && this.beta2 < 1) || !(this.eps > 0) || !(this.weightDecay >= 0)) {
      throw new OrlError('INVALID_CONFIG', `invalid Adam config ${JSON.stringify(config)}`);
    }
    this.m = block.engine.alloc(block.size);
    this.v = block.engine.alloc(block.size);
  }

  /** Applies one update from the accumulated gradients (which the caller zeroes). Returns the gradient norm if clipping. */
  step(): number | undefined {
    const { engine, params, grads, size } = this.block;
    const k = engine.kernels;
    let norm: number | undefined;
    if (this.maxGradNorm !== undefined) {
      norm = Math.sqrt(k.sumSq(grads, size));
      if (norm > this.maxGradNorm) k.scale(grads, size, this.maxGradNorm / (norm + 1e-6));
    }
    this.t++;
    const bc1 = 1 - this.beta1 ** this.t;
    const bc2 = 1 - this.beta2 ** this.t;
    k.adam(params, grads, this.m, this.v, size, this.lr, this.beta1, this.beta2, this.eps, this.weightDecay, this.decoupled ? 1 : 0, bc1, bc2);
    this.block.version++;
    return norm;
  }

  /** Zeroes the block's gradients (PyTorch's `optimizer.zero_grad()`), before a backward pass accumulates new ones. */
  zeroGrad(): void {
    const { engine, grads, size } = this.block;
    engine.heap().fill(0, grads, grads + size);
  }

  stateDict(): { t: number; lr: number; m: Float32Array; v: Float32Array } {
    const e = this.block.engine;
    return { t: this.t, lr: this.lr, m: e.read(this.m, this.block.size), v: e.read(this.v, this.block.size) };
  }

  /** Frees the moments; the optimizer must not be used afterwards. */
  dispose(): void {
    this.block.engine.free(this.m);
    this.block.engine.free(this.v);
  }

  loadStateDict(s: { t: number; lr: number; m: Float32Array; v: Float32Array }): void {
    if (!s || !(s.m instanceof Float32Array) || !(s.v instanceof Float32Array) || typeof s.t !== 'number')
      throw new OrlError('CHECKPOINT', 'not an Adam state (t, lr, m, v)');
    if (s.m.length !== this.block.size || s.v.length !== this.block.size) throw new OrlError('SHAPE_MISMATCH', 'Adam state does not match the parameter block');
    this.t = s.t;
    this.lr = s.lr;
    this.block.engine.write(this.m, s.m);
    this.block.engine.write(this.v, s.v);
  }
}

/** target ← (1 − τ)·target + τ·source (soft target update). */
export function polyak(target: ParamBlock, source: ParamBlock, tau: number): void {
  if (target.size !== source.size) throw new OrlError('SHAPE_MISMATCH', `polyak: sizes ${target.size} vs ${source.size}`);
  if (target.engine !== source.engine) throw new OrlError('INVALID_ARGUMENT', 'polyak: both blocks must live in one engine');
  target.engine.kernels.polyak(target.params, source.params, target.size, tau);
  target.version++;
}

/** Cosine decay as torch's CosineAnnealingLR(T_max = total, eta_min = 0): lr_t = base · (1 + cos(π t / T)) / 2. */
export function cosineLr(base: number, step: number, total: number): number {
  return (base * (1 + Math.cos((Math.PI * Math.min(step, total)) / total))) / 2;
}
