import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { OrlError } from '@orl/core';
import { ensureDir, fsError, writeFileAtomic } from './fs.js';

export interface MetricRecord {
  step: number;
  [name: string]: number;
}

/** Where metrics go; the loop writes through this small adapter (file, memory, or nothing). */
export interface MetricsSink {
  write(record: MetricRecord): void;
}

/** Appends one JSON object per line. */
export class JsonlMetrics implements MetricsSink {
  constructor(readonly path: string) {
    ensureDir(dirname(path));
  }

  write(record: MetricRecord): void {
    try {
      appendFileSync(this.path, `${JSON.stringify(record)}\n`);
    } catch (cause) {
      throw fsError(cause, 'append to', this.path) ?? cause;
    }
  }

  /** Drops records logged after `step` (used on resume so a restarted run does not duplicate lines). */
  truncateAfter(step: number): void {
    if (!existsSync(this.path)) return;
    const kept = readJsonl(this.path).filter((r) => r.step <= step);
    writeFileAtomic(this.path, kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
  }
}

/**
 * One row per record in a CSV file with a header (`step` first, then metrics in order of first appearance). Records
 * carry different metrics (training vs evaluation), so a cell is empty where a record has no value; a metric seen for
 * the first time rewrites the file once with the wider header (files are small: one row per logged step).
 */
export class CsvMetrics implements MetricsSink {
  private columns: string[] = ['step'];
  private rows: Record<string, number>[] = [];

  constructor(readonly path: string) {
    ensureDir(dirname(path));
    if (existsSync(path)) this.rows = readCsvMetrics(path);
    for (const r of this.rows) for (const k of Object.keys(r)) if (!this.columns.includes(k)) this.columns.push(k);
  }

  write(record: MetricRecord): void {
    this.rows.push(record);
    const fresh = Object.keys(record).filter((k) => !this.columns.includes(k));
    try {
      if (fresh.length > 0 || !existsSync(this.path)) {
        this.columns.push(...fresh);
        this.rewrite();
      } else appendFileSync(this.path, this.line(record));
    } catch (cause) {
      throw fsError(cause, 'write', this.path) ?? cause;
    }
  }

  truncateAfter(step: number): void {
    this.rows = this.rows.filter((r) => (r.step ?? 0) <= step);
    if (existsSync(this.path)) this.rewrite();
  }

  private line(r: Record<string, number>): string {
    return `${this.columns.map((c) => (r[c] === undefined ? '' : String(r[c]))).join(',')}\n`;
  }

  private rewrite(): void {
    writeFileAtomic(this.path, `${this.columns.map(csvField).join(',')}\n${this.rows.map((r) => this.line(r)).join('')}`);
  }
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Reads a metrics.csv written by `CsvMetrics` (empty cells are absent keys; a torn last line is dropped). */
export function readCsvMetrics(path: string): MetricRecord[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const header = (lines[0] ?? '').split(',').map((h) => (h.startsWith('"') ? h.slice(1, -1).replace(/""/g, '"') : h));
  const out: MetricRecord[] = [];
  for (let i = 1; i < lines.length; i++) {
    const cells = lines[i]!.split(',');
    if (cells.length !== header.length) {
      if (lines.slice(i + 1).every((x) => x.trim() === '')) break;
      throw new OrlError('FORMAT', `${path}:${i + 1}: ${cells.length} fields, the header has ${header.length}`, { path, line: i + 1 });
    }
    const rec: Record<string, number> = {};
    header.forEach((h, j) => {
      if (cells[j] !== '') rec[h] = Number(cells[j]);
    });
    out.push(rec as MetricRecord);
  }
  return out;
}

export class MemoryMetrics implements MetricsSink {
  readonly records: MetricRecord[] = [];
  write(record: MetricRecord): void {
    this.records.push(record);
  }
}

/**
 * Reads a metrics file. A torn last line (a process killed mid-write) is dropped; a bad line elsewhere is a typed
 * FORMAT error naming the line.
 */
export function readJsonl(path: string): MetricRecord[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const out: MetricRecord[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.trim() === '') continue;
    let rec: unknown;
    try {
      rec = JSON.parse(l);
    } catch {
      if (lines.slice(i + 1).every((x) => x.trim() === '')) break; // the torn tail of an interrupted write
      throw new OrlError('FORMAT', `${path}:${i + 1}: not a JSON record`, { path, line: i + 1 });
    }
    if (!rec || typeof rec !== 'object' || typeof (rec as MetricRecord).step !== 'number')
      throw new OrlError('FORMAT', `${path}:${i + 1}: a metrics record needs a numeric step`, { path, line: i + 1 });
    out.push(rec as MetricRecord);
  }
  return out;
}
