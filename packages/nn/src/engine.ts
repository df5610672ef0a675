import { OrlError } from '@orl/core';
import type { BackendName, Kernels } from './kernels/contract.js';
import { JsKernels } from './kernels/js.js';
import { loadWasmKernels } from './kernels/wasm.js';
import { loadNativeKernels } from './kernels/native.js';
import { loadWasmMtKernels, loadWasmMtKernelsInBrowser } from './kernels/wasm-mt.js';

export interface EngineInfo {
  backend: BackendName;
  kernels: string;
  supported: string[];
  threads: number;
}

const ALIGN = 16; // floats: 64-byte alignment for every allocation

/**
 * An engine = one kernel backend + an allocator over its heap. Networks, optimizers and algorithm buffers allocate
 * here once (at construction) and then only pass offsets to kernels.
 */
export class Engine {
  readonly kernels: Kernels;
  private top: number; // offset 0 is never handed out (a 0 offset is a bug, as a null pointer)
  private readonly freeList: { off: number; size: number }[] = [];
  private readonly sizes = new Map<number, number>();

  constructor(kernels: Kernels) {
    this.kernels = kernels;
    this.top = Math.max(ALIGN, Math.ceil(kernels.heapStart / ALIGN) * ALIGN);
  }

  get backend(): BackendName {
    return this.kernels.name;
  }

  /**
   * What runs the math: backend, kernel set (native: 'avx2' or 'generic' — chosen at run time from the CPU, lowered by
   * ORL_KERNELS or `setKernels`; WebAssembly: 'wasm-simd128'; JS: 'js'), the sets this machine supports, and threads.
   */
  info(): EngineInfo {
    const k = this.kernels as Kernels & { info?: () => { kernels: string; supported: string[] } };
    if (k.name === 'native' && k.info) {
      const i = k.info();
      return { backend: 'native', kernels: i.kernels, supported: i.supported, threads: k.threads() };
    }
    const set = k.name === 'wasm' ? 'wasm-simd128' : 'js';
    return { backend: k.name, kernels: set, supported: [set], threads: k.threads() };
  }

  /** Selects a kernel set the CPU runs (native backend; process-wide). Returns the active set. */
  setKernels(name: string): string {
    const k = this.kernels as Kernels & { setKernels?: (n: string) => string };
    if (k.setKernels) return k.setKernels(name);
    const current = this.info().kernels;
    if (name !== current) throw new OrlError('UNSUPPORTED', `the ${k.name} backend has one kernel set (${current})`);
    return current;
  }

  /** One line for logs: "native avx2 kernels (generic, avx2 supported), 2 threads". */
  describe(): string {
    const i = this.info();
    return `${i.backend} ${i.kernels} kernels (${i.supported.join(', ')} supported), ${i.threads} thread${i.threads === 1 ? '' : 's'}`;
  }

  /** Current heap view; cheap. Re-fetch after any allocation (the heap may have moved). */
  heap(): Float32Array {
    return this.kernels.heap();
  }

  /** Allocates `n` floats, zero-filled; returns the offset. */
  alloc(n: number): number {
    if (!Number.isInteger(n) || n < 0) throw new OrlError('INVALID_ARGUMENT', `alloc: bad size ${n}`);
    const size = Math.max(ALIGN, Math.ceil(n / ALIGN) * ALIGN);
    let off = -1;
    for (let i = 0; i < this.freeList.length; i++) {
      const blk = this.freeList[i]!;
      if (blk.size >= size) {
        off = blk.off;
        if (blk.size === size) this.freeList.splice(i, 1);
        else {
          blk.off += size;
          blk.size -= size;
        }
        break;
      }
    }
    if (off < 0) {
      off = this.top;
      this.top += size;
      this.kernels.grow(this.top);
    }
    this.sizes.set(off, size);
    this.heap().fill(0, off, off + size);
    return off;
  }

  free(off: number): void {
    const size = this.sizes.get(off);
    if (size === undefined) throw new OrlError('INVALID_ARGUMENT', `free: ${off} is not an allocation`);
    this.sizes.delete(off);
    this.freeList.push({ off, size });
    this.freeList.sort((a, b) => a.off - b.off);
    // Coalesce neighbours.
    for (let i = this.freeList.length - 2; i >= 0; i--) {
      const a = this.freeList[i]!,
        b = this.freeList[i + 1]!;
      if (a.off + a.size === b.off) {
        a.size += b.size;
        this.freeList.splice(i + 1, 1);
      }
    }
  }

  /** Floats currently allocated (for memory reports). */
  allocatedFloats(): number {
    let s = 0;
    for (const v of this.sizes.values()) s += v;
    return s;
  }

  write(off: number, src: ArrayLike<number>, srcOffset = 0, n = src.length - srcOffset): void {
    const h = this.heap();
    if (ArrayBuffer.isView(src) && src instanceof Float32Array) h.set(src.subarray(srcOffset, srcOffset + n), off);
    else for (let i = 0; i < n; i++) h[off + i] = src[srcOffset + i]!;
  }

