import { OrlError } from '@orl/core';
import type { Engine } from './engine.js';
import { MLP, type ParamVector } from './mlp.js';

/**
 * A small reverse-mode tape at layer granularity, so an algorithm's update reads like its PyTorch reference:
 *
 *   const q = tape.mlp(critic, tape.concat(s, a));
 *   const loss = tape.mse(q, y);
 *   opt.zeroGrad(); tape.backward(loss); opt.step();
 *
 * Nodes are whole layers' worth of work: an MLP application is one node (its GEMMs stay fused in the kernels), the
 * rest are cheap row-wise ops written here in JS with hand-derived backwards (each gradient-checked against finite
 * differences in test/tape.test.ts). Tensors are row-major float32 blocks in the engine heap; `Scalar`s (losses) are
 * JS doubles. Buffers come from an arena that `reset()` rewinds, so a steady-state update allocates nothing.
 *
 * What a tensor requires: gradients flow into a tensor when it comes from a trainable network or parameter vector
 * (directly or through ops). `constant`s, outputs of `{ frozen: true }` networks fed constants, and `map` results
 * carry none — the `torch.no_grad()` / `.detach()` of this tape. Networks and vectors record their version at the
 * forward pass; backpropagating after an optimizer step changed them throws (PyTorch's "modified by an inplace
 * operation" error) instead of returning wrong gradients.
 */
export class Tensor {
  /** @internal */
  gradOffset = -1;
  /** @internal */
  gradPass = -1;

  /** @internal */
  constructor(
    readonly tape: Tape,
    readonly rows: number,
    readonly cols: number,
    /** Engine offset of the values (rows × cols, row-major). */
    readonly offset: number,
    readonly requiresGrad: boolean,
    /** @internal */
    readonly generation: number,
  ) {}

  get size(): number {
    return this.rows * this.cols;
  }

  /** A copy of the values. */
  values(): Float32Array {
    this.tape.check(this);
    return this.tape.engine.read(this.offset, this.size);
  }

  /** Element i (row-major). */
  at(i: number): number {
    this.tape.check(this);
    return this.tape.engine.heap()[this.offset + i]!;
  }

  /** A copy of the gradient of the last backward pass (zeros where none reached this tensor). */
  grad(): Float32Array {
    this.tape.check(this);
    if (this.gradPass !== this.tape.passes) return new Float32Array(this.size);
    return this.tape.engine.read(this.gradOffset, this.size);
  }
}

/** A scalar (a loss or a metric), held as a JS double. */
export class Scalar {
  /** @internal */
  gradValue = 0;
  /** @internal */
  gradPass = -1;
  /** @internal */
  constructor(
    readonly tape: Tape,
    readonly value: number,
    readonly requiresGrad: boolean,
    /** @internal */
    readonly generation: number,
  ) {}
}

interface Node {
  outputs: (Tensor | Scalar)[];
  backward(): void;
}

/** Options of `Tape.mlp`. */
export interface MlpApplyOptions {
  /** No parameter gradients for this application (a target network, or a critic inside the actor's loss). */
  frozen?: boolean;
}

export class Tape {
  /** Backward passes run so far: a tensor's gradient belongs to the pass that wrote it. @internal */
  passes = 0;
  private generation = 0;
  private nodes: Node[] = [];
  private readonly arena: { off: number; n: number }[] = [];
  private cursor = 0;

  constructor(readonly engine: Engine) {}

  /** Forgets every recorded node and tensor (they become unusable) and rewinds the arena for the next update. */
  reset(): this {
    this.generation++;
    this.nodes = [];
    this.cursor = 0;
    return this;
  }

  /** Returns the arena's memory to the engine. */
  dispose(): void {
    for (const b of this.arena) this.engine.free(b.off);
    this.arena.length = 0;
    this.reset();
  }

  /** @internal */
  check(t: Tensor | Scalar): void {
    if (t.tape !== this) throw new OrlError('INVALID_ARGUMENT', 'tape: a tensor from another tape');
    if (t.generation !== this.generation) throw new OrlError('INVALID_ARGUMENT', 'tape: a tensor from before reset() (its memory has been reused)');
  }

  private alloc(n: number): number {
    const slot = this.arena[this.cursor];
    if (slot && slot.n >= n) {
      this.cursor++;
      return slot.off;
    }
    if (slot) this.engine.free(slot.off);
    const off = this.engine.alloc(n);
    this.arena[this.cursor++] = { off, n };
    return off;
  }

  private tensor(rows: number, cols: number, requiresGrad: boolean, offset = this.alloc(rows * cols)): Tensor {
    const t = new Tensor(this, rows, cols, offset, requiresGrad, this.generation);
    if (requiresGrad) t.gradOffset = this.alloc(rows * cols);
    return t;
  }

