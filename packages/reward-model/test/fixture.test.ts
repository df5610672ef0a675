import { expect, it } from 'vitest';
import { Dataset, Rng } from '@orl/core';
import { createEngine } from '@orl/nn';
import { stateChecksum } from '../../../tools/update-fixture.js';
import { RewardModel } from '../src/index.js';

// The fit's arithmetic, pinned: a two-member ensemble on fixed data (JS backend), then a checksum of its predictions.
// Recorded before the training step moved onto the nn tape (same bits after). A change here is a change in imputation.
it('RewardModel.fit on fixed data gives the recorded predictions, bit for bit', () => {
  const rng = new Rng(4);
  const n = 600;
  const obs = Float32Array.from({ length: n * 3 }, () => rng.uniform(-1, 1));
  const act = Float32Array.from({ length: n * 2 }, () => rng.uniform(-1, 1));
  const rew = Float32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? act[2 * i]! - 0.5 * obs[3 * i + 1]! : NaN));
  const rewardMask = Uint8Array.from(rew, (r) => (Number.isNaN(r) ? 0 : 1));
  const data = new Dataset(
    { observations: obs, actions: act, rewards: rew, rewardMask, terminals: new Uint8Array(n), timeouts: new Uint8Array(n).fill(1, n - 1) },
    { obsDim: 3, actDim: 2 },
  );
  const rm = new RewardModel({ hidden: [16, 16], epochs: 5, seed: 2, ensemble: 2 }, { engine: createEngine({ backend: 'js', notice: false }) });
  rm.fit(data);
  const { mean, std } = rm.predict(data);
  expect(stateChecksum({ mean, std: std! })).toBe('d6635b3b');
});
