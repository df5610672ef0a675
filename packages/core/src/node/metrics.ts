import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from './fs.js';

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
    mkdirSync(dirname(path), { recursive: true });
  }

  write(record: MetricRecord): void {
    appendFileSync(this.path, JSON.stringify(record) + '\n');
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

export function readJsonl(path: string): MetricRecord[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as MetricRecord);
}
