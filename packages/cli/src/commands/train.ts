import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { ensureDir, fsError, writeFileAtomic } from '@orl/core/node';
import { join } from 'node:path';
import { exportOnnx } from '@orl/onnx';
import { fitFqe } from '@orl/ope/node';
import { type Dataset, OrlError, inferTask, toTransitions } from '@orl/core';
import { maskRewards } from '@orl/d4rl-loader';
import { MOREC_DEFAULTS, type MorecConfig } from '@orl/morec';
import { trainMorec } from '@orl/morec/node';
import type { MetricsFormat, ProgressMode } from '@orl/core/node';
import { configFromFlags } from '../config-flags.js';
import { TASKS, evaluate, makeEnv, makeEvaluator, renderEpisodeSvg, resolveTask } from '@orl/mujoco-env';
import { MlpPolicy, createEngine, type BackendChoice } from '@orl/nn';
import { loadDataset } from '../data.js';
import { OFFLINE_ALGOS, cellSpecOf, runCell, savePolicy, type Algo, type Condition } from '../pipeline.js';

export interface TrainCmdOptions {
  dataset: string;
  out: string;
  steps: number;
  seed: number;
  condition: Condition;
  labelFraction: number;
  evalEvery: number;
  evalEpisodes: number;
  backend: BackendChoice;
  select?: 'softmax' | 'argmax' | 'none';
  horizon?: number;
  modelRows?: number;
  rolloutStarts?: number;
  modelEpochs?: number;
  rewardSteps?: number;
  policyPenalty?: 'mopo' | 'mobile';
  mobileBeta?: number;
  fresh?: boolean;
  quiet?: boolean;
  json?: boolean;
  progressEvery?: number;
  metrics?: MetricsFormat[];
  /** Config flags (--discount, --rm-hidden, …): see config-flags.ts. */
  [flag: string]: unknown;
}

/** First line of a training command: what runs the math, on which CPU. */
export function engineLine(backend: BackendChoice): string {
  return `[orl] engine: ${createEngine({ backend, notice: false }).describe()} · ${cpus()[0]?.model?.trim() ?? 'unknown CPU'}`;
}

/** The progress mode the output flags ask for. */
export function progressMode(o: { quiet?: boolean; json?: boolean }): ProgressMode {
  if (o.quiet && o.json) throw new OrlError('INVALID_ARGUMENT', '--quiet and --json exclude each other');
  return o.quiet ? 'none' : o.json ? 'json' : 'auto';
}

export async function trainCmd(algo: string, o: TrainCmdOptions): Promise<void> {
  const algos = [...OFFLINE_ALGOS, 'morec', 'mopo'];
  if (!algos.includes(algo)) throw new OrlError('INVALID_ARGUMENT', `unknown algorithm '${algo}' (${algos.join(', ')})`);
  const owner = algo === 'mopo' ? 'morec' : algo;
  const algoConfig = configFromFlags(
    o,
    owner,
    [...OFFLINE_ALGOS, 'morec'].filter((a) => a !== owner),
  );
  const rewardModel = configFromFlags(o, 'rm');
  if (Object.keys(rewardModel).length > 0 && (o.condition !== 'imputed' || owner === 'morec'))
    throw new OrlError('INVALID_ARGUMENT', '--rm-* flags configure the reward model of the imputed condition of td3bc/iql (--condition imputed)');
  const progress = progressMode(o);
  const log = (m: string) => (o.quiet ? undefined : console.error(m));
  log(engineLine(o.backend));
  const { dataset } = await loadDataset(o.dataset, { log });
  if (algo === 'morec' || algo === 'mopo') return trainModelBased(algo, dataset, o, algoConfig as Partial<MorecConfig>, progress);
  const spec = cellSpecOf(o, { algo: algo as Algo, condition: o.condition, seed: o.seed, progress, algoConfig, rewardModel });
  const r = await runCell(dataset, spec, o.out, log, { fresh: Boolean(o.fresh) });
  if (o.json)
    console.log(
      JSON.stringify({
        event: 'result',
        algo,
        dataset: o.dataset,
        condition: o.condition,
        seed: o.seed,
        steps: r.steps,
        finalScore: r.finalScore,
        lastThreeMean: r.lastThreeMean ?? null,
        seconds: r.seconds,
        policy: `${o.out}/policy.orl`,
      }),
    );
  else
    console.log(
      `${algo} on ${o.dataset} (${o.condition}): final normalized score ${r.finalScore.toFixed(1)} after ${r.steps} steps (${r.seconds.toFixed(0)} s); policy in ${o.out}/policy.orl and ${o.out}/tfjs/`,
    );
}

