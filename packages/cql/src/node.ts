/** Node: training through the core loop (metrics and checkpoints on disk, resume). The main entry is browser-safe. */
import { autoRewardScale, prepareOffline, type Dataset } from '@orl/core';
import { trainOffline, type OfflineTrainOptions, type TrainLoopResult } from '@orl/core/node';
import { createEngine, type BackendChoice, type Engine } from '@orl/nn';
import { CQL, CQL_DEFAULTS, type CQLConfig } from '@orl/cql';

export interface TrainCQLOptions extends OfflineTrainOptions {
  /**
   * 'auto' (default): when `config.rewardScale` is not given, scale rewards by 1000 / (max − min episode return) of the
   * raw dataset (CORL's MuJoCo setting) — this needs the raw rows with every reward labelled; 'none': scale 1.
   */
  normalizeReward?: 'auto' | 'none';
  backend?: BackendChoice;
  engine?: Engine;
}

/** Trains CQL on an offline dataset through the core loop (metrics, checkpoints, resume, evaluation); rewards scaled as CORL. */
export async function trainCQL(dataset: Dataset, config: Partial<CQLConfig>, options: TrainCQLOptions): Promise<{ agent: CQL; loop: TrainLoopResult }> {
  const rewardScale = autoRewardScale(dataset, 'CQL', config.rewardScale, options.normalizeReward);
  const cfg: CQLConfig = { ...CQL_DEFAULTS, ...config, rewardScale };
  const { data, normalizer } = prepareOffline(dataset, options.rows);
  const engine = options.engine ?? createEngine({ backend: options.backend ?? 'auto' });
  const agent = new CQL(engine, data.obsDim, data.actDim, normalizer, cfg);
  const loop = await trainOffline({ agent, data, batchSize: cfg.batchSize, seed: cfg.seed + 1, runInfo: { algo: 'cql', config: cfg as never }, options });
  return { agent, loop };
}
