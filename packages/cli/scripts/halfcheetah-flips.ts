// How much of each generated halfcheetah dataset (10% scale) shows the cheetah on its back (|torso pitch| > π/2,
// observation 1), and what those episodes earn: flipped behaviour in the data is what an RL policy can learn to copy.
//   npx tsx --conditions=source packages/cli/scripts/halfcheetah-flips.ts [out.json]
import { writeFileSync } from 'node:fs';
import { mean, normalizedScore } from '@orl/core';
import { halfCheetahOnItsBack } from '@orl/mujoco-env';
import { loadDataset } from '../src/data.js';
import { PAPER_PROTOCOL } from '../src/grid/cells.js';

const rows: Record<string, unknown>[] = [];
for (const name of ['halfcheetah-medium', 'halfcheetah-medium-replay', 'halfcheetah-medium-expert']) {
  const { dataset: d } = await loadDataset(name, { scale: PAPER_PROTOCOL.datasetScale });
  const flippedEp: number[] = [];
  const uprightEp: number[] = [];
  let ret = 0;
  let back = 0;
  let len = 0;
  let backRows = 0;
  for (let i = 0; i < d.size; i++) {
    ret += d.rewards[i]!;
    len++;
    if (halfCheetahOnItsBack(d.observations, i)) back++;
    if (d.terminals[i] || d.timeouts[i] || i === d.size - 1) {
      // An episode counts as flipped when the cheetah spends at least a tenth of it on its back.
      (back >= len / 10 ? flippedEp : uprightEp).push(normalizedScore('halfcheetah', ret));
      backRows += back;
      ret = back = len = 0;
    }
  }
  const row = {
    dataset: name,
    rows: d.size,
    rowsOnItsBack: backRows / d.size,
    episodes: flippedEp.length + uprightEp.length,
    flippedEpisodes: flippedEp.length,
    meanNormalizedReturnFlipped: flippedEp.length ? mean(flippedEp) : null,
    meanNormalizedReturnUpright: uprightEp.length ? mean(uprightEp) : null,
  };
  console.log(JSON.stringify(row));
  rows.push(row);
}
if (process.argv[2]) writeFileSync(process.argv[2], `${JSON.stringify({ rows, date: new Date().toISOString().slice(0, 10) }, null, 1)}\n`);
