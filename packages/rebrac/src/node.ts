/** Node: training through the core loop (metrics and checkpoints on disk, resume). The main entry is browser-safe. */
import { prepareOffline, type Dataset } from '@orl/core';
import { trainOffline, type OfflineTrainOptions, type TrainLoopResult } from '@orl/core/node';
import { createEngine, type BackendChoice, type Engine } from '@orl/nn';
import { ReBRAC, REBRAC_DEFAULTS, type ReBRACConfig } from '@orl/rebrac';

export interface TrainReBRACOptions extends OfflineTrainOptions {
  backend?: BackendChoice;
  engine?: Engine;
}

/**
 * Trains ReBRAC on an offline dataset through the core loop (metrics, checkpoints, resume, evaluation). Batches carry
 * the dataset's next actions, so only transitions whose next action the dataset holds are sampled (time-limit ends are
 * not, as in CORL's loader). States are not normalised (CORL's MuJoCo configs).
 */
export async function trainReBRAC(
  dataset: Dataset,
  config: Partial<ReBRACConfig>,
  options: TrainReBRACOptions,
): Promise<{ agent: ReBRAC; loop: TrainLoopResult }> {
  const cfg: ReBRACConfig = { ...REBRAC_DEFAULTS, ...config };
  const { data } = prepareOffline(dataset, options.rows);
  const engine = options.engine ?? createEngine({ backend: options.backend ?? 'auto' });
  const agent = new ReBRAC(engine, data.obsDim, data.actDim, cfg);
  const loop = await trainOffline({
    agent,
    data,
    batchSize: cfg.batchSize,
    seed: cfg.seed + 1,
    runInfo: { algo: 'rebrac', config: cfg as never },
    options,
    nextActions: true,
  });
  return { agent, loop };
}
