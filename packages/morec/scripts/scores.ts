// Normalized score of MOREC vs plain MOPO on a suite dataset, reusing the models that scripts/evidence.ts fitted and
// cached (same dynamics ensemble for both: MOPO gets the maximum-likelihood model, MOREC the adversarially trained one
// with its dynamics reward). Metrics (JSONL, every evaluation) go to runs/real/scores/<dataset>-<method>-s<seed>/.
// With labelFraction < 1 the rewards of all but that fraction of rows are hidden and a fresh model is fitted here: its
// reward head (trained on the labelled rows only) imputes the rest (the imputed-rewards idea inside MOREC).
// Usage: tsx --conditions=source scripts/scores.ts <dataset> <morec|mopo|morec-mobile> [steps] [seed] [modelRows] [rolloutStarts] [labelFraction]
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadState } from '@orl/core/node';
import { generate } from '@orl/dataset-suite';
import { toTransitions } from '@orl/core';
import { maskRewards } from '@orl/d4rl-loader';
import { createEngine } from '@orl/nn';
import { makeEvaluator } from '@orl/mujoco-env';
import { DynamicsEnsemble, DynamicsReward } from '../src/index.js';
import { trainMorec } from '../src/node.js';

const [name = 'hopper-medium', method = 'morec'] = process.argv.slice(2);
const steps = Number(process.argv[4] ?? 100_000);
const seed = Number(process.argv[5] ?? 0);
const modelRows = Number(process.argv[6] ?? 100_000);
const rolloutBatch = Number(process.argv[7] ?? 500);
const labelFraction = Number(process.argv[8] ?? 1);
const cache = `runs/real/cache/${name}-${modelRows}-v2`;
const engine = createEngine();
const g = await generate(name);
const data = labelFraction < 1 ? maskRewards(toTransitions(g.dataset), labelFraction, seed).dataset : toTransitions(g.dataset);
const task = String(g.metadata.task);
const morec = method.startsWith('morec');
const mobile = method.endsWith('mobile');
const pretrained =
  labelFraction < 1
    ? undefined
    : {
        dynamics: DynamicsEnsemble.fromState(engine, loadState(`${cache}-${morec ? 'adv' : 'dynamics'}.orl`)),
        dynamicsReward: morec ? DynamicsReward.fromState(engine, loadState(`${cache}-dr.orl`)) : null,
      };
const outDir = `runs/real/scores/${name}-${method}-s${seed}${labelFraction < 1 ? `-labels${labelFraction}` : ''}`;
mkdirSync(outDir, { recursive: true });
const t0 = performance.now();
const r = await trainMorec(
  data.with({}, { ...data.metadata, task }),
  // MOREC: horizon 100 with the dynamics-reward filter and early stop (the release); MOPO: its own horizon 5, no filter.
  { seed, rollout: morec ? { select: 'softmax', horizon: 100 } : { select: 'none', horizon: 5 }, rolloutBatch, policyPenalty: mobile ? 'mobile' : 'mopo' },
  {
    steps,
    evalEvery: 10_000,
    evaluate: makeEvaluator(task, { episodes: 5 }),
    engine,
    maxModelRows: modelRows,
    dynamics: { maxEpochs: 30 },
    ...(pretrained ? { pretrained } : {}),
    outDir,
    progress: false,
    log: (m) => console.log(`[${method}] ${m}`),
  },
);
const result = { dataset: name, method, seed, steps, modelRows, rolloutBatch, labelFraction, final: r.loop.lastEval, seconds: (performance.now() - t0) / 1000 };
writeFileSync(`${outDir}/result.json`, JSON.stringify(result, null, 2));
console.log(JSON.stringify(result));
