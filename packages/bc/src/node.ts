/** Node: training through the core loop (metrics and checkpoints on disk, resume). The main entry is browser-safe. */
import { prepareOffline, type Dataset } from '@orl/core';
import { trainOffline, type OfflineTrainOptions, type TrainLoopResult } from '@orl/core/node';
import { createEngine, type BackendChoice, type Engine } from '@orl/nn';
import { BC, BC_DEFAULTS, type BCConfig } from '@orl/bc';

export interface TrainBCOptions extends OfflineTrainOptions {
  backend?: BackendChoice;
  engine?: Engine;
}

/** Trains behaviour cloning on an offline dataset through the core loop (metrics, checkpoints, resume, evaluation). */
export async function trainBC(dataset: Dataset, config: Partial<BCConfig>, options: TrainBCOptions): Promise<{ agent: BC; loop: TrainLoopResult }> {
  const cfg = { ...BC_DEFAULTS, ...config };
  const { data, normalizer } = prepareOffline(dataset, options.rows);
  const engine = options.engine ?? createEngine({ backend: options.backend ?? 'auto' });
  const agent = new BC(engine, data.obsDim, data.actDim, normalizer, cfg);
  const loop = await trainOffline({ agent, data, batchSize: cfg.batchSize, seed: cfg.seed + 1, runInfo: { algo: 'bc', config: cfg as never }, options });
  return { agent, loop };
}
