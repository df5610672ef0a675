import { mkdirSync, statSync, openSync, writeSync, fsyncSync, closeSync, renameSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { dirname, basename, join, resolve } from 'node:path';
// The package's own entry, not a relative path: @orl/core/node must share its classes (OrlError) with @orl/core.
import { OrlError, decodeState, encodeState, type StateDict } from '@orl/core';

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  ENOENT: 'no such file or folder',
  EEXIST: 'something else already exists there',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'the name is too long',
  EMFILE: 'too many open files',
  EBUSY: 'resource busy',
};

/** A Node file-system error as a one-line typed OrlError('IO') naming the path (`undefined` for anything else). */
export function fsError(err: unknown, action?: string, path?: string): OrlError | undefined {
  if (err instanceof OrlError) return err;
  const e = err as NodeJS.ErrnoException | undefined;
  if (!e || typeof e !== 'object' || typeof e.code !== 'string' || !/^E[A-Z]+$/.test(e.code)) return undefined;
  const where = path ?? e.path ?? '';
  const what = action ?? (e.syscall ? `${e.syscall}` : 'access');
  return new OrlError('IO', `cannot ${what} ${where}: ${REASONS[e.code] ?? e.code}`, { path: where, errno: e.code }, { cause: err });
}

/**
 * `mkdir -p` with a typed one-line error naming the folder (a file on the path, no permission, a full disk…). One
 * level at a time: Node's recursive mkdir can spin forever where a parent refuses new entries (e.g. under /proc).
 */
export function ensureDir(dir: string): void {
  const missing: string[] = [];
  let d = resolve(dir);
  for (;;) {
    let st;
    try {
      st = statSync(d);
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') throw fsError(cause, 'reach the folder', d) ?? cause;
    }
    if (st) {
      if (!st.isDirectory()) throw new OrlError('IO', `cannot create the folder ${dir}: ${d} is a file, not a folder`, { path: d, errno: 'ENOTDIR' });
      break;
    }
    missing.push(d);
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  for (const m of missing.reverse()) {
    try {
      mkdirSync(m);
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'EEXIST' && statSync(m).isDirectory()) continue; // created meanwhile
      throw fsError(cause, 'create the folder', m) ?? cause;
    }
  }
}

/**
 * Writes a file atomically: data goes to a temporary file in the same folder, is fsync'ed, then renamed over the
 * target. A crash leaves either the old file or the new one, never a torn one.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const dir = dirname(path);
  ensureDir(dir);
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
    throw fsError(cause, 'write', path) ?? new OrlError('IO', `could not write ${path}: ${(cause as Error).message}`, { path }, { cause });
  }
}

export function saveState(path: string, state: StateDict): void {
  writeFileAtomic(path, encodeState(state));
}

export function loadState(path: string): StateDict {
  if (!existsSync(path)) throw new OrlError('NOT_FOUND', `no such file: ${path}`, { path });
  return decodeState(new Uint8Array(readFileSync(path)), path);
}
