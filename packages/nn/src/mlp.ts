import { OrlError, Rng } from '@orl/core';
import { Act, ACTIVATIONS, type Activation } from './kernels/contract.js';
import type { Engine } from './engine.js';

export interface MLPConfig {
  /** Layer widths including input and output, e.g. [17, 256, 256, 6]. */
  sizes: readonly number[];
  /** Activation of hidden layers (default relu). */
  hidden?: Activation;
  /** Activation of the output layer (default linear). */
  output?: Activation;
  /** Per-layer activations; overrides hidden/output. */
  activations?: readonly Activation[];
  /** Seed or generator for initialization (PyTorch's nn.Linear default: U(±1/√fan_in) for weights and biases). */
  seed?: number | Rng;
}

interface Layer {
  inDim: number;
  outDim: number;
  act: number;
  w: number; // [in×out] row-major (the TensorFlow.js Dense kernel layout)
  b: number; // [out]
  gw: number;
  gb: number;
  y: number; // activations [maxBatch×out]
  dz: number; // gradient w.r.t. this layer's output / pre-activation [maxBatch×out]
}

/** A parameter block: `n` contiguous parameters at `params` with gradients at `grads` (what optimizers act on). */
export interface ParamBlock {
  readonly engine: Engine;
  readonly params: number;
  readonly grads: number;
  readonly size: number;
  /** Incremented on every parameter change (what a tape checks before backpropagating through old activations). */
  version: number;
}

/**
 * A stack of dense layers with all parameters in one contiguous block (weights and bias of layer 0, then layer 1…),
 * gradients in a second block of the same layout. `forward` keeps each layer's output for `backward`.
 */
export class MLP implements ParamBlock {
  readonly engine: Engine;
  readonly sizes: readonly number[];
  readonly activations: readonly Activation[];
  readonly params: number;
  readonly grads: number;
  readonly size: number;
  private readonly layers: Layer[];
  private maxBatch = 0;
  private inputBuf = 0;
  private dInputBuf = 0;
  private lastInput = 0;
  private lastBatch = 0;
  private ownOutputs: number[] = [];
  /** Bumped whenever the parameters change (optimizer step, soft update, load): a tape refuses stale activations. */
  version = 0;

  constructor(engine: Engine, config: MLPConfig) {
    const sizes = config.sizes;
    if (sizes.length < 2 || sizes.some((s) => !Number.isInteger(s) || s <= 0)) {
      throw new OrlError('INVALID_CONFIG', `MLP sizes must be ≥ 2 positive integers, got [${sizes.join(', ')}]`);
    }
    const nl = sizes.length - 1;
    const acts = config.activations ?? Array.from({ length: nl }, (_, i) => (i === nl - 1 ? (config.output ?? 'linear') : (config.hidden ?? 'relu')));
    if (acts.length !== nl) throw new OrlError('INVALID_CONFIG', `MLP needs ${nl} activations, got ${acts.length}`);
    for (const a of acts) if (!ACTIVATIONS.includes(a)) throw new OrlError('INVALID_CONFIG', `unknown activation '${a}' (use ${ACTIVATIONS.join(', ')})`);
    this.engine = engine;
    this.sizes = [...sizes];
    this.activations = [...acts];
    let total = 0;
    for (let l = 0; l < nl; l++) total += sizes[l]! * sizes[l + 1]! + sizes[l + 1]!;
    this.size = total;
    this.params = engine.alloc(total);
    this.grads = engine.alloc(total);
    this.layers = [];
    let off = 0;
    for (let l = 0; l < nl; l++) {
      const inDim = sizes[l]!,
        outDim = sizes[l + 1]!;
      this.layers.push({
        inDim,
        outDim,
        act: Act[acts[l]!],
        w: this.params + off,
        b: this.params + off + inDim * outDim,
        gw: this.grads + off,
        gb: this.grads + off + inDim * outDim,
        y: 0,
        dz: 0,
      });
      off += inDim * outDim + outDim;
    }
    this.initialize(config.seed ?? 0);
  }

  get inDim(): number {
    return this.sizes[0]!;
  }

  get outDim(): number {
    return this.sizes[this.sizes.length - 1]!;
  }

