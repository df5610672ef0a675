// nx run dataset-suite:bench — collection rate (transitions/s: policy forward + MuJoCo step + recording) per task
// with its medium behaviour policy. Writes bench-results/dataset-suite.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { collect, recipe } from '../src/index.js';

const results: Record<string, number> = {};
for (const task of ['hopper', 'walker2d', 'halfcheetah']) {
  const seg = recipe(`${task}-medium`).segments[0]!;
  const t0 = performance.now();
  await collect({ task, policy: seg.policy, noise: seg.noise, transitions: 20_000, seed: 0 });
  results[task] = 20_000 / ((performance.now() - t0) / 1000);
}
console.log('\n@orl/dataset-suite benchmark — collection with the medium behaviour policies (20k transitions each)');
for (const [t, v] of Object.entries(results)) console.log(`${t.padEnd(12)} ${v.toFixed(0)} transitions/s → 1M in ${(1e6 / v / 60).toFixed(1)} min`);
const root = join(import.meta.dirname, '..', '..', '..');
mkdirSync(join(root, 'bench-results'), { recursive: true });
writeFileSync(join(root, 'bench-results', 'dataset-suite.json'), JSON.stringify({ date: new Date().toISOString(), transitionsPerSecond: results }, null, 2));
