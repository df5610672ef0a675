import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type Dataset, OrlError, mean, std, toTransitions, inferTask } from '@orl/core';
import { exportOnnx } from '@orl/onnx';
import { makeEvaluator } from '@orl/mujoco-env';
import { readJsonl, type MetricsFormat, type ProgressMode } from '@orl/core/node';
import { maskRewards } from '@orl/d4rl-loader';
import { RewardModel, type RewardModelConfig, type FitReport, type ImputeReport } from '@orl/reward-model';
import type { TD3BCConfig } from '@orl/td3bc';
import { trainTD3BC } from '@orl/td3bc/node';
import { iqlRewardScale, type IQLConfig } from '@orl/iql';
import { trainIQL } from '@orl/iql/node';
import type { BCConfig } from '@orl/bc';
import { trainBC } from '@orl/bc/node';
import type { AWACConfig } from '@orl/awac';
import { trainAWAC } from '@orl/awac/node';
import type { CQLConfig } from '@orl/cql';
import { trainCQL } from '@orl/cql/node';
import { type ReBRACConfig, rebracCoefsFor } from '@orl/rebrac';
import { trainReBRAC } from '@orl/rebrac/node';
import type { BackendChoice, MlpPolicy } from '@orl/nn';
import { ensureDir, writeFileAtomic } from '@orl/core/node';

export const CONDITIONS = ['all', 'labelled', 'imputed'] as const;
export type Condition = (typeof CONDITIONS)[number];
export const CONDITION_LABELS: Record<Condition, string> = { all: 'all true rewards', labelled: 'labelled only', imputed: 'labelled + imputed' };
/** The model-free algorithms the pipeline, `orl train` and the grid run. */
export const OFFLINE_ALGOS = ['td3bc', 'iql', 'bc', 'awac', 'cql', 'rebrac'] as const;
export type Algo = (typeof OFFLINE_ALGOS)[number];

/** Algorithms whose rewards are scaled to 1000 / (max return − min return), as CORL's IQL and CQL on MuJoCo. */
const scalesRewards = (algo: Algo) => algo === 'iql' || algo === 'cql';

/** How tables and plots name an algorithm. */
export function algoLabel(algo: string): string {
  return algo === 'td3bc' ? 'TD3+BC' : (OFFLINE_ALGOS as readonly string[]).includes(algo) ? algo.toUpperCase() : algo;
}

export interface CellSpec {
  algo: Algo;
  condition: Condition;
  seed: number;
  labelFraction: number;
  steps: number;
  evalEvery: number;
  evalEpisodes: number;
  rewardModel?: Partial<RewardModelConfig>;
  algoConfig?: Partial<TD3BCConfig> | Partial<IQLConfig> | Partial<BCConfig> | Partial<AWACConfig> | Partial<CQLConfig> | Partial<ReBRACConfig>;
  backend?: BackendChoice;
  /** How training reports progress (not part of the run's identity). */
  progress?: ProgressMode;
  /** Metric files besides metrics.jsonl (e.g. ['csv']; not part of the run's identity). */
  metrics?: MetricsFormat[];
  /** Seconds between progress lines (not part of the run's identity). */
  progressEvery?: number;
}

export interface CellResult {
  algo: Algo;
  condition: Condition;
  seed: number;
  task: string;
  steps: number;
  trainedRows: number;
  curve: { step: number; score: number }[];
  finalScore: number;
  /** Mean of the last three evaluations (less noisy than the final one on terminating tasks like hopper). */
  lastThreeMean?: number;
  rewardModel?: { fit: Omit<FitReport, 'epochs' | 'bestEpochs'>; impute: ImputeReport };
  /** Step of the checkpoint this run continued from (null: trained from scratch in one go). */
  resumedFrom?: number | null;
  seconds: number;
  /**
   * Set when a training metric became NaN or ±Infinity: the run stopped there, and its scores are those of the
   * evaluations before that step (the policy after it is undefined). Reports list such runs.
   */
  diverged?: { step: number; metric: string /** 'NaN', 'Infinity' or '-Infinity' (JSON has no such numbers). */; value: string };
}

