// Evidence for MOREC on a suite dataset (default hopper-medium):
//  1. AUC of the dynamics reward: true vs perturbed next states on held-out transitions;
//  2. one-step selection: error of the candidate each rule picks (random = MOPO, softmax κ, argmax) on held-out rows;
//  3. rollout error against the real simulator at horizons 10/50/100 (behaviour-policy actions chosen on the model's
//     states, the same action sequence replayed in MuJoCo from the stored qpos/qvel): MLE model unfiltered (MOPO) vs
//     the adversarially trained model unfiltered / softmax / argmax;
// The fitted models are cached in runs/real/cache (a second call only redoes the measurements); scripts/scores.ts
// trains MOREC and plain MOPO policies on them.
// Usage: tsx --conditions=source scripts/evidence.ts [dataset] [modelRows] [starts] [dynamicsRewardSteps]
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { Rng, toTransitions, mean } from '@orl/core';
import { loadState, saveState } from '@orl/core/node';
import { readD4rl } from '@orl/d4rl-loader';
import { generate, recipe } from '@orl/dataset-suite';
import { makeEnv, shippedPolicy } from '@orl/mujoco-env';
import { createEngine } from '@orl/nn';
import { DynamicsEnsemble, DynamicsReward, auc, rollout } from '../src/index.js';

const name = process.argv[2] ?? 'hopper-medium';
const modelRows = Number(process.argv[3] ?? 100000);
const nStarts = Number(process.argv[4] ?? 100);
const drSteps = Number(process.argv[5] ?? 2000);
const out: Record<string, unknown> = { dataset: name, modelRows, starts: nStarts, dynamicsRewardSteps: drSteps };
const log = (m: string) => console.log(`[morec] ${m}`);
const g = await generate(name);
const { infos } = await readD4rl(g.path);
const raw = g.dataset;
const task = String(g.metadata.task);
const data = toTransitions(raw);
const S = data.obsDim,
  A = data.actDim;
const engine = createEngine();
const rng = new Rng(0);
const perm = rng.permutation(data.size);
const sub = data.select(perm.slice(0, modelRows));
const cache = `runs/real/cache/${name}-${modelRows}-v2`;
mkdirSync('runs/real/cache', { recursive: true });
let t = performance.now();
let mle: DynamicsEnsemble;
if (existsSync(`${cache}-dynamics.orl`)) {
  mle = DynamicsEnsemble.fromState(engine, loadState(`${cache}-dynamics.orl`));
  log('dynamics: cached');
} else {
  mle = new DynamicsEnsemble(engine, S, A, { maxEpochs: 30 });
  const fit = mle.fit(sub, (e, h) => log(`dynamics epoch ${e}: ${Math.min(...h).toFixed(5)}`));
  out.dynamics = { epochs: fit.epochs, elites: fit.elites, holdoutMse: fit.holdout, secondsPerEpoch: (performance.now() - t) / 1000 / fit.epochs };
  saveState(`${cache}-dynamics.orl`, mle.stateDict());
  log(`dynamics: ${JSON.stringify(out.dynamics)}`);
}
// The adversarial step changes the model: train it on a copy, keep the MLE model for the MOPO baseline.
let adv: DynamicsEnsemble, dr: DynamicsReward;
const drKey = drSteps === 2000 ? cache : `${cache}-d${drSteps}`;
if (existsSync(`${drKey}-dr.orl`)) {
  adv = DynamicsEnsemble.fromState(engine, loadState(`${drKey}-adv.orl`));
  dr = DynamicsReward.fromState(engine, loadState(`${drKey}-dr.orl`));
  log('dynamics reward: cached');
} else {
  t = performance.now();
  adv = DynamicsEnsemble.fromState(engine, mle.stateDict());
  dr = new DynamicsReward(engine, S, A, { steps: drSteps });
  const m = dr.train(adv, sub, (s, m) => s % 2000 === 0 && log(`dynamics reward step ${s}: ${JSON.stringify(m)}`));
  out.dynamicsReward = { seconds: (performance.now() - t) / 1000, last: m, snapshots: dr.snapshots.length };
  saveState(`${drKey}-adv.orl`, adv.stateDict());
  saveState(`${drKey}-dr.orl`, dr.stateDict());
}

// Held-out rows (never seen by the model or the discriminator).
const H = 2000;
const held = perm.slice(modelRows, modelRows + H);
const hs = new Float32Array(H * S),
  ha = new Float32Array(H * A),
  hd = new Float32Array(H * S);
held.forEach((i, k) => {
  hs.set(data.observations.subarray(i * S, (i + 1) * S), k * S);
  ha.set(data.actions.subarray(i * A, (i + 1) * A), k * A);
  for (let j = 0; j < S; j++) hd[k * S + j] = data.nextObservations![i * S + j]! - data.observations[i * S + j]!;
});
const sdDelta = new Float64Array(S);
for (let k = 0; k < H; k++) for (let j = 0; j < S; j++) sdDelta[j]! += hd[k * S + j]! ** 2 / H;
for (let j = 0; j < S; j++) sdDelta[j] = Math.sqrt(sdDelta[j]!);
// Per-dimension scale of observations, for an error that is not dominated by the velocity dims.
const sdObs = new Float64Array(S),
  muObs = new Float64Array(S);
