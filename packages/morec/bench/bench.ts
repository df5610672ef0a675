// nx run morec:bench — seconds per phase at hopper size (obs 11, act 3) on 100k synthetic transitions: one dynamics
// epoch (7 members, 4×200), adversarial dynamics-reward steps (400, i.e. the release's 40 snapshots; reported per
// 100), one filtered rollout round (2000 starts × 100 steps, 10 candidates scored by the 40 snapshots) and an
// unfiltered MOPO round (2000 × 5), 1000 SAC steps. Writes bench-results/morec.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Dataset, Rng } from '@orl/core';
import { createEngine } from '@orl/nn';
import { DynamicsEnsemble, DynamicsReward, SAC, rollout } from '../src/index.js';

const quick = process.argv.includes('--quick');
const N = quick ? 20_000 : 100_000,
  S = 11,
  A = 3;
const rng = new Rng(0);
const obs = rng.fillNormal(new Float32Array(N * S)) as Float32Array;
const act = rng.fillUniform(new Float32Array(N * A), -1, 1) as Float32Array;
const next = obs.map((v, i) => v + 0.05 * act[Math.floor(i / S) * A + (i % A)]! + 0.01 * rng.normal());
const data = new Dataset(
  {
    observations: obs,
    actions: act,
    rewards: act.filter((_, i) => i % A === 0),
    terminals: new Uint8Array(N),
    timeouts: new Uint8Array(N),
    nextObservations: next,
  },
  { obsDim: S, actDim: A },
);
const engine = createEngine();
const r: Record<string, number> = {};
let t = performance.now();
const dyn = new DynamicsEnsemble(engine, S, A, { maxEpochs: 1, patience: 1 });
dyn.fit(data);
r.dynamicsEpochSeconds = (performance.now() - t) / 1000;
t = performance.now();
const drSteps = quick ? 100 : 400;
const dr = new DynamicsReward(engine, S, A, { steps: drSteps, snapshotWindow: 400, snapshotEvery: 10 });
dr.train(dyn, data);
r.dynamicsReward100StepsSeconds = ((performance.now() - t) / 1000) * (100 / drSteps);
r.snapshots = dr.snapshots.length;
const sac = new SAC(engine, S, A);
const starts = obs.slice(0, (quick ? 200 : 2000) * S);
t = performance.now();
const roll = rollout(dyn, dr, (o, n) => sac.sample(o, n).action, starts, 'halfcheetah', { horizon: quick ? 20 : 100, earlyStop: false }, rng);
r.rolloutRoundSeconds = (performance.now() - t) / 1000;
r.rolloutTransitions = roll.size;
t = performance.now();
rollout(dyn, null, (o, n) => sac.sample(o, n).action, starts, 'halfcheetah', { horizon: 5, select: 'none' }, rng);
r.mopoRoundSeconds = (performance.now() - t) / 1000;
const B = 256;
const batch = {
  size: B,
  obsDim: S,
  actDim: A,
  observations: obs.slice(0, B * S),
  actions: act.slice(0, B * A),
  rewards: new Float32Array(B),
  nextObservations: next.slice(0, B * S),
  dones: new Float32Array(B),
  indices: new Uint32Array(B),
};
t = performance.now();
const steps = quick ? 100 : 1000;
for (let i = 0; i < steps; i++) sac.update(batch);
r.sac1000StepsSeconds = ((performance.now() - t) / 1000) * (1000 / steps);
console.log(`\n@orl/morec benchmark (hopper-sized) — ${engine.describe()}`);
console.log(
  `dynamics epoch on ${N} rows: ${r.dynamicsEpochSeconds.toFixed(1)} s | 100 dynamics-reward steps: ${r.dynamicsReward100StepsSeconds.toFixed(1)} s | filtered rollout round (${roll.size} transitions, ${r.snapshots} snapshots): ${r.rolloutRoundSeconds.toFixed(1)} s | MOPO round (h 5): ${r.mopoRoundSeconds.toFixed(2)} s | 1000 SAC steps: ${r.sac1000StepsSeconds.toFixed(1)} s`,
);
const root = join(import.meta.dirname, '..', '..', '..');
mkdirSync(join(root, 'bench-results'), { recursive: true });
writeFileSync(join(root, 'bench-results', 'morec.json'), JSON.stringify({ date: new Date().toISOString(), engine: engine.describe(), ...r }, null, 2));
