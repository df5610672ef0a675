/**
 * What `npm i @orl/<name>` puts on disk, per package with all its dependencies: each package is packed with its
 * workspace dependencies and installed alone into a scratch project. Prints a table, writes
 * bench-results/package-sizes.json, and fails when td3bc or iql exceed 3 MB (the lean-install promise).
 *   npx tsx tools/package-sizes.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageEntries } from './consumer-types.js';
import { packInstallRun } from './pack-check.js';

const root = resolve(import.meta.dirname, '..');
const LIMITS: Record<string, number> = {
  '@orl/td3bc': 3 * 2 ** 20,
  '@orl/iql': 3 * 2 ** 20,
  '@orl/bc': 3 * 2 ** 20,
  '@orl/awac': 3 * 2 ** 20,
  '@orl/cql': 3 * 2 ** 20,
  '@orl/rebrac': 3 * 2 ** 20,
};
const rows: { name: string; bytes: number }[] = [];
for (const { name } of packageEntries()) {
  const r = packInstallRun(name, `console.log('ok')`);
  rows.push({ name, bytes: r.installedBytes });
  console.log(`${name.padEnd(22)} ${(r.installedBytes / 2 ** 20).toFixed(2).padStart(8)} MB`);
}
mkdirSync(join(root, 'bench-results'), { recursive: true });
writeFileSync(join(root, 'bench-results', 'package-sizes.json'), JSON.stringify({ date: new Date().toISOString(), rows }, null, 2));
const over = rows.filter((r) => LIMITS[r.name] !== undefined && r.bytes > LIMITS[r.name]!);
if (over.length) {
  console.error(`over the limit: ${over.map((r) => r.name).join(', ')}`);
  process.exit(1);
}
