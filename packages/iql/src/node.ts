/** Node: training through the core loop (metrics and checkpoints on disk, resume). The main entry is browser-safe. */
import { autoRewardScale, prepareOffline, type Dataset } from '@orl/core';
import { trainOffline, type OfflineTrainOptions, type TrainLoopResult } from '@orl/core/node';
import { createEngine, type BackendChoice, type Engine } from '@orl/nn';
import { IQL, IQL_DEFAULTS, type IQLConfig } from '@orl/iql';

export interface TrainIQLOptions extends OfflineTrainOptions {
  /**
   * 'auto' (default): when `config.rewardScale` is not given, scale rewards by 1000 / (max − min episode return) of the
   * raw dataset (CORL's locomotion setting) — this needs the raw rows with every reward labelled; 'none': scale 1.
   */
  normalizeReward?: 'auto' | 'none';
  backend?: BackendChoice;
  engine?: Engine;
}

/** Trains IQL on an offline dataset through the core loop. The cosine schedule spans `steps` unless set in config. */
export async function trainIQL(dataset: Dataset, config: Partial<IQLConfig>, options: TrainIQLOptions): Promise<{ agent: IQL; loop: TrainLoopResult }> {
  const rewardScale = autoRewardScale(dataset, 'IQL', config.rewardScale, options.normalizeReward);
  const cfg: IQLConfig = { ...IQL_DEFAULTS, maxSteps: options.steps, ...config, rewardScale };
  const { data, normalizer } = prepareOffline(dataset, options.rows);
  const engine = options.engine ?? createEngine({ backend: options.backend ?? 'auto' });
  const agent = new IQL(engine, data.obsDim, data.actDim, normalizer, cfg);
  const loop = await trainOffline({ agent, data, batchSize: cfg.batchSize, seed: cfg.seed + 1, runInfo: { algo: 'iql', config: cfg as never }, options });
  return { agent, loop };
}