  /** PyTorch nn.Linear default init: weight and bias ~ U(−1/√fan_in, 1/√fan_in). */
  initialize(seed: number | Rng): void {
    const rng = typeof seed === 'number' ? new Rng(seed) : seed;
    const h = this.engine.heap();
    for (const L of this.layers) {
      const bound = 1 / Math.sqrt(L.inDim);
      // Draw in PyTorch's [out][in] order so a seed fixes the same function regardless of storage layout.
      for (let o = 0; o < L.outDim; o++) for (let i = 0; i < L.inDim; i++) h[L.w + i * L.outDim + o] = rng.uniform(-bound, bound);
      for (let o = 0; o < L.outDim; o++) h[L.b + o] = rng.uniform(-bound, bound);
    }
  }

  /**
   * Re-initialises layer `l` as torch.nn.init does, with a zero bias: 'orthogonal' (`orthogonal_(W, gain)`: QR of a
   * Gaussian matrix, signs fixed by R's diagonal) or 'xavierUniform' (`xavier_uniform_(W, gain)`). CORL's CQL uses
   * orthogonal √2 for hidden layers and 1e-2 for the last. Draws in PyTorch's [out][in] order.
   */
  initLayer(l: number, kind: 'orthogonal' | 'xavierUniform', gain: number, seed: number | Rng): void {
    const L = this.layers[l];
    if (!L) throw new OrlError('INVALID_ARGUMENT', `no layer ${l}`);
    const rng = typeof seed === 'number' ? new Rng(seed) : seed;
    const rows = L.outDim,
      cols = L.inDim;
    const w = new Float64Array(rows * cols); // [out][in]
    if (kind === 'xavierUniform') {
      const bound = gain * Math.sqrt(6 / (rows + cols));
      for (let i = 0; i < w.length; i++) w[i] = rng.uniform(-bound, bound);
    } else {
      for (let i = 0; i < w.length; i++) w[i] = rng.normal();
      // Orthonormalise the columns of the tall orientation (n × k, k ≤ n) by modified Gram–Schmidt: Q of a QR with a
      // positive diagonal R, i.e. torch's q · sign(diag r).
      const tall = rows >= cols;
      const n = tall ? rows : cols,
        k = tall ? cols : rows;
      const at = (i: number, j: number) => (tall ? i * cols + j : j * cols + i); // element (i, j) of the n × k matrix
      for (let j = 0; j < k; j++) {
        for (let p = 0; p < j; p++) {
          let dot = 0;
          for (let i = 0; i < n; i++) dot += w[at(i, p)]! * w[at(i, j)]!;
          for (let i = 0; i < n; i++) w[at(i, j)]! -= dot * w[at(i, p)]!;
        }
        let norm = 0;
        for (let i = 0; i < n; i++) norm += w[at(i, j)]! ** 2;
        norm = Math.sqrt(norm);
        for (let i = 0; i < n; i++) w[at(i, j)]! /= norm;
      }
      for (let i = 0; i < w.length; i++) w[i]! *= gain;
    }
    const h = this.engine.heap();
    for (let o = 0; o < rows; o++) for (let i = 0; i < cols; i++) h[L.w + i * L.outDim + o] = w[o * cols + i]!;
    h.fill(0, L.b, L.b + L.outDim);
    this.version++;
  }

  /**
   * Forward of an ensemble — networks of one shape on one engine (twin critics, dynamics members) — with one batched
   * kernel call per layer (`gemmBatch`): `inputs[i]` is member i's input, `outputs[i]` its per-layer buffers as in
   * `forwardInto`. The same bits as one `forwardInto` per member. Returns the members' output offsets.
   */
  static forwardEnsembleInto(nets: readonly MLP[], batch: number, inputs: readonly number[], outputs: readonly (readonly number[])[]): number[] {
    const first = MLP.checkEnsemble(nets);
    const k = first.engine.kernels;
    let xs = [...inputs];
    for (let l = 0; l < first.layers.length; l++) {
      const L = first.layers[l]!;
      const ys = outputs.map((o) => o[l]!);
      k.gemmBatch(
        false,
        false,
        batch,
        L.outDim,
        L.inDim,
        xs,
        nets.map((n) => n.layers[l]!.w),
        ys,
        0,
      );
      for (let i = 0; i < nets.length; i++) k.biasAct(ys[i]!, nets[i]!.layers[l]!.b, batch, L.outDim, L.act);
      xs = ys;
    }
    return xs;
  }

