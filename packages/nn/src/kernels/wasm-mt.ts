import type { Kernels } from './contract.js';
import { WASM_KERNELS_MT_BASE64 } from './wasm-binary.js';
import { WasmElementwise, type WasmElementwiseExports } from './wasm.js';

interface MtExports extends WasmElementwiseExports {
  scratchFloats(): number;
  setScratch(base: number): void;
  gemmBlock(
    m: number,
    n: number,
    k: number,
    a: number,
    rsA: number,
    csA: number,
    b: number,
    rsB: number,
    csB: number,
    c: number,
    ldc: number,
    beta: number,
  ): void;
  __heap_base?: WebAssembly.Global;
}

// Control block (Int32Array over a SharedArrayBuffer). MUST MATCH the worker source below.
const SEQ = 0,
  DONE = 1,
  ARGS = 2; // ARGS..ARGS+11: gemmBlock arguments (byte pointers and sizes)
const MIN_FLOPS = 2e6; // below this the handshake costs more than it saves

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, control, scratch } = workerData;
const ctl = new Int32Array(control);
const x = new WebAssembly.Instance(module, { env: { memory } }).exports;
x.setScratch(scratch);
let seen = 0;
for (;;) {
  Atomics.wait(ctl, 0, seen);
  seen = Atomics.load(ctl, 0);
  if (seen < 0) break;
  const a = ctl.subarray(2, 14);
  x.gemmBlock(a[0], a[1], a[2], a[3] >>> 0, a[4], a[5], a[6] >>> 0, a[7], a[8], a[9] >>> 0, a[10], a[11]);
  Atomics.store(ctl, 1, seen);
  Atomics.notify(ctl, 1);
}
`;

/**
 * WebAssembly SIMD kernels on a shared memory with a second thread (a Node worker) that computes half of every large
 * GEMM; element-wise kernels stay on the calling thread. Node only (the main thread blocks in Atomics.wait, which
 * browsers forbid on their main thread). The split is fixed, so results are deterministic.
 */
class WasmMtKernels extends WasmElementwise implements Kernels {
  readonly name = 'wasm' as const;
  readonly heapStart: number;
  private view: Float32Array;
  private readonly ctl: Int32Array;
  private seq = 0;
  private readonly worker: { terminate(): unknown; unref(): void };

  constructor(
    private readonly x: MtExports,
    private readonly memory: WebAssembly.Memory,
    module: WebAssembly.Module,
    WorkerCtor: new (src: string, opts: object) => { terminate(): unknown; unref(): void },
  ) {
    super(x);
    const staticEnd = Number(x.__heap_base?.value ?? 65536) >>> 0;
    const scratch = Math.ceil(staticEnd / 64) * 64;
    const scratchBytes = x.scratchFloats() * 4 + 64;
    x.setScratch(scratch);
    const workerScratch = scratch + Math.ceil(scratchBytes / 64) * 64;
    this.heapStart = ((workerScratch + scratchBytes) >>> 2) + 16;
    this.ctl = new Int32Array(new SharedArrayBuffer(16 * 4));
    this.view = new Float32Array(memory.buffer);
    this.grow(this.heapStart + (1 << 16));
    this.worker = new WorkerCtor(WORKER_SOURCE, { eval: true, workerData: { module, memory, control: this.ctl.buffer, scratch: workerScratch } });
    this.worker.unref(); // never keeps the process alive
  }

  heap(): Float32Array {
    if (this.view.buffer.byteLength !== this.memory.buffer.byteLength) this.view = new Float32Array(this.memory.buffer);
    return this.view;
  }

  grow(floats: number): void {
    const have = this.memory.buffer.byteLength;
    const bytes = floats * 4;
    if (bytes <= have) return;
    this.memory.grow(Math.ceil((Math.max(bytes, have * 1.5) - have) / 65536));
    this.view = new Float32Array(this.memory.buffer);
  }

  threads(): number {
    return 2;
  }

  gemm(transA: boolean, transB: boolean, m: number, n: number, k: number, a: number, b: number, c: number, beta: number): void {
    const rsA = transA ? 1 : k,
      csA = transA ? m : 1,
      rsB = transB ? 1 : n,
      csB = transB ? k : 1;
    const A = a << 2,
      B = b << 2,
      C = c << 2;
    if (2 * m * n * k < MIN_FLOPS || (m < 8 && n < 16)) {
      this.x.gemmBlock(m, n, k, A, rsA, csA, B, rsB, csB, C, n, beta);
      return;
    }
    // Split C by rows (multiples of the 4-row micro-kernel) or, for short-wide C, by columns (multiples of 8).
    const byRows = m >= n;
    const unit = byRows ? 4 : 8;
    const total = byRows ? m : n;
    const mid = Math.max(unit, Math.min(total - 1, Math.round(total / 2 / unit) * unit));
    const args = byRows
      ? [m - mid, n, k, A + mid * rsA * 4, rsA, csA, B, rsB, csB, C + mid * n * 4, n, beta]
      : [m, n - mid, k, A, rsA, csA, B + mid * csB * 4, rsB, csB, C + mid * 4, n, beta];
    this.ctl.set(args, ARGS);
    const seq = ++this.seq;
    Atomics.store(this.ctl, SEQ, seq);
    Atomics.notify(this.ctl, SEQ);
    if (byRows) this.x.gemmBlock(mid, n, k, A, rsA, csA, B, rsB, csB, C, n, beta);
    else this.x.gemmBlock(m, mid, k, A, rsA, csA, B, rsB, csB, C, n, beta);
    // Spin briefly (the halves finish together), then sleep.
    for (let spin = 0; Atomics.load(this.ctl, DONE) !== seq; spin++) {
      if (spin > 2000) Atomics.wait(this.ctl, DONE, Atomics.load(this.ctl, DONE), 1);
    }
  }
}

/** A two-thread WASM engine's kernels (Node with worker_threads and shared WebAssembly memory), or why not. */
export function loadWasmMtKernels(): { kernels?: Kernels; reason?: string } {
  try {
    const proc = (globalThis as { process?: NodeJS.Process }).process;
    const getBuiltin = proc?.getBuiltinModule as ((id: string) => unknown) | undefined;
    if (!getBuiltin) return { reason: 'needs Node ≥ 20.16 (worker_threads)' };
    const { Worker } = getBuiltin('node:worker_threads') as typeof import('node:worker_threads');
    const B = (globalThis as { Buffer?: { from(s: string, e: string): Uint8Array } }).Buffer!;
    const module = new WebAssembly.Module(B.from(WASM_KERNELS_MT_BASE64, 'base64') as BufferSource);
    const memory = new WebAssembly.Memory({ initial: 2, maximum: 65536, shared: true });
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    return { kernels: new WasmMtKernels(instance.exports as unknown as MtExports, memory, module, Worker as never) };
  } catch (e) {
    return { reason: `threaded WebAssembly unavailable: ${(e as Error).message}` };
  }
}
