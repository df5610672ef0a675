import { unzipSync } from 'fflate';
import { parse as parseNpy, type NpyArray } from 'npyjs';
import { OrlError } from '@orl/core';
import type { ColumnMapping, SourceColumn, TableSource } from './mapping.js';

/** The array names a mapping refers to, matched against `available` (patterns with * included). */
export function referencedNames(mapping: ColumnMapping, available: string[]): string[] {
  const wanted = new Set<string>();
  for (const spec of Object.values(mapping) as (string | string[] | undefined)[]) {
    if (spec === undefined) continue;
    for (const s of typeof spec === 'string' ? [spec] : Array.isArray(spec) ? spec : []) {
      if (typeof s !== 'string') continue;
      if (!s.includes('*')) wanted.add(s);
      else {
        const re = new RegExp(
          `^${s
            .split('*')
            .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
            .join('.*')}$`,
        );
        for (const a of available) if (re.test(a)) wanted.add(a);
      }
    }
  }
  return [...wanted].filter((w) => available.includes(w));
}

/** One .npy array as a column: rows = shape[0], width = product of the other dimensions. Checks sizes. */
export function npyColumn(name: string, bytes: Uint8Array): SourceColumn & { rows: number } {
  let arr: NpyArray;
  try {
    const buf = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : (bytes.slice().buffer as ArrayBuffer);
    arr = parseNpy(buf);
  } catch (err) {
    throw new OrlError('FORMAT', `${name}: not a readable .npy array (${(err as Error).message})`, { array: name }, { cause: err });
  }
  const { shape, dtype, data } = arr;
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0))
    throw new OrlError('FORMAT', `${name}: bad shape ${JSON.stringify(shape)}`, { array: name });
  if (shape.length === 0) throw new OrlError('FORMAT', `${name}: a scalar, not a per-row array`, { array: name });
  if (String(dtype).startsWith('U') || dtype === 'c8' || dtype === 'c16')
    throw new OrlError('UNSUPPORTED', `${name}: dtype ${dtype} (numbers and booleans only)`, { array: name, dtype });
  const rows = shape[0]!;
  const width = shape.slice(1).reduce((a, b) => a * b, 1);
  const values = data as unknown as ArrayLike<number | bigint>;
  if (values.length !== rows * width)
    throw new OrlError('FORMAT', `${name}: shape ${JSON.stringify(shape)} needs ${rows * width} values, the file has ${values.length}`, { array: name });
  const out = new Float64Array(rows * width);
  if (arr.fortranOrder && shape.length > 1) {
    // Column-major (np.asfortranarray): element (i, j) sits at j * rows + i.
    for (let i = 0; i < rows; i++) for (let j = 0; j < width; j++) out[i * width + j] = Number(values[j * rows + i]!);
  } else {
    for (let i = 0; i < out.length; i++) out[i] = Number(values[i]!);
  }
  return { data: out, width, rows };
}

/** Named .npy arrays (a folder of files, or the members of an .npz) as a table; all must have the same row count. */
export function arraysSource(format: string, arrays: Map<string, Uint8Array>, allNames: string[] = [...arrays.keys()]): TableSource {
  const cols = new Map<string, SourceColumn & { rows: number }>();
  for (const [name, bytes] of arrays) cols.set(name, npyColumn(name, bytes));
  const rowCounts = new Set([...cols.values()].map((c) => c.rows));
  if (rowCounts.size > 1) throw new OrlError('SHAPE_MISMATCH', `arrays differ in length: ${[...cols].map(([n, c]) => `${n} ${c.rows}`).join(', ')}`);
  const rows = [...rowCounts][0] ?? 0;
  return {
    format,
    maxRows: rows,
    columns: allNames.map((name) => ({ name, width: cols.get(name)?.width ?? 1 })),
    read: (names) => ({ rows, columns: new Map(names.map((n) => [n, cols.get(n)!])) }),
  };
}

/**
 * An .npz archive (np.savez / np.savez_compressed). Only the members the mapping names are inflated; their declared
 * sizes are checked against `memoryBudget` first and the inflated sizes again after.
 */
export function npzSource(bytes: Uint8Array, mapping: ColumnMapping, memoryBudget: number): TableSource {
  const entries: { name: string; size: number }[] = [];
  try {
    unzipSync(bytes, {
      filter: (f) => {
        entries.push({ name: f.name, size: f.originalSize });
        return false;
      },
    });
  } catch (err) {
    throw new OrlError('FORMAT', `not a readable .npz (zip) archive: ${(err as Error).message}`, {}, { cause: err });
  }
  const names = entries.filter((e) => e.name.endsWith('.npy')).map((e) => e.name.slice(0, -4));
  const wanted = new Set(referencedNames(mapping, names));
  const declared = entries.filter((e) => wanted.has(e.name.slice(0, -4))).reduce((s, e) => s + e.size, 0);
  if (declared * 2 > memoryBudget)
    throw new OrlError('TOO_LARGE', `the named .npz members hold ${(declared / 2 ** 20).toFixed(0)} MiB, over the memory budget`, {
      bytes: declared,
      budget: memoryBudget,
    });
  let members: Record<string, Uint8Array>;
  try {
    members = unzipSync(bytes, { filter: (f) => f.name.endsWith('.npy') && wanted.has(f.name.slice(0, -4)) });
  } catch (err) {
    throw new OrlError('FORMAT', `cannot inflate the .npz members: ${(err as Error).message}`, {}, { cause: err });
  }
  const arrays = new Map<string, Uint8Array>();
  for (const [file, data] of Object.entries(members)) {
    const entry = entries.find((e) => e.name === file);
    if (entry && data.length !== entry.size) throw new OrlError('FORMAT', `${file}: inflated to ${data.length} bytes, the archive declares ${entry.size}`);
    arrays.set(file.slice(0, -4), data);
  }
  return arraysSource('npz', arrays, names);
}