for (let i = 0; i < sub.size; i++) for (let j = 0; j < S; j++) muObs[j]! += sub.observations[i * S + j]! / sub.size;
for (let i = 0; i < sub.size; i++) for (let j = 0; j < S; j++) sdObs[j]! += (sub.observations[i * S + j]! - muObs[j]!) ** 2 / sub.size;
for (let j = 0; j < S; j++) sdObs[j] = Math.sqrt(sdObs[j]!) + 1e-6;

// 1. AUC.
const truth = dr.score(hs, ha, hd, H);
out.auc = Object.fromEntries(
  [0.1, 0.3, 1].map((f) => {
    const bad = hd.map((d, i) => d + f * sdDelta[i % S]! * rng.normal());
    return [`perturb ${f}·std(Δs)`, auc(truth, dr.score(hs, ha, bad, H))];
  }),
);
log(`AUC: ${JSON.stringify(out.auc)}`);

// 2. One-step selection on held-out rows: 10 candidates (5 elites × 2) from the adversarial model.
{
  const { mean: mu, std } = adv.predict(hs, ha, H);
  const td = adv.targetDim,
    K = 2 * mu.length;
  const cands = Array.from({ length: K }, (_, j) => {
    const e = Math.floor(j / 2),
      v = new Float32Array(H * S);
    for (let r = 0; r < H; r++) for (let d = 0; d < S; d++) v[r * S + d] = mu[e]![r * td + d]! + std[e]![r * td + d]! * rng.normal();
    return v;
  });
  const scores = cands.map((v) => dr.score(hs, ha, v, H));
  const err = (v: Float32Array, r: number) => {
    let e = 0;
    for (let d = 0; d < S; d++) e += ((v[r * S + d]! - hd[r * S + d]!) / sdDelta[d]!) ** 2;
    return Math.sqrt(e);
  };
  const pick: Record<string, number[]> = { random: [], 'softmax κ=0.1': [], 'softmax κ=0.03': [], argmax: [], 'best possible (oracle)': [] };
  let spread = 0;
  for (let r = 0; r < H; r++) {
    const e = cands.map((v) => err(v, r)),
      s = scores.map((x) => x[r]!);
    pick.random!.push(mean(e));
    for (const [key, kappa] of [
      ['softmax κ=0.1', 0.1],
      ['softmax κ=0.03', 0.03],
    ] as const) {
      const mx = Math.max(...s),
        w = s.map((x) => Math.exp((x - mx) / kappa)),
        z = w.reduce((a, b) => a + b, 0);
      pick[key]!.push(w.reduce((acc, wi, j) => acc + (wi / z) * e[j]!, 0)); // expected error of the softmax pick
    }
    pick.argmax!.push(e[s.indexOf(Math.max(...s))]!);
    pick['best possible (oracle)']!.push(Math.min(...e));
    spread += (Math.max(...s) - Math.min(...s)) / H;
  }
  out.oneStepError = Object.fromEntries(Object.entries(pick).map(([k, v]) => [k, mean(v)]));
  const allCand = scores.flatMap((x) => Array.from(x));
  const q = (v: number[], p: number) => [...v].sort((a, b) => a - b)[Math.floor(p * (v.length - 1))]!;
  const realRd = Array.from(truth);
  out.rdScale = {
    real: {
      mean: mean(realRd),
      p10: q(realRd, 0.1),
      median: q(realRd, 0.5),
      p90: q(realRd, 0.9),
      below06: realRd.filter((x) => x < 0.6).length / realRd.length,
    },
    modelCandidates: {
      mean: mean(allCand),
      p10: q(allCand, 0.1),
      median: q(allCand, 0.5),
      p90: q(allCand, 0.9),
      below06: allCand.filter((x) => x < 0.6).length / allCand.length,
    },
  };
  log(`r_D scale: ${JSON.stringify(out.rdScale)}`);
  out.oneStepRdSpread = spread;
  log(`one-step normalized error of the pick (held-out): ${JSON.stringify(out.oneStepError)}; mean r_D range among candidates ${spread.toFixed(3)}`);
}

// 3. Rollout error vs the simulator.
const seg = recipe(name).segments.at(-1)!;
const behaviour = await shippedPolicy(seg.policy);
const env = await makeEnv(task);
const nq = infos.qpos!.length / raw.size,
  nv = infos.qvel!.length / raw.size;
