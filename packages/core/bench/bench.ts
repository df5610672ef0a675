// nx run core:bench — throughput of the pieces every training step uses: RNG, uniform sampling of a 256-row batch
// from 1M transitions (hopper-sized), state normalization. Writes bench-results/core.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Dataset, Rng, StateNormalizer, UniformSampler } from '../src/index.js';

const rate = (fn: () => void, ms = 800) => {
  for (let i = 0; i < 100; i++) fn();
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    fn();
    n++;
  }
  return (n * 1000) / (performance.now() - t0);
};
const N = 1_000_000;
const rng = new Rng(0);
const data = new Dataset(
  {
    observations: rng.fillNormal(new Float32Array(N * 11)) as Float32Array,
    nextObservations: rng.fillNormal(new Float32Array(N * 11)) as Float32Array,
    actions: new Float32Array(N * 3),
    rewards: new Float32Array(N),
    terminals: new Uint8Array(N),
    timeouts: new Uint8Array(N),
  },
  { obsDim: 11, actDim: 3 },
);
const sampler = new UniformSampler(data, 256, 1);
const norm = StateNormalizer.fit(data.observations, 11);
const batch = sampler.sample();
const out = new Float32Array(256 * 11);
const r = new Rng(1);
const results = {
  rng_normals_per_s: rate(() => r.normal()),
  batches_per_s: rate(() => sampler.sample()),
  normalize_batches_per_s: rate(() => norm.normalize(batch.observations, out)),
};
console.log(`\n@orl/core benchmark`);
console.log(
  `RNG normals/s ${(results.rng_normals_per_s / 1e6).toFixed(1)} M | sample 256 rows from 1M: ${results.batches_per_s.toFixed(0)} batches/s | normalize 256×11: ${results.normalize_batches_per_s.toFixed(0)}/s`,
);
const root = join(import.meta.dirname, '..', '..', '..');
mkdirSync(join(root, 'bench-results'), { recursive: true });
writeFileSync(join(root, 'bench-results', 'core.json'), JSON.stringify({ date: new Date().toISOString(), ...results }, null, 2));
