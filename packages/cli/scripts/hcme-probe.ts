// Protocol check for the open question on the generated halfcheetah-medium-expert (10% scale): BC scores ≈ 69 there
// while IQL (β = 3) and TD3+BC with all rewards stay near 0–9 from their first evaluation. This trains IQL for a few
// thousand steps with β = 3 and β = 0 (plain BC), then measures, separately on the medium and the expert episodes:
// how far the policy's mean action is from the data's, how often either sits at the action bounds, the advantage
// weights exp(βA) the actor is trained with, and which episodes' rows carry them; plus an evaluation in which every
// action is recorded (fraction at the bounds) and every state's torso pitch (fraction of steps on its back).
//   npx tsx --conditions=source packages/cli/scripts/hcme-probe.ts [steps=5000] [out.json]
import { writeFileSync } from 'node:fs';
import { mean, normalizedScore, type Policy } from '@orl/core';
import { trainIQL } from '@orl/iql/node';
import { trainTD3BC } from '@orl/td3bc/node';
import { evaluate, halfCheetahFractionOnItsBack, halfCheetahOnItsBack } from '@orl/mujoco-env';
import { createEngine, type MLP } from '@orl/nn';
import { loadDataset } from '../src/data.js';
import { PAPER_PROTOCOL } from '../src/grid/cells.js';

const steps = Number(process.argv[2] ?? 5000);
const out = process.argv[3];
const { dataset: raw } = await loadDataset('halfcheetah-medium-expert', { scale: PAPER_PROTOCOL.datasetScale });
const { obsDim, actDim } = raw;

// Each row's episode and its normalized return; expert episodes are those above 80 (medium ones stay below ≈ 60).
const episodeOf = new Int32Array(raw.size);
const returns: number[] = [];
let ret = 0;
for (let i = 0; i < raw.size; i++) {
  episodeOf[i] = returns.length;
  ret += raw.rewards[i]!;
  if (raw.terminals[i] || raw.timeouts[i] || i === raw.size - 1) {
    returns.push(normalizedScore('halfcheetah', ret));
    ret = 0;
  }
}
const isExpert = (i: number) => returns[episodeOf[i]!]! > 80;
const rowsOf = (expert: boolean) => {
  const r: number[] = [];
  for (let i = 0; i < raw.size; i++) if (!raw.timeouts[i] && isExpert(i) === expert) r.push(i);
  return r;
};
const groups = { medium: rowsOf(false), expert: rowsOf(true) };
const saturated = (a: ArrayLike<number>) => {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i]!) >= 0.999) n++;
  return n / a.length;
};
const gather = (src: Float32Array, dim: number, rows: number[]) => {
  const o = new Float32Array(rows.length * dim);
  rows.forEach((r, k) => o.set(src.subarray(r * dim, (r + 1) * dim), k * dim));
  return o;
};

const report: Record<string, unknown> = {
  dataset: 'halfcheetah-medium-expert (generated, 10% scale, 200 000 rows)',
  episodes: { medium: returns.filter((r) => r <= 80).length, expert: returns.filter((r) => r > 80).length },
  dataStepsOnItsBack: Object.fromEntries(Object.entries(groups).map(([g, rows]) => [g, halfCheetahFractionOnItsBack(gather(raw.observations, obsDim, rows))])),
  dataActionsAtBounds: Object.fromEntries(Object.entries(groups).map(([g, rows]) => [g, saturated(gather(raw.actions, actDim, rows))])),
};
console.log(JSON.stringify(report));

/** Three evaluation episodes with every action and torso pitch recorded. */
async function recordedEvaluation(policy: Policy) {
  const seen: number[] = [];
  let evalSteps = 0;
  let flipped = 0;
  const recording: Policy = {
    obsDim,
    actDim,
    act: (o, into) => {
      evalSteps++;
      if (halfCheetahOnItsBack(o)) flipped++;
      const a = policy.act(o, into);
      for (const x of a) seen.push(x);
      return a;
    },
  };
  const ev = await evaluate(recording, { task: 'halfcheetah', episodes: 3, numEnvs: 1 });
  return { evalNormalized: ev.normalizedScores, evalActionsAtBounds: saturated(seen), evalStepsOnItsBack: flipped / evalSteps };
}

