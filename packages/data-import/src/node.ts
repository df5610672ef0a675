/**
 * Node: import a file by path. Reads only what is named — the file itself, or for a folder of .npy arrays only the
 * arrays the mapping refers to — and checks sizes against the memory budget before reading.
 */
import { closeSync, fstatSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import { totalmem } from 'node:os';
import { extname, join } from 'node:path';
import { OrlError, type Dataset } from '@orl/core';
import { fsError } from '@orl/core/node';
import { importNpyArrays, importTable, type TableFormat } from './index.js';
import type { CsvOptions } from './csv.js';
import type { ImportOptions } from './mapping.js';
import { referencedNames } from './numpy.js';

export type FileImportOptions = ImportOptions & CsvOptions & { format?: TableFormat };

function budgetOf(options: ImportOptions): number {
  return options.memoryBudget ?? Math.min(16 * 2 ** 30, Math.floor(totalmem() / 2));
}

/** Reads a regular file whole, refusing one larger than `limit` bytes (checked on the open descriptor: no races). */
export function readBounded(path: string, limit: number): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw fsError(err, 'open', path) ?? err;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new OrlError('INVALID_ARGUMENT', `${path}: not a regular file`, { path });
    if (st.size > limit)
      throw new OrlError('TOO_LARGE', `${path}: ${(st.size / 2 ** 20).toFixed(0)} MiB, over the ${(limit / 2 ** 20).toFixed(0)} MiB budget (memoryBudget)`, {
        path,
        bytes: st.size,
        budget: limit,
      });
    const out = new Uint8Array(st.size);
    let off = 0;
    while (off < out.length) {
      const n = readSync(fd, out, off, out.length - off, null);
      if (n === 0) break;
      off += n;
    }
    return off === out.length ? out : out.subarray(0, off);
  } catch (err) {
    throw fsError(err, 'read', path) ?? err;
  } finally {
    closeSync(fd);
  }
}

/**
 * A CSV/TSV, Parquet or .npz file, or a folder of `<name>.npy` arrays, as a `Dataset`. The format comes from the
 * option, else the file's first bytes (not its name); `.tsv` implies a tab delimiter.
 */
export async function importFile(path: string, options: FileImportOptions): Promise<Dataset> {
  const budget = budgetOf(options);
  let st;
  try {
    st = statSync(path);
  } catch (err) {
    throw fsError(err, 'open', path) ?? err;
  }
  const metadata = { source: path, ...options.metadata };
  if (st.isDirectory()) {
    let files: string[];
    try {
      files = readdirSync(path).filter((f) => f.endsWith('.npy'));
    } catch (err) {
      throw fsError(err, 'list', path) ?? err;
    }
    const names = referencedNames(
      options.mapping,
      files.map((f) => f.slice(0, -4)),
    );
    const arrays: Record<string, Uint8Array> = {};
    let used = 0;
    for (const n of names) {
      const bytes = readBounded(join(path, `${n}.npy`), budget - used);
      used += bytes.length;
      arrays[n] = bytes;
    }
    return importNpyArrays(arrays, { ...options, memoryBudget: budget - used, metadata });
  }
  const bytes = readBounded(path, budget);
  const delimiter = options.delimiter ?? (extname(path).toLowerCase() === '.tsv' ? '\t' : undefined);
  return importTable(bytes, { ...options, memoryBudget: budget - bytes.length, metadata, ...(delimiter ? { delimiter } : {}) });
}
