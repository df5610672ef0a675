// csv-parse's browser build: the same parser with its own Buffer, so this runs in browsers as well as Node (the main
// build needs Node's Buffer; measured: "Buffer is not defined" in a page).
import { parse } from 'csv-parse/browser/esm/sync';
import { OrlError } from '@orl/core';
import type { SourceColumn, SourceTable, TableSource } from './mapping.js';

export interface CsvOptions {
  /** Field delimiter (default ','; use '\t' for TSV). */
  delimiter?: string;
}

/** A cell as a number: numbers, true/false (any case), empty or nan/NaN → NaN. */
function cellValue(s: string): number {
  const t = s.trim();
  if (t === '') return Number.NaN;
  const n = Number(t);
  if (!Number.isNaN(n)) return n;
  const l = t.toLowerCase();
  if (l === 'true') return 1;
  if (l === 'false') return 0;
  if (l === 'inf' || l === '+inf' || l === 'infinity') return Number.POSITIVE_INFINITY;
  if (l === '-inf' || l === '-infinity') return Number.NEGATIVE_INFINITY;
  return Number.NaN;
}

function parseError(err: unknown): OrlError {
  const e = err as { message?: string; code?: string; lines?: number };
  return new OrlError('FORMAT', `CSV: ${e.message ?? String(err)}`, { csvCode: e.code, line: e.lines }, { cause: err });
}

/**
 * A CSV table with a header row. Only the named columns are kept; the rest of each record is dropped as it is parsed
 * (csv-parse's on_record returns nothing), so memory is the typed columns, not an array of strings per row.
 */
export function csvSource(bytes: Uint8Array, options: CsvOptions = {}): TableSource {
  const delimiter = options.delimiter ?? ',';
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  // The header: parse only the first record.
  let header: string[];
  try {
    header = (parse(text, { delimiter, to_line: 1, bom: true, relax_column_count: false }) as string[][])[0] ?? [];
  } catch (err) {
    throw parseError(err);
  }
  if (header.length === 0) {
    if (bytes.some((b) => b !== 10 && b !== 13 && b !== 32)) throw new OrlError('FORMAT', 'CSV: cannot read a header row (an unclosed quote?)');
    throw new OrlError('EMPTY', 'CSV: no header row');
  }
  const seen = new Set<string>();
  for (const h of header) {
    if (seen.has(h)) throw new OrlError('FORMAT', `CSV: column '${h}' appears twice in the header`);
    seen.add(h);
  }
  // Upper bound on data rows: newlines (quoted newlines only make it larger); arrays are trimmed after parsing.
  let newlines = 0;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 10) newlines++;
  const maxRows = newlines + 1;

  const read = (names: string[], idColumn?: string): SourceTable => {
    const index = names.map((nm) => header.indexOf(nm));
    const bufs = names.map(() => new Float64Array(maxRows));
    const ids = new Map<string, number>();
    let rows = 0;
    try {
      parse(text, {
        delimiter,
        bom: true,
        from_line: 2,
        skip_empty_lines: true,
        on_record: (record: string[], ctx) => {
          if (record.length !== header.length)
            throw new OrlError('FORMAT', `CSV line ${ctx.lines}: ${record.length} fields, the header has ${header.length}`, { line: ctx.lines });
          for (let k = 0; k < index.length; k++) {
            const cell = record[index[k]!]!;
            let v = cellValue(cell);
            // Non-numeric episode ids (e.g. "ep-3") are numbered in order of appearance.
            if (names[k] === idColumn && Number.isNaN(v) && cell.trim() !== '') {
              v = ids.get(cell) ?? -1 - ids.size;
              ids.set(cell, v);
            }
            bufs[k]![rows] = v;
          }
          rows++;
          return null;
        },
      });
    } catch (err) {
      if (err instanceof OrlError) throw err;
      throw parseError(err);
    }
    const columns = new Map<string, SourceColumn>();
    names.forEach((nm, k) => columns.set(nm, { data: bufs[k]!.subarray(0, rows), width: 1 }));
    return { rows, columns };
  };
  return { format: 'csv', maxRows, columns: header.map((name) => ({ name, width: 1 })), read };
}
