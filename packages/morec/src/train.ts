import { Dataset, inferTask, prepareOffline, Rng, OrlError } from '@orl/core';
import { trainOffline, type OfflineTrainOptions, type TrainLoopResult } from '@orl/core/node';
import { createEngine, type BackendChoice, type Engine } from '@orl/nn';
import { makeEvaluator } from '@orl/mujoco-env';
import { DynamicsEnsemble, type DynamicsConfig } from './dynamics.js';
import { DynamicsReward, type DynamicsRewardConfig } from './dynamics-reward.js';
import { MorecAgent, MOREC_DEFAULTS, type MorecConfig } from './morec.js';

export interface TrainMorecOptions extends OfflineTrainOptions {
  task?: string | null;
  evalEpisodes?: number;
  dynamics?: Partial<DynamicsConfig>;
  dynamicsReward?: Partial<DynamicsRewardConfig>;
  /** Fit the dynamics model on at most this many transitions (sub-sampled, seeded). */
  maxModelRows?: number;
  backend?: BackendChoice;
  engine?: Engine;
  log?: (m: string) => void;
}

/** Dynamics ensemble → dynamics reward (unless plain MOPO) → SAC on filtered rollouts through the core loop. */
export async function trainMorec(dataset: Dataset, config: Partial<MorecConfig>, options: TrainMorecOptions): Promise<{ agent: MorecAgent; loop: TrainLoopResult; dynamics: DynamicsEnsemble; dynamicsReward: DynamicsReward | null }> {
  const cfg = { ...MOREC_DEFAULTS, ...config };
  const log = options.log ?? (() => undefined);
  const { data } = prepareOffline(dataset);
  const task = inferTask(dataset, options.task);
  if (!task) throw new OrlError('INVALID_ARGUMENT', 'MOREC needs the task (termination function)');
  const engine = options.engine ?? createEngine({ backend: options.backend ?? 'auto' });
  let modelData = data;
  if (options.maxModelRows && data.size > options.maxModelRows) modelData = data.select(new Rng(cfg.seed).permutation(data.size).slice(0, options.maxModelRows));
  const dynamics = new DynamicsEnsemble(engine, data.obsDim, data.actDim, { seed: cfg.seed, ...options.dynamics });
  const t0 = performance.now();
  const fit = dynamics.fit(modelData, (e, h) => log(`dynamics epoch ${e}: hold-out MSE ${Math.min(...h).toFixed(5)}`));
  log(`dynamics: ${fit.epochs} epochs, elites ${fit.elites.join(',')} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  let dr: DynamicsReward | null = null;
  if ((cfg.rollout.select ?? 'softmax') !== 'none') {
    const t1 = performance.now();
    dr = new DynamicsReward(engine, data.obsDim, data.actDim, { seed: cfg.seed, ...options.dynamicsReward });
    const m = dr.train(dynamics, modelData);
    log(`dynamics reward: ${dr.snapshots.length} snapshots, last accuracy real ${m['acc/real']?.toFixed(2)} fake ${m['acc/fake']?.toFixed(2)} (${((performance.now() - t1) / 1000).toFixed(0)} s)`);
  }
  const agent = new MorecAgent(engine, data, dynamics, dr, task, cfg);
  const evaluate = makeEvaluator(task, { episodes: options.evalEpisodes ?? 10 });
  const realBatch = Math.max(1, Math.round(cfg.realRatio * cfg.batchSize));
  const loop = await trainOffline({ agent, data, batchSize: realBatch, seed: cfg.seed + 1, evaluate, runInfo: { algo: 'morec', select: cfg.rollout.select ?? 'softmax' }, options });
  return { agent, loop, dynamics, dynamicsReward: dr };
}