/** The run a command's flags describe (orl train and orl pipeline build cells the same way). */
export function cellSpecOf(
  o: {
    labelFraction: number;
    steps: number;
    evalEvery: number;
    evalEpisodes: number;
    backend?: BackendChoice;
    progressEvery?: number;
    metrics?: MetricsFormat[];
  },
  run: { algo: Algo; condition: Condition; seed: number; progress?: ProgressMode; algoConfig: Record<string, unknown>; rewardModel: Record<string, unknown> },
): CellSpec {
  return {
    algo: run.algo,
    condition: run.condition,
    seed: run.seed,
    labelFraction: o.labelFraction,
    steps: o.steps,
    evalEvery: o.evalEvery,
    evalEpisodes: o.evalEpisodes,
    ...(o.backend ? { backend: o.backend } : {}),
    ...(run.progress ? { progress: run.progress } : {}),
    ...(o.progressEvery ? { progressEvery: o.progressEvery } : {}),
    ...(o.metrics ? { metrics: o.metrics } : {}),
    ...(Object.keys(run.algoConfig).length ? { algoConfig: run.algoConfig } : {}),
    // The reward model exists only in the imputed condition.
    ...(run.condition === 'imputed' && Object.keys(run.rewardModel).length ? { rewardModel: run.rewardModel } : {}),
  };
}

/** Builds the training data of one condition from the raw dataset (seeded mask; reward model on labelled rows only). */
export function conditionData(
  raw: Dataset,
  spec: Pick<CellSpec, 'condition' | 'seed' | 'labelFraction' | 'rewardModel' | 'algo' | 'backend'>,
  log: (m: string) => void = () => undefined,
) {
  const transitions = toTransitions(raw);
  // Data that arrives partly labelled (your own logs: `orl datasets import` with empty reward cells) keeps its labels:
  // the labelled and imputed conditions use them as they are instead of drawing a new mask.
  const given = transitions.rewardMask?.some((v) => v === 0) ? transitions.rewardMask : undefined;
  if (given && spec.condition === 'all') {
    const known = given.reduce((a, v) => a + v, 0);
    throw new OrlError(
      'INVALID_ARGUMENT',
      `this dataset is partly labelled (${known} of ${given.length} rewards known): train with --condition imputed (the reward model fills the rest) or labelled`,
    );
  }
  if (spec.condition === 'all') {
    return { data: transitions, rows: undefined, rewardScale: scalesRewards(spec.algo) ? iqlRewardScale(raw.episodeReturns()) : undefined, rm: undefined };
  }
  let masked: { dataset: Dataset; labelled: Uint32Array; trueRewards?: Float32Array };
  if (given) {
    const rows: number[] = [];
    for (let i = 0; i < given.length; i++) if (given[i]) rows.push(i);
    if (rows.length === 0) throw new OrlError('EMPTY', 'this dataset has no labelled reward at all: nothing to learn a reward model from');
    masked = { dataset: transitions, labelled: Uint32Array.from(rows) };
    log(`dataset already partly labelled: ${rows.length} of ${given.length} rewards known (--label-fraction ignored)`);
  } else masked = maskRewards(transitions, spec.labelFraction, spec.seed);
  if (spec.condition === 'labelled') {
    // IQL's reward scale may not use hidden rewards: take it from the labelled rewards' spread per step × 1000 steps.
    let scale: number | undefined;
    if (scalesRewards(spec.algo)) scale = labelledRewardScale(masked.dataset);
    return { data: masked.dataset, rows: masked.labelled, rewardScale: scale, rm: undefined };
  }
  const rm = new RewardModel({ seed: spec.seed, ...spec.rewardModel }, spec.backend ? { backend: spec.backend } : {});
  const fit = rm.fit(masked.dataset);
  log(`reward model: ${fit.labelledRows} labelled rows, validation R² ${fit.validation?.r2.toFixed(3) ?? 'n/a'} (${fit.seconds.toFixed(1)} s)`);
  const imputed = rm.impute(masked.dataset, masked.trueRewards ? { trueRewards: masked.trueRewards } : {});
  log(
    `imputed ${imputed.report.imputedRows} rewards${imputed.report.imputationError ? `; error vs true (study only): R² ${imputed.report.imputationError.r2.toFixed(3)}` : ''}`,
  );
  let scale: number | undefined;
  if (scalesRewards(spec.algo)) {
    // Episode returns under the imputed rewards, on the raw rows (true labels where labelled).
    const rawNext = raw.nextObservations ? raw : raw.with({ nextObservations: shiftNext(raw) });
    const pred = rm.predict(rawNext).mean;
    scale = iqlRewardScale(raw.with({ rewards: pred }).episodeReturns());
  }
  const { epochs: _e, bestEpochs: _b, ...fitSummary } = fit;
  return { data: imputed.dataset, rows: undefined, rewardScale: scale, rm: { fit: fitSummary, impute: imputed.report } };
}

