// The root README shows the paper table exactly as committed: this copies the headline table of
// results/paper-table/table.md between the README's paper-table markers and the number of runs it counts into the
// status line. `tsx tools/readme-table.ts` writes the README (run by `nx run paper-grid:report`); `--check` exits 1
// where the README differs. packages/cli/test/readme-table.test.ts runs the same comparison in CI.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const TABLE_START = '<!-- paper-table: generated from results/paper-table/table.md by `npx nx run paper-grid:report` -->';
export const TABLE_END = '<!-- /paper-table -->';
const STATUS = /\*\*Status \(this commit\):\*\* \d+ of (\d+) runs count/;

/** The first markdown table of table.md (the per-dataset rows, the average and the paper's line). */
export function headlineTable(tableMd: string): string {
  const lines = tableMd.split('\n');
  const start = lines.findIndex((l) => l.startsWith('|'));
  if (start < 0) throw new Error('table.md holds no table');
  const end = lines.findIndex((l, i) => i > start && !l.startsWith('|'));
  return lines.slice(start, end < 0 ? undefined : end).join('\n');
}

/** Runs the table counts: the sum of its cells' (n=…). */
export function countedRuns(table: string): number {
  return [...table.matchAll(/\(n=(\d+)\)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
}

/** The README with the table between the markers and the count in the status line. */
export function readmeWithTable(readme: string, tableMd: string): string {
  const table = headlineTable(tableMd);
  const a = readme.indexOf(TABLE_START),
    b = readme.indexOf(TABLE_END);
  if (a < 0 || b < a) throw new Error(`README: no '${TABLE_START}' … '${TABLE_END}' block`);
  if (!STATUS.test(readme)) throw new Error('README: no "**Status (this commit):** N of M runs count" line');
  const withTable = `${readme.slice(0, a + TABLE_START.length)}\n${table}\n${readme.slice(b)}`;
  return withTable.replace(STATUS, (_m, total: string) => `**Status (this commit):** ${countedRuns(table)} of ${total} runs count`);
}

if (import.meta.filename === process.argv[1]) {
  const root = join(import.meta.dirname, '..');
  const readmePath = join(root, 'README.md');
  const readme = readFileSync(readmePath, 'utf8');
  const tableMd = readFileSync(join(root, 'results/paper-table/table.md'), 'utf8');
  const next = readmeWithTable(readme, tableMd);
  if (next === readme) console.log('README.md: the paper table is up to date');
  else if (process.argv.includes('--check')) {
    console.error('README.md: the paper table or run count differs from results/paper-table/table.md (run `npx tsx tools/readme-table.ts`)');
    process.exit(1);
  } else {
    writeFileSync(readmePath, next);
    console.log(`README.md: paper table updated (${countedRuns(headlineTable(tableMd))} runs)`);
  }
}