/**
 * MOREC (or plain MOPO: no dynamics-reward filter, horizon 5). Condition 'imputed' hides all but the labelled fraction
 * of rewards and lets the dynamics model's reward head (trained on the labelled rows) fill them in.
 */
async function trainModelBased(algo: 'morec' | 'mopo', raw: Dataset, o: TrainCmdOptions, config: Partial<MorecConfig>, progress: ProgressMode): Promise<void> {
  if (o.condition === 'labelled')
    throw new OrlError('INVALID_ARGUMENT', `${algo} trains on every transition: use --condition all or imputed (the reward head fills the unlabelled rewards)`);
  let data = toTransitions(raw);
  if (o.condition === 'imputed') data = maskRewards(data, o.labelFraction, o.seed).dataset;
  const select = o.select ?? (algo === 'mopo' ? 'none' : 'softmax');
  if (algo === 'mopo' && select !== 'none') throw new OrlError('INVALID_ARGUMENT', 'mopo has no dynamics-reward filter (use morec with --select)');
  const horizon = o.horizon ?? (select === 'none' ? 5 : 100);
  const task = inferTask(raw);
  if (!task) throw new OrlError('INVALID_ARGUMENT', 'cannot tell which task the dataset belongs to (metadata has no task/env name)');
  ensureDir(o.out);
  const t0 = performance.now();
  const penalty = {
    policyPenalty: o.policyPenalty ?? 'mopo',
    mobile: { ...MOREC_DEFAULTS.mobile, ...(o.mobileBeta !== undefined ? { beta: o.mobileBeta } : {}) },
  } as const;
  const { agent, loop } = await trainMorec(
    data,
    {
      ...config,
      seed: o.seed,
      rollout: { ...config.rollout, select, horizon },
      ...penalty,
      mobile: { ...penalty.mobile, ...config.mobile, ...(o.mobileBeta !== undefined ? { beta: o.mobileBeta } : {}) },
      ...(o.rolloutStarts ? { rolloutBatch: o.rolloutStarts } : {}),
    },
    {
      steps: o.steps,
      evalEvery: o.evalEvery,
      evaluate: makeEvaluator(task, { episodes: o.evalEpisodes }),
      outDir: o.out,
      backend: o.backend,
      progress,
      label: algo,
      ...(o.progressEvery ? { progressEvery: o.progressEvery } : {}),
      ...(o.metrics ? { metrics: o.metrics } : {}),
      ...(o.modelRows ? { maxModelRows: o.modelRows } : {}),
      ...(o.modelEpochs ? { dynamics: { maxEpochs: o.modelEpochs } } : {}),
      ...(o.rewardSteps ? { dynamicsReward: { steps: o.rewardSteps } } : {}),
      log: (m) => (o.quiet ? undefined : console.error(m)),
    },
  );
  savePolicy(agent.policy(), o.out, typeof data.metadata.task === 'string' ? data.metadata.task : undefined);
  const score = loop.lastEval?.['eval/normalized_score'];
  if (o.json) {
    console.log(
      JSON.stringify({
        event: 'result',
        algo,
        dataset: o.dataset,
        condition: o.condition,
        seed: o.seed,
        steps: loop.step,
        finalScore: score ?? null,
        seconds: (performance.now() - t0) / 1000,
        policy: `${o.out}/policy.orl`,
      }),
    );
    return;
  }
  console.log(
    `${algo} on ${o.dataset} (${o.condition}, select ${select}, horizon ${horizon}, ${penalty.policyPenalty} penalty): final normalized score ${score?.toFixed(1) ?? 'n/a'} after ${loop.step} steps (${((performance.now() - t0) / 1000).toFixed(0)} s); policy in ${o.out}/policy.orl and ${o.out}/tfjs/`,
  );
}

