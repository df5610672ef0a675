// Usage: npx tsx --conditions=source packages/iql/scripts/iql-vs-bc.ts [dataset] [variants]   (writes runs/iql-check/<variant>)
// IQL vs its own BC limit (β = 0) vs a constant actor lr, hopper-medium 10%, 30k steps, seed 0.
import { readJsonl } from '@orl/core/node';
import { toTransitions } from '@orl/core';
import { loadSuiteDataset } from '@orl/dataset-suite';
import { iqlRewardScale } from '@orl/iql';
import { trainIQL } from '@orl/iql/node';
import { makeEvaluator } from '@orl/mujoco-env';
const raw = await loadSuiteDataset(process.argv[2] ?? 'hopper-medium', { scale: 0.1 });
const scale = iqlRewardScale(raw.episodeReturns());
const data = toTransitions(raw);
data.metadata = { ...data.metadata, task: 'hopper' };
const variants: Record<string, object> = { default: {}, bc_beta0: { beta: 0 }, const_lr: { maxSteps: 1_000_000 } };
for (const name of (process.argv[3] ?? 'default,bc_beta0,const_lr').split(',')) {
  const out = `runs/iql-check/${name}`;
  const t0 = Date.now();
  await trainIQL(
    data,
    { seed: 0, rewardScale: scale, ...variants[name] },
    { steps: 30000, evalEvery: 5000, evaluate: makeEvaluator('hopper', { episodes: 10, seed: 10000 }), outDir: out, normalizeReward: 'none', progress: false },
  );
  const evals = readJsonl(`${out}/metrics.jsonl`)
    .filter((r) => r['eval/normalized_score'] !== undefined)
    .map((r) => r['eval/normalized_score']!.toFixed(1));
  const last = readJsonl(`${out}/metrics.jsonl`)
    .filter((r) => r['adv/mean'] !== undefined)
    .at(-1);
  console.log(name, 'scale', scale.toFixed(3), 'evals', evals.join(' '), 'last', JSON.stringify(last), ((Date.now() - t0) / 1000).toFixed(0), 's');
}
