/**
 * Does FQE rank policies correctly? On hopper-medium (10% of its D4RL size, the paper-table protocol's data), FQE with
 * d3rlpy's settings estimates the value of policies of different quality, and the estimates are compared with their
 * true evaluation returns (10 episodes in the simulator): Spearman rank correlation, reported with the table.
 *
 * Policies: TD3+BC snapshots along one run on all rewards and one on the 1% labelled rows only, the shipped behaviour
 * policies that act on the observation alone, and a uniform random policy.
 *
 *   ORL_NUM_THREADS=1 npx tsx --conditions=source packages/ope/scripts/validate-fqe.ts [fqeSteps=30000] [out=results/fqe] [dataset=hopper-medium]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng, UniformSampler, inferTask, prepareOffline, toTransitions, type Dataset, type Policy } from '@orl/core';
import { maskRewards } from '@orl/d4rl-loader';
import { loadSuiteDataset } from '@orl/dataset-suite';
import { SHIPPED_POLICIES, evaluate, shippedPolicy } from '@orl/mujoco-env';
import { MlpPolicy, createEngine } from '@orl/nn';
import { TD3BC } from '@orl/td3bc';
import { fitFqe } from '@orl/ope/node';

const fqeSteps = Number(process.argv[2] ?? 30_000);
const outDir = process.argv[3] ?? 'results/fqe';
const DATASET = process.argv[4] ?? 'hopper-medium';
const SCALE = 0.1;

function spearman(x: number[], y: number[]): number {
  const rank = (v: number[]) => {
    const order = v.map((val, i) => [val, i] as const).sort((a, b) => a[0] - b[0]);
    const r = new Array<number>(v.length);
    for (let i = 0; i < order.length; ) {
      let j = i;
      while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
      for (let k = i; k <= j; k++) r[order[k]![1]] = (i + j) / 2 + 1; // ties share their mean rank
      i = j + 1;
    }
    return r;
  };
  const rx = rank(x),
    ry = rank(y);
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  const mx = mean(rx),
    my = mean(ry);
  let num = 0,
    dx = 0,
    dy = 0;
  for (let i = 0; i < x.length; i++) {
    num += (rx[i]! - mx) * (ry[i]! - my);
    dx += (rx[i]! - mx) ** 2;
    dy += (ry[i]! - my) ** 2;
  }
  return num / Math.sqrt(dx * dy);
}

const engine = createEngine({ notice: false });
const raw = await loadSuiteDataset(DATASET, { scale: SCALE, onProgress: (m) => console.error(m) });
const task = inferTask(raw)!;
const policies: { name: string; policy: Policy }[] = [];

/** TD3+BC snapshots: the policy network copied at these steps of one run. */
function snapshots(label: string, data: Dataset, rows: Uint32Array | undefined, at: number[]): void {
  const { data: prepared, normalizer } = prepareOffline(data, rows);
  const agent = new TD3BC(engine, prepared.obsDim, prepared.actDim, normalizer, { seed: 0 });
  const sampler = new UniformSampler(prepared, 256, 1, rows ? { rows } : {});
  let step = 0;
  for (const target of at) {
    while (step < target) {
      agent.update(sampler.sample());
      step++;
    }
    policies.push({ name: `td3bc ${label} @${target}`, policy: MlpPolicy.fromState(engine, agent.policy().stateDict()) });
    console.error(`snapshot td3bc ${label} @${target}`);
  }
}

snapshots('all rewards', toTransitions(raw), undefined, [500, 2000, 5000, 10_000, 20_000]);
const masked = maskRewards(toTransitions(raw), 0.01, 0);
snapshots('1% labelled', masked.dataset, masked.labelled, [2000, 10_000]);
for (const name of SHIPPED_POLICIES.filter((n) => n.startsWith('hopper'))) {
  const p = await shippedPolicy(name);
  if (p.stateful) continue; // acts on a time feature FQE's Q(s, a) cannot see
  policies.push({ name: `behaviour ${name}`, policy: p });
}
const rng = new Rng(9);
policies.push({
  name: 'uniform random',
  policy: { obsDim: raw.obsDim, actDim: raw.actDim, act: (_o, out = new Float32Array(raw.actDim)) => out.map(() => rng.uniform(-1, 1)) },
});

const rows: { name: string; trueScore: number; trueStd: number; fqeValue: number; fqeNormalized: number | null; seconds: number }[] = [];
for (const { name, policy } of policies) {
  const truth = await evaluate(policy, { task, episodes: 10, seed: 100 });
  const t0 = performance.now();
  const est = await fitFqe(raw, policy, {}, { steps: fqeSteps, progress: 'none', engine });
  rows.push({
    name,
    trueScore: truth.meanNormalized,
    trueStd: truth.stdNormalized,
    fqeValue: est.value,
    fqeNormalized: est.normalized,
    seconds: (performance.now() - t0) / 1000,
  });
  console.error(
    `${name}: true ${truth.meanNormalized.toFixed(1)} · FQE value ${est.value.toFixed(1)} (≈ ${est.normalized?.toFixed(1)}) · ${((performance.now() - t0) / 1000).toFixed(0)} s`,
  );
}
const rho = spearman(
  rows.map((r) => r.trueScore),
  rows.map((r) => r.fqeValue),
);
const table = [
  `FQE (d3rlpy settings: lr 1e-4, batch 100, γ 0.99, target copy every 100 steps, Q 256-256; ${fqeSteps} steps) on ${DATASET} at ${SCALE * 100}% size.`,
  '',
  '| policy | true normalized score (10 episodes) | FQE value V̂(s₀) | FQE ≈ normalized |',
  '|---|---|---|---|',
  ...[...rows]
    .sort((a, b) => b.trueScore - a.trueScore)
    .map((r) => `| ${r.name} | ${r.trueScore.toFixed(1)} ± ${r.trueStd.toFixed(1)} | ${r.fqeValue.toFixed(1)} | ${r.fqeNormalized?.toFixed(1) ?? ''} |`),
  '',
  `Spearman rank correlation between FQE values and true scores over ${rows.length} policies: **${rho.toFixed(3)}**`,
].join('\n');
mkdirSync(outDir, { recursive: true });
writeFileSync(
  join(outDir, `${DATASET}.json`),
  JSON.stringify(
    { dataset: DATASET, scale: SCALE, fqeSteps, spearman: rho, policies: rows, machine: { cpus: (await import('node:os')).cpus()[0]?.model } },
    null,
    1,
  ),
);
writeFileSync(join(outDir, `${DATASET}.md`), `${table}\n`);
console.log(table);
