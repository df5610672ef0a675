// nx run nn:bench — GEMM GFLOP/s at 256³ and steps/s of complete TD3+BC and IQL updates, per backend and native
// kernel set, interleaved (round-robin, several rounds, medians) so machine noise hits every alternative alike; the
// fraction of the machine's peak FLOP/s (cores × 2 FMA units × vector floats × 2 × measured clock); PyTorch side by
// side (Debian's python3-torch with openmp OpenBLAS, when installed) with the ratio; and the aggregate steps/s of N
// parallel 1-thread processes beside one process using all N cores. Writes bench-results/nn.json.
//   --quick: shorter rounds   --worker <threads> <ms>: (internal) one TD3+BC rate measurement, printed as JSON
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng, median } from '@orl/core';
import { availableBackends, createEngine, loadNativeKernels, type Engine } from '../src/index.js';
import { ensembleStep, iqlStep, td3bcStep } from './workloads.js';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');

// A child process measuring TD3+BC steps/s on its own (for the parallel comparison).
const workerAt = process.argv.indexOf('--worker');
if (workerAt >= 0) {
  const threads = Number(process.argv[workerAt + 1]),
    ms = Number(process.argv[workerAt + 2]);
  loadNativeKernels(threads);
  const step = td3bcStep(createEngine({ backend: 'native' }));
  for (let i = 0; i < 5; i++) step();
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    step();
    n++;
  }
  console.log(JSON.stringify({ stepsPerSecond: (n * 1000) / (performance.now() - t0) }));
  process.exit(0);
}
const ROUNDS = quick ? 2 : 5;

