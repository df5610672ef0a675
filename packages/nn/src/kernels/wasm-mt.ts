import type { GemmBatchArgs, Kernels } from './contract.js';
import { checkGemmBatch, gemmOneByOne } from './js.js';
import { WASM_KERNELS_MT_BASE64 } from './wasm-binary.js';
import { WasmElementwise, type WasmElementwiseExports, decodeBase64 } from './wasm.js';

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

// The helper's loop, shared by both hosts: instantiate the kernels on the shared memory, then compute one block per
// sequence number until it turns negative. `ready()` runs once instantiated.
const helperSource = (ready: string) => `
  const ctl = new Int32Array(control);
  const x = new WebAssembly.Instance(module, { env: { memory } }).exports;
  x.setScratch(scratch);
  ${ready}
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

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, control, scratch } = workerData;
${helperSource('')}
`;

// The same helper as a browser Worker (started from a Blob URL, so no bundler has to find a file): it gets its start
// data by message and answers 'ready' once instantiated, because a browser starts a worker only when its creator's
// event loop runs, and the creator then blocks in Atomics.wait while the helper computes.
const BROWSER_WORKER_SOURCE = `
self.onmessage = (event) => {
  const { module, memory, control, scratch } = event.data;
  ${helperSource("self.postMessage('ready');")}
  close();
};
`;

/** What the engine needs of its helper thread. */
interface Helper {
  terminate(): unknown;
}

interface Layout {
  memory: WebAssembly.Memory;
  module: WebAssembly.Module;
  instance: WebAssembly.Instance;
  control: Int32Array;
  /** Byte offset of the helper's own GEMM scratch in the shared memory. */
  helperScratch: number;
}

/**
 * WebAssembly SIMD kernels on a shared memory with a second thread that computes half of every large GEMM (a Node
 * worker, or a browser Worker when the engine itself runs in a Worker: the calling thread blocks in Atomics.wait,
 * which a page's main thread may not); element-wise kernels stay on the calling thread. The split is fixed, so results
 * are deterministic and equal to the one-thread engine's split the same way on every platform.
 */
class WasmMtKernels extends WasmElementwise implements Kernels {
  readonly name = 'wasm' as const;
  readonly heapStart: number;
  private view: Float32Array;
  private readonly ctl: Int32Array;
  private seq = 0;
  private readonly x: MtExports;
  private readonly memory: WebAssembly.Memory;

  constructor(
    layout: Layout,
    private readonly helper: Helper,
  ) {
    const x = layout.instance.exports as unknown as MtExports;
    super(x);
    this.x = x;
    this.memory = layout.memory;
    this.ctl = layout.control;
    const scratchBytes = x.scratchFloats() * 4 + 64;
    this.heapStart = ((layout.helperScratch + scratchBytes) >>> 2) + 16;
    this.view = new Float32Array(layout.memory.buffer);
    this.grow(this.heapStart + (1 << 16));
  }