/** A policy.orl from disk: a missing file is NOT_FOUND, other file-system failures IO, a bad file FORMAT. */
function readPolicyFile(path: string): MlpPolicy {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new OrlError('NOT_FOUND', `cannot read policy file ${path}: no such file`, { path });
    throw fsError(err, 'read', path) ?? err;
  }
  return MlpPolicy.decode(createEngine({ notice: false }), bytes);
}

/** A saved policy.orl → ONNX and/or TF.js files. */
export async function exportCmd(o: { policy: string; onnx?: string; tfjs?: string }): Promise<void> {
  if (!o.onnx && !o.tfjs) throw new OrlError('INVALID_ARGUMENT', 'say what to write: --onnx <file.onnx> and/or --tfjs <folder>');
  const policy = readPolicyFile(o.policy);
  if (o.onnx) {
    writeFileAtomic(o.onnx, exportOnnx(policy));
    console.log(`wrote ${o.onnx} (ONNX opset 13: observations [batch, ${policy.obsDim}] → actions [batch, ${policy.actDim}])`);
  }
  if (o.tfjs) {
    const { modelJson, weights } = policy.exportTfjs();
    writeFileAtomic(join(o.tfjs, 'model.json'), JSON.stringify(modelJson));
    writeFileAtomic(join(o.tfjs, 'weights.bin'), weights);
    console.log(`wrote ${o.tfjs}/model.json and weights.bin (TensorFlow.js LayersModel)`);
  }
}

export async function evalCmd(o: { policy: string; task: string; episodes: number; seed: number; render?: string }): Promise<void> {
  const policy = readPolicyFile(o.policy);
  const task = resolveTask(o.task);
  policy.checkTask(task, TASKS[task].obsDim, TASKS[task].actDim);
  const r = await evaluate(policy, { task: o.task, episodes: o.episodes, seed: o.seed });
  if (o.render) {
    const env = await makeEnv(o.task);
    const v = renderEpisodeSvg(env, policy, { seed: o.seed });
    env.close();
    writeFileAtomic(o.render, v.svg);
    console.log(`rendered episode (return ${v.return.toFixed(1)}, ${v.steps} steps) to ${o.render}`);
  }
  console.log(
    `${o.task}: return ${r.meanReturn.toFixed(1)} ± ${r.stdReturn.toFixed(1)}, normalized ${r.meanNormalized.toFixed(1)} ± ${r.stdNormalized.toFixed(1)} over ${o.episodes} episodes (lengths ${Math.min(...r.lengths)}–${Math.max(...r.lengths)})`,
  );
}

/** Fitted Q Evaluation of a saved policy on a dataset: its value without a simulator. */
export async function opeCmd(o: {
  policy: string;
  dataset: string;
  steps: number;
  seed: number;
  quiet?: boolean;
  json?: boolean;
  backend: BackendChoice;
  [flag: string]: unknown;
}): Promise<void> {
  const progress = progressMode(o);
  const policy = readPolicyFile(o.policy);
  const { dataset } = await loadDataset(o.dataset, { log: (m) => (o.quiet ? undefined : console.error(m)) });
  if (dataset.obsDim !== policy.obsDim || dataset.actDim !== policy.actDim)
    throw new OrlError(
      'SHAPE_MISMATCH',
      `the policy maps ${policy.obsDim} → ${policy.actDim} values; the dataset has ${dataset.obsDim} observations and ${dataset.actDim} actions`,
    );
  const config = { ...configFromFlags(o, 'fqe'), seed: o.seed };
  const r = await fitFqe(dataset, policy, config, {
    steps: o.steps,
    progress,
    label: 'fqe',
    backend: o.backend,
    ...(policy.task ? { task: policy.task } : {}),
  });
  if (o.json) {
    console.log(
      JSON.stringify({
        event: 'result',
        policy: o.policy,
        dataset: o.dataset,
        value: r.value,
        normalized: r.normalized,
        starts: r.starts,
        steps: o.steps,
        curve: r.curve,
      }),
    );
    return;
  }
  const norm = r.normalized === null ? '' : `, ≈ normalized ${r.normalized.toFixed(1)} (if the policy ran full-length episodes)`;
  console.log(`FQE estimate of ${o.policy} on ${o.dataset}: discounted value ${r.value.toFixed(2)} over ${r.starts} start states${norm}; ${o.steps} steps`);
}
