/**
 * The kernel contract: every backend (native addon, WebAssembly SIMD, plain JS) implements exactly this.
 *
 * Memory model: a backend owns one float32 heap. Every matrix argument is an *offset in floats* into that heap
 * (not bytes, not a typed array), so a call passes only numbers — no per-call allocation, no marshalling.
 * Matrices are dense row-major and contiguous. Offsets handed out by the engine are 16-float (64-byte) aligned.
 */

/** Activation codes. MUST MATCH assembly/kernels.ts (ACT_*) and native/orl_nn.c (enum act). */
export const Act = { linear: 0, relu: 1, tanh: 2 } as const;
export type Activation = keyof typeof Act;
export const ACTIVATIONS = Object.keys(Act) as Activation[];

export type BackendName = 'native' | 'wasm' | 'js';

export interface Kernels {
  readonly name: BackendName;
  /** First float offset the engine may allocate from (memory below is the backend's own: scratch, static data). */
  readonly heapStart: number;
  /** Current heap view. Re-fetch after `grow` (the old buffer may be detached). */
  heap(): Float32Array;
  /** Makes the heap hold at least `floats` floats, preserving contents. */
  grow(floats: number): void;
  /** Number of threads the backend computes GEMMs with. */
  threads(): number;

  /**
   * C[m×n] = op(A)·op(B) + beta·C, beta ∈ {0, 1}.
   * A is stored [m×k] (or [k×m] when transA); B is stored [k×n] (or [n×k] when transB).
   */
  gemm(transA: boolean, transB: boolean, m: number, n: number, k: number, a: number, b: number, c: number, beta: number): void;
  /**
   * `a.length` independent products of one shape, C_i = op(A_i)·op(B_i) + beta·C_i (an ensemble's members, layer by
   * layer); the same bits as one `gemm` per product. The native backend gives whole products to its threads.
   */
  gemmBatch(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    a: readonly number[],
    b: readonly number[],
    c: readonly number[],
    beta: number,
  ): void;
  /** y[r×c] = act(y + bias) row-wise, in place. */
  biasAct(y: number, bias: number, rows: number, cols: number, act: number): void;
  /** dst[i] = dy[i] · act'(·) expressed through the activation's output y: relu → y > 0, tanh → 1 − y². dst may equal dy. */
  actGrad(dst: number, dy: number, y: number, n: number, act: number): void;
  /** out[c] += Σ_r x[r×c]. */
  colSumAcc(x: number, rows: number, cols: number, out: number): void;
  /**
   * Adam on n parameters with bias corrections bc1 = 1 − β1^t, bc2 = 1 − β2^t computed by the caller.
   * wd > 0: L2 added to the gradient (torch.optim.Adam) when decoupled = 0, AdamW-style decay when decoupled = 1.
   */
  adam(
    p: number,
    g: number,
    m: number,
    v: number,
    n: number,
    lr: number,
    b1: number,
    b2: number,
    eps: number,
    wd: number,
    decoupled: number,
    bc1: number,
    bc2: number,
  ): void;
  /** target = (1 − tau)·target + tau·source. */
  polyak(target: number, source: number, n: number, tau: number): void;
  /** Σ x². */
  sumSq(x: number, n: number): number;
  /** x *= s. */
  scale(x: number, n: number, s: number): void;
  /**
   * LayerNorm over each row of x[rows×cols]: μ and the biased σ² in float64 (sums in column order), r = 1/√(σ² + eps)
   * stored as float64 at `rstd` (2·rows floats), x̂ = (x − μ)·r to `xhat`; with gain ≥ 0, out = x̂·gain + bias
   * (bias ≥ 0) — without, pass out = xhat. Every backend gives the same bits (the order of every sum is fixed).
   */
  layerNorm(x: number, xhat: number, out: number, gain: number, bias: number, rstd: number, rows: number, cols: number, eps: number): void;
  /**
   * LayerNorm's backward from dy: gg += Σ_rows dy·x̂, gb += Σ_rows dy, gx += r·(ĝ − mean ĝ − x̂·mean(ĝ·x̂)) with
   * ĝ = dy·gain (dy without a gain, gain < 0). Any of gx, gg, gb < 0 is not computed.
   */
  layerNormBackward(dy: number, xhat: number, gain: number, rstd: number, rows: number, cols: number, gx: number, gg: number, gb: number): void;
}

/** `gemmBatch`'s arguments, for the backends that forward them. */
export type GemmBatchArgs = Parameters<Kernels['gemmBatch']>;