  private record(outputs: (Tensor | Scalar)[], backward: () => void): void {
    if (outputs.some((o) => o.requiresGrad)) this.nodes.push({ outputs, backward });
  }

  /** The gradient buffer of `t` for this pass, zeroed on first use. */
  private gradOf(t: Tensor): number {
    if (t.gradPass !== this.passes) {
      this.engine.heap().fill(0, t.gradOffset, t.gradOffset + t.size);
      t.gradPass = this.passes;
    }
    return t.gradOffset;
  }

  private has(t: Tensor | Scalar): boolean {
    return t.requiresGrad && t.gradPass === this.passes;
  }

  private same(a: Tensor, b: Tensor, op: string): void {
    this.check(a);
    this.check(b);
    if (a.rows !== b.rows || a.cols !== b.cols) throw new OrlError('SHAPE_MISMATCH', `tape.${op}: [${a.rows}×${a.cols}] vs [${b.rows}×${b.cols}]`);
  }

  // ── Leaves ─────────────────────────────────────────────────────────────────────────────────────────────────────

  /** A tensor holding a copy of `data` (rows × cols); no gradient. */
  constant(data: ArrayLike<number>, rows: number, cols: number): Tensor {
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows <= 0 || cols <= 0 || data.length < rows * cols) {
      throw new OrlError('SHAPE_MISMATCH', `tape.constant: ${data.length} values for [${rows}×${cols}]`);
    }
    const t = this.tensor(rows, cols, false);
    this.engine.write(t.offset, data, 0, rows * cols);
    return t;
  }

  /** A trainable vector as a tensor ([1 × size] unless shaped); backward adds into its gradients. */
  param(vector: ParamVector, rows = 1, cols = vector.size / rows): Tensor {
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows * cols !== vector.size) {
      throw new OrlError('SHAPE_MISMATCH', `tape.param: a vector of ${vector.size} as [${rows}×${cols}]`);
    }
    if (vector.engine !== this.engine) throw new OrlError('INVALID_ARGUMENT', 'tape.param: the vector lives in another engine');
    const t = this.tensor(rows, cols, true, vector.params);
    const version = vector.version;
    this.record([t], () => {
      if (vector.version !== version) throw stale('parameter vector');
      const h = this.engine.heap();
      for (let j = 0; j < vector.size; j++) h[vector.grads + j]! += h[t.gradOffset + j]!;
    });
    return t;
  }

  // ── Networks ───────────────────────────────────────────────────────────────────────────────────────────────────

  /** `net(x)`: one node; parameter gradients accumulate into the network's gradient block unless `frozen`. */
  mlp(net: MLP, x: Tensor, options: MlpApplyOptions = {}): Tensor {
    this.check(x);
    if (net.engine !== this.engine) throw new OrlError('INVALID_ARGUMENT', 'tape.mlp: the network lives in another engine');
    if (x.cols !== net.inDim) throw new OrlError('SHAPE_MISMATCH', `tape.mlp: input has ${x.cols} columns, the network takes ${net.inDim}`);
    const B = x.rows;
    const outputs: number[] = [];
    for (let l = 1; l < net.sizes.length; l++) outputs.push(this.alloc(B * net.sizes[l]!));
    net.forwardInto(B, x.offset, outputs);
    const paramGrads = !options.frozen;
    const y = this.tensor(B, net.outDim, paramGrads || x.requiresGrad, outputs[outputs.length - 1]);
    const version = net.version;
    this.record([y], () => {
      if (net.version !== version) throw stale('network');
      const inputGrad = x.requiresGrad;
      const dIn = net.backwardFrom(B, x.offset, outputs, y.gradOffset, paramGrads, inputGrad);
      if (inputGrad) this.accumulate(x, dIn);
    });
    return y;
  }

  /**
   * An ensemble — networks of one shape (twin critics, dynamics members) — applied to one shared input or to one input
   * each, as one node with one batched kernel call per layer: `const [q1, q2] = t.mlps([critic1, critic2], sa)`.
   * The same values and gradients, bit for bit, as one `mlp` per member.
   */
  mlps<const Nets extends readonly MLP[]>(nets: Nets, x: Tensor | readonly Tensor[], options: MlpApplyOptions = {}): { -readonly [K in keyof Nets]: Tensor } {
    const xs = x instanceof Tensor ? nets.map(() => x) : [...x];
    if (nets.length === 0 || xs.length !== nets.length) throw new OrlError('SHAPE_MISMATCH', `tape.mlps: ${nets.length} networks, ${xs.length} inputs`);
    const B = xs[0]!.rows;
    nets.forEach((net, i) => {
      const xi = xs[i]!;
      this.check(xi);
      if (net.engine !== this.engine) throw new OrlError('INVALID_ARGUMENT', 'tape.mlps: a network lives in another engine');
      if (xi.cols !== net.inDim || xi.rows !== B)
        throw new OrlError('SHAPE_MISMATCH', `tape.mlps: input ${i} is [${xi.rows}×${xi.cols}], the networks take [${B}×${net.inDim}]`);
    });
    const outputs = nets.map((net) => net.sizes.slice(1).map((width) => this.alloc(B * width)));
    MLP.forwardEnsembleInto(
      nets,
      B,
      xs.map((xi) => xi.offset),
      outputs,
    );
    const paramGrads = !options.frozen;
    const requiresGrad = paramGrads || xs.some((xi) => xi.requiresGrad); // all or none: the backward reads every dOut
    const ys = nets.map((net, i) => this.tensor(B, net.outDim, requiresGrad, outputs[i]!.at(-1)));
    const versions = nets.map((net) => net.version);
    this.record(ys, () => {
      if (nets.some((net, i) => net.version !== versions[i])) throw stale('network');
      const inputGrad = xs.some((xi) => xi.requiresGrad);
      const dIns = MLP.backwardEnsembleFrom(
        nets,
        B,
        xs.map((xi) => xi.offset),
        outputs,
        ys.map((y) => y.gradOffset),
        paramGrads,
        inputGrad,
      );
      // Last member first: the order separate `mlp` nodes (backpropagated last-recorded first) would add them in.
      for (let i = nets.length - 1; i >= 0; i--) if (xs[i]!.requiresGrad) this.accumulate(xs[i]!, dIns[i]!);
    });
    return ys as { -readonly [K in keyof Nets]: Tensor };
  }

  private accumulate(t: Tensor, from: number): void {
    const g = this.gradOf(t);
    const h = this.engine.heap();
    for (let i = 0; i < t.size; i++) h[g + i]! += h[from + i]!;
  }

  // ── Shape ──────────────────────────────────────────────────────────────────────────────────────────────────────

  /** Columns of `a` then columns of `b`, row by row (`torch.cat([a, b], dim=1)`). */
  concat(a: Tensor, b: Tensor): Tensor {
    this.check(a);
    this.check(b);
    if (a.rows !== b.rows) throw new OrlError('SHAPE_MISMATCH', `tape.concat: ${a.rows} vs ${b.rows} rows`);
    const B = a.rows,
      w = a.cols + b.cols;
    const out = this.tensor(B, w, a.requiresGrad || b.requiresGrad);
    const h = this.engine.heap();
    for (let r = 0; r < B; r++) {
      h.copyWithin(out.offset + r * w, a.offset + r * a.cols, a.offset + (r + 1) * a.cols);
      h.copyWithin(out.offset + r * w + a.cols, b.offset + r * b.cols, b.offset + (r + 1) * b.cols);
    }
    this.record([out], () => {
      for (const [t, c0] of [
        [a, 0],
        [b, a.cols],
      ] as const) {
        if (!t.requiresGrad) continue;
        const g = this.gradOf(t);
        const hh = this.engine.heap();
        for (let r = 0; r < B; r++) for (let j = 0; j < t.cols; j++) hh[g + r * t.cols + j]! += hh[out.gradOffset + r * w + c0 + j]!;
      }
    });
    return out;
  }

  /** Columns [from, to) of `x` (`x[:, from:to]`). */
  slice(x: Tensor, from: number, to: number): Tensor {
    this.check(x);
    if (!(Number.isInteger(from) && Number.isInteger(to) && from >= 0 && to <= x.cols && from < to)) {
      throw new OrlError('SHAPE_MISMATCH', `tape.slice: columns [${from}, ${to}) of ${x.cols}`);
    }
    const B = x.rows,
      w = to - from;
    const out = this.tensor(B, w, x.requiresGrad);
    const h = this.engine.heap();
    for (let r = 0; r < B; r++) h.copyWithin(out.offset + r * w, x.offset + r * x.cols + from, x.offset + r * x.cols + to);
    this.record([out], () => {
      const g = this.gradOf(x);
      const hh = this.engine.heap();
      for (let r = 0; r < B; r++) for (let j = 0; j < w; j++) hh[g + r * x.cols + from + j]! += hh[out.gradOffset + r * w + j]!;
    });
    return out;
  }

  /** Rows [from, to) of `x` (`x[from:to]`). */
  rows(x: Tensor, from: number, to: number): Tensor {
    this.check(x);
    if (!(Number.isInteger(from) && Number.isInteger(to) && from >= 0 && to <= x.rows && from < to)) {
      throw new OrlError('SHAPE_MISMATCH', `tape.rows: rows [${from}, ${to}) of ${x.rows}`);
    }
    const n = (to - from) * x.cols;
    const out = this.tensor(to - from, x.cols, x.requiresGrad);
    const h = this.engine.heap();
    h.copyWithin(out.offset, x.offset + from * x.cols, x.offset + to * x.cols);
    this.record([out], () => {
      const g = this.gradOf(x) + from * x.cols;
      const hh = this.engine.heap();
      for (let i = 0; i < n; i++) hh[g + i]! += hh[out.gradOffset + i]!;
    });
    return out;
  }

  /** Rows of `a` then rows of `b` (`torch.cat([a, b], dim=0)`). */
  stack(a: Tensor, b: Tensor): Tensor {
    this.check(a);
    this.check(b);
    if (a.cols !== b.cols) throw new OrlError('SHAPE_MISMATCH', `tape.stack: ${a.cols} vs ${b.cols} columns`);
    const out = this.tensor(a.rows + b.rows, a.cols, a.requiresGrad || b.requiresGrad);
    const h = this.engine.heap();
    h.copyWithin(out.offset, a.offset, a.offset + a.size);
    h.copyWithin(out.offset + a.size, b.offset, b.offset + b.size);
    this.record([out], () => {
      for (const [t, start] of [
        [a, 0],
        [b, a.size],
      ] as const) {
        if (!t.requiresGrad) continue;
        const g = this.gradOf(t);
        const hh = this.engine.heap();
        for (let i = 0; i < t.size; i++) hh[g + i]! += hh[out.gradOffset + start + i]!;
      }
    });
    return out;
  }

  /** Each row repeated n times in place — rows (r, 0), (r, 1), … (`x.repeat_interleave(n, dim=0)`). */
  repeatRows(x: Tensor, n: number): Tensor {
    this.check(x);
    if (!Number.isInteger(n) || n < 1) throw new OrlError('INVALID_ARGUMENT', `tape.repeatRows: n = ${n}`);
    const { rows, cols } = x;
    const out = this.tensor(rows * n, cols, x.requiresGrad);
    const h = this.engine.heap();
    for (let r = 0; r < rows; r++) for (let k = 0; k < n; k++) h.copyWithin(out.offset + (r * n + k) * cols, x.offset + r * cols, x.offset + (r + 1) * cols);
    this.record([out], () => {
      const g = this.gradOf(x);
      const hh = this.engine.heap();
      for (let r = 0; r < rows; r++)
        for (let k = 0; k < n; k++) for (let j = 0; j < cols; j++) hh[g + r * cols + j]! += hh[out.gradOffset + (r * n + k) * cols + j]!;
    });
    return out;
  }

  /** The same values read as rows × cols (row-major order kept; `x.reshape(rows, cols)`). */
  reshape(x: Tensor, rows: number, cols: number): Tensor {
    this.check(x);
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows * cols !== x.size) {
      throw new OrlError('SHAPE_MISMATCH', `tape.reshape: [${x.rows}×${x.cols}] to [${rows}×${cols}]`);
    }
    const out = this.tensor(rows, cols, x.requiresGrad, x.offset);
    this.record([out], () => this.accumulate(x, out.gradOffset));
    return out;
  }

  // ── Element-wise ───────────────────────────────────────────────────────────────────────────────────────────────

  /** a + b (`b` the same shape, or one row broadcast over a's rows). */
  add(a: Tensor, b: Tensor): Tensor;
  /** a + b (scalars: a sum of losses). */
  add(a: Scalar, b: Scalar): Scalar;
  add(a: Tensor | Scalar, b: Tensor | Scalar): Tensor | Scalar {
    if (a instanceof Scalar && b instanceof Scalar) {
      this.check(a);
      this.check(b);
      const out = new Scalar(this, a.value + b.value, a.requiresGrad || b.requiresGrad, this.generation);
      this.record([out], () => {
        this.scalarGrad(a, out.gradValue);
        this.scalarGrad(b, out.gradValue);
      });
      return out;
    }
    return this.binary(
      a as Tensor,
      b as Tensor,
      'add',
      (x, y) => x + y,
      (g) => g,
      (g) => g,
    );
  }

  /** a − b (`b` the same shape, or broadcast as in `add`). */
  sub(a: Tensor, b: Tensor): Tensor {
    return this.binary(
      a,
      b,
      'sub',
      (x, y) => x - y,
      (g) => g,
      (g) => -g,
    );
  }

  /** a ⊙ b (`b` the same shape, or broadcast as in `add`). */
  mul(a: Tensor, b: Tensor): Tensor {
    return this.binary(
      a,
      b,
      'mul',
      (x, y) => x * y,
      (g, _x, y) => g * y,
      (g, x) => g * x,
    );
  }

  /** Element-wise minimum; the gradient goes to the smaller (to `a` on ties, as torch.min). */
  min(a: Tensor, b: Tensor): Tensor {
    this.same(a, b, 'min');
    return this.binary(
      a,
      b,
      'min',
      (x, y) => Math.min(x, y),
      (g, x, y) => (x <= y ? g : 0),
      (g, x, y) => (x <= y ? 0 : g),
    );
  }

  private binary(
    a: Tensor,
    b: Tensor,
    op: string,
    f: (x: number, y: number) => number,
    da: (g: number, x: number, y: number) => number,
    db: (g: number, x: number, y: number) => number,
  ): Tensor {
    this.check(a);
    this.check(b);
    // `b` may broadcast over a's rows: [1 × cols] (one value per column) or [1 × 1] (one value), as in PyTorch.
    const bCols = b.rows === a.rows && b.cols === a.cols ? 0 : b.rows === 1 && b.cols === a.cols ? a.cols : b.rows === 1 && b.cols === 1 ? 1 : -1;
    if (bCols < 0) throw new OrlError('SHAPE_MISMATCH', `tape.${op}: [${a.rows}×${a.cols}] with [${b.rows}×${b.cols}]`);
    const bi = bCols === 0 ? (i: number) => i : bCols === 1 ? () => 0 : (i: number) => i % bCols;
    const n = a.size;
    const out = this.tensor(a.rows, a.cols, a.requiresGrad || b.requiresGrad);
    const h = this.engine.heap();
    for (let i = 0; i < n; i++) h[out.offset + i] = f(h[a.offset + i]!, h[b.offset + bi(i)]!);
    this.record([out], () => {
      const ga = a.requiresGrad ? this.gradOf(a) : -1;
      const gb = b.requiresGrad ? this.gradOf(b) : -1;
      const hh = this.engine.heap();
      for (let i = 0; i < n; i++) {
        const j = bi(i);
        const g = hh[out.gradOffset + i]!,
          x = hh[a.offset + i]!,
          y = hh[b.offset + j]!;
        if (ga >= 0) hh[ga + i]! += da(g, x, y);
        if (gb >= 0) hh[gb + j]! += db(g, x, y);
      }
    });
    return out;
  }

  /** x + c for a constant c. */
  addConst(x: Tensor, c: number): Tensor {
    return this.unary(
      x,
      (v) => v + c,
      (g) => g,
    );
  }

  /** k·x. */
  scale(x: Tensor, k: number): Tensor;
  scale(x: Scalar, k: number): Scalar;
  scale(x: Tensor | Scalar, k: number): Tensor | Scalar {
    this.check(x);
    if (x instanceof Scalar) {
      const out = new Scalar(this, k * x.value, x.requiresGrad, this.generation);
      this.record([out], () => this.scalarGrad(x, out.gradValue * k));
      return out;
    }
    return this.unary(
      x,
      (v) => k * v,
      (g) => g * k,
    );
  }

  /** clamp(x, lo, hi); the gradient passes where lo ≤ x ≤ hi (as torch.clamp). */
  clamp(x: Tensor, lo: number, hi: number): Tensor {
    return this.unary(
      x,
      (v) => Math.min(hi, Math.max(lo, v)),
      (g, v) => (v < lo || v > hi ? 0 : g),
    );
  }

  /**
   * lo + (hi − lo)·(tanh(x) + 1)/2: a smooth bound (SAC's log-std head). The derivative is kept in float32, as a
   * tensor would hold it.
   */
  tanhBound(x: Tensor, lo: number, hi: number): Tensor {
    const half = 0.5 * (hi - lo);
    return this.unary(
      x,
      (v) => lo + half * (Math.tanh(v) + 1),
      (g, v) => {
        const th = Math.tanh(v);
        return g * Math.fround(half * (1 - th * th));
      },
    );
  }

  /** max(x, 0); no gradient at 0 (as torch.relu). */
  relu(x: Tensor): Tensor {
    return this.unary(
      x,
      (v) => Math.max(v, 0),
      (g, v) => (v > 0 ? g : 0),
    );
  }

  /**
   * Each row normalised to zero mean and unit variance, (x − μ)/√(σ² + eps) with the biased variance, then optionally
   * scaled by a [1 × cols] `gain` and shifted by a [1 × cols] `bias` (torch's `nn.LayerNorm` over the last dimension;
   * the affine part is fused here — as separate `mul`/`add` ops it cost ten times the layer's GEMM). Statistics in
   * float64.
   */
  layerNorm(x: Tensor, eps = 1e-5, affine?: { gain: Tensor; bias: Tensor }): Tensor {
    this.check(x);
    const { rows, cols } = x;
    if (affine) {
      for (const [name, t] of Object.entries(affine)) {
        this.check(t);
        if (t.rows !== 1 || t.cols !== cols) throw new OrlError('SHAPE_MISMATCH', `tape.layerNorm: ${name} is [${t.rows}×${t.cols}], not [1×${cols}]`);
      }
    }
    const gain = affine?.gain,
      bias = affine?.bias;
    const out = this.tensor(rows, cols, x.requiresGrad || !!gain?.requiresGrad || !!bias?.requiresGrad);
    // x̂ is the output itself without the affine part; with it, x̂ is kept for the backward. rstd: float64 per row.
    const xhat = affine ? this.alloc(rows * cols) : out.offset;
    const rstd = this.alloc(2 * rows);
    const k = this.engine.kernels;
    k.layerNorm(x.offset, xhat, out.offset, gain?.offset ?? -1, bias?.offset ?? -1, rstd, rows, cols, eps);
    this.record([out], () => {
      const gx = x.requiresGrad ? this.gradOf(x) : -1;
      const gg = gain?.requiresGrad ? this.gradOf(gain) : -1;
      const gb = bias?.requiresGrad ? this.gradOf(bias) : -1;
      k.layerNormBackward(out.gradOffset, xhat, gain?.offset ?? -1, rstd, rows, cols, gx, gg, gb);
    });
    return out;
  }

  /** exp(x). */
  exp(x: Tensor): Tensor {
    return this.unary(x, Math.exp, (g, _v, y) => g * y);
  }

  private unary(x: Tensor, f: (v: number) => number, d: (g: number, v: number, y: number) => number): Tensor {
    this.check(x);
    const n = x.size;
    const out = this.tensor(x.rows, x.cols, x.requiresGrad);
    const h = this.engine.heap();
    for (let i = 0; i < n; i++) h[out.offset + i] = f(h[x.offset + i]!);
    this.record([out], () => {
      const gx = this.gradOf(x);
      const hh = this.engine.heap();
      for (let i = 0; i < n; i++) hh[gx + i]! += d(hh[out.gradOffset + i]!, hh[x.offset + i]!, hh[out.offset + i]!);
    });
    return out;
  }

  /**
   * A new tensor computed element by element from `inputs` (same shapes) by a plain function — outside the graph (no
   * gradient), like a computation under torch.no_grad(): TD targets, advantage weights, smoothing noise.
   */
  map(inputs: Tensor | readonly Tensor[], f: (...args: number[]) => number): Tensor {
    const xs = Array.isArray(inputs) ? (inputs as readonly Tensor[]) : [inputs as Tensor];
    if (xs.length === 0) throw new OrlError('INVALID_ARGUMENT', 'tape.map: no inputs');
    for (const x of xs) this.same(xs[0]!, x, 'map');
    const x0 = xs[0]!;
    const out = this.tensor(x0.rows, x0.cols, false);
    const h = this.engine.heap();
    const [a, b] = [xs[0]!.offset, xs[1]?.offset ?? 0];
    if (xs.length === 1) for (let i = 0; i < x0.size; i++) h[out.offset + i] = f(h[a + i]!, i);
    else if (xs.length === 2) for (let i = 0; i < x0.size; i++) h[out.offset + i] = f(h[a + i]!, h[b + i]!, i);
    else {
      const args = new Array<number>(xs.length + 1);
      for (let i = 0; i < x0.size; i++) {
        for (let k = 0; k < xs.length; k++) args[k] = h[xs[k]!.offset + i]!;
        args[xs.length] = i;
        h[out.offset + i] = f(...args);
      }
    }
    return out;
  }

  /** The same values without gradient (`x.detach()`). */
  detach(x: Tensor): Tensor {
    this.check(x);
    return new Tensor(this, x.rows, x.cols, x.offset, false, this.generation);
  }

  // ── Reductions and losses (to scalars, accumulated in doubles) ────────────────────────────────────────────────

  /** mean(x) over all elements, accumulated as Σ xᵢ/n. */
  mean(x: Tensor): Scalar {
    this.check(x);
    const n = x.size;
    const h = this.engine.heap();
    let s = 0;
    for (let i = 0; i < n; i++) s += h[x.offset + i]! / n;
    const out = new Scalar(this, s, x.requiresGrad, this.generation);
    this.record([out], () => {
      const g = this.gradOf(x);
      const d = out.gradValue / n;
      const hh = this.engine.heap();
      for (let i = 0; i < n; i++) hh[g + i]! += d;
    });
    return out;
  }

  /** mean((pred − target)²) (`F.mse_loss`). */
  mse(pred: Tensor, target: Tensor): Scalar {
    this.same(pred, target, 'mse');
    const n = pred.size;
    const h = this.engine.heap();
    let s = 0;
    for (let i = 0; i < n; i++) {
      const d = h[pred.offset + i]! - h[target.offset + i]!;
      s += d * d;
    }
    const out = new Scalar(this, s / n, pred.requiresGrad || target.requiresGrad, this.generation);
    this.record([out], () => {
      const gp = pred.requiresGrad ? this.gradOf(pred) : -1;
      const gt = target.requiresGrad ? this.gradOf(target) : -1;
      const g = out.gradValue;
      const hh = this.engine.heap();
      for (let i = 0; i < n; i++) {
        const d = (2 * (hh[pred.offset + i]! - hh[target.offset + i]!)) / n;
        if (gp >= 0) hh[gp + i]! += g * d;
        if (gt >= 0) hh[gt + i]! -= g * d;
      }
    });
    return out;
  }

  /**
   * A scalar loss of `x` computed by plain array code that also writes d(loss)/dx — the bridge for losses kept as JS
   * functions (a bounded-variance Gaussian NLL, a GAN's BCE, a REINFORCE estimate). `fn(values, grad)` receives a copy
   * of x's values and a zeroed gradient array of the same length, and returns the loss.
   */
  lossOf(x: Tensor, fn: (values: Float32Array, grad: Float32Array) => number): Scalar {
    this.check(x);
    const grad = new Float32Array(x.size);
    const out = new Scalar(this, fn(x.values(), grad), x.requiresGrad, this.generation);
    this.record([out], () => {
      const gx = this.gradOf(x);
      const g = out.gradValue;
      const hh = this.engine.heap();
      for (let i = 0; i < x.size; i++) hh[gx + i]! += g * grad[i]!;
    });
    return out;
  }

  /** IQL's expectile loss of u: mean(|τ − 1(u < 0)| · u²). */
  expectile(u: Tensor, tau: number): Scalar {
    this.check(u);
    const n = u.size;
    const h = this.engine.heap();
    let s = 0;
    for (let i = 0; i < n; i++) {
      const x = h[u.offset + i]!;
      s += (x < 0 ? 1 - tau : tau) * x * x;
    }
    const out = new Scalar(this, s / n, u.requiresGrad, this.generation);
    this.record([out], () => {
      const gu = this.gradOf(u);
      const g = out.gradValue;
      const hh = this.engine.heap();
      for (let i = 0; i < n; i++) {
        const x = hh[u.offset + i]!;
        hh[gu + i]! += g * ((2 * (x < 0 ? 1 - tau : tau) * x) / n);
      }
    });
    return out;
  }

  /** log Σⱼ exp(xᵢⱼ) per row, as a [rows × 1] tensor (stable: shifted by the row maximum). */
  logsumexp(x: Tensor): Tensor {
    this.check(x);
    const { rows, cols } = x;
    const out = this.tensor(rows, 1, x.requiresGrad);
    const h = this.engine.heap();
    for (let r = 0; r < rows; r++) {
      const o = x.offset + r * cols;
      let m = -Infinity;
      for (let j = 0; j < cols; j++) m = Math.max(m, h[o + j]!);
      let s = 0;
      for (let j = 0; j < cols; j++) s += Math.exp(h[o + j]! - m);
      h[out.offset + r] = m + Math.log(s);
    }
    this.record([out], () => {
      const gx = this.gradOf(x);
      const hh = this.engine.heap();
      for (let r = 0; r < rows; r++) {
        const g = hh[out.gradOffset + r]!,
          lse = hh[out.offset + r]!;
        for (let j = 0; j < cols; j++) hh[gx + r * cols + j]! += g * Math.exp(hh[x.offset + r * cols + j]! - lse);
      }
    });
    return out;
  }

  // ── Distributions ──────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Per-row log-density of a diagonal Gaussian, Σⱼ log N(xⱼ; μⱼ, exp(ℓⱼ)), as [rows × 1]. `logStd` is [1 × dim]
   * (one learned vector shared by all rows, CORL's IQL/AWAC) or [rows × dim].
   */
  gaussianLogProb(x: Tensor, mean: Tensor, logStd: Tensor): Tensor {
    this.same(x, mean, 'gaussianLogProb');
    this.check(logStd);
    const { rows, cols: dim } = mean;
    const shared = logStd.rows === 1;
    if (logStd.cols !== dim || !(shared || logStd.rows === rows)) {
      throw new OrlError('SHAPE_MISMATCH', `tape.gaussianLogProb: logStd [${logStd.rows}×${logStd.cols}] for mean [${rows}×${dim}]`);
    }
    const out = this.tensor(rows, 1, x.requiresGrad || mean.requiresGrad || logStd.requiresGrad);
    const h = this.engine.heap();
    for (let r = 0; r < rows; r++) {
      let lp = 0;
      for (let j = 0; j < dim; j++) {
        const i = r * dim + j;
        const ls = h[logStd.offset + (shared ? j : i)]!;
        const inv = Math.exp(-ls);
        const z = (h[x.offset + i]! - h[mean.offset + i]!) * inv;
        lp += -0.5 * z * z - ls - HALF_LOG_2PI;
      }
      h[out.offset + r] = lp;
    }
    this.record([out], () => {
      const gx = x.requiresGrad ? this.gradOf(x) : -1;
      const gm = mean.requiresGrad ? this.gradOf(mean) : -1;
      const gs = logStd.requiresGrad ? this.gradOf(logStd) : -1;
      const hh = this.engine.heap();
      for (let r = 0; r < rows; r++) {
        const g = hh[out.gradOffset + r]!;
        for (let j = 0; j < dim; j++) {
          const i = r * dim + j;
          const si = shared ? j : i;
          const inv = Math.exp(-hh[logStd.offset + si]!);
          const z = (hh[x.offset + i]! - hh[mean.offset + i]!) * inv;
          if (gm >= 0) hh[gm + i]! += g * z * inv;
          if (gx >= 0) hh[gx + i]! -= g * z * inv;
          if (gs >= 0) hh[gs + si]! += g * (z * z - 1);
        }
      }
    });
    return out;
  }

  /**
   * SAC's reparameterised tanh-Gaussian: u = μ + exp(ℓ)·ε, a = tanh(u) (scaled by nothing: actions in (−1, 1)),
   * log π(a) = Σⱼ [log N(u; μ, exp(ℓ)) − log(1 − a² + 1e-6)] per row. `noise` ε is a constant of the same shape as μ.
   */
  tanhGaussian(mean: Tensor, logStd: Tensor, noise: Tensor): { action: Tensor; logProb: Tensor } {
    this.same(mean, logStd, 'tanhGaussian');
    this.same(mean, noise, 'tanhGaussian');
    const { rows, cols: dim } = mean;
    const req = mean.requiresGrad || logStd.requiresGrad;
    const action = this.tensor(rows, dim, req);
    const logProb = this.tensor(rows, 1, req);
    const h = this.engine.heap();
    for (let r = 0; r < rows; r++) {
      let lp = 0;
      for (let j = 0; j < dim; j++) {
        const i = r * dim + j;
        const e = h[noise.offset + i]!;
        const ls = h[logStd.offset + i]!;
        const a = Math.tanh(h[mean.offset + i]! + Math.exp(ls) * e);
        h[action.offset + i] = a;
        lp += -0.5 * e * e - ls - HALF_LOG_2PI - Math.log(1 - a * a + 1e-6);
      }
      h[logProb.offset + r] = lp;
    }
    // backward() zero-fills whichever of action / logProb got no gradient, so both are read unconditionally.
    this.record([action, logProb], () => {
      const gm = mean.requiresGrad ? this.gradOf(mean) : -1;
      const gs = logStd.requiresGrad ? this.gradOf(logStd) : -1;
      const hh = this.engine.heap();
      for (let r = 0; r < rows; r++) {
        const gl = hh[logProb.gradOffset + r]!;
        for (let j = 0; j < dim; j++) {
          const i = r * dim + j;
          const a = hh[action.offset + i]!;
          const oneMinus = 1 - a * a;
          const du = hh[action.gradOffset + i]! * oneMinus + (gl * 2 * a * oneMinus) / (oneMinus + 1e-6);
          if (gm >= 0) hh[gm + i]! += du;
          if (gs >= 0) hh[gs + i]! += du * Math.exp(hh[logStd.offset + i]!) * hh[noise.offset + i]! - gl;
        }
      }
    });
    return { action, logProb };
  }

  // ── Backward ───────────────────────────────────────────────────────────────────────────────────────────────────

  private scalarGrad(s: Scalar, g: number): void {
    if (!s.requiresGrad) return;
    if (s.gradPass !== this.passes) {
      s.gradValue = 0;
      s.gradPass = this.passes;
    }
    s.gradValue += g;
  }

  /**
   * Backpropagates d(loss)/d(loss) = 1 through every node recorded since `reset()` that the loss depends on,
   * accumulating into the gradient blocks of the trainable networks and vectors used (zero them first, with the
   * optimizer's `zeroGrad`, as in PyTorch).
   */
  backward(loss: Scalar): void {
    this.check(loss);
    if (!loss.requiresGrad) throw new OrlError('INVALID_ARGUMENT', 'tape.backward: the loss does not depend on anything trainable');
    this.passes++;
    loss.gradPass = this.passes;
    loss.gradValue = 1;
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const node = this.nodes[i]!;
      if (node.outputs.some((o) => this.has(o))) {
        // Outputs that got no gradient but are read by the node's backward count as zero.
        for (const o of node.outputs) if (o instanceof Tensor && o.requiresGrad && !this.has(o)) this.gradOf(o);
        node.backward();
      }
    }
  }
}

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

function stale(what: string): OrlError {
  return new OrlError(
    'INVALID_ARGUMENT',
    `tape.backward: a ${what} changed (optimizer step, soft update or load) after its forward pass on this tape — its saved activations no longer match; run the forward again`,
  );
}
