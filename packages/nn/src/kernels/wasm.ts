import type { GemmBatchArgs, Kernels } from './contract.js';
import { gemmOneByOne, layerNormBackwardRows, layerNormRows } from './js.js';
import { WASM_KERNELS_BASE64 } from './wasm-binary.js';

/** Exports both WASM modules share (element-wise kernels; byte pointers). */
export interface WasmElementwiseExports {
  biasAct(y: number, bias: number, rows: number, cols: number, act: number): void;
  actGrad(dst: number, dy: number, y: number, n: number, act: number): void;
  colSumAcc(x: number, rows: number, cols: number, out: number): void;
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
  polyak(t: number, s: number, n: number, tau: number): void;
  sumSq(x: number, n: number): number;
  scale(x: number, n: number, s: number): void;
}

/** Element-wise kernels of both WASM backends: float offsets → byte pointers (`<< 2`). */
export abstract class WasmElementwise {
  constructor(protected readonly ew: WasmElementwiseExports) {}
  abstract heap(): Float32Array;
  // LayerNorm runs as JS over the module's memory (the same code and bits as the JS backend): only ReBRAC-style
  // critics use it, and its float64 statistics would gain little from 2-lane f64 SIMD.
  layerNorm(x: number, xhat: number, out: number, gain: number, bias: number, rstd: number, rows: number, cols: number, eps: number): void {
    layerNormRows(this.heap(), x, xhat, out, gain, bias, rstd, rows, cols, eps);
  }
  layerNormBackward(dy: number, xhat: number, gain: number, rstd: number, rows: number, cols: number, gx: number, gg: number, gb: number): void {
    layerNormBackwardRows(this.heap(), dy, xhat, gain, rstd, rows, cols, gx, gg, gb);
  }
  biasAct(y: number, bias: number, rows: number, cols: number, act: number): void {
    this.ew.biasAct(y << 2, bias << 2, rows, cols, act);
  }
  actGrad(dst: number, dy: number, y: number, n: number, act: number): void {
    this.ew.actGrad(dst << 2, dy << 2, y << 2, n, act);
  }
  colSumAcc(x: number, rows: number, cols: number, out: number): void {
    this.ew.colSumAcc(x << 2, rows, cols, out << 2);
  }
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
  ): void {
    this.ew.adam(p << 2, g << 2, m << 2, v << 2, n, lr, b1, b2, eps, wd, decoupled, bc1, bc2);
  }
  polyak(target: number, source: number, n: number, tau: number): void {
    this.ew.polyak(target << 2, source << 2, n, tau);
  }
  sumSq(x: number, n: number): number {
    return this.ew.sumSq(x << 2, n);
  }
  scale(x: number, n: number, s: number): void {
    this.ew.scale(x << 2, n, s);
  }
}

interface WasmExports extends WasmElementwiseExports {
  memory: WebAssembly.Memory;
  scratchFloats(): number;
  setScratch(base: number): void;
  gemm(ta: number, tb: number, m: number, n: number, k: number, a: number, b: number, c: number, beta: number): void;
  __heap_base?: WebAssembly.Global;
}

/**
 * WebAssembly SIMD kernels compiled from assembly/kernels.ts. Float offsets from the engine are turned into byte
 * pointers (`<< 2`); the module's static data and GEMM packing scratch live below `heapStart`.
 */
class WasmKernels extends WasmElementwise implements Kernels {
  readonly name = 'wasm' as const;
  readonly heapStart: number;
  private view: Float32Array;

  constructor(private readonly x: WasmExports) {
    super(x);
    const staticEnd = Number(x.__heap_base?.value ?? 65536) >>> 0;
    const scratch = Math.ceil(staticEnd / 64) * 64;
    x.setScratch(scratch);
    this.heapStart = (scratch >>> 2) + x.scratchFloats() + 16;
    this.view = new Float32Array(x.memory.buffer);
    this.grow(this.heapStart + (1 << 16));
  }

  heap(): Float32Array {
    // Growing the memory detaches the old buffer: refresh the cached view when that happened.
    if (this.view.buffer !== this.x.memory.buffer) this.view = new Float32Array(this.x.memory.buffer);
    return this.view;
  }

  grow(floats: number): void {
    const bytes = floats * 4;
    const have = this.x.memory.buffer.byteLength;
    if (bytes <= have) return;
    const pages = Math.ceil((Math.max(bytes, have * 1.5) - have) / 65536);
    this.x.memory.grow(pages);
    this.view = new Float32Array(this.x.memory.buffer);
  }

  threads(): number {
    return 1;
  }

  gemmBatch(...args: GemmBatchArgs): void {
    gemmOneByOne(this, ...args);
  }

  gemm(transA: boolean, transB: boolean, m: number, n: number, k: number, a: number, b: number, c: number, beta: number): void {
    this.x.gemm(transA ? 1 : 0, transB ? 1 : 0, m, n, k, a << 2, b << 2, c << 2, beta);
  }
}

let module: WebAssembly.Module | undefined;
let failure: string | undefined;

/** Base64 → bytes with Node's Buffer when present, else atob (browsers). */
export function decodeBase64(b64: string): Uint8Array {
  const B = (globalThis as { Buffer?: { from(s: string, enc: string): Uint8Array } }).Buffer;
  if (B) return new Uint8Array(B.from(b64, 'base64'));
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** A fresh WASM instance (own memory) per call: each engine gets its own heap. */
export function loadWasmKernels(): { kernels?: Kernels; reason?: string } {
  if (failure) return { reason: failure };
  try {
    module ??= new WebAssembly.Module(decodeBase64(WASM_KERNELS_BASE64) as BufferSource);
    const instance = new WebAssembly.Instance(module, {
      env: {
        abort: () => {
          throw new Error('wasm abort');
        },
      },
    });
    return { kernels: new WasmKernels(instance.exports as unknown as WasmExports) };
  } catch (e) {
    failure = `WebAssembly SIMD unavailable: ${(e as Error).message}`;
    return { reason: failure };
  }
}