type Variant = { label: string; engine: () => Engine; before?: () => void };
const backends = availableBackends();
const variants: Variant[] = [];
const nativeCores = Math.min(cpus().length, 8);
let nativeSets: string[] = [];
if (backends.includes('native')) {
  const native = () => createEngine({ backend: 'native' });
  nativeSets = native().info().supported;
  const best = nativeSets.at(-1)!;
  // Every kernel set at all cores; the best one on 1 thread too.
  for (const set of [...nativeSets].reverse()) {
    variants.push({ label: `native ${set} (${nativeCores} thr)`, engine: native, before: () => (loadNativeKernels(nativeCores), native().setKernels(set)) });
  }
  if (nativeCores > 1) variants.push({ label: `native ${best} (1 thr)`, engine: native, before: () => (loadNativeKernels(1), native().setKernels(best)) });
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
  const a = e.alloc(n * n),
    b = e.alloc(n * n),
    c = e.alloc(n * n);
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

// PyTorch reference, where torch imports (see bench/pytorch_ref.py for the BLAS setting it needs): one process per
// round, interleaved with ours, so both see the same machine noise. Debian's PyTorch is what the guide measures
// against: /usr/bin/python3 with the openmp OpenBLAS.
const python = '/usr/bin/python3';
const torchOk = spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
const torchSamples: Record<string, number>[] = [];
function pytorchRound(): void {
  try {
    const out = execFileSync(python, [join(here, 'pytorch_ref.py'), '--seconds', quick ? '1' : '1.5', '--threads', String(nativeCores)], {
      encoding: 'utf8',
      env: { ...process.env, LD_LIBRARY_PATH: `/usr/lib/x86_64-linux-gnu/openblas-openmp:${process.env.LD_LIBRARY_PATH ?? ''}` },
    });
    torchSamples.push(JSON.parse(out.trim().split('\n').at(-1)!));
  } catch (e) {
    process.stderr.write(`pytorch reference failed: ${(e as Error).message}\n`);
  }
}

for (let round = 0; round < ROUNDS; round++) {
  for (const w of workloads) {
    w.v.before?.();
    const slow = w.v.label === 'js';
    const r = results[w.v.label]!;
    r.gemm256_gflops.push((rate(w.gemm, slow ? 300 : 400) * 2 * 256 ** 3) / 1e9);
    r.td3bc_steps_per_s.push(rate(w.td3, slow ? 1200 : 1500, slow ? 1 : 4));
    r.iql_steps_per_s.push(rate(w.iql, slow ? 1200 : 1500, slow ? 1 : 4));
  }
  if (torchOk) pytorchRound();
  process.stderr.write(`round ${round + 1}/${ROUNDS}\n`);
}
// Medians of PyTorch's rounds, key by key (non-numeric fields from the first round).
let pytorch: Record<string, number> | null = null;
if (torchSamples.length) {
  pytorch = {};
  for (const key of Object.keys(torchSamples[0]!)) {
    const values = torchSamples.map((x) => x[key]!);
    pytorch[key] = typeof values[0] === 'number' ? median(values) : values[0]!;
  }
}

// Ensembles: one batched kernel call per layer (tape.mlps) against one call per member, interleaved, on the native
// engine with every core (where whole products go to separate threads).
const ensembles: Record<string, { batched: number; oneByOne: number }> = {};
if (backends.includes('native')) {
  loadNativeKernels(nativeCores);
  const e = createEngine({ backend: 'native' });
  e.setKernels(nativeSets.at(-1)!);
  for (const kind of ['twin-critic', 'dynamics'] as const) {
    const steps = { batched: ensembleStep(e, kind, true), oneByOne: ensembleStep(e, kind, false) };
    const samples = { batched: [] as number[], oneByOne: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) for (const k of ['batched', 'oneByOne'] as const) samples[k].push(rate(steps[k], quick ? 500 : 1000, 3));
    ensembles[kind] = { batched: median(samples.batched), oneByOne: median(samples.oneByOne) };
  }
}

// Parallel runs: N one-thread processes at once vs one process with N threads (each measured in its own process).
let parallel: { processes: number; aggregate: number; oneProcessAllCores: number } | null = null;
if (backends.includes('native') && nativeCores > 1) {
  const ms = quick ? 3000 : 8000;
  const child = (threads: number) =>
    new Promise<number>((resolveRate) => {
      const p = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--worker', String(threads), String(ms)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      p.stdout.on('data', (d) => (out += d));
      p.on('exit', () => resolveRate(JSON.parse(out.trim().split('\n').at(-1) ?? '{"stepsPerSecond":0}').stepsPerSecond));
    });
  const agg: number[] = [],
    one: number[] = [];
  for (let round = 0; round < (quick ? 1 : 3); round++) {
    agg.push((await Promise.all(Array.from({ length: nativeCores }, () => child(1)))).reduce((a, b) => a + b, 0));
    one.push(await child(nativeCores));
  }
  parallel = { processes: nativeCores, aggregate: median(agg), oneProcessAllCores: median(one) };
}

// The machine's peak: cores × 2 FMA units × floats per vector × 2 FLOPs × clock (measured: the best of 5 samples).
const native = loadNativeKernels().kernels as unknown as { measureClock(): number } | undefined;
const clockGHz = native ? Math.max(...Array.from({ length: 5 }, () => native.measureClock())) : 0;
const vectorFloats = nativeSets.includes('avx512') ? 16 : nativeSets.includes('avx2') ? 8 : 4;
const peakGflops = cpus().length * 2 * vectorFloats * 2 * clockGHz;
const TD3BC_GFLOP = 0.415; // one TD3+BC update at batch 256, 256-256 (issue #15's count)

const summary = Object.fromEntries(
  Object.entries(results).map(([k, r]) => [
    k,
    { gemm256_gflops: median(r.gemm256_gflops), td3bc_steps_per_s: median(r.td3bc_steps_per_s), iql_steps_per_s: median(r.iql_steps_per_s) },
  ]),
);
const js = summary.js!;
console.log(`\n@orl/nn benchmark — ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, node ${process.version}, medians of ${ROUNDS} interleaved rounds`);
console.log(`${'backend'.padEnd(22) + 'GEMM 256³ GFLOP/s'.padStart(19) + 'TD3+BC steps/s'.padStart(16) + 'IQL steps/s'.padStart(13)}  TD3+BC vs js`);
for (const [k, s] of Object.entries(summary)) {
  console.log(
    `${k.padEnd(22) + s.gemm256_gflops.toFixed(1).padStart(19) + s.td3bc_steps_per_s.toFixed(1).padStart(16) + s.iql_steps_per_s.toFixed(1).padStart(13)}  ${(s.td3bc_steps_per_s / js.td3bc_steps_per_s).toFixed(1)}×`,
  );
}
if (pytorch) {
  console.log(
    `pytorch (${nativeCores} thr)`.padEnd(22) +
      (pytorch.gemm256_gflops ?? NaN).toFixed(1).padStart(19) +
      pytorch.td3bc_steps_per_s!.toFixed(1).padStart(16) +
      pytorch.iql_steps_per_s!.toFixed(1).padStart(13),
  );
  const best = Object.entries(summary).find(([k]) => k.startsWith('native') && k.includes(`(${nativeCores} thr)`));
  if (best)
    console.log(
      `${best[0]} vs PyTorch, same threads: TD3+BC ${(best[1].td3bc_steps_per_s / pytorch.td3bc_steps_per_s!).toFixed(2)}×, IQL ${(best[1].iql_steps_per_s / pytorch.iql_steps_per_s!).toFixed(2)}×`,
    );
} else {
  console.log(`pytorch: not measured (${python} -c "import torch" fails here; apt install python3-torch libopenblas0-openmp)`);
}
if (clockGHz > 0) {
  console.log(`peak: ${cpus().length} cores × 2 FMA × ${vectorFloats} floats × 2 × ${clockGHz.toFixed(2)} GHz (measured) = ${peakGflops.toFixed(0)} GFLOP/s`);
  for (const [k, s] of Object.entries(summary))
    if (k.startsWith('native'))
      console.log(
        `  ${k}: GEMM ${((100 * s.gemm256_gflops) / peakGflops).toFixed(0)}% of peak, TD3+BC ${((100 * s.td3bc_steps_per_s * TD3BC_GFLOP) / peakGflops).toFixed(0)}%`,
      );
}
for (const [kind, r] of Object.entries(ensembles))
  console.log(
    `ensemble update (${kind === 'twin-critic' ? '2 × 23-256-256-1' : '7 × 14-200×4-24'}, batch 256, ${nativeCores} thr): one batched call per layer ${r.batched.toFixed(0)} steps/s vs one call per member ${r.oneByOne.toFixed(0)} (${(r.batched / r.oneByOne).toFixed(2)}×)`,
  );
if (parallel)
  console.log(
    `parallel: ${parallel.processes} one-thread TD3+BC processes ${parallel.aggregate.toFixed(0)} steps/s in all vs one ${parallel.processes}-thread process ${parallel.oneProcessAllCores.toFixed(0)} (${(parallel.aggregate / parallel.oneProcessAllCores).toFixed(2)}×)`,
  );
const root = join(here, '..', '..', '..');
mkdirSync(join(root, 'bench-results'), { recursive: true });
const file = join(root, 'bench-results', 'nn.json');
writeFileSync(
  file,
  JSON.stringify(
    {
      date: new Date().toISOString(),
      cpu: cpus()[0]?.model,
      cores: cpus().length,
      node: process.version,
      rounds: ROUNDS,
      kernelSets: nativeSets,
      clockGHz,
      peakGflops,
      summary,
      samples: results,
      pytorch,
      parallel,
      ensembles,
    },
    null,
    2,
  ),
);
console.log(`wrote ${file}`);
