// TD3+BC in a browser Worker (headless Chromium, cross-origin-isolated page): steps/s of the one-thread WebAssembly
// engine beside the two-thread one (createEngineAsync), interleaved rounds, medians. Standard size: 256-256, batch 256.
// Writes bench-results/td3bc-browser.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleForBrowser, runInChromiumWorker } from '../../../tools/browser.js';

const quick = process.argv.includes('--quick');
const rounds = quick ? 2 : 5;
const steps = quick ? 30 : 150;
const bundle = await bundleForBrowser(`import { run } from './tools/browser-fixtures/td3bc-train.ts';
  import { createEngine, createEngineAsync } from '@orl/nn';
  const size = { hidden: [256, 256], batch: 256 };
  const engines = { 1: createEngine({ backend: 'wasm', notice: false }), 2: await createEngineAsync({ backend: 'wasm', threads: 2 }) };
  const times = { 1: [], 2: [] };
  for (let r = 0; r < ${rounds}; r++) {
    for (const t of r % 2 ? [2, 1] : [1, 2]) {
      const t0 = performance.now();
      run(${steps}, engines[t], size);
      times[t].push(performance.now() - t0);
    }
  }
  postMessage({ times, threads: engines[2].kernels.threads(), cores: navigator.hardwareConcurrency });`);
const { result, errors } = await runInChromiumWorker<{ times: Record<'1' | '2', number[]>; threads: number; cores: number }>(bundle, 600_000);
if (errors.length) throw new Error(`browser errors: ${errors.join('; ')}`);
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
const one = (steps / median(result.times['1'])) * 1000;
const two = (steps / median(result.times['2'])) * 1000;
console.log(`TD3+BC in a Chromium Worker (wasm, 256-256, batch 256, ${result.cores} cores, ${rounds} interleaved rounds of ${steps} steps)`);
console.log(`  1 thread : ${one.toFixed(1)} steps/s`);
console.log(`  ${result.threads} threads: ${two.toFixed(1)} steps/s  (${(two / one).toFixed(2)}×)`);
const root = join(import.meta.dirname, '..');
mkdirSync(join(root, 'bench-results'), { recursive: true });
writeFileSync(
  join(root, 'bench-results', 'td3bc-browser.json'),
  `${JSON.stringify({ when: new Date().toISOString(), cores: result.cores, rounds, steps, stepsPerSecond: { oneThread: one, twoThreads: two }, ratio: two / one, times: result.times }, null, 1)}\n`,
);
