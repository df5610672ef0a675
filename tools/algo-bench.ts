// Shared by every algorithm's `nx run <algo>:bench`: steps/s of a complete update (obs 17, act 6, the algorithm's own
// networks and batch size) including sampling from a 1M-transition dataset, per backend (interleaved rounds, medians),
// and memory per million transitions. Writes bench-results/<algo>.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Dataset, Rng, StateNormalizer, UniformSampler, median, type Agent } from '@orl/core';
import { availableBackends, createEngine, loadNativeKernels, type Engine } from '@orl/nn';

export interface AlgoBenchOptions {
  /** Transitions per update (default 256, CORL's for TD3+BC, IQL, CQL, AWAC, BC; ReBRAC uses 1024). */
  batchSize?: number;
  /** Batches carry the dataset's next actions (ReBRAC). */
  nextActions?: boolean;
  /** What the networks are, for the printout. */
  shape?: string;
  /** Skip the WebAssembly variants (algorithms slower than a few steps/s there would take minutes per round). */
  nativeOnly?: boolean;
}

export async function benchAlgorithm(
  algo: string,
  make: (engine: Engine, normalizer: StateNormalizer) => Agent,
  /** The speed this algorithm should reach on one core of the reference machine class, where one is known. */
  targetStepsPerS: number | undefined,
  options: AlgoBenchOptions = {},
): Promise<void> {
  const { batchSize = 256, nextActions = false, shape = '256-256', nativeOnly = false } = options;
  const quick = process.argv.includes('--quick');
  const N = 1_000_000,
    OBS = 17,
    ACT = 6;
  global.gc?.();
  const before = process.memoryUsage().arrayBuffers;
  const rng = new Rng(0);
  const observations = rng.fillNormal(new Float32Array(N * OBS)) as Float32Array;
  const nextObservations = rng.fillNormal(new Float32Array(N * OBS)) as Float32Array;
  const terminals = new Uint8Array(N);
  if (nextActions) {
    // Next actions exist only where each next state is the next row's state: make the rows one long episode.
    nextObservations.set(observations.subarray(OBS));
    terminals[N - 1] = 1;
  }
  const data = new Dataset(
    {
      observations,
      nextObservations,
      actions: rng.fillUniform(new Float32Array(N * ACT), -1, 1) as Float32Array,
      rewards: rng.fillNormal(new Float32Array(N)) as Float32Array,
      terminals,
      timeouts: new Uint8Array(N),
    },
    { obsDim: OBS, actDim: ACT },
  );
  const bytesPerMillion = process.memoryUsage().arrayBuffers - before;
  const normalizer = StateNormalizer.fit(data.observations, OBS);
  const variants: { label: string; setup: () => void; engine: () => Engine }[] = [];
  const backends = availableBackends();
  if (backends.includes('native')) {
    // One kernel thread per core (at most 8, the pool's size): more would only wait for a core.
    const cores = Math.min(8, availableParallelism());
    variants.push({ label: 'native (all cores)', setup: () => loadNativeKernels(cores), engine: () => createEngine({ backend: 'native' }) });
    variants.push({ label: 'native (1 thread)', setup: () => loadNativeKernels(1), engine: () => createEngine({ backend: 'native' }) });
  }
  if (!nativeOnly) {
    variants.push({ label: 'wasm', setup: () => undefined, engine: () => createEngine({ backend: 'wasm' }) });
    variants.push({ label: 'wasm (2 threads)', setup: () => undefined, engine: () => createEngine({ backend: 'wasm', threads: 2 }) });
  }
  const runs = variants.map((v) => {
    v.setup();
    return { v, agent: make(v.engine(), normalizer), sampler: new UniformSampler(data, batchSize, 1, { nextActions }) };
  });
  const samples: Record<string, number[]> = {};
  for (let round = 0; round < (quick ? 1 : 3); round++) {
    for (const r of runs) {
      r.v.setup();
      for (let i = 0; i < 5; i++) r.agent.update(r.sampler.sample());
      let n = 0;
      const t0 = performance.now();
      while (performance.now() - t0 < (quick ? 700 : 2000)) {
        r.agent.update(r.sampler.sample());
        n++;
      }
      (samples[r.v.label] ??= []).push((n * 1000) / (performance.now() - t0));
    }
  }
  console.log(`\n${algo} benchmark — full update incl. sampling from 1M transitions (batch ${batchSize}, ${shape}, obs 17, act 6); medians`);
  const summary: Record<string, number> = {};
  for (const [k, v] of Object.entries(samples)) {
    summary[k] = median(v);
    console.log(`${k.padEnd(20)} ${median(v).toFixed(1).padStart(8)} steps/s`);
  }
  if (targetStepsPerS !== undefined) console.log(`target (one core of this machine class): ≥ ${targetStepsPerS} steps/s`);
  console.log(`memory: ${(bytesPerMillion / 2 ** 20).toFixed(0)} MiB per million transitions (obs + next obs + actions + reward + flags, float32)`);
  const root = join(import.meta.dirname, '..');
  mkdirSync(join(root, 'bench-results'), { recursive: true });
  writeFileSync(
    join(root, 'bench-results', `${algo}.json`),
    JSON.stringify({ date: new Date().toISOString(), batchSize, shape, summary, samples, bytesPerMillionTransitions: bytesPerMillion }, null, 2),
  );
}
