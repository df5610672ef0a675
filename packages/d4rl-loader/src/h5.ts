import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { OrlError } from '@orl/core';
import type { File as H5File } from 'h5wasm';
import { type H5Internals, guardFilesystem, hasHdf5Signature, lastHdf5Diagnostic, registerFile } from './h5-read.js';

export * from './h5-read.js';

type H5Module = typeof import('h5wasm');
let ready: Promise<H5Module> | undefined;
let h5Internals: H5Internals | undefined;

/** h5wasm's Node build (host filesystem through NODERAWFS). ESM-only, hence the dynamic import. */
export function loadH5(): Promise<H5Module> {
  ready ??= (import('h5wasm/node') as Promise<{ default: H5Module } & H5Module>).then(async (m) => {
    const mod = (m.default ?? m) as H5Module;
    h5Internals = (await mod.ready) as unknown as H5Internals; // `ready` resolves to the emscripten module
    guardFilesystem(
      h5Internals,
      (p) => allowedPaths.has(resolve(p)),
      () => readersOpen > 0,
    );
    return mod;
  });
  return ready;
}

/*
 * The HDF5 library inside h5wasm sees the host filesystem (NODERAWFS), so a file could make it open others: external
 * links, external raw-data storage, virtual datasets. While a file opened for reading by `openH5` is open, only files
 * opened by name through `openH5` may be opened (the guard itself is in h5-read.ts, shared with the in-memory reader).
 */
const allowedPaths = new Map<string, number>();
/** Files opened for reading through `openH5`; while any is open, HDF5 may open nothing else. */
let readersOpen = 0;

/** Checks the file exists and carries the HDF5 signature (at 0, 512, 1024, … as the spec allows) before h5wasm sees it. */
export function checkHdf5File(path: string): number {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new OrlError('NOT_FOUND', `${path}: not a file`, { file: path });
    size = st.size;
  } catch (e) {
    if (e instanceof OrlError) throw e;
    throw new OrlError('NOT_FOUND', `${path}: no such file`, { file: path }, { cause: e });
  }
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(8);
    for (let off = 0; off + 8 <= size; off = off === 0 ? 512 : off * 2) {
      readSync(fd, buf, 0, 8, off);
      if (hasHdf5Signature(buf, 0)) return size;
      if (off > 1 << 20) break;
    }
  } finally {
    closeSync(fd);
  }
  throw new OrlError('FORMAT', `${path}: not an HDF5 file (no HDF5 signature)`, { file: path });
}

export async function openH5(path: string, mode: 'r' | 'w' = 'r'): Promise<H5File> {
  const h5 = await loadH5();
  if (mode === 'r') checkHdf5File(path);
  const abs = resolve(path);
  allowedPaths.set(abs, (allowedPaths.get(abs) ?? 0) + 1);
  if (mode === 'r') readersOpen++;
  const release = () => {
    if (mode === 'r') readersOpen--;
    const n = (allowedPaths.get(abs) ?? 1) - 1;
    if (n <= 0) allowedPaths.delete(abs);
    else allowedPaths.set(abs, n);
  };
  try {
    const file = new h5.File(path, mode);
    registerFile(file, h5Internals!);
    const close = file.close.bind(file);
    file.close = () => {
      try {
        return close();
      } finally {
        release();
      }
    };
    return file;
  } catch (cause) {
    release();
    const diag = lastHdf5Diagnostic();
    throw new OrlError(
      mode === 'r' ? 'FORMAT' : 'IO',
      `${path}: HDF5 library could not open the file (${String((cause as Error)?.message ?? cause)}${diag ? `; ${diag}` : ''}) — ${mode === 'r' ? 'truncated or corrupt?' : 'folder missing or not writable?'}`,
      { file: path },
      { cause },
    );
  }
}
