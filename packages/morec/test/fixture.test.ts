import { expect, it } from 'vitest';
import { createEngine } from '@orl/nn';
import { checksumAfter, stateChecksum } from '../../../tools/update-fixture.js';
import { DynamicsEnsemble, DynamicsReward, SAC } from '../src/index.js';
import { system } from './helpers.js';

// The update's arithmetic, pinned: 30 fixed batches on the JS backend, then a checksum of the whole state (networks,
// optimizer moments, RNG, counters). Recorded from the hand-written update this package had before the tape (commit
// 6059d1d); the tape version reproduces it bit for bit. A change here is a change in training: explain it, then re-pin.
it('SAC: 30 updates on fixed batches give the recorded state, bit for bit', () => {
  const engine = createEngine({ backend: 'js', notice: false });
  const agent = new SAC(engine, 11, 3, { hidden: [32, 32], seed: 5 });
  expect(checksumAfter(agent as never, { obsDim: 11, actDim: 3, batchSize: 64 })).toBe('3b5f49df');
});

// The dynamics ensemble's fit and the adversarial dynamics reward (with its REINFORCE model step), pinned the same way.
it('DynamicsEnsemble.fit and DynamicsReward.train give the recorded states, bit for bit', () => {
  const engine = createEngine({ backend: 'js', notice: false });
  const data = system(600, 3, 0.5);
  const dyn = new DynamicsEnsemble(engine, 3, 2, { hidden: [16, 16], maxEpochs: 4, patience: 5, seed: 0, predictReward: true });
  dyn.fit(data);
  expect(stateChecksum(dyn.stateDict())).toBe('f618580a');
  const dr = new DynamicsReward(engine, 3, 2, { hidden: [16], steps: 30, snapshotWindow: 10, snapshotEvery: 5, seed: 1, modelLr: 1e-4 });
  dr.train(dyn, data);
  expect([stateChecksum(dr.stateDict()), stateChecksum(dyn.stateDict())]).toEqual(['27d63874', '0c73a10d']);
});
