// nx run cli:bench — start-up latency of the built `orl` binary (`orl --help`), median of 5. Writes bench-results/cli.json.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { median } from '@orl/core';

const bin = join(import.meta.dirname, '..', 'bin', 'orl.mjs');
const times = [0, 1, 2, 3, 4].map(() => {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return performance.now() - t0;
});
console.log(`\n@orl/cli benchmark — \`orl --help\` start-up: median ${median(times).toFixed(0)} ms`);
const root = join(import.meta.dirname, '..', '..', '..');
mkdirSync(join(root, 'bench-results'), { recursive: true });
writeFileSync(join(root, 'bench-results', 'cli.json'), JSON.stringify({ date: new Date().toISOString(), startupMs: times }, null, 2));