function shiftNext(raw: Dataset): Float32Array {
  const d = raw.obsDim;
  const next = new Float32Array(raw.observations.length);
  next.set(raw.observations.subarray(d), 0);
  next.set(raw.observations.subarray(raw.observations.length - d), raw.observations.length - d);
  return next;
}

function labelledRewardScale(masked: Dataset): number {
  const r: number[] = [];
  for (let i = 0; i < masked.size; i++) if (masked.rewardMask![i]) r.push(masked.rewards[i]!);
  const spread = Math.max(...r) - Math.min(...r);
  return spread > 0 ? 1 / spread : 1; // ≈ 1000 / (1000 · spread of one step's reward)
}

/**
 * What a run folder holds a run of: the dataset (size, shapes and a hash of a strided sample of its columns) and the
 * settings (everything but the step count, so a run may be extended). Stored as run.json and checked on every reuse.
 */
export function runIdentity(raw: Dataset, spec: CellSpec): Record<string, unknown> {
  const h = createHash('sha256');
  h.update(JSON.stringify([raw.size, raw.obsDim, raw.actDim]));
  const stride = Math.max(1, Math.floor(raw.size / 4096));
  for (let i = 0; i < raw.size; i += stride) {
    h.update(new Uint8Array(raw.observations.buffer, raw.observations.byteOffset + i * raw.obsDim * 4, raw.obsDim * 4));
    h.update(new Uint8Array(raw.actions.buffer, raw.actions.byteOffset + i * raw.actDim * 4, raw.actDim * 4));
    h.update(new Uint8Array(Float32Array.of(raw.rewards[i]!, raw.terminals[i]!, raw.timeouts[i]!).buffer));
  }
  const { steps: _steps, progress: _progress, backend: _backend, metrics: _metrics, progressEvery: _every, ...settings } = spec;
  return { dataset: { rows: raw.size, obsDim: raw.obsDim, actDim: raw.actDim, sha256: h.digest('hex').slice(0, 16) }, settings };
}

/**
 * The result of a finished run in `outDir` (same dataset and settings, same step count), or undefined when it must
 * (re)run. Refuses a folder holding another run; `fresh` clears it first.
 */
export function finishedCell(
  raw: Dataset,
  spec: CellSpec,
  outDir: string,
  options: { fresh?: boolean; adoptUnrecorded?: boolean } = {},
): CellResult | undefined {
  const resultPath = join(outDir, 'result.json');
  const identityPath = join(outDir, 'run.json');
  const identity = runIdentity(raw, spec);
  if (options.fresh && existsSync(outDir)) {
    for (const f of ['result.json', 'run.json', 'checkpoint.orl', 'metrics.jsonl', 'policy.orl']) rmSync(join(outDir, f), { force: true });
  }
  if (existsSync(identityPath)) {
    let recorded: unknown;
    try {
      recorded = JSON.parse(readFileSync(identityPath, 'utf8'));
    } catch {
      throw new OrlError('CHECKPOINT', `${identityPath} is unreadable: use another output folder, or --fresh to start over`, { path: identityPath });
    }
    if (JSON.stringify(recorded) !== JSON.stringify(identity)) {
      throw new OrlError('CHECKPOINT', `${outDir} holds a run of another dataset or configuration: use another output folder, or --fresh to start over`, {
        path: outDir,
        recorded,
        now: identity,
      });
    }
  } else if (!options.adoptUnrecorded && (existsSync(join(outDir, 'checkpoint.orl')) || existsSync(resultPath))) {
    throw new OrlError(
      'CHECKPOINT',
      `${outDir} holds a run without a record of its dataset and settings: use another output folder, or --fresh to start over`,
      { path: outDir },
    );
  }
  if (existsSync(resultPath)) {
    const r = JSON.parse(readFileSync(resultPath, 'utf8')) as CellResult;
    if (r.steps === spec.steps) return r;
  }
  return undefined;
}

