/**
 * The browser-safe half of the HDF5 reader: typed, bounded reads of numeric datasets from an open h5wasm file (Node's
 * build on the host filesystem or the browser build on an in-memory one), a filesystem guard that refuses every other
 * file while a user's file is read, and HDF5's diagnostics kept for error messages.
 */
import { OrlError } from '@orl/core';
import type { Dataset as H5Dataset, File as H5File, Group as H5Group } from 'h5wasm';

/** The emscripten module behind an open file (its heap, for direct reads), recorded when the file is opened. */
const internalsOf = new WeakMap<object, H5Internals>();
export function registerFile(file: H5File, internals: H5Internals): void {
  internalsOf.set(file, internals);
}

/*
 * A file could make the HDF5 library open others: external links, external raw-data storage, virtual datasets. Every
 * open goes through the emscripten FS, so the guard is there: while a user's file is being read (`reading()`), only
 * paths the reader allowed may be opened; any other open fails (and is remembered, for a typed error naming what was
 * refused). HDF5's own diagnostics (written to fd 2) are kept for error messages, not printed.
 */
const diagnostics: string[] = [];
let refusals = 0;
let lastRefused = '';

export function guardFilesystem(M: H5Internals, allowed: (path: string) => boolean, reading: () => boolean): void {
  const FS = M.FS;
  const open = FS.open.bind(FS);
  FS.open = (path: unknown, flags: unknown, mode?: unknown) => {
    if (reading() && typeof path === 'string' && !allowed(path)) {
      refusals++;
      lastRefused = path;
      throw new FS.ErrnoError(2); // EACCES in emscripten's numbering
    }
    return open(path, flags, mode);
  };
  const write = FS.write.bind(FS);
  FS.write = (stream: { fd?: number }, buffer: Uint8Array, offset: number, length: number, position?: number, canOwn?: boolean) => {
    if (stream?.fd === 2) {
      diagnostics.push(new TextDecoder().decode(buffer.subarray(offset, offset + length)));
      if (diagnostics.length > 50) diagnostics.shift();
      return length;
    }
    return write(stream, buffer, offset, length, position, canOwn);
  };
}

/** Throws UNSAFE_PATH when HDF5 tried to open another file since `mark` (a count of refusals taken before). */
function checkNoOutsideReads(mark: number, file: string, key: string): void {
  if (refusals !== mark) {
    throw new OrlError(
      'UNSAFE_PATH',
      `${file}: '${key}' refers to data outside the file (${lastRefused}): refused — a dataset may only read bytes inside the file you named`,
      { file, key, refused: lastRefused },
    );
  }
}

export function lastHdf5Diagnostic(): string | undefined {
  const text = diagnostics.join('');
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /major|minor/.test(l));
  return lines.at(-1);
}

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** True when the HDF5 signature is at `offset` of `bytes`. */
export function hasHdf5Signature(bytes: Uint8Array, offset: number): boolean {
  return SIGNATURE.every((b, i) => bytes[offset + i] === b);
}

/**
 * Any failure inside the HDF5 library while walking a file the user named (h5wasm throws plain Errors, the WASM module
 * may trap on a corrupt structure) becomes a typed FORMAT error naming the file and HDF5's last diagnostic.
 */
export function asFormatError(e: unknown, file: string): OrlError {
  if (e instanceof OrlError) return e;
  const diag = lastHdf5Diagnostic();
  return new OrlError(
    'FORMAT',
    `${file}: corrupt or unsupported HDF5 structure (${String((e as Error)?.message ?? e).slice(0, 200)}${diag ? `; ${diag}` : ''})`,
    { file },
    { cause: e },
  );
}

export function isDataset(x: unknown): x is H5Dataset {
  return !!x && (x as { type?: string }).type === 'Dataset';
}

export function isGroup(x: unknown): x is H5Group {
  return !!x && (x as { type?: string }).type === 'Group';
}

export interface ReadLimits {
  /** Refuse to allocate more than this many bytes for one array (default 16 GiB). */
  maxBytes: number;
  /** File size, to refuse uncompressed datasets that claim more data than the file holds. */
  fileBytes: number;
}

const NUMERIC_CLASSES = new Set([0, 1, 8]); // integer, float, enum (h5py's bool is an enum over int8)
const CHUNK_ROWS = 1 << 16;

/**
 * Reads a numeric dataset of shape [rows] or [rows, width] into `out` (a new Float32Array or Uint8Array), in row
 * chunks so the WASM heap never holds the whole array. Checks the declared size before allocating.
 */
