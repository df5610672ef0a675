// nx run d4rl-loader:bench — load a 1M-transition hopper-sized D4RL file (observations, next_observations, actions,
// rewards, flags, infos/qpos+qvel as float64). Targets: < 2 s, peak memory < 1.5× the raw array bytes. The load runs
// in a child process that measures its own peak RSS above a warm baseline. Writes bench-results/d4rl-loader.json.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Dataset, Rng } from '@orl/core';
import { writeD4rl } from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const N = process.argv.includes('--quick') ? 200_000 : 1_000_000;

if (process.argv.includes('--child')) {
  const { readD4rl } = await import('../src/index.js');
  const { loadH5 } = await import('../src/h5.js');
  const path = process.argv[process.argv.indexOf('--child') + 1]!;
  await loadH5(); // the WASM module's own start-up is not part of loading a file
  global.gc?.();
  const base = process.resourceUsage().maxRSS * 1024;
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  const r = await readD4rl(path);
  const seconds = (performance.now() - t0) / 1000;
  const d = r.dataset;
  const raw =
    d.observations.byteLength +
    d.actions.byteLength +
    d.rewards.byteLength +
    d.terminals.byteLength +
    d.timeouts.byteLength +
    (d.nextObservations?.byteLength ?? 0) +
    Object.values(r.infos).reduce((s, a) => s + a.byteLength, 0);
  const peak = process.resourceUsage().maxRSS * 1024;
  console.log(JSON.stringify({ seconds, rawBytes: raw, peakAboveBaseline: peak - Math.max(base, rssBefore), rows: d.size }));
  process.exit(0);
}

const file = join(tmpdir(), `orl-bench-hopper-${N}.hdf5`);
if (!existsSync(file)) {
  const rng = new Rng(0);
  const obs = rng.fillNormal(new Float32Array(N * 11)) as Float32Array;
  const next = rng.fillNormal(new Float32Array(N * 11)) as Float32Array;
  const act = rng.fillUniform(new Float32Array(N * 3), -1, 1) as Float32Array;
  const rew = rng.fillNormal(new Float32Array(N)) as Float32Array;
  const term = new Uint8Array(N),
    to = new Uint8Array(N);
  for (let i = 999; i < N; i += 1000) to[i] = 1;
  const d = new Dataset({ observations: obs, actions: act, rewards: rew, terminals: term, timeouts: to, nextObservations: next }, { obsDim: 11, actDim: 3 });
  await writeD4rl(file, d, { infos: { qpos: new Float64Array(N * 6), qvel: new Float64Array(N * 6) }, metadata: { algorithm: 'bench' } });
}
const runs = [0, 1, 2].map(() =>
  JSON.parse(
    execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--conditions=source', fileURLToPath(import.meta.url), '--child', file], {
      encoding: 'utf8',
    })
      .trim()
      .split('\n')
      .at(-1)!,
  ),
);
runs.sort((a, b) => a.seconds - b.seconds);
const med = runs[1]!;
const ratio = (med.rawBytes + med.peakAboveBaseline) / med.rawBytes;
console.log(`\n@orl/d4rl-loader benchmark — ${N.toLocaleString()} rows, file ${(statSync(file).size / 2 ** 20).toFixed(0)} MiB`);
console.log(`load: ${med.seconds.toFixed(2)} s (median of 3; target < 2 s)`);
console.log(
  `raw array bytes ${(med.rawBytes / 2 ** 20).toFixed(0)} MiB; peak RSS growth ${(med.peakAboveBaseline / 2 ** 20).toFixed(0)} MiB = ${(med.peakAboveBaseline / med.rawBytes).toFixed(2)}× raw (target < 1.5×)`,
);
const root = join(here, '..', '..', '..');
mkdirSync(join(root, 'bench-results'), { recursive: true });
writeFileSync(
  join(root, 'bench-results', 'd4rl-loader.json'),
  JSON.stringify(
    { date: new Date().toISOString(), rows: N, runs, median: med, peakOverRaw: med.peakAboveBaseline / med.rawBytes, totalOverRaw: ratio },
    null,
    2,
  ),
);