for (const beta of [3, 1, 0]) {
  const engine = createEngine({ backend: 'auto', threads: 1 });
  const { agent } = await trainIQL(raw, { seed: 0, beta, maxSteps: 1_000_000 }, { steps, progress: 'none', engine });
  const policy = agent.policy();
  const priv = agent as unknown as { q1Target: MLP; q2Target: MLP; v: MLP };
  const perGroup: Record<string, unknown> = {};
  const allWeights: { w: number; expert: boolean }[] = [];
  for (const [g, rows] of Object.entries(groups)) {
    const obs = gather(raw.observations, obsDim, rows);
    const act = gather(raw.actions, actDim, rows);
    const pi = policy.actBatch!(obs, rows.length);
    let se = 0;
    for (let k = 0; k < pi.length; k++) se += (pi[k]! - act[k]!) ** 2;
    const s = agent.normalizer.normalize(obs);
    const sa = new Float32Array(rows.length * (obsDim + actDim));
    for (let k = 0; k < rows.length; k++) {
      sa.set(s.subarray(k * obsDim, (k + 1) * obsDim), k * (obsDim + actDim));
      sa.set(act.subarray(k * actDim, (k + 1) * actDim), k * (obsDim + actDim) + obsDim);
    }
    const q1 = priv.q1Target.predict(sa, rows.length);
    const q2 = priv.q2Target.predict(sa, rows.length);
    const v = priv.v.predict(s, rows.length);
    const w = Array.from(v, (vk, k) => Math.min(Math.exp(3 * (Math.min(q1[k]!, q2[k]!) - vk)), 100));
    for (const x of w) allWeights.push({ w: x, expert: g === 'expert' });
    perGroup[g] = {
      actionMseToData: se / pi.length,
      policyActionsAtBounds: saturated(pi),
      meanQ: mean(Array.from(q1, (x, k) => Math.min(x, q2[k]!))),
      meanV: mean(v),
      meanWeightBeta3: mean(w),
      fractionOfWeightsAt100: w.filter((x) => x >= 100).length / w.length,
    };
  }
  const total = allWeights.reduce((s, x) => s + x.w, 0);
  const expertShare = allWeights.filter((x) => x.expert).reduce((s, x) => s + x.w, 0) / total;
  const sorted = allWeights.map((x) => x.w).sort((a, b) => b - a);
  const top1 = sorted.slice(0, Math.ceil(sorted.length / 100)).reduce((s, x) => s + x, 0) / total;

  const ev = await recordedEvaluation(policy);
  const row = {
    beta,
    steps,
    perGroup,
    shareOfWeightOnExpertRows: expertShare,
    shareOfWeightOnTop1PercentRows: top1,
    ...ev,
  };
  console.log(JSON.stringify(row));
  (report[`beta${beta}`] as unknown) = row;
  agent.dispose();
}
// TD3+BC (CORL's settings, all rewards) at twice the steps: its table run scores 8.8 here from the first evaluation on.
{
  const engine = createEngine({ backend: 'auto', threads: 1 });
  const { agent } = await trainTD3BC(raw, { seed: 0 }, { steps: 2 * steps, progress: 'none', engine });
  const row = { algo: 'td3bc', steps: 2 * steps, ...(await recordedEvaluation(agent.policy())) };
  console.log(JSON.stringify(row));
  report.td3bc = row;
  agent.dispose();
}
if (out) writeFileSync(out, `${JSON.stringify({ ...report, date: new Date().toISOString().slice(0, 10) }, null, 1)}\n`);
