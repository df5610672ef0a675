// Evidence for MOREC on a suite dataset (default hopper-medium), with the budget given on the command line:
//  1. AUC of the dynamics reward: true vs perturbed next states on held-out transitions;
//  2. rollout error against the real simulator at horizons 10/50/100: filtered (softmax, no early stop) vs unfiltered;
//  3. normalized score of MOREC vs plain MOPO after N SAC steps.
// Usage: tsx --conditions=source scripts/evidence.ts [dataset] [sacSteps] [modelRows]
import { mkdirSync, writeFileSync } from 'node:fs';
import { Rng, toTransitions, mean } from '@orl/core';
import { readD4rl } from '@orl/d4rl-loader';
import { generate } from '@orl/dataset-suite';
import { makeEnv } from '@orl/mujoco-env';
import { createEngine } from '@orl/nn';
import { DynamicsEnsemble, DynamicsReward, auc, rollout, trainMorec } from '../src/index.js';

const name = process.argv[2] ?? 'hopper-medium';
const sacSteps = Number(process.argv[3] ?? 20000);
const modelRows = Number(process.argv[4] ?? 100000);
const out: Record<string, unknown> = { dataset: name, sacSteps, modelRows };
const log = (m: string) => console.log(`[morec] ${m}`);
const g = await generate(name);
const { infos } = await readD4rl(g.path);
const raw = g.dataset;
const task = String(g.metadata.task);
const data = toTransitions(raw);
const engine = createEngine();
const rng = new Rng(0);
const sub = data.select(rng.permutation(data.size).slice(0, modelRows));
let t = performance.now();
const dyn = new DynamicsEnsemble(engine, data.obsDim, data.actDim, { maxEpochs: 30 });
const fit = dyn.fit(sub);
out.dynamics = { epochs: fit.epochs, elites: fit.elites, holdoutMse: fit.holdout, seconds: (performance.now() - t) / 1000, secondsPerEpoch: (performance.now() - t) / 1000 / fit.epochs };
log(`dynamics: ${JSON.stringify(out.dynamics)}`);
t = performance.now();
const dr = new DynamicsReward(engine, data.obsDim, data.actDim, { steps: 1000, snapshotWindow: 400 });
dr.train(dyn, sub);
out.dynamicsRewardSeconds = (performance.now() - t) / 1000;
// 1. AUC on rows not used for the model.
const S = data.obsDim;
const held = Array.from({ length: 2000 }, () => rng.int(data.size));
const hs = new Float32Array(2000 * S), ha = new Float32Array(2000 * data.actDim), hd = new Float32Array(2000 * S);
held.forEach((i, k) => {
  hs.set(data.observations.subarray(i * S, (i + 1) * S), k * S);
  ha.set(data.actions.subarray(i * data.actDim, (i + 1) * data.actDim), k * data.actDim);
  for (let j = 0; j < S; j++) hd[k * S + j] = data.nextObservations![i * S + j]! - data.observations[i * S + j]!;
});
const sd = new Float64Array(S);
for (let k = 0; k < 2000; k++) for (let j = 0; j < S; j++) sd[j]! += hd[k * S + j]! ** 2 / 2000;
const truth = dr.score(hs, ha, hd, 2000);
out.auc = Object.fromEntries([0.1, 0.3, 1].map((f) => {
  const bad = hd.map((d, i) => d + f * Math.sqrt(sd[i % S]!) * rng.normal());
  return [`perturb ${f}·std(Δs)`, auc(truth, dr.score(hs, ha, bad, 2000))];
}));
log(`AUC: ${JSON.stringify(out.auc)}`);
// 2. Rollout error vs the simulator: replay the model's action sequence from the same start state in MuJoCo.
const env = await makeEnv(task);
const nq = infos.qpos!.length / raw.size, nv = infos.qvel!.length / raw.size;
const starts = Array.from({ length: 50 }, () => rng.int(raw.size - 1));
const errors: Record<string, Record<number, number>> = {};
for (const mode of ['none', 'softmax'] as const) {
  const errs: Record<number, number[]> = { 10: [], 50: [], 100: [] };
  for (const i of starts) {
    const s0 = raw.observations.slice(i * S, (i + 1) * S);
    const actions: Float32Array[] = [];
    const actRng = new Rng(i);
    const policy = (_o: Float32Array, n: number) => {
      const a = actRng.fillUniform(new Float32Array(n * data.actDim), -0.5, 0.5) as Float32Array;
      actions.push(a.slice());
      return a;
    };
    const roll = rollout(dyn, mode === 'none' ? null : dr, policy, s0, 'halfcheetah' /* no termination: fixed horizon */, { horizon: 100, select: mode, earlyStop: false, penalty: 0 }, new Rng(i + 1));
    env.reset({ seed: 0 });
    env.setState(infos.qpos!.subarray(i * nq, (i + 1) * nq), infos.qvel!.subarray(i * nv, (i + 1) * nv), 0);
    for (let h = 0; h < 100; h++) {
      let r;
      try {
        r = env.step(actions[h]!);
      } catch {
        break;
      }
      if ([10, 50, 100].includes(h + 1)) {
        let e = 0;
        for (let j = 0; j < S; j++) e += (roll.nextObservations[h * S + j]! - r.observation[j]!) ** 2;
        errs[h + 1]!.push(Math.sqrt(e));
      }
      if (r.terminated || r.truncated) break;
    }
  }
  errors[mode === 'none' ? 'unfiltered (MOPO)' : 'filtered (MOREC softmax)'] = Object.fromEntries(Object.entries(errs).map(([h, v]) => [h, v.length ? mean(v) : NaN]));
}
env.close();
out.rolloutError = errors;
log(`rollout L2 error vs simulator: ${JSON.stringify(errors)}`);
// 3. MOREC vs MOPO scores.
if (sacSteps > 0) {
  for (const select of ['softmax', 'none'] as const) {
    t = performance.now();
    const r = await trainMorec(data.with({}, { ...data.metadata, task }), { rollout: { select, horizon: select === 'none' ? 5 : 100 }, rolloutBatch: 500 }, { steps: sacSteps, evalEvery: Math.max(1000, sacSteps / 4), evalEpisodes: 5, maxModelRows: modelRows, dynamics: { maxEpochs: 30 }, dynamicsReward: { steps: 1000 }, log, progress: false });
    (out.scores ??= {} as Record<string, unknown>) && ((out.scores as Record<string, unknown>)[select === 'none' ? 'MOPO' : 'MOREC'] = { normalized: r.loop.lastEval?.['eval/normalized_score'], seconds: (performance.now() - t) / 1000 });
    log(`${select}: ${JSON.stringify((out.scores as Record<string, unknown>)[select === 'none' ? 'MOPO' : 'MOREC'])}`);
  }
}
mkdirSync('runs/real', { recursive: true });
writeFileSync(`runs/real/morec-evidence-${name}.json`, JSON.stringify(out, null, 2));
console.log(JSON.stringify(out, null, 2));