export function readNumeric<T extends Float32Array | Uint8Array | Float64Array>(
  file: H5File,
  key: string,
  make: (n: number) => T,
  limits: ReadLimits,
  expect: { rows?: number; width?: number } = {},
): { data: T; rows: number; width: number } {
  const mark = refusals;
  const ds = file.get(key);
  const where = `${file.filename}: '${key}'`;
  checkNoOutsideReads(mark, file.filename, key);
  if (ds && (ds as { type?: string }).type === 'ExternalLink')
    throw new OrlError('UNSAFE_PATH', `${where} is an external link to another file: refused — a dataset may only read bytes inside the file you named`, {
      file: file.filename,
      key,
    });
  if (!ds) throw new OrlError('FORMAT', `${where} is missing`, { file: file.filename, key });
  if (!isDataset(ds)) throw new OrlError('FORMAT', `${where} is a group, expected a dataset`, { file: file.filename, key });
  let meta;
  try {
    meta = ds.metadata;
  } catch (cause) {
    throw new OrlError('FORMAT', `${where}: unreadable metadata (corrupt file?)`, { file: file.filename, key }, { cause });
  }
  if (!NUMERIC_CLASSES.has(meta.type)) throw new OrlError('FORMAT', `${where} is not numeric (HDF5 type class ${meta.type})`, { file: file.filename, key });
  const shape = meta.shape ?? [];
  if (shape.length === 0 || shape.length > 2)
    throw new OrlError('SHAPE_MISMATCH', `${where} has shape [${shape}], expected [rows] or [rows, width]`, { file: file.filename, key, shape });
  const rows = shape[0]!;
  const width = shape[1] ?? 1;
  if (expect.rows !== undefined && rows !== expect.rows)
    throw new OrlError('SHAPE_MISMATCH', `${where} has ${rows} rows, expected ${expect.rows}`, { file: file.filename, key, rows, expected: expect.rows });
  if (expect.width !== undefined && width !== expect.width)
    throw new OrlError('SHAPE_MISMATCH', `${where} has width ${width}, expected ${expect.width}`, { file: file.filename, key, width, expected: expect.width });
  const elements = rows * width;
  const outBytes = elements * make(0).BYTES_PER_ELEMENT;
  const storedBytes = elements * meta.size;
  let compressed = false;
  try {
    compressed = ds.filters.length > 0;
  } catch {
    compressed = false;
  }
  if (!Number.isSafeInteger(elements) || outBytes > limits.maxBytes) {
    throw new OrlError(
      'TOO_LARGE',
      `${where} declares ${rows} × ${width} values (${(outBytes / 2 ** 30).toFixed(1)} GiB), over the ${(limits.maxBytes / 2 ** 30).toFixed(1)} GiB limit`,
      { file: file.filename, key, rows, width },
    );
  }
  if (!compressed && storedBytes > limits.fileBytes) {
    throw new OrlError('FORMAT', `${where} declares ${storedBytes} bytes of data but the file has ${limits.fileBytes} (truncated file?)`, {
      file: file.filename,
      key,
    });
  }
  const out = make(elements);
  try {
    const direct = meta.littleEndian || meta.size === 1 ? heapViewCtor(meta.type, meta.size, meta.signed) : undefined;
    if (direct) readDirect(file, key, rows, width, shape.length, direct, out);
    else readBySlices(ds, rows, width, shape.length, out);
  } catch (cause) {
    checkNoOutsideReads(mark, file.filename, key);
    if (cause instanceof OrlError) throw cause;
    throw new OrlError(
      'FORMAT',
      `${where}: read failed (${String((cause as Error)?.message ?? cause)}) — truncated or corrupt file?`,
      { file: file.filename, key },
      { cause },
    );
  }
  checkNoOutsideReads(mark, file.filename, key);
  return { data: out, rows, width };
}

/** Reads any dataset as a JS value (small metadata: strings, scalars, small arrays). */
export function readValue(file: H5File, key: string): unknown {
  const mark = refusals;
  const ds = file.get(key);
  checkNoOutsideReads(mark, file.filename, key);
  if (!isDataset(ds)) return undefined;
  try {
    const v = ds.value as unknown;
    checkNoOutsideReads(mark, file.filename, key);
    if (typeof v === 'bigint') return Number(v);
    return v;
  } catch (cause) {
    checkNoOutsideReads(mark, file.filename, key);
    throw new OrlError('FORMAT', `${file.filename}: '${key}' unreadable`, { file: file.filename, key }, { cause });
  }
}

type ViewCtor = { new (buf: ArrayBufferLike, off: number, len: number): ArrayLike<number | bigint>; BYTES_PER_ELEMENT: number };