// Start states with at least 100 more steps in the same episode (so the data's own trajectory is a valid baseline).
const startRows: number[] = [];
while (startRows.length < nStarts) {
  const i = rng.int(raw.size - 101);
  let ok = true;
  for (let k = i; k < i + 100; k++) if (raw.terminals[k] || raw.timeouts[k]) ok = false;
  if (ok) startRows.push(i);
}
const starts = new Float32Array(nStarts * S);
startRows.forEach((i, k) => starts.set(raw.observations.subarray(i * S, (i + 1) * S), k * S));
const HORIZONS = [10, 50, 100];
const conditions = [
  { key: 'MOPO: MLE model, random candidate', model: mle, select: 'none' as const },
  { key: 'adversarial model, random candidate', model: adv, select: 'none' as const },
  { key: 'MOREC: adversarial model, softmax κ=0.1', model: adv, select: 'softmax' as const },
  { key: 'adversarial model, argmax', model: adv, select: 'argmax' as const },
  { key: 'MLE model, softmax κ=0.1', model: mle, select: 'softmax' as const },
];
const rolloutError: Record<string, Record<string, unknown>> = {};
// Per-start normalized errors, for paired MOREC − MOPO differences on the same start states.
const perStart: Record<string, Record<string, Record<number, number[]>>> = {};
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? NaN;
for (const source of ['logged', 'behaviour'] as const) {
  rolloutError[source] = {};
  for (const c of conditions) {
    const actRng = new Rng(123);
    let step = 0;
    // 'logged': the dataset's own next 100 actions (open loop); 'behaviour': the behaviour policy on the model's states.
    const policy = (o: Float32Array, n: number) => {
      const a = new Float32Array(n * A);
      for (let r = 0; r < n; r++) {
        if (source === 'logged') a.set(raw.actions.subarray((startRows[r]! + step) * A, (startRows[r]! + step + 1) * A), r * A);
        else behaviour.sample(o.subarray(r * S, (r + 1) * S), actRng, seg.noise, a.subarray(r * A, (r + 1) * A));
      }
      step++;
      return a;
    };
    // No termination function and no early stop: every rollout runs the full horizon, rows stay in order.
    const roll = rollout(
      c.model,
      c.select === 'none' ? null : dr,
      policy,
      starts,
      'halfcheetah',
      { horizon: 100, select: c.select, earlyStop: false, penalty: 0 },
      new Rng(7),
    );
    const l2: Record<number, number[]> = {},
      norm: Record<number, number[]> = {};
    for (const h of HORIZONS) (l2[h] = []), (norm[h] = []);
    let fell = 0;
    for (let k = 0; k < nStarts; k++) {
      const i = startRows[k]!;
      env.reset({ seed: 0 });
      env.setState(infos.qpos!.subarray(i * nq, (i + 1) * nq), infos.qvel!.subarray(i * nv, (i + 1) * nv), 0);
      for (let h = 0; h < 100; h++) {
        const row = h * nStarts + k;
        const r = env.step(roll.actions.subarray(row * A, (row + 1) * A));
        if (HORIZONS.includes(h + 1)) {
          let e = 0,
            en = 0;
          for (let j = 0; j < S; j++) {
            const d = roll.nextObservations[row * S + j]! - r.observation[j]!;
            e += d * d;
            en += (d / sdObs[j]!) ** 2;
          }
          l2[h + 1]!.push(Math.sqrt(e));
          norm[h + 1]!.push(Math.sqrt(en));
        }
        if (r.terminated) {
          fell++;
          break;
        }
      }
    }
    const res: Record<string, unknown> = Object.fromEntries(
      HORIZONS.map((h) => [h, { meanL2: mean(l2[h]!), medianL2: median(l2[h]!), meanNormalizedL2: mean(norm[h]!), n: l2[h]!.length }]),
    );
    res.simulatorTerminated = fell;
    if (c.select !== 'none') res.meanRdChosen = roll.meanRewardD;
    rolloutError[source]![c.key] = res;
    (perStart[source] ??= {})[c.key] = norm;
    log(
      `${source} actions, ${c.key}: ${HORIZONS.map((h) => `h${h} ${mean(l2[h]!).toFixed(2)} (norm ${mean(norm[h]!).toFixed(2)}, n ${l2[h]!.length})`).join(' | ')}${c.select !== 'none' ? ` r_D ${roll.meanRewardD.toFixed(2)}` : ''}`,
    );
  }
}
env.close();
out.rolloutError = rolloutError;
// Paired difference (logged actions: every start reaches every horizon): MOREC − MOPO, mean ± standard error.
{
  const a = perStart.logged![conditions[2]!.key]!,
    b = perStart.logged![conditions[0]!.key]!;
  out.pairedDifference = Object.fromEntries(
    HORIZONS.map((h) => {
      const d = a[h]!.map((v, k) => v - b[h]![k]!);
      const m = mean(d),
        se = Math.sqrt(d.reduce((acc, x) => acc + (x - m) ** 2, 0) / (d.length - 1) / d.length);
      return [h, { mean: m, se, moreSmaller: d.filter((x) => x < 0).length / d.length }];
    }),
  );
  log(`paired normalized-error difference MOREC − MOPO (logged actions): ${JSON.stringify(out.pairedDifference)}`);
}

writeFileSync(`runs/real/morec-evidence-${name}${drSteps === 2000 ? '' : `-d${drSteps}`}.json`, JSON.stringify(out, null, 2));
console.log(JSON.stringify(out, null, 2));
