/** Node: training through the core loop (metrics and checkpoints on disk, resume). The main entry is browser-safe. */
import { prepareOffline, type Dataset } from '@orl/core';
import { trainOffline, type OfflineTrainOptions, type TrainLoopResult } from '@orl/core/node';
import { createEngine, type BackendChoice, type Engine } from '@orl/nn';
import { AWAC, AWAC_DEFAULTS, type AWACConfig } from '@orl/awac';

export interface TrainAWACOptions extends OfflineTrainOptions {
  backend?: BackendChoice;
  engine?: Engine;
}

/** Trains AWAC on an offline dataset through the core loop (metrics, checkpoints, resume, evaluation). */
export async function trainAWAC(dataset: Dataset, config: Partial<AWACConfig>, options: TrainAWACOptions): Promise<{ agent: AWAC; loop: TrainLoopResult }> {
  const cfg = { ...AWAC_DEFAULTS, ...config };
  const { data, normalizer } = prepareOffline(dataset, options.rows);
  const engine = options.engine ?? createEngine({ backend: options.backend ?? 'auto' });
  const agent = new AWAC(engine, data.obsDim, data.actDim, normalizer, cfg);
  const loop = await trainOffline({ agent, data, batchSize: cfg.batchSize, seed: cfg.seed + 1, runInfo: { algo: 'awac', config: cfg as never }, options });
  return { agent, loop };
}