  /** Stops the helper thread; the engine must not be used afterwards. */
  dispose(): void {
    Atomics.store(this.ctl, SEQ, -1);
    Atomics.notify(this.ctl, SEQ);
    this.helper.terminate();
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

  gemmBatch(...[transA, transB, m, n, k, a, b, c, beta]: GemmBatchArgs): void {
    checkGemmBatch(a, b, c);
    if (2 * m * n * k < MIN_FLOPS) {
      gemmOneByOne(this, transA, transB, m, n, k, a, b, c, beta);
      return;
    }
    // Products in pairs, one whole product per thread (no split, one handshake per pair); an odd last one is split.
    const rsA = transA ? 1 : k,
      csA = transA ? m : 1,
      rsB = transB ? 1 : n,
      csB = transB ? k : 1;
    let i = 0;
    for (; i + 1 < a.length; i += 2) {
      this.ctl.set([m, n, k, a[i + 1]! << 2, rsA, csA, b[i + 1]! << 2, rsB, csB, c[i + 1]! << 2, n, beta], ARGS);
      const seq = ++this.seq;
      Atomics.store(this.ctl, SEQ, seq);
      Atomics.notify(this.ctl, SEQ);
      this.x.gemmBlock(m, n, k, a[i]! << 2, rsA, csA, b[i]! << 2, rsB, csB, c[i]! << 2, n, beta);
      this.waitHelper(seq);
    }
    if (i < a.length) this.gemm(transA, transB, m, n, k, a[i]!, b[i]!, c[i]!, beta);
  }

  /** Spin briefly (the two halves finish together), then sleep, until the helper reports job `seq` done. */
  private waitHelper(seq: number): void {
    for (let spin = 0; Atomics.load(this.ctl, DONE) !== seq; spin++) {
      if (spin > 2000) Atomics.wait(this.ctl, DONE, Atomics.load(this.ctl, DONE), 1);
    }
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
    this.waitHelper(seq);
  }
}

/** Compiles the threaded module and lays out its shared memory: the caller's GEMM scratch, then the helper's. */
function layout(): Layout {
  const module = new WebAssembly.Module(decodeBase64(WASM_KERNELS_MT_BASE64) as BufferSource);
  const memory = new WebAssembly.Memory({ initial: 2, maximum: 65536, shared: true });
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const x = instance.exports as unknown as MtExports;
  const staticEnd = Number(x.__heap_base?.value ?? 65536) >>> 0;
  const scratch = Math.ceil(staticEnd / 64) * 64;
  x.setScratch(scratch);
  const scratchBytes = x.scratchFloats() * 4 + 64;
  const helperScratch = scratch + Math.ceil(scratchBytes / 64) * 64;
  return { memory, module, instance, control: new Int32Array(new SharedArrayBuffer(16 * 4)), helperScratch };
}

/** A two-thread WASM engine's kernels in Node (worker_threads and shared WebAssembly memory), or why not. */
export function loadWasmMtKernels(): { kernels?: Kernels; reason?: string } {
  try {
    const proc = (globalThis as { process?: NodeJS.Process }).process;
    const getBuiltin = proc?.getBuiltinModule as ((id: string) => unknown) | undefined;
    if (!getBuiltin) {
      return {
        reason: browserThreadsReason() ?? 'in a browser the helper thread starts asynchronously: use createEngineAsync({ backend: "wasm", threads: 2 })',
      };
    }
    const { Worker } = getBuiltin('node:worker_threads') as typeof import('node:worker_threads');
    const l = layout();
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { module: l.module, memory: l.memory, control: l.control.buffer, scratch: l.helperScratch },
    });
    worker.unref(); // never keeps the process alive
    return { kernels: new WasmMtKernels(l, worker) };
  } catch (e) {
    return { reason: `threaded WebAssembly unavailable: ${(e as Error).message}` };
  }
}

/** Why this browser context cannot run the two-thread engine, or undefined when it can. */
function browserThreadsReason(): string | undefined {
  const g = globalThis as { Worker?: unknown; document?: unknown; Blob?: unknown; URL?: { createObjectURL?: unknown } };
  // Browsers hide SharedArrayBuffer outside cross-origin isolation (`crossOriginIsolated` itself is not consulted: a
  // browser started with SharedArrayBuffer forced on reports false yet shares memory).
  if (typeof SharedArrayBuffer === 'undefined')
    return 'needs SharedArrayBuffer: serve the page cross-origin isolated (Cross-Origin-Opener-Policy: same-origin, Cross-Origin-Embedder-Policy: require-corp)';
  if (g.document !== undefined) return "a page's main thread may not block in Atomics.wait: create the engine inside a Worker";
  if (typeof g.Worker !== 'function') return 'this context cannot start a Worker (nested workers unsupported here)';
  if (typeof g.Blob !== 'function' || typeof g.URL?.createObjectURL !== 'function') return 'needs Blob URLs to start the helper Worker';
  return undefined;
}

/**
 * A two-thread WASM engine's kernels in a browser Worker: starts the helper Worker from a Blob URL and waits until it
 * is ready (a page's Content-Security-Policy must allow `worker-src blob:`). Rejects with the reason when unavailable.
 */
export async function loadWasmMtKernelsInBrowser(timeoutMs = 10_000): Promise<{ kernels?: Kernels; reason?: string }> {
  const reason = browserThreadsReason();
  if (reason) return { reason };
  let worker: Worker | undefined;
  try {
    const l = layout();
    const url = URL.createObjectURL(new Blob([BROWSER_WORKER_SOURCE], { type: 'text/javascript' }));
    worker = new Worker(url);
    const w = worker;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`helper Worker not ready after ${timeoutMs} ms`)), timeoutMs);
      w.onmessage = (e: MessageEvent) => {
        if (e.data === 'ready') {
          clearTimeout(timer);
          resolve();
        }
      };
      w.onerror = (e: ErrorEvent) => {
        clearTimeout(timer);
        reject(new Error(e.message || 'helper Worker failed to start'));
      };
      w.postMessage({ module: l.module, memory: l.memory, control: l.control.buffer, scratch: l.helperScratch });
    });
    URL.revokeObjectURL(url);
    return { kernels: new WasmMtKernels(l, w) };
  } catch (e) {
    worker?.terminate();
    return { reason: `threaded WebAssembly unavailable: ${(e as Error).message}` };
  }
}