/**
 * Trains one cell (algorithm × condition × seed) into `outDir` (resumable) and writes result.json. A folder holding a
 * run of another dataset or configuration is refused (`fresh` clears it); `adoptUnrecorded` accepts a folder from
 * before run.json existed (the grid's folders are named by their config hash, so they cannot hold another run).
 */
export async function runCell(
  raw: Dataset,
  spec: CellSpec,
  outDir: string,
  log: (m: string) => void = () => undefined,
  options: { fresh?: boolean; adoptUnrecorded?: boolean } = {},
): Promise<CellResult> {
  const finished = finishedCell(raw, spec, outDir, options);
  if (finished) return finished;
  const resultPath = join(outDir, 'result.json');
  const identityPath = join(outDir, 'run.json');
  const identity = runIdentity(raw, spec);
  const t0 = performance.now();
  ensureDir(outDir);
  writeFileAtomic(identityPath, JSON.stringify(identity, null, 1));
  const task = inferTask(raw);
  if (!task) throw new OrlError('INVALID_ARGUMENT', 'cannot tell which task the dataset belongs to (metadata has no task/env name)');
  const { data, rows, rewardScale, rm } = conditionData(raw, spec, log);
  data.metadata = { ...data.metadata, task };
  const common = {
    steps: spec.steps,
    evalEvery: spec.evalEvery,
    // The simulator scores the policy; the algorithm packages never import it.
    evaluate: makeEvaluator(task, { episodes: spec.evalEpisodes, seed: 10_000 + spec.seed }),
    outDir,
    logEvery: Math.min(1000, spec.evalEvery),
    progress: spec.progress ?? 'auto',
    label: `${spec.algo} ${spec.condition} s${spec.seed}`,
    ...(spec.metrics ? { metrics: spec.metrics } : {}),
    ...(spec.progressEvery ? { progressEvery: spec.progressEvery } : {}),
    ...(rows ? { rows } : {}),
    ...(spec.backend ? { backend: spec.backend } : {}),
    // As CORL: a large but finite loss does not stop an experiment (the labelled-only condition's critic can grow past
    // 1e15 on 400 rows and recover or not — that is the result); only NaN/Infinity ends it, recorded below.
    divergeAt: Number.POSITIVE_INFINITY,
  };
  const algoConfig = { seed: spec.seed, ...spec.algoConfig };
  let trained:
    | Awaited<ReturnType<typeof trainTD3BC>>
    | Awaited<ReturnType<typeof trainIQL>>
    | Awaited<ReturnType<typeof trainBC>>
    | Awaited<ReturnType<typeof trainAWAC>>
    | Awaited<ReturnType<typeof trainCQL>>
    | Awaited<ReturnType<typeof trainReBRAC>>
    | undefined;
  let diverged: CellResult['diverged'];
  try {
    trained =
      spec.algo === 'td3bc'
        ? await trainTD3BC(data, algoConfig as Partial<TD3BCConfig>, common)
        : spec.algo === 'bc'
          ? await trainBC(data, algoConfig as Partial<BCConfig>, common)
          : spec.algo === 'awac'
            ? await trainAWAC(data, algoConfig as Partial<AWACConfig>, common)
            : spec.algo === 'cql'
              ? await trainCQL(data, { ...(algoConfig as Partial<CQLConfig>), rewardScale: rewardScale ?? 1 }, { ...common, normalizeReward: 'none' })
              : spec.algo === 'rebrac'
                ? // CORL tunes ReBRAC's β's per dataset: its values for the dataset's name, unless the config sets them.
                  await trainReBRAC(data, { ...rebracCoefsFor(datasetName(raw)), ...(algoConfig as Partial<ReBRACConfig>) }, common)
                : await trainIQL(data, { ...(algoConfig as Partial<IQLConfig>), rewardScale: rewardScale ?? 1 }, { ...common, normalizeReward: 'none' });
  } catch (e) {
    if (!(e instanceof OrlError) || e.code !== 'NON_FINITE' || typeof e.details.step !== 'number') throw e;
    diverged = { step: e.details.step, metric: String(e.details.metric), value: String(e.details.value) };
    log(`training diverged at step ${diverged.step} (${diverged.metric} = ${diverged.value}): recorded with the evaluations before it`);
  }
  if (trained) savePolicy(trained.agent.policy(), outDir, task);
  // One point per evaluated step (a run resumed after its last checkpoint may log the final evaluation twice).
  const byStep = new Map<number, number>();
  const metricsPath = join(outDir, 'metrics.jsonl');
  for (const r of existsSync(metricsPath) ? readJsonl(metricsPath) : [])
    if (r['eval/normalized_score'] !== undefined) byStep.set(r.step, r['eval/normalized_score']);
  const curve = [...byStep.entries()].sort((a, b) => a[0] - b[0]).map(([step, score]) => ({ step, score }));
  const result: CellResult = {
    algo: spec.algo,
    condition: spec.condition,
    seed: spec.seed,
    task,
    steps: spec.steps,
    trainedRows: rows ? rows.length : data.size,
    curve,
    finalScore: curve.at(-1)?.score ?? NaN,
    lastThreeMean: curve.length ? mean(curve.slice(-3).map((p) => p.score)) : NaN,
    ...(rm ? { rewardModel: rm } : {}),
    resumedFrom: trained ? trained.loop.resumedFrom : null,
    seconds: (performance.now() - t0) / 1000,
    ...(diverged ? { diverged } : {}),
  };
  writeFileAtomic(resultPath, JSON.stringify(result, null, 2));
  return result;
}