function heapViewCtor(typeClass: number, size: number, signed: boolean): ViewCtor | undefined {
  if (typeClass === 1) return size === 4 ? Float32Array : size === 8 ? Float64Array : undefined;
  switch (size) {
    case 1:
      return signed ? Int8Array : Uint8Array;
    case 2:
      return signed ? Int16Array : Uint16Array;
    case 4:
      return signed ? Int32Array : Uint32Array;
    case 8:
      return (signed ? BigInt64Array : BigUint64Array) as unknown as ViewCtor;
    default:
      return undefined;
  }
}

export interface H5Internals {
  _malloc(n: number): number;
  _free(p: number): void;
  HEAPU8: Uint8Array;
  get_dataset_data(fileId: bigint, path: string, count: bigint[], offset: bigint[], strides: bigint[], ptr: bigint): number;
  /** Emscripten's filesystem (NODERAWFS in Node, MEMFS in browsers): the guard wraps its open and write. */
  FS: {
    writeFile(path: string, data: Uint8Array): void;
    unlink(path: string): void;
    open(path: unknown, flags: unknown, mode?: unknown): unknown;
    write(stream: { fd?: number }, buffer: Uint8Array, offset: number, length: number, position?: number, canOwn?: boolean): number;
    ErrnoError: new (errno: number) => Error;
  };
}

/**
 * Reads row chunks through h5wasm's low-level `get_dataset_data` into ONE reused buffer in the WASM heap and copies
 * each chunk straight into `out`: no per-chunk JS arrays (h5wasm's `slice()` allocates a copy per call, which tripled
 * peak memory on a 1M-row file), and the WASM heap grows by one chunk only.
 */
function readDirect(file: H5File, key: string, rows: number, width: number, rank: number, View: ViewCtor, out: Float32Array | Uint8Array | Float64Array): void {
  const M = internalsOf.get(file);
  if (!M) throw new OrlError('INVALID_ARGUMENT', `${file.filename}: not opened through @orl/d4rl-loader`);
  const chunkRows = Math.max(1, Math.min(rows, CHUNK_ROWS));
  const ptr = M._malloc(chunkRows * width * View.BYTES_PER_ELEMENT);
  if (!ptr) throw new OrlError('TOO_LARGE', `${file.filename}: '${key}': could not allocate a read buffer`);
  const fileId = (file as unknown as { file_id: bigint }).file_id;
  const path = key.startsWith('/') ? key : `/${key}`;
  try {
    for (let r = 0; r < rows; r += chunkRows) {
      const n = Math.min(chunkRows, rows - r);
      const count = rank === 2 ? [BigInt(n), BigInt(width)] : [BigInt(n)];
      const offset = rank === 2 ? [BigInt(r), 0n] : [BigInt(r)];
      const strides = rank === 2 ? [1n, 1n] : [1n];
      const status = M.get_dataset_data(fileId, path, count, offset, strides, BigInt(ptr));
      if (typeof status === 'number' && status < 0) throw new Error(`HDF5 read error at rows ${r}..${r + n}`);
      const view = new View(M.HEAPU8.buffer, ptr, n * width);
      const base = r * width;
      if (out instanceof Uint8Array) copyFlags(view as ArrayLike<number | bigint>, out, base);
      else if (View === (BigInt64Array as unknown) || View === (BigUint64Array as unknown))
        for (let i = 0; i < view.length; i++) out[base + i] = Number(view[i]);
      else (out as Float32Array).set(view as ArrayLike<number>, base);
    }
  } finally {
    M._free(ptr);
  }
}

function readBySlices(ds: H5Dataset, rows: number, width: number, rank: number, out: Float32Array | Uint8Array | Float64Array): void {
  for (let r = 0; r < rows; r += CHUNK_ROWS) {
    const end = Math.min(rows, r + CHUNK_ROWS);
    const chunk = ds.slice(rank === 2 ? [[r, end], []] : [[r, end]]) as ArrayLike<number | bigint> | null;
    if (!chunk || chunk.length !== (end - r) * width) throw new Error(`short read at rows ${r}..${end}`);
    const base = r * width;
    if (out instanceof Uint8Array) copyFlags(chunk, out, base);
    else if (typeof chunk[0] === 'bigint') for (let i = 0; i < chunk.length; i++) out[base + i] = Number(chunk[i]);
    else (out as Float32Array).set(chunk as ArrayLike<number>, base);
  }
}

/** Flag columns (terminals, timeouts) follow numpy's bool(): any non-zero value, NaN included, is 1. */
function copyFlags(src: ArrayLike<number | bigint>, out: Uint8Array, base: number): void {
  for (let i = 0; i < src.length; i++) {
    const v = src[i]!;
    out[base + i] = typeof v === 'bigint' ? (v !== 0n ? 1 : 0) : v !== 0 ? 1 : 0;
  }
}
