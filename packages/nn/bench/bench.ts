// nx run nn:bench — GEMM GFLOP/s at 256³ and steps/s of complete TD3+BC and IQL updates, per backend, interleaved
// (round-robin, several rounds, medians) so machine noise hits every alternative alike. Writes bench-results/nn.json.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng, median } from '@orl/core';
import { availableBackends, createEngine, loadNativeKernels, type Engine } from '../src/index.js';
import { iqlStep, td3bcStep } from './workloads.js';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 2 : 5;

type Variant = { label: string; engine: () => Engine; before?: () => void };
const backends = availableBackends();
const variants: Variant[] = [];
const nativeCores = Math.min(cpus().length, 8);
if (backends.includes('native')) {
  variants.push({ label: `native (${nativeCores} threads)`, engine: () => createEngine({ backend: 'native' }), before: () => loadNativeKernels(nativeCores) });
  if (nativeCores > 1) variants.push({ label: 'native (1 thread)', engine: () => createEngine({ backend: 'native' }), before: () => loadNativeKernels(1) });
}
variants.push({ label: 'wasm', engine: () => createEngine({ backend: 'wasm' }) });
variants.push({ label: 'wasm (2 threads)', engine: () => createEngine({ backend: 'wasm', threads: 2 }) });
variants.push({ label: 'js', engine: () => createEngine({ backend: 'js' }) });

/** Runs `fn` repeatedly for about `ms` milliseconds (after a warm-up) and returns calls per second. */
function rate(fn: () => void, ms: number, warm = 2): number {
  for (let i = 0; i < warm; i++) fn();
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms || n < 3) {
    fn();
    n++;
    t = performance.now();
  }
  return (n * 1000) / (t - t0);
}

function gemmBench(e: Engine): () => void {
  const n = 256;
  const a = e.alloc(n * n), b = e.alloc(n * n), c = e.alloc(n * n);
  const rng = new Rng(1);
  const h = e.heap();
  for (let i = 0; i < n * n; i++) {
    h[a + i] = rng.normal();
    h[b + i] = rng.normal();
  }
  return () => e.kernels.gemm(false, false, n, n, n, a, b, c, 0);
}

const results: Record<string, { gemm256_gflops: number[]; td3bc_steps_per_s: number[]; iql_steps_per_s: number[] }> = {};
const workloads = variants.map((v) => {
  v.before?.();
  const e = v.engine();
  return { v, gemm: gemmBench(e), td3: td3bcStep(e), iql: iqlStep(e) };
});
for (const w of workloads) results[w.v.label] = { gemm256_gflops: [], td3bc_steps_per_s: [], iql_steps_per_s: [] };

for (let round = 0; round < ROUNDS; round++) {
  for (const w of workloads) {
    w.v.before?.();
    const slow = w.v.label === 'js';
    const r = results[w.v.label]!;
    r.gemm256_gflops.push((rate(w.gemm, slow ? 300 : 400) * 2 * 256 ** 3) / 1e9);
    r.td3bc_steps_per_s.push(rate(w.td3, slow ? 1200 : 1500, slow ? 1 : 4));
    r.iql_steps_per_s.push(rate(w.iql, slow ? 1200 : 1500, slow ? 1 : 4));
  }
  process.stderr.write(`round ${round + 1}/${ROUNDS}\n`);
}

// PyTorch reference, where torch imports (see bench/pytorch_ref.py for the BLAS setting it needs).
let pytorch: Record<string, number> | null = null;
const torchOk = spawnSync('python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
if (torchOk) {
  try {
    const out = execFileSync('python3', [join(here, 'pytorch_ref.py'), '--seconds', quick ? '2' : '5'], {
      encoding: 'utf8',
      env: { ...process.env, LD_LIBRARY_PATH: `/usr/lib/x86_64-linux-gnu/openblas-openmp:${process.env.LD_LIBRARY_PATH ?? ''}` },
    });
    pytorch = JSON.parse(out.trim().split('\n').at(-1)!);
  } catch (e) {
    process.stderr.write(`pytorch reference failed: ${(e as Error).message}\n`);
  }
}

const summary = Object.fromEntries(
  Object.entries(results).map(([k, r]) => [k, { gemm256_gflops: median(r.gemm256_gflops), td3bc_steps_per_s: median(r.td3bc_steps_per_s), iql_steps_per_s: median(r.iql_steps_per_s) }]),
);
const js = summary['js']!;
console.log(`\n@orl/nn benchmark — ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, node ${process.version}, medians of ${ROUNDS} interleaved rounds`);
console.log('backend'.padEnd(22) + 'GEMM 256³ GFLOP/s'.padStart(19) + 'TD3+BC steps/s'.padStart(16) + 'IQL steps/s'.padStart(13) + '  TD3+BC vs js');
for (const [k, s] of Object.entries(summary)) {
  console.log(k.padEnd(22) + s.gemm256_gflops.toFixed(1).padStart(19) + s.td3bc_steps_per_s.toFixed(1).padStart(16) + s.iql_steps_per_s.toFixed(1).padStart(13) + `  ${(s.td3bc_steps_per_s / js.td3bc_steps_per_s).toFixed(1)}×`);
}
if (pytorch) {
  console.log('pytorch'.padEnd(22) + (pytorch.gemm256_gflops ?? NaN).toFixed(1).padStart(19) + pytorch.td3bc_steps_per_s!.toFixed(1).padStart(16) + pytorch.iql_steps_per_s!.toFixed(1).padStart(13));
} else {
  console.log('pytorch: not measured (python3 -c "import torch" fails here)');
}
const root = join(here, '..', '..', '..');
mkdirSync(join(root, 'bench-results'), { recursive: true });
const file = join(root, 'bench-results', 'nn.json');
writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), cpu: cpus()[0]?.model, cores: cpus().length, node: process.version, rounds: ROUNDS, summary, samples: results, pytorch }, null, 2));
console.log(`wrote ${file}`);
