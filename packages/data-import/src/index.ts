/**
 * Your own logged data as a `Dataset`: CSV, Parquet and NumPy (.npz, or named .npy arrays) through a column mapping.
 * Every function takes bytes, so this entry runs in browsers too; `@orl/data-import/node` reads files by path.
 */
import { OrlError, type Dataset } from '@orl/core';
import { csvSource, type CsvOptions } from './csv.js';
import { assemble, DEFAULT_MEMORY_BUDGET, type ImportOptions } from './mapping.js';
import { arraysSource, npzSource } from './numpy.js';
import { parquetSource } from './parquet.js';

export {
  assemble,
  resolveColumns,
  DEFAULT_MEMORY_BUDGET,
  type ColumnMapping,
  type ImportOptions,
  type SourceColumn,
  type SourceTable,
  type TableSource,
} from './mapping.js';
export type { CsvOptions } from './csv.js';

export type TableFormat = 'csv' | 'parquet' | 'npz';

/** A CSV file with a header row; `delimiter` for TSV and friends. */
export async function importCsv(bytes: Uint8Array, options: ImportOptions & CsvOptions): Promise<Dataset> {
  return assemble(csvSource(bytes, options), options);
}

/** A Parquet file; list columns (one vector per row) or scalar columns. */
export async function importParquet(bytes: Uint8Array, options: ImportOptions): Promise<Dataset> {
  const source = parquetSource(bytes);
  await source.prepare();
  return assemble(source, options);
}

/** An .npz archive from np.savez / np.savez_compressed; the mapping names its arrays. */
export async function importNpz(bytes: Uint8Array, options: ImportOptions): Promise<Dataset> {
  return assemble(npzSource(bytes, options.mapping, options.memoryBudget ?? DEFAULT_MEMORY_BUDGET), options);
}

/** Named .npy arrays (e.g. `{ observations: bytes, actions: bytes, … }` read from files). */
export async function importNpyArrays(arrays: Record<string, Uint8Array>, options: ImportOptions): Promise<Dataset> {
  return assemble(arraysSource('npy', new Map(Object.entries(arrays))), options);
}

/** The format of a file from its first bytes: Parquet ("PAR1"), zip (.npz), otherwise text (CSV). */
export function detectFormat(bytes: Uint8Array): TableFormat {
  const starts = (sig: number[]) => sig.every((b, i) => bytes[i] === b);
  if (starts([0x50, 0x41, 0x52, 0x31])) return 'parquet';
  if (starts([0x50, 0x4b, 0x03, 0x04]) || starts([0x50, 0x4b, 0x05, 0x06])) return 'npz';
  if (starts([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]))
    throw new OrlError(
      'INVALID_ARGUMENT',
      'a single .npy array is one column, not a dataset: pass named arrays (importNpyArrays, or a folder of .npy files) or an .npz',
    );
  return 'csv';
}

/** Any supported table, its format detected (or given). */
export async function importTable(bytes: Uint8Array, options: ImportOptions & CsvOptions & { format?: TableFormat }): Promise<Dataset> {
  const format = options.format ?? detectFormat(bytes);
  if (format === 'parquet') return importParquet(bytes, options);
  if (format === 'npz') return importNpz(bytes, options);
  if (format === 'csv') return importCsv(bytes, options);
  throw new OrlError('INVALID_ARGUMENT', `unknown format '${String(format)}' (csv, parquet or npz)`);
}
