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
      appendFileSync(this.path, JSON.stringify(record) + '\n');
    } catch (cause) {
      throw fsError(cause, 'append to', this.path) ?? cause;
    }
  }

  /** Drops records logged after `step` (used on resume so a restarted run does not duplicate lines). */
  truncateAfter(step: number): void {
    if (!existsSync(this.path)) return;
    const kept = readJsonl(this.path).filter((r) => r.step <= step);
    writeFileAtomic(this.path, kept.map((r) => JSON.stringify(r) + '\n').join(''));
  }
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
    if (!rec || typeof rec !== 'object' || typeof (rec as MetricRecord).step !== 'number') throw new OrlError('FORMAT', `${path}:${i + 1}: a metrics record needs a numeric step`, { path, line: i + 1 });
    out.push(rec as MetricRecord);
  }
  return out;
}
