/** Node: training through the core loop (metrics and checkpoints on disk, resume). The main entry is browser-safe. */
import { prepareOffline, type Dataset } from '@orl/core';
import { trainOffline, type OfflineTrainOptions, type TrainLoopResult } from '@orl/core/node';
import { createEngine, type BackendChoice, type Engine } from '@orl/nn';
import { TD3BC, TD3BC_DEFAULTS, type TD3BCConfig } from '@orl/td3bc';

export interface TrainTD3BCOptions extends OfflineTrainOptions {
  backend?: BackendChoice;
  engine?: Engine;
}

/** Trains TD3+BC on an offline dataset through the core loop (metrics, checkpoints, resume, evaluation). */
export async function trainTD3BC(dataset: Dataset, config: Partial<TD3BCConfig>, options: TrainTD3BCOptions): Promise<{ agent: TD3BC; loop: TrainLoopResult }> {
  const cfg = { ...TD3BC_DEFAULTS, ...config };
  const { data, normalizer } = prepareOffline(dataset, options.rows);
  const engine = options.engine ?? createEngine({ backend: options.backend ?? 'auto' });
  const agent = new TD3BC(engine, data.obsDim, data.actDim, normalizer, cfg);
  const loop = await trainOffline({ agent, data, batchSize: cfg.batchSize, seed: cfg.seed + 1, runInfo: { algo: 'td3bc', config: cfg as never }, options });
  return { agent, loop };
}