  read(off: number, n: number, out: Float32Array = new Float32Array(n)): Float32Array {
    out.set(this.heap().subarray(off, off + n));
    return out;
  }

  /** A live view (invalid after the heap grows: use it immediately). */
  view(off: number, n: number): Float32Array {
    return this.heap().subarray(off, off + n);
  }
}

export type BackendChoice = BackendName | 'auto';

export interface EngineOptions {
  /** 'auto' (default): native if it loads, else wasm, else js. Env var ORL_BACKEND overrides 'auto'. */
  backend?: BackendChoice;
  /**
   * Threads. Native: default env ORL_NUM_THREADS, else all cores (at most 8). WASM: 2 runs half of every large GEMM
   * on a helper thread over shared memory (default 1): a Node worker, or in a browser (through `createEngineAsync`,
   * inside a Worker of a cross-origin-isolated page) a nested Worker.
   */
  threads?: number;
  /** Print the one-line fallback notice (default true). */
  notice?: boolean;
}

let noticeShown = false;
let nativeEngine: Engine | undefined;

function envBackend(): BackendChoice | undefined {
  const v = typeof process !== 'undefined' ? process.env?.ORL_BACKEND : undefined;
  if (!v) return undefined;
  if (v === 'native' || v === 'wasm' || v === 'js' || v === 'auto') return v;
  throw new OrlError('INVALID_ARGUMENT', `ORL_BACKEND must be native, wasm, js or auto; got '${v}'`);
}

/** Creates an engine (synchronous: Node compiles the small WASM module synchronously). */
export function createEngine(options: EngineOptions = {}): Engine {
  const requested = options.backend && options.backend !== 'auto' ? options.backend : (envBackend() ?? 'auto');
  const reasons: string[] = [];
  const tryNative = requested === 'auto' || requested === 'native';
  const tryWasm = requested === 'auto' || requested === 'wasm';
  if (tryNative) {
    const r = loadNativeKernels(options.threads);
    // One native engine per process: the addon holds a single heap, so engines must share its allocator.
    if (r.kernels) return (nativeEngine ??= new Engine(r.kernels));
    if (requested === 'native') throw new OrlError('BACKEND', `native backend unavailable: ${r.reason}`);
    reasons.push(`native: ${r.reason}`);
  }
  if (tryWasm && requested === 'wasm' && (options.threads ?? 1) >= 2) {
    const r = loadWasmMtKernels();
    if (r.kernels) return new Engine(r.kernels);
    reasons.push(`wasm threads: ${r.reason}`);
  }
  if (tryWasm) {
    const r = loadWasmKernels();
    if (r.kernels) {
      notice(options, reasons, 'wasm');
      return new Engine(r.kernels);
    }
    if (requested === 'wasm') throw new OrlError('BACKEND', `wasm backend unavailable: ${r.reason}`);
    reasons.push(`wasm: ${r.reason}`);
  }
  notice(options, reasons, 'js');
  return new Engine(new JsKernels());
}

/**
 * Creates an engine where a helper thread must start first: in a browser, `{ backend: 'wasm', threads: 2 }` (or
 * 'auto' with 2 threads) starts the two-thread WebAssembly engine inside a Worker of a cross-origin-isolated page and
 * resolves once its helper is ready. Anywhere else, and when threads are unavailable (the reason is printed once, as
 * with every fallback, unless `notice: false`), it resolves to what `createEngine` gives.
 */
export async function createEngineAsync(options: EngineOptions = {}): Promise<Engine> {
  const inNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
  const requested = options.backend && options.backend !== 'auto' ? options.backend : 'auto';
  if (inNode || (options.threads ?? 1) < 2 || (requested !== 'wasm' && requested !== 'auto')) return createEngine(options);
  const r = await loadWasmMtKernelsInBrowser();
  if (r.kernels) return new Engine(r.kernels);
  const fallback = createEngine({ ...options, threads: 1, notice: false });
  notice(options, [`wasm threads: ${r.reason}`], fallback.backend);
  return fallback;
}

function notice(options: EngineOptions, reasons: string[], using: BackendName): void {
  if (reasons.length === 0 || options.notice === false || noticeShown) return;
  noticeShown = true;
  console.warn(`@orl/nn: using the ${using} backend (${reasons.join('; ')})`);
}

let shared: Engine | undefined;
/** A process-wide default engine, created on first use. */
export function defaultEngine(): Engine {
  shared ??= createEngine();
  return shared;
}

/** Which backends load here (for benchmarks and the conformance suite). */
export function availableBackends(): BackendName[] {
  const out: BackendName[] = [];
  if (loadNativeKernels().kernels) out.push('native');
  if (loadWasmKernels().kernels) out.push('wasm');
  out.push('js');
  return out;
}
