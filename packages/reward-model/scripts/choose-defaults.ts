// Measures reward-model settings on a suite dataset with 1% labels: imputation R² on the unlabelled 99% (true rewards
// used only to score), fit time and 1M-row imputation time. Used to choose REWARD_MODEL_DEFAULTS (README table).
import { toTransitions } from '@orl/core';
import { maskRewards } from '@orl/d4rl-loader';
import { loadSuiteDataset } from '@orl/dataset-suite';
import { RewardModel, type RewardModelConfig } from '../src/index.js';

const name = process.argv[2] ?? 'hopper-medium';
const t = toTransitions(await loadSuiteDataset(name));
const masked = maskRewards(t, 0.01, 0);
const variants: [string, Partial<RewardModelConfig>][] = [
  ['64-64 sas', { hidden: [64, 64] }],
  ['128-128 sas', { hidden: [128, 128] }],
  ['256-256 sas', { hidden: [256, 256] }],
  ['256-256 sa', { hidden: [256, 256], features: 'sa' }],
  ['128-128 sas wd1e-4', { hidden: [128, 128], weightDecay: 1e-4 }],
];
for (const [label, cfg] of variants) {
  const rm = new RewardModel({ ...cfg, seed: 0 });
  const fit = rm.fit(masked.dataset);
  const imp = rm.impute(masked.dataset, { trueRewards: masked.trueRewards });
  console.log(
    JSON.stringify({
      dataset: name,
      label,
      valR2: +fit.validation!.r2.toFixed(4),
      imputeR2: +imp.report.imputationError!.r2.toFixed(4),
      pearson: +imp.report.imputationError!.pearson.toFixed(4),
      epochs: fit.epochs[0],
      fitSeconds: +fit.seconds.toFixed(1),
      imputeSeconds: +imp.report.seconds.toFixed(2),
    }),
  );
}
