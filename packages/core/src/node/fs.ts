import { mkdirSync, openSync, writeSync, fsyncSync, closeSync, renameSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
// The package's own entry, not a relative path: @orl/core/node must share its classes (OrlError) with @orl/core.
import { OrlError, decodeState, encodeState, type StateDict } from '@orl/core';

/**
 * Writes a file atomically: data goes to a temporary file in the same folder, is fsync'ed, then renamed over the
 * target. A crash leaves either the old file or the new one, never a torn one.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w');
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (cause) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw new OrlError('IO', `could not write ${path}: ${(cause as Error).message}`, { path }, { cause });
  }
}

export function saveState(path: string, state: StateDict): void {
  writeFileAtomic(path, encodeState(state));
}

export function loadState(path: string): StateDict {
  if (!existsSync(path)) throw new OrlError('NOT_FOUND', `no such file: ${path}`, { path });
  return decodeState(new Uint8Array(readFileSync(path)), path);
}
