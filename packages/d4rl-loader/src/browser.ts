/**
 * `@orl/d4rl-loader/browser`: D4RL and Minari HDF5 files read from bytes (a dropped File's arrayBuffer(), a fetch
 * response), with h5wasm's browser build on an in-memory filesystem. No Node built-ins: bundles for browsers and
 * runs in Node too. The file is copied into the HDF5 library's memory for the read, so it needs about twice its size.
 */
import { OrlError } from '@orl/core';
import type { File as H5File } from 'h5wasm';
import { type D4rlData, type D4rlReadOptions, d4rlFromFile } from './d4rl-read.js';
import { type H5Internals, asFormatError, guardFilesystem, hasHdf5Signature, isDataset, lastHdf5Diagnostic, registerFile } from './h5-read.js';
import { type MinariData, minariFromFile } from './minari-read.js';

export type { D4rlData, D4rlReadOptions } from './d4rl-read.js';
export type { MinariData } from './minari-read.js';

export interface BytesReadOptions extends D4rlReadOptions {
  /** Names the file in errors and in the dataset's metadata (default 'dataset.hdf5'). */
  name?: string;
  /** Minari only: the dataset's metadata.json, checked against the episodes and steps the file holds. */
  minariMetadata?: Record<string, unknown>;
}

/** What `readHdf5Bytes` found: D4RL's flat layout or Minari's episode groups. */
export type Hdf5Dataset = ({ format: 'd4rl' } & D4rlData) | ({ format: 'minari' } & MinariData);

type H5Module = typeof import('h5wasm');
let ready: Promise<{ h5: H5Module; M: H5Internals }> | undefined;
/** The one in-memory path HDF5 may open while a read is running; null otherwise. */
let current: string | null = null;
let counter = 0;

function loadH5Memory(): Promise<{ h5: H5Module; M: H5Internals }> {
  ready ??= (import('h5wasm') as Promise<{ default: H5Module } & H5Module>).then(async (m) => {
    const h5 = (m.default ?? m) as H5Module;
    const M = (await h5.ready) as unknown as H5Internals;
    // Only the user's file exists in this filesystem, but links to other paths are still refused with a typed error.
    guardFilesystem(
      M,
      (p) => p === current,
      () => current !== null,
    );
    return { h5, M };
  });
  return ready;
}

function signatureAt(bytes: Uint8Array): boolean {
  for (let off = 0; off + 8 <= bytes.length; off = off === 0 ? 512 : off * 2) {
    if (hasHdf5Signature(bytes, off)) return true;
    if (off > 1 << 20) break;
  }
  return false;
}

/**
 * Opens the bytes as an HDF5 file for the duration of `read` (synchronous, so two reads in one thread never overlap),
 * then closes and deletes it.
 */
async function withFile<T>(bytes: Uint8Array | ArrayBuffer, name: string, read: (f: H5File) => T): Promise<T> {
  const data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (!(data instanceof Uint8Array) || data.length === 0) throw new OrlError('FORMAT', `${name}: empty file`, { file: name });
  if (!signatureAt(data)) throw new OrlError('FORMAT', `${name}: not an HDF5 file (no HDF5 signature)`, { file: name });
  const { h5, M } = await loadH5Memory();
  const path = `/orl-input-${++counter}.h5`;
  M.FS.writeFile(path, data);
  current = path;
  let f: H5File | undefined;
  try {
    try {
      f = new h5.File(path, 'r');
    } catch (cause) {
      const diag = lastHdf5Diagnostic();
      throw new OrlError(
        'FORMAT',
        `${name}: HDF5 library could not open the file (${String((cause as Error)?.message ?? cause)}${diag ? `; ${diag}` : ''}) — truncated or corrupt?`,
        { file: name },
        { cause },
      );
    }
    registerFile(f, M);
    // Errors name the user's file, not the in-memory path.
    Object.defineProperty(f, 'filename', { value: name });
    return read(f);
  } finally {
    try {
      f?.close();
    } finally {
      current = null;
      M.FS.unlink(path);
    }
  }
}

function limitsFor(data: Uint8Array | ArrayBuffer, options: BytesReadOptions) {
  return { maxBytes: options.maxBytes ?? 16 * 2 ** 30, fileBytes: data.byteLength };
}

/** Reads a D4RL HDF5 file from bytes, as `readD4rl` reads one from disk (same checks, budgets and typed errors). */
export async function readD4rlBytes(bytes: Uint8Array | ArrayBuffer, options: BytesReadOptions = {}): Promise<D4rlData> {
  const name = options.name ?? 'dataset.hdf5';
  return withFile(bytes, name, (f) => d4rlFromFile(f, name, limitsFor(bytes, options), options));
}

/** Reads a Minari `main_data.hdf5` from bytes, as `readMinari` reads one from disk. */
export async function readMinariBytes(bytes: Uint8Array | ArrayBuffer, options: BytesReadOptions = {}): Promise<MinariData> {
  const name = options.name ?? 'main_data.hdf5';
  return withFile(bytes, name, (f) => minariFromFile(f, name, options.minariMetadata ?? {}, limitsFor(bytes, options), name));
}

/** Reads D4RL or Minari from bytes, whichever layout the file has (D4RL: root `observations`; Minari: `episode_N`). */
export async function readHdf5Bytes(bytes: Uint8Array | ArrayBuffer, options: BytesReadOptions = {}): Promise<Hdf5Dataset> {
  const name = options.name ?? 'dataset.hdf5';
  return withFile(bytes, name, (f): Hdf5Dataset => {
    let keys: string[];
    try {
      keys = f.keys();
    } catch (e) {
      throw asFormatError(e, name);
    }
    if (isDataset(f.get('observations'))) return { format: 'd4rl', ...d4rlFromFile(f, name, limitsFor(bytes, options), options) };
    if (keys.some((k) => /^episode_\d+$/.test(k)))
      return { format: 'minari', ...minariFromFile(f, name, options.minariMetadata ?? {}, limitsFor(bytes, options), name) };
    throw new OrlError(
      'FORMAT',
      `${name}: neither D4RL (an 'observations' dataset at the root) nor Minari (episode_N groups); top-level keys: ${keys.slice(0, 10).join(', ') || 'none'}`,
      { file: name, keys: keys.slice(0, 10) },
    );
  });
}
