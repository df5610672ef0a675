import { parquetMetadata, parquetRead, parquetSchema, type FileMetaData, type SchemaTree } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { OrlError } from '@orl/core';
import type { SourceColumn, SourceTable, TableSource } from './mapping.js';

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : (bytes.slice().buffer as ArrayBuffer);
}

/** A scalar, or a list of scalars (one list per row: observation vectors). */
function isList(node: SchemaTree): boolean {
  return node.children.length > 0;
}

function numberOf(v: unknown, column: string, row: number, ids?: Map<string, number>): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v === null || v === undefined) return Number.NaN;
  if (ids && typeof v === 'string') {
    const id = ids.get(v) ?? -1 - ids.size;
    ids.set(v, id);
    return id;
  }
  throw new OrlError('UNSUPPORTED', `Parquet column '${column}', row ${row}: a ${typeof v} value (numbers, booleans and lists of numbers only)`, {
    column,
    row,
  });
}

/**
 * A Parquet file read with hyparquet: only the named columns are decoded (snappy, gzip, zstd, brotli, lz4). List
 * columns (e.g. `observations: list<float>`) must have the same length on every row.
 */
export function parquetSource(bytes: Uint8Array): TableSource & { prepare(): Promise<void> } {
  const file = toArrayBuffer(bytes);
  let metadata: FileMetaData;
  try {
    metadata = parquetMetadata(file);
  } catch (err) {
    throw new OrlError('FORMAT', `not a readable Parquet file: ${(err as Error).message}`, {}, { cause: err });
  }
  const rows = Number(metadata.num_rows);
  if (!Number.isSafeInteger(rows) || rows < 0) throw new OrlError('FORMAT', `Parquet: bad row count ${metadata.num_rows}`);
  const fields = parquetSchema(metadata).children;
  const listWidth = new Map<string, number>();

  const readColumns = async (names: string[], rowEnd: number): Promise<Map<string, unknown[]>> => {
    const out = new Map<string, unknown[]>();
    try {
      await parquetRead({
        file,
        columns: names,
        rowStart: 0,
        rowEnd,
        compressors,
        onChunk: (chunk) => {
          let arr = out.get(chunk.columnName);
          if (!arr) out.set(chunk.columnName, (arr = new Array<unknown>(rowEnd)));
          const data = chunk.columnData as ArrayLike<unknown>;
          for (let i = 0; i < data.length; i++) {
            const r = chunk.rowStart + i;
            if (r < rowEnd) arr[r] = data[i];
          }
        },
      });
    } catch (err) {
      if (err instanceof OrlError) throw err;
      throw new OrlError('FORMAT', `Parquet: cannot decode columns ${names.join(', ')}: ${(err as Error).message}`, {}, { cause: err });
    }
    return out;
  };

  // The width of each list column, from its first row (cheap: one row).
  const columns = fields.map((f) => ({ name: f.element.name, width: 1, list: isList(f) }));
  const source: TableSource & { prepare(): Promise<void> } = {
    format: 'parquet',
    maxRows: rows,
    columns,
    async prepare() {
      const lists = columns.filter((c) => c.list);
      if (lists.length === 0 || rows === 0) return;
      const first = await readColumns(
        lists.map((c) => c.name),
        1,
      );
      for (const c of lists) {
        const v = first.get(c.name)?.[0];
        c.width = Array.isArray(v) || ArrayBuffer.isView(v) ? (v as ArrayLike<unknown>).length : 1;
        listWidth.set(c.name, c.width);
      }
    },
    async read(names: string[], idColumn?: string): Promise<SourceTable> {
      const raw = await readColumns(names, rows);
      const ids = new Map<string, number>();
      const result = new Map<string, SourceColumn>();
      for (const name of names) {
        const values = raw.get(name) ?? [];
        const w = listWidth.get(name);
        if (w === undefined) {
          const data = new Float64Array(rows);
          for (let i = 0; i < rows; i++) data[i] = numberOf(values[i], name, i, name === idColumn ? ids : undefined);
          result.set(name, { data, width: 1 });
        } else {
          const data = new Float64Array(rows * w);
          for (let i = 0; i < rows; i++) {
            const v = values[i] as ArrayLike<unknown> | null | undefined;
            if (!v || v.length !== w)
              throw new OrlError('SHAPE_MISMATCH', `Parquet column '${name}', row ${i}: ${v ? v.length : 0} values, row 0 has ${w}`, { column: name, row: i });
            for (let j = 0; j < w; j++) data[i * w + j] = numberOf(v[j], name, i);
          }
          result.set(name, { data, width: w });
        }
      }
      return { rows, columns: result };
    },
  };
  return source;
}
