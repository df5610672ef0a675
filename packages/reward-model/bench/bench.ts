// nx run reward-model:bench — fit time on 10k labelled rows (hopper-sized: obs 11, act 3, (s, a, s') features) and
// imputation throughput on 1M rows (target < 1 s), per backend. Writes bench-results/reward-model.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Dataset, Rng } from '@orl/core';
import { availableBackends, createEngine } from '@orl/nn';
import { RewardModel, REWARD_MODEL_DEFAULTS } from '../src/index.js';

function data(n: number, labelled: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const obs = rng.fillNormal(new Float32Array(n * 11)) as Float32Array;
  const next = rng.fillNormal(new Float32Array(n * 11)) as Float32Array;
  const act = rng.fillUniform(new Float32Array(n * 3), -1, 1) as Float32Array;
  const mask = new Uint8Array(n);
  for (let i = 0; i < labelled; i++) mask[rng.int(n)] = 1;
  const rew = new Float32Array(n);
  for (let i = 0; i < n; i++) rew[i] = mask[i] ? Math.tanh(obs[i * 11]!) + act[i * 3]! ** 2 : NaN;
  return new Dataset(
    { observations: obs, actions: act, rewards: rew, terminals: new Uint8Array(n), timeouts: new Uint8Array(n), nextObservations: next, rewardMask: mask },
    { obsDim: 11, actDim: 3 },
  );
}

const quick = process.argv.includes('--quick');
const small = data(100_000, 10_000, 1);
const big = data(1_000_000, 10_000, 2);
const results: Record<string, Record<string, number>> = {};
for (const backend of availableBackends().filter((b) => b !== 'js')) {
  const model = new RewardModel({ epochs: quick ? 5 : 50, patience: 1000 }, { engine: createEngine({ backend }) });
  const fit = model.fit(small);
  const epochs = fit.epochs[0]!;
  model.impute(big); // warm-up
  const runs = [0, 1, 2].map(() => model.impute(big).report.seconds).sort((a, b) => a - b);
  results[backend] = { fitSeconds: fit.seconds, epochs, secondsPerEpoch: fit.seconds / epochs, labelledRows: fit.labelledRows, impute1MSeconds: runs[1]! };
}
console.log(
  `\n@orl/reward-model benchmark — defaults (hidden ${REWARD_MODEL_DEFAULTS.hidden.join('-')}, batch ${REWARD_MODEL_DEFAULTS.batchSize}, (s, a, s') features, hopper dims)`,
);
for (const [b, r] of Object.entries(results)) {
  console.log(
    `${b.padEnd(8)} fit ${r.labelledRows} labelled rows: ${r.secondsPerEpoch!.toFixed(3)} s/epoch (${r.epochs} epochs, ${r.fitSeconds!.toFixed(1)} s) | impute 1M rows: ${r.impute1MSeconds!.toFixed(2)} s (target < 1 s)`,
  );
}
const root = join(import.meta.dirname, '..', '..', '..');
mkdirSync(join(root, 'bench-results'), { recursive: true });
writeFileSync(join(root, 'bench-results', 'reward-model.json'), JSON.stringify({ date: new Date().toISOString(), results }, null, 2));
