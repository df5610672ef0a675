// Imputation quality per dataset of the paper table (a cheap fit, no RL training): the reward model with the paper's
// (s, a) inputs and with (s, a, s') on 1% labelled rows of each 10% dataset; R² and the Wasserstein-1 distance between
// the imputed and the true rewards of the unlabelled rows, mean over mask/model seeds.
//   npx tsx --conditions=source packages/cli/scripts/imputation-quality.ts [results/paper-table] [seeds=0,1,2]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mean, std, toTransitions } from '@orl/core';
import { maskRewards } from '@orl/d4rl-loader';
import { RewardModel } from '@orl/reward-model';
import { loadDataset } from '../src/data.js';
import { PAPER_DATASETS, PAPER_PROTOCOL } from '../src/grid/cells.js';
import type { ImputationQuality } from '../src/paper-report.js';

/** W₁ between two empirical distributions of equal size: the mean gap between their sorted values. */
function wasserstein1(a: Float64Array, b: Float64Array): number {
  a.sort();
  b.sort();
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length;
}

const out = process.argv[2] ?? 'results/paper-table';
const seeds = (process.argv[3] ?? '0,1,2').split(',').map(Number);
const rows: ImputationQuality[] = [];
for (const name of PAPER_DATASETS) {
  const transitions = toTransitions((await loadDataset(name, { scale: PAPER_PROTOCOL.datasetScale })).dataset);
  for (const features of ['sa', 'sas'] as const) {
    const r2: number[] = [];
    const w1: number[] = [];
    let labelled = 0;
    let rewardStd = 0;
    for (const seed of seeds) {
      const masked = maskRewards(transitions, PAPER_PROTOCOL.labelFraction, seed);
      const model = new RewardModel({ features, seed });
      model.fit(masked.dataset);
      const { dataset, report } = model.impute(masked.dataset, { trueRewards: masked.trueRewards });
      const hidden: number[] = [];
      for (let i = 0; i < dataset.size; i++) if (!masked.dataset.rewardMask![i]) hidden.push(i);
      w1.push(
        wasserstein1(
          Float64Array.from(hidden, (i) => dataset.rewards[i]!),
          Float64Array.from(hidden, (i) => masked.trueRewards[i]!),
        ),
      );
      r2.push(report.imputationError!.r2);
      labelled = report.labelledRows;
      rewardStd = std(Float64Array.from(hidden, (i) => masked.trueRewards[i]!));
    }
    rows.push({ dataset: name, features, labelledRows: labelled, r2: mean(r2), wasserstein1: mean(w1), rewardStd });
    console.log(
      `${name.padEnd(26)} ${features.padEnd(3)} labelled ${String(labelled).padStart(5)}  R² ${mean(r2).toFixed(4)}  W1 ${mean(w1).toFixed(4)}  (reward std ${rewardStd.toFixed(3)})`,
    );
  }
}
writeFileSync(join(out, 'imputation.json'), `${JSON.stringify(rows, null, 1)}\n`);
