// Tape rewrite vs the hand-written update it replaces, side by side: steps/s of a full update (batch 256, 256-256,
// obs 17, act 6, sampling included) for each pair, interleaved in short rounds on one engine, medians and the ratio.
// Run by each algorithm's `bench:tape` script while its legacy copy exists; writes bench-results/<algo>-tape.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Dataset, Rng, StateNormalizer, UniformSampler, median, type Agent } from '@orl/core';
import { createEngine, loadNativeKernels, availableBackends, type Engine } from '@orl/nn';

export type MakeAgent = (engine: Engine, normalizer: StateNormalizer) => Agent;

export function benchTape(algo: string, variants: { tape: MakeAgent; legacy: MakeAgent }, dir: string): void {
  const rounds = Number(process.env.ROUNDS ?? 12);
  const N = 100_000,
    OBS = 17,
    ACT = 6;
  const rng = new Rng(0);
  const data = new Dataset(
    {
      observations: rng.fillNormal(new Float32Array(N * OBS)) as Float32Array,
      nextObservations: rng.fillNormal(new Float32Array(N * OBS)) as Float32Array,
      actions: rng.fillUniform(new Float32Array(N * ACT), -1, 1) as Float32Array,
      rewards: rng.fillNormal(new Float32Array(N)) as Float32Array,
      terminals: new Uint8Array(N),
      timeouts: new Uint8Array(N),
    },
    { obsDim: OBS, actDim: ACT },
  );
  const normalizer = StateNormalizer.fit(data.observations, OBS);
  const backend = availableBackends().includes('native') ? 'native' : 'wasm';
  if (backend === 'native') loadNativeKernels(1);
  const engine = createEngine({ backend, notice: false });
  const runs = (['tape', 'legacy'] as const).map((k) => ({ k, agent: variants[k](engine, normalizer), sampler: new UniformSampler(data, 256, 1) }));
  const samples: Record<string, number[]> = { tape: [], legacy: [] };
  const ratios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 ? [...runs].reverse() : runs;
    const perRound: Record<string, number> = {};
    for (const r of order) {
      for (let i = 0; i < 3; i++) r.agent.update(r.sampler.sample());
      let n = 0;
      const t0 = performance.now();
      while (performance.now() - t0 < 800) {
        r.agent.update(r.sampler.sample());
        n++;
      }
      perRound[r.k] = (n * 1000) / (performance.now() - t0);
      samples[r.k]!.push(perRound[r.k]!);
    }
    ratios.push(perRound.tape! / perRound.legacy!);
  }
  const summary = { tape: median(samples.tape!), legacy: median(samples.legacy!), ratio: median(ratios) };
  console.log(`${algo}: tape vs hand-written update, ${engine.describe()}, ${rounds} interleaved rounds, medians`);
  console.log(
    `  tape   ${summary.tape.toFixed(1)} steps/s\n  legacy ${summary.legacy.toFixed(1)} steps/s\n  ratio  ${summary.ratio.toFixed(3)} (median of per-round ratios)`,
  );
  mkdirSync(join(dir, 'bench-results'), { recursive: true });
  writeFileSync(
    join(dir, 'bench-results', `${algo}-tape.json`),
    JSON.stringify({ date: new Date().toISOString(), engine: engine.describe(), summary, samples, ratios }, null, 2),
  );
}
