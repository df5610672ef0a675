import { toTransitions } from '@orl/core';
import { writeFileAtomic } from '@orl/core/node';
import { maskRewards, writeD4rl } from '@orl/d4rl-loader';
import { RewardModel } from '@orl/reward-model';
import type { BackendChoice } from '@orl/nn';
import { loadDataset } from '../data.js';

export async function imputeCmd(o: {
  dataset: string;
  labelFraction: number;
  seed: number;
  ensemble: number;
  hidden?: number[];
  out: string;
  backend: BackendChoice;
}): Promise<void> {
  const { dataset } = await loadDataset(o.dataset, { log: (m) => console.error(m) });
  const t = toTransitions(dataset);
  const masked = maskRewards(t, o.labelFraction, o.seed);
  const rm = new RewardModel({ seed: o.seed, ensemble: o.ensemble, ...(o.hidden ? { hidden: o.hidden } : {}) }, { backend: o.backend });
  const fit = rm.fit(masked.dataset);
  const { dataset: imputed, uncertainty, report } = rm.impute(masked.dataset, { trueRewards: masked.trueRewards });
  await writeD4rl(o.out, imputed, {
    infos: { reward_mask: imputed.rewardMask!, ...(uncertainty ? { reward_std: uncertainty } : {}) },
    metadata: { source: o.dataset, label_fraction: o.labelFraction, seed: o.seed, labelled: masked.labelled.length, reward_model: JSON.stringify(rm.config) },
  });
  writeFileAtomic(`${o.out.replace(/\.(hdf5|h5)$/i, '')}.reward-model.orl`, rm.encode());
  console.log(
    `labelled ${masked.labelled.length} of ${t.size} transitions; reward model validation R² ${fit.validation?.r2.toFixed(4) ?? 'n/a'}, MSE ${fit.validation?.mse.toExponential(3) ?? 'n/a'}`,
  );
  console.log(
    `imputed ${report.imputedRows} rewards in ${report.seconds.toFixed(2)} s; error against the hidden true rewards (study only): R² ${report.imputationError?.r2.toFixed(4)}, Pearson ${report.imputationError?.pearson.toFixed(4)}`,
  );
  console.log(`wrote ${o.out}`);
}
