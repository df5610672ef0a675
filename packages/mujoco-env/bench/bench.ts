// nx run mujoco-env:bench — env steps/s per task (single env and a VecEnv of 8), the same loop in native MuJoCo where
// Debian's libmujoco-dev is installed (ratio), and the WASM heap before/after 1M env steps. Writes
// bench-results/mujoco-env.json.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from '@orl/core';
import { heapBytes, loadMujoco, makeEnv, makeVecEnv, versionString, type Task } from '../src/index.js';
import { MODEL_XML } from '../src/assets.js';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const tasks: [Task, number][] = [
  ['hopper', 4],
  ['walker2d', 4],
  ['halfcheetah', 5],
];
const STEPS = quick ? 5_000 : 20_000;
const ROUNDS = quick ? 1 : 3;
const mj = await loadMujoco();

async function single(task: Task, steps: number): Promise<number> {
  const env = await makeEnv(task);
  const a = new Float64Array(env.spec.actDim);
  env.reset({ seed: 0 });
  const t0 = performance.now();
  for (let t = 0; t < steps; t++) {
    for (let i = 0; i < a.length; i++) a[i] = 0.5 * Math.sin(0.01 * t + i);
    const r = env.step(a);
    if (r.terminated || r.truncated) env.reset();
  }
  const rate = steps / ((performance.now() - t0) / 1000);
  env.close();
  return rate;
}

async function vectorized(task: Task, steps: number, n = 8): Promise<number> {
  const vec = await makeVecEnv(task, n);
  const a = new Float32Array(n * vec.actDim);
  vec.reset(0);
  const t0 = performance.now();
  for (let t = 0; t < steps / n; t++) {
    for (let i = 0; i < a.length; i++) a[i] = 0.5 * Math.sin(0.01 * t + i);
    vec.step(a);
  }
  const rate = steps / ((performance.now() - t0) / 1000);
  vec.close();
  return rate;
}

function nativeLoop(): ((task: Task, frameSkip: number, steps: number) => { steps_per_s: number; version: string }) | null {
  if (!existsSync('/usr/include/mujoco/mujoco.h')) return null;
  const dir = mkdtempSync(join(tmpdir(), 'orl-mj-'));
  const bin = join(dir, 'native_loop');
  try {
    execFileSync('gcc', ['-O2', join(here, 'native_loop.c'), '-o', bin, '-lmujoco', '-lm']);
  } catch {
    return null;
  }
  return (task, frameSkip, steps) => {
    const xml = join(dir, `${task}.xml`);
    writeFileSync(xml, MODEL_XML[task]);
    return JSON.parse(execFileSync(bin, [xml, String(frameSkip), String(steps)], { encoding: 'utf8' }));
  };
}

const native = nativeLoop();
const results: Record<string, { single: number[]; vec8: number[]; native: number[] }> = {};
let nativeVersion: string | null = null;
for (let round = 0; round < ROUNDS; round++) {
  for (const [task, fs] of tasks) {
    const r = (results[task] ??= { single: [], vec8: [], native: [] });
    r.single.push(await single(task, STEPS));
    r.vec8.push(await vectorized(task, STEPS));
    if (native) {
      const n = native(task, fs, STEPS);
      nativeVersion = n.version;
      r.native.push(n.steps_per_s);
    }
  }
}

// Memory: 1M env steps (with resets) in one env; the heap must not grow.
const MEM_STEPS = quick ? 100_000 : 1_000_000;
const env = await makeEnv('halfcheetah');
env.reset({ seed: 0 });
const heapBefore = heapBytes(mj);
const a = new Float64Array(6);
const tMem = performance.now();
for (let t = 0; t < MEM_STEPS; t++) {
  a[t % 6] = Math.sin(t);
  const r = env.step(a);
  if (r.terminated || r.truncated) env.reset();
}
const memSeconds = (performance.now() - tMem) / 1000;
const heapAfter = heapBytes(mj);
env.close();

console.log(`\n@orl/mujoco-env benchmark — MuJoCo ${versionString(mj)} (WASM), ${cpus()[0]?.model} , node ${process.version}, medians of ${ROUNDS}`);
console.log(
  'task'.padEnd(13) +
    'single steps/s'.padStart(16) +
    'VecEnv(8) steps/s'.padStart(19) +
    (native ? `${`native ${nativeVersion} steps/s`.padStart(26)}  wasm/native` : ''),
);
const summary: Record<string, Record<string, number | null>> = {};
for (const [task] of tasks) {
  const r = results[task]!;
  const s = median(r.single),
    v = median(r.vec8),
    n = native ? median(r.native) : null;
  summary[task] = { single_steps_per_s: s, vec8_steps_per_s: v, native_steps_per_s: n, ratio_vs_native: n ? s / n : null };
  console.log(task.padEnd(13) + s.toFixed(0).padStart(16) + v.toFixed(0).padStart(19) + (n ? `${n.toFixed(0).padStart(26)}  ${(s / n).toFixed(2)}×` : ''));
}
if (!native) console.log('native: not measured (install Debian libmujoco-dev for the native reference loop)');
console.log(
  `memory: ${MEM_STEPS.toLocaleString()} halfcheetah steps in ${memSeconds.toFixed(1)} s; WASM heap ${(heapBefore / 2 ** 20).toFixed(1)} MiB before, ${(heapAfter / 2 ** 20).toFixed(1)} MiB after`,
);
const root = join(here, '..', '..', '..');
mkdirSync(join(root, 'bench-results'), { recursive: true });
const file = join(root, 'bench-results', 'mujoco-env.json');
writeFileSync(
  file,
  JSON.stringify(
    {
      date: new Date().toISOString(),
      mujoco: versionString(mj),
      nativeVersion,
      summary,
      samples: results,
      memory: { steps: MEM_STEPS, heapBefore, heapAfter, seconds: memSeconds },
    },
    null,
    2,
  ),
);
console.log(`wrote ${file}`);