  /**
   * Backward of a `forwardEnsembleInto` whose buffers are unchanged, one batched kernel call per product and layer:
   * the same bits as one `backwardFrom` per member. Returns each member's input-gradient offset (when `inputGrad`).
   */
  static backwardEnsembleFrom(
    nets: readonly MLP[],
    batch: number,
    inputs: readonly number[],
    outputs: readonly (readonly number[])[],
    dOuts: readonly number[],
    paramGrads: boolean,
    inputGrad: boolean,
  ): number[] {
    const first = MLP.checkEnsemble(nets);
    for (const n of nets) n.reserve(batch);
    const k = first.engine.kernels;
    let dys = [...dOuts];
    for (let l = first.layers.length - 1; l >= 0; l--) {
      const L = first.layers[l]!;
      const layer = nets.map((n) => n.layers[l]!);
      const xs = l === 0 ? inputs : outputs.map((o) => o[l - 1]!);
      for (let i = 0; i < nets.length; i++) k.actGrad(layer[i]!.dz, dys[i]!, outputs[i]![l]!, batch * L.outDim, L.act);
      const dzs = layer.map((x) => x.dz);
      if (paramGrads) {
        const gws = layer.map((x) => x.gw);
        k.gemmBatch(true, false, L.inDim, L.outDim, batch, xs, dzs, gws, 1);
        for (let i = 0; i < nets.length; i++) k.colSumAcc(dzs[i]!, batch, L.outDim, layer[i]!.gb);
      }
      // dX = dZ·Wᵀ: into the previous layer's dz, or the input gradient.
      if (l > 0 || inputGrad) {
        const into = l > 0 ? nets.map((n) => n.layers[l - 1]!.dz) : nets.map((n) => n.dInputBuf);
        const ws = layer.map((x) => x.w);
        k.gemmBatch(false, true, batch, L.inDim, L.outDim, dzs, ws, into, 0);
        dys = into;
      }
    }
    return nets.map((n) => n.dInputBuf);
  }

  /**
   * Inference of an ensemble on one shared input `x` [batch×inDim]: each member's output, computed with one batched
   * kernel call per layer in the members' own buffers (the same bits as `predict` per member).
   */
  static predictEnsemble(nets: readonly MLP[], x: Float32Array, batch = x.length / (nets[0]?.inDim ?? 1)): Float32Array[] {
    const first = MLP.checkEnsemble(nets);
    if (!Number.isInteger(batch) || x.length !== batch * first.inDim) {
      throw new OrlError('SHAPE_MISMATCH', `MLP.predictEnsemble: ${x.length} values is not a whole number of rows of ${first.inDim}`);
    }
    for (const n of nets) n.reserve(batch);
    first.engine.write(first.inputBuf, x);
    const outs = MLP.forwardEnsembleInto(
      nets,
      batch,
      nets.map(() => first.inputBuf),
      nets.map((n) => n.ownOutputs),
    );
    return outs.map((o) => first.engine.read(o, batch * first.outDim));
  }

  private static checkEnsemble(nets: readonly MLP[]): MLP {
    const first = nets[0];
    if (!first) throw new OrlError('INVALID_ARGUMENT', 'an ensemble needs at least one network');
    for (const n of nets) {
      if (n.engine !== first.engine) throw new OrlError('INVALID_ARGUMENT', 'ensemble members live in different engines');
      if (
        n.layers.length !== first.layers.length ||
        n.layers.some((L, l) => L.inDim !== first.layers[l]!.inDim || L.outDim !== first.layers[l]!.outDim || L.act !== first.layers[l]!.act)
      ) {
        throw new OrlError('SHAPE_MISMATCH', `ensemble members differ in shape: [${first.sizes.join(', ')}] vs [${n.sizes.join(', ')}]`);
      }
    }
    return first;
  }

  /** Makes the activation buffers hold `batch` rows (allocates only when the batch grows). */
  reserve(batch: number): void {
    if (batch <= this.maxBatch) return;
    const e = this.engine;
    if (this.maxBatch > 0) {
      e.free(this.inputBuf);
      e.free(this.dInputBuf);
      for (const L of this.layers) {
        e.free(L.y);
        e.free(L.dz);
      }
    }
    this.maxBatch = batch;
    this.inputBuf = e.alloc(batch * this.inDim);
    this.dInputBuf = e.alloc(batch * this.inDim);
    for (const L of this.layers) {
      L.y = e.alloc(batch * L.outDim);
      L.dz = e.alloc(batch * L.outDim);
    }
    this.ownOutputs = this.layers.map((L) => L.y);
  }