export interface PipelineSummary {
  dataset: string;
  algo: Algo;
  labelFraction: number;
  steps: number;
  seeds: number[];
  conditions: Record<Condition, { mean: number; std: number; scores: number[] }>;
  cells: CellResult[];
}

export function summarize(dataset: string, algo: Algo, labelFraction: number, steps: number, cells: CellResult[]): PipelineSummary {
  const conditions = {} as PipelineSummary['conditions'];
  for (const c of CONDITIONS) {
    const scores = cells.filter((x) => x.condition === c).map((x) => x.finalScore);
    conditions[c] = { mean: mean(scores), std: std(scores), scores };
  }
  return { dataset, algo, labelFraction, steps, seeds: [...new Set(cells.map((c) => c.seed))], conditions, cells };
}

export function markdownTable(rows: PipelineSummary[]): string {
  const pct = (f: number) => `${+(f * 100).toFixed(2)}%`;
  const lines = [
    `| dataset | algorithm | ${CONDITION_LABELS.all} | ${pct(rows[0]?.labelFraction ?? 0.01)} ${CONDITION_LABELS.labelled} | ${pct(rows[0]?.labelFraction ?? 0.01)} ${CONDITION_LABELS.imputed} | steps × seeds |`,
    '|---|---|---|---|---|---|',
  ];
  const cell = (x: { mean: number; std: number }) => (Number.isFinite(x.mean) ? `${x.mean.toFixed(1)} ± ${x.std.toFixed(1)}` : '—');
  for (const r of rows) {
    lines.push(
      `| ${r.dataset} | ${algoLabel(r.algo)} | ${cell(r.conditions.all)} | ${cell(r.conditions.labelled)} | ${cell(r.conditions.imputed)} | ${r.steps.toLocaleString('en-US')} × ${r.seeds.length} |`,
    );
  }
  if (rows.length > 1) {
    const avg = (c: Condition) => mean(rows.map((r) => r.conditions[c].mean));
    lines.push(`| **average** | | ${avg('all').toFixed(1)} | ${avg('labelled').toFixed(1)} | ${avg('imputed').toFixed(1)} | |`);
  }
  return `${lines.join('\n')}\n`;
}

/** Writes policy.orl (project format, with the task it was trained for) and tfjs/model.json + tfjs/weights.bin. */
export function savePolicy(policy: MlpPolicy, outDir: string, task?: string): void {
  if (task !== undefined) policy.task = task;
  writeFileAtomic(join(outDir, 'policy.orl'), policy.encode());
  const { modelJson, weights } = policy.exportTfjs();
  writeFileAtomic(join(outDir, 'tfjs', 'model.json'), JSON.stringify(modelJson));
  writeFileAtomic(join(outDir, 'tfjs', 'weights.bin'), weights);
  writeFileAtomic(join(outDir, 'policy.onnx'), exportOnnx(policy));
}

/** The dataset's name as its metadata records it (generated suites: 'hopper-medium'; D4RL files: the env name). */
function datasetName(d: Dataset): string | undefined {
  for (const v of [d.metadata.name, d.metadata.recipe, d.metadata.env, d.metadata.source]) if (typeof v === 'string') return v;
  return undefined;
}
