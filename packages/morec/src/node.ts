/** Node: MOREC training through the core loop (metrics and checkpoints on disk, resume). The main entry is browser-safe. */
import { type Dataset, inferTask, prepareOffline, Rng, OrlError, toTransitions } from '@orl/core';
import { trainOffline, type OfflineTrainOptions, type TrainLoopResult } from '@orl/core/node';
import { createEngine, type BackendChoice, type Engine } from '@orl/nn';
import { DynamicsEnsemble, DynamicsReward, MorecAgent, MOREC_DEFAULTS, type DynamicsConfig, type DynamicsRewardConfig, type MorecConfig } from '@orl/morec';
import { isLabelled } from './dynamics.js';

export interface TrainMorecOptions extends OfflineTrainOptions {
  /** The task whose termination function ends model rollouts (default: from the dataset's metadata). */
  task?: string | null;
  dynamics?: Partial<DynamicsConfig>;
  dynamicsReward?: Partial<DynamicsRewardConfig>;
  /** Fit the dynamics model on at most this many transitions (sub-sampled, seeded). */
  maxModelRows?: number;
  /**
   * Reuse models fitted earlier (e.g. loaded with DynamicsEnsemble.fromState / DynamicsReward.fromState) instead of
   * fitting them here; they must live on `engine`. Without a dynamics reward, a filtered run trains one.
   */
  pretrained?: { dynamics: DynamicsEnsemble; dynamicsReward?: DynamicsReward | null };
  backend?: BackendChoice;
  engine?: Engine;
  log?: (m: string) => void;
}

/** Dynamics ensemble → dynamics reward (unless plain MOPO) → SAC on filtered rollouts through the core loop. */
export async function trainMorec(
  dataset: Dataset,
  config: Partial<MorecConfig>,
  options: TrainMorecOptions,
): Promise<{ agent: MorecAgent; loop: TrainLoopResult; dynamics: DynamicsEnsemble; dynamicsReward: DynamicsReward | null }> {
  const cfg = { ...MOREC_DEFAULTS, ...config };
  const log = options.log ?? (() => undefined);
  const transitions = dataset.nextObservations ? dataset : toTransitions(dataset);
  const task = inferTask(dataset, options.task);
  if (!task) throw new OrlError('INVALID_ARGUMENT', 'MOREC needs the task (termination function): pass options.task or put task/env in the dataset metadata');
  const engine = options.engine ?? createEngine({ backend: options.backend ?? 'auto' });
  // The (seeded) sub-sample the models are fitted on; only built when something is fitted here.
  let subset: Dataset | null = null;
  const modelData = () =>
    (subset ??=
      options.maxModelRows && transitions.size > options.maxModelRows
        ? transitions.select(new Rng(cfg.seed).permutation(transitions.size).slice(0, options.maxModelRows))
        : transitions);
  let dynamics: DynamicsEnsemble;
  if (options.pretrained) {
    dynamics = options.pretrained.dynamics;
    if (dynamics.obsDim !== transitions.obsDim || dynamics.actDim !== transitions.actDim)
      throw new OrlError(
        'SHAPE_MISMATCH',
        `pretrained dynamics model is for obs ${dynamics.obsDim} / act ${dynamics.actDim}, the dataset has ${transitions.obsDim} / ${transitions.actDim}`,
      );
    if (!options.engine || dynamics.engine !== options.engine)
      throw new OrlError('INVALID_ARGUMENT', 'pretrained models need the engine they were built on (options.engine)');
  } else {
    dynamics = new DynamicsEnsemble(engine, transitions.obsDim, transitions.actDim, { seed: cfg.seed, ...options.dynamics });
    const t0 = performance.now();
    const fit = dynamics.fit(modelData(), (e, h) => log(`dynamics epoch ${e}: hold-out MSE ${Math.min(...h).toFixed(5)}`));
    log(`dynamics: ${fit.epochs} epochs, elites ${fit.elites.join(',')} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
  let dr: DynamicsReward | null = null;
  if ((cfg.rollout.select ?? 'softmax') !== 'none') {
    dr = options.pretrained?.dynamicsReward ?? null;
    if (!dr) {
      const t1 = performance.now();
      dr = new DynamicsReward(engine, transitions.obsDim, transitions.actDim, { seed: cfg.seed, ...options.dynamicsReward });
      const m = dr.train(dynamics, modelData());
      log(
        `dynamics reward: ${dr.snapshots.length} snapshots, last accuracy real ${m['acc/real']?.toFixed(2)} fake ${m['acc/fake']?.toFixed(2)} (${((performance.now() - t1) / 1000).toFixed(0)} s)`,
      );
    }
  }
  // Unlabelled rows (1%-labelled data): the reward head, trained on the labelled rows only, imputes their rewards.
  const unlabelled = countUnlabelled(transitions);
  if (unlabelled > 0) {
    if (!dynamics.config.predictReward)
      throw new OrlError('INVALID_DATASET', `${unlabelled} rows have no reward and the dynamics model has no reward head (dynamics.predictReward)`);
    log(`imputing ${unlabelled} unlabelled rewards with the dynamics model's reward head`);
  }
  const { data } = prepareOffline(unlabelled > 0 ? imputeRewards(transitions, dynamics) : transitions);
  const agent = new MorecAgent(engine, data, dynamics, dr, task, cfg);
  const realBatch = Math.max(1, Math.round(cfg.realRatio * cfg.batchSize));
  const loop = await trainOffline({
    agent,
    data,
    batchSize: realBatch,
    seed: cfg.seed + 1,
    runInfo: { algo: 'morec', select: cfg.rollout.select ?? 'softmax', policyPenalty: cfg.policyPenalty },
    options,
  });
  return { agent, loop, dynamics, dynamicsReward: dr };
}

function countUnlabelled(d: Dataset): number {
  let n = 0;
  for (let i = 0; i < d.size; i++) if (!isLabelled(d, i)) n++;
  return n;
}

/** Labelled rewards kept as they are; the others get the elites' mean predicted reward. */
export function imputeRewards(d: Dataset, dynamics: DynamicsEnsemble): Dataset {
  if (!dynamics.config.predictReward) throw new OrlError('INVALID_ARGUMENT', 'the dynamics model has no reward head');
  const rewards = Float32Array.from(d.rewards),
    S = d.obsDim,
    A = d.actDim,
    td = dynamics.targetDim;
  const chunk = 8192;
  for (let st = 0; st < d.size; st += chunk) {
    const n = Math.min(chunk, d.size - st);
    const { mean } = dynamics.predict(d.observations.subarray(st * S, (st + n) * S), d.actions.subarray(st * A, (st + n) * A), n);
    for (let r = 0; r < n; r++) {
      const i = st + r;
      if (isLabelled(d, i)) continue;
      let v = 0;
      for (const m of mean) v += m[r * td + S]! / mean.length;
      rewards[i] = v;
    }
  }
  return d.with({ rewards, rewardMask: d.rewardMask ?? Uint8Array.from(d.rewards, (r) => (Number.isFinite(r) ? 1 : 0)) });
}