  /** Offset of the engine-owned input buffer for `batch` rows: write inputs there, then call `forward(batch)`. */
  inputOffset(batch: number): number {
    this.reserve(batch);
    return this.inputBuf;
  }

  /**
   * Runs the network on `batch` rows at `input` (default: the engine-owned input buffer) and returns the offset of the
   * output [batch×outDim]. The input must stay unchanged until `backward`.
   */
  forward(batch: number, input?: number): number {
    this.reserve(batch);
    const x = input ?? this.inputBuf;
    this.lastInput = x;
    this.lastBatch = batch;
    return this.forwardInto(batch, x, this.ownOutputs);
  }

  /**
   * Forward pass keeping each layer's output in `outputs` (one engine buffer of batch × width per layer) instead of the
   * network's own buffers, so one network can be applied several times before backpropagating through each use (the
   * tape does this). Returns the offset of the output (= the last of `outputs`).
   */
  forwardInto(batch: number, input: number, outputs: readonly number[]): number {
    const k = this.engine.kernels;
    let x = input;
    for (let l = 0; l < this.layers.length; l++) {
      const L = this.layers[l]!;
      const y = outputs[l]!;
      k.gemm(false, false, batch, L.outDim, L.inDim, x, L.w, y, 0);
      k.biasAct(y, L.b, batch, L.outDim, L.act);
      x = y;
    }
    return x;
  }

  /** Convenience: copies `x` (batch rows) in, runs forward, returns a copy of the output. Not for hot loops. */
  predict(x: Float32Array, batch = x.length / this.inDim): Float32Array {
    if (!Number.isInteger(batch) || x.length !== batch * this.inDim) {
      throw new OrlError('SHAPE_MISMATCH', `MLP.predict: ${x.length} values is not a whole number of rows of ${this.inDim}`);
    }
    this.engine.write(this.inputOffset(batch), x);
    const out = this.forward(batch);
    return this.engine.read(out, batch * this.outDim);
  }

  /**
   * Backpropagates `dOut` [batch×outDim] (offset) through the last forward pass. Accumulates parameter gradients into
   * `grads` unless `paramGrads` is false; returns the offset of the input gradient [batch×inDim] (when `inputGrad`).
   */
  backward(dOut: number, options: { paramGrads?: boolean; inputGrad?: boolean } = {}): number {
    const batch = this.lastBatch;
    if (batch === 0) throw new OrlError('INVALID_ARGUMENT', 'MLP.backward before forward');
    return this.backwardFrom(batch, this.lastInput, this.ownOutputs, dOut, options.paramGrads ?? true, options.inputGrad ?? true);
  }

  /**
   * Backward of a `forwardInto(batch, input, outputs)` whose buffers are unchanged. Returns the offset of the input
   * gradient (the network's own buffer, overwritten by the next backward) when `inputGrad`.
   */
  backwardFrom(batch: number, input: number, outputs: readonly number[], dOut: number, paramGrads: boolean, inputGrad: boolean): number {
    this.reserve(batch);
    const k = this.engine.kernels;
    let dy = dOut;
    for (let l = this.layers.length - 1; l >= 0; l--) {
      const L = this.layers[l]!;
      const x = l === 0 ? input : outputs[l - 1]!;
      k.actGrad(L.dz, dy, outputs[l]!, batch * L.outDim, L.act);
      if (paramGrads) {
        k.gemm(true, false, L.inDim, L.outDim, batch, x, L.dz, L.gw, 1);
        k.colSumAcc(L.dz, batch, L.outDim, L.gb);
      }
      if (l > 0) {
        const prev = this.layers[l - 1]!;
        k.gemm(false, true, batch, L.inDim, L.outDim, L.dz, L.w, prev.dz, 0);
        dy = prev.dz;
      } else if (inputGrad) {
        k.gemm(false, true, batch, L.inDim, L.outDim, L.dz, L.w, this.dInputBuf, 0);
      }
    }
    return this.dInputBuf;
  }

  zeroGrad(): void {
    this.engine.heap().fill(0, this.grads, this.grads + this.size);
  }

  getParams(): Float32Array {
    return this.engine.read(this.params, this.size);
  }

  setParams(values: Float32Array): void {
    if (values.length !== this.size) throw new OrlError('SHAPE_MISMATCH', `MLP.setParams: expected ${this.size} values, got ${values.length}`);
    this.engine.write(this.params, values);
    this.version++;
  }

