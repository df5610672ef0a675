import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TABLE_END, TABLE_START, countedRuns, headlineTable, readmeWithTable } from '../../../tools/readme-table.js';

const root = join(import.meta.dirname, '../../..');
const tableMd = readFileSync(join(root, 'results/paper-table/table.md'), 'utf8');

describe('the root README and the committed paper table', () => {
  it('shows table.md’s headline table and its run count, unchanged', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readmeWithTable(readme, tableMd), 'run `npx tsx tools/readme-table.ts` after `orl report`').toBe(readme);
  });

  it('replaces a stale table and count, and counts runs from the cells', () => {
    const table = '| dataset | x |\n|---|---|\n| a | 1.0 [0.5, 1.5] (n=2) | 3.0 [3.0, 3.0] (n=1) |';
    const stale = `intro **Status (this commit):** 7 of 162 runs count\n${TABLE_START}\n| old |\n${TABLE_END}\nafter`;
    const out = readmeWithTable(stale, `${table}\n\n| condition | IQM |\n|---|---|\n`);
    expect(countedRuns(headlineTable(table))).toBe(3);
    expect(out).toBe(`intro **Status (this commit):** 3 of 162 runs count\n${TABLE_START}\n${table}\n${TABLE_END}\nafter`);
  });

  it('refuses a README without the markers', () => {
    expect(() => readmeWithTable('**Status (this commit):** 1 of 2 runs count', tableMd)).toThrow(/paper-table/);
  });
});
