import { OrlError } from '@orl/core';
import type { GemmBatchArgs, Kernels } from './contract.js';
import { checkGemmBatch, gemmOneByOne, grownHeap } from './js.js';

interface Addon {
  setMemory(buf: ArrayBuffer): void;
  gemm(ta: number, tb: number, m: number, n: number, k: number, a: number, b: number, c: number, beta: number): void;
  gemmBatch(ta: number, tb: number, m: number, n: number, k: number, a: readonly number[], b: readonly number[], c: readonly number[], beta: number): void;
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
  layerNorm(x: number, xhat: number, out: number, gain: number, bias: number, rstd: number, rows: number, cols: number, eps: number): void;
  layerNormBackward(dy: number, xhat: number, gain: number, rstd: number, rows: number, cols: number, gx: number, gg: number, gb: number): void;
  setThreads(n: number): number;
  info(): NativeInfo;
  setKernels(name: string): string;
  measureClock(): number;
}

export interface NativeInfo {
  avx2: boolean;
  /** The active kernel set ('generic', 'avx2'). */
  kernels: string;
  /** Every kernel set this CPU runs, lowest first. */
  supported: string[];
  threads: number;
  cores: number;
}

/** Native addon kernels (AVX2/FMA where the CPU has it). The heap is a JS ArrayBuffer whose pointer the addon holds. */
class NativeKernels implements Kernels {
  readonly heapStart = 16;
  readonly name = 'native' as const;
  private h: Float32Array;

  constructor(
    private readonly addon: Addon,
    threads: number,
  ) {
    this.h = new Float32Array(1 << 16);
    addon.setMemory(this.h.buffer as ArrayBuffer);
    addon.setThreads(threads);
  }

  heap(): Float32Array {
    return this.h;
  }

  grow(floats: number): void {
    const next = grownHeap(this.h, floats);
    if (next === this.h) return;
    this.h = next;
    this.addon.setMemory(next.buffer as ArrayBuffer);
  }

  threads(): number {
    return this.addon.info().threads;
  }

  info(): NativeInfo {
    return this.addon.info();
  }

  /** The core clock in GHz from a timed chain of dependent adds (0 where unknown); for the bench's peak figure. */
  measureClock(): number {
    return this.addon.measureClock();
  }

  /** Switches the GEMM micro-kernels to another set this CPU runs (for tests and comparisons; process-wide). */
  setKernels(name: string): string {
    try {
      return this.addon.setKernels(name);
    } catch (err) {
      throw new OrlError('UNSUPPORTED', `kernel set '${name}': ${(err as Error).message} (this CPU runs ${this.addon.info().supported.join(', ')})`, {
        kernels: name,
      });
    }
  }

  gemmBatch(...[transA, transB, m, n, k, a, b, c, beta]: GemmBatchArgs): void {
    checkGemmBatch(a, b, c);
    if (a.length > 64) gemmOneByOne(this, transA, transB, m, n, k, a, b, c, beta);
    else this.addon.gemmBatch(transA ? 1 : 0, transB ? 1 : 0, m, n, k, a, b, c, beta);
  }

  gemm(transA: boolean, transB: boolean, m: number, n: number, k: number, a: number, b: number, c: number, beta: number): void {
    this.addon.gemm(transA ? 1 : 0, transB ? 1 : 0, m, n, k, a, b, c, beta);
  }
  biasAct(y: number, bias: number, rows: number, cols: number, act: number): void {
    this.addon.biasAct(y, bias, rows, cols, act);
  }
  actGrad(dst: number, dy: number, y: number, n: number, act: number): void {
    this.addon.actGrad(dst, dy, y, n, act);
  }
  colSumAcc(x: number, rows: number, cols: number, out: number): void {
    this.addon.colSumAcc(x, rows, cols, out);
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
    this.addon.adam(p, g, m, v, n, lr, b1, b2, eps, wd, decoupled, bc1, bc2);
  }
  polyak(target: number, source: number, n: number, tau: number): void {
    this.addon.polyak(target, source, n, tau);
  }
  sumSq(x: number, n: number): number {
    return this.addon.sumSq(x, n);
  }
  scale(x: number, n: number, s: number): void {
    this.addon.scale(x, n, s);
  }
  layerNorm(x: number, xhat: number, out: number, gain: number, bias: number, rstd: number, rows: number, cols: number, eps: number): void {
    this.addon.layerNorm(x, xhat, out, gain, bias, rstd, rows, cols, eps);
  }
  layerNormBackward(dy: number, xhat: number, gain: number, rstd: number, rows: number, cols: number, gx: number, gg: number, gb: number): void {
    this.addon.layerNormBackward(dy, xhat, gain, rstd, rows, cols, gx, gg, gb);
  }
}

let cached: { addon?: Addon; reason?: string } | undefined;

function loadAddon(): { addon?: Addon; reason?: string } {
  if (cached) return cached;
  const proc = (globalThis as { process?: NodeJS.Process }).process;
  const getBuiltin = proc?.getBuiltinModule as ((id: string) => unknown) | undefined;
  if (!proc?.versions?.node || !getBuiltin) return (cached = { reason: 'not running under Node ≥ 20.16' });
  const { createRequire } = getBuiltin('node:module') as typeof import('node:module');
  const { existsSync } = getBuiltin('node:fs') as typeof import('node:fs');
  const { join, dirname } = getBuiltin('node:path') as typeof import('node:path');
  const { fileURLToPath } = getBuiltin('node:url') as typeof import('node:url');
  // Find the package root (src/kernels/ when run from source, dist/ when built) and its build/Release folder.
  let dir = typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, 'build', 'Release', 'orl_nn.node');
    if (existsSync(candidate)) {
      try {
        return (cached = { addon: createRequire(join(dir, 'package.json'))(candidate) as Addon });
      } catch (e) {
        return (cached = { reason: `failed to load ${candidate}: ${(e as Error).message}` });
      }
    }
    dir = dirname(dir);
  }
  return (cached = { reason: 'addon not built (run `npm rebuild @orl/nn` with a C compiler and Node headers)' });
}

let instance: NativeKernels | undefined;

/**
 * The native backend is a process-wide singleton (the addon holds one heap pointer). Threads: option, else
 * ORL_NUM_THREADS, else the number of cores (at most 8).
 */
export function loadNativeKernels(threads?: number): { kernels?: Kernels; reason?: string } {
  const r = loadAddon();
  if (!r.addon) return { reason: r.reason ?? 'unavailable' };
  const envThreads = Number((globalThis as { process?: NodeJS.Process }).process?.env?.ORL_NUM_THREADS);
  const want = threads ?? (Number.isInteger(envThreads) && envThreads > 0 ? envThreads : Math.min(8, r.addon.info().cores));
  if (!instance) instance = new NativeKernels(r.addon, want);
  else if (threads !== undefined) r.addon.setThreads(threads);
  return { kernels: instance };
}