  getGrads(): Float32Array {
    return this.engine.read(this.grads, this.size);
  }

  /** Copies parameters from a network of the same shape (same or another engine). */
  copyFrom(other: MLP): void {
    if (other.sizes.join() !== this.sizes.join()) throw new OrlError('SHAPE_MISMATCH', `copyFrom: [${other.sizes}] vs [${this.sizes}]`);
    this.setParams(other.getParams());
  }

  /** A new network with the same shape and parameters (e.g. a target network). */
  clone(engine: Engine = this.engine): MLP {
    const c = new MLP(engine, { sizes: this.sizes, activations: this.activations });
    c.copyFrom(this);
    return c;
  }

  /**
   * A network computing this one's first `outputs` outputs with `activation` applied — e.g. tanh of a Gaussian actor's
   * mean half, the deterministic policy to evaluate or export. Hidden layers are copied, the last layer cut to its
   * first `outputs` columns; pass `into` (a previous head) to refresh it in place.
   */
  outputHead(outputs: number, activation: Activation, into?: MLP): MLP {
    if (!Number.isInteger(outputs) || outputs < 1 || outputs > this.outDim)
      throw new OrlError('INVALID_ARGUMENT', `outputHead: ${outputs} of ${this.outDim} outputs`);
    const sizes = [...this.sizes.slice(0, -1), outputs];
    const head = into ?? new MLP(this.engine, { sizes, activations: [...this.activations.slice(0, -1), activation] });
    if (head.sizes.join() !== sizes.join()) throw new OrlError('SHAPE_MISMATCH', `outputHead: [${head.sizes}] is not [${sizes}]`);
    const src = this.getParams(),
      dst = new Float32Array(head.size);
    let off = 0;
    for (let l = 0; l < this.sizes.length - 2; l++) off += this.sizes[l]! * this.sizes[l + 1]! + this.sizes[l + 1]!;
    dst.set(src.subarray(0, off));
    const inDim = this.sizes.at(-2)!,
      full = this.outDim;
    // Last layer: weights [in × full] row-major → [in × outputs], bias [full] → [outputs].
    for (let i = 0; i < inDim; i++) for (let o = 0; o < outputs; o++) dst[off + i * outputs + o] = src[off + i * full + o]!;
    for (let o = 0; o < outputs; o++) dst[off + inDim * outputs + o] = src[off + inDim * full + o]!;
    head.setParams(dst);
    return head;
  }

  /** Weights of layer l as [in×out] and its bias (copies). */
  layer(l: number): { weight: Float32Array; bias: Float32Array; inDim: number; outDim: number; activation: Activation } {
    const L = this.layers[l];
    if (!L) throw new OrlError('INVALID_ARGUMENT', `no layer ${l}`);
    return {
      weight: this.engine.read(L.w, L.inDim * L.outDim),
      bias: this.engine.read(L.b, L.outDim),
      inDim: L.inDim,
      outDim: L.outDim,
      activation: this.activations[l]!,
    };
  }

  get numLayers(): number {
    return this.layers.length;
  }

  /** Frees the network's memory; the object must not be used afterwards. */
  dispose(): void {
    const e = this.engine;
    e.free(this.params);
    e.free(this.grads);
    if (this.maxBatch > 0) {
      e.free(this.inputBuf);
      e.free(this.dInputBuf);
      for (const L of this.layers) {
        e.free(L.y);
        e.free(L.dz);
      }
    }
    this.maxBatch = 0;
  }
}

/** A free-standing parameter vector (e.g. IQL's state-independent log std) usable with Adam. */
export class ParamVector implements ParamBlock {
  readonly params: number;
  readonly grads: number;
  version = 0;
  constructor(
    readonly engine: Engine,
    readonly size: number,
    init = 0,
  ) {
    this.params = engine.alloc(size);
    this.grads = engine.alloc(size);
    engine.heap().fill(init, this.params, this.params + size);
  }
  get(): Float32Array {
    return this.engine.read(this.params, this.size);
  }
  set(v: ArrayLike<number>): void {
    this.engine.write(this.params, v);
    this.version++;
  }
  zeroGrad(): void {
    this.engine.heap().fill(0, this.grads, this.grads + this.size);
  }
  /** Frees its memory; it must not be used afterwards. */
  dispose(): void {
    this.engine.free(this.params);
    this.engine.free(this.grads);
  }
}
