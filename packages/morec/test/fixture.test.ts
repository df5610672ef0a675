import { expect, it } from 'vitest';
import { createEngine } from '@orl/nn';
import { checksumAfter } from '../../../tools/update-fixture.js';
import { SAC } from '../src/index.js';

// The update's arithmetic, pinned: 30 fixed batches on the JS backend, then a checksum of the whole state (networks,
// optimizer moments, RNG, counters). Recorded from the hand-written update this package had before the tape (commit
// 6059d1d); the tape version reproduces it bit for bit. A change here is a change in training: explain it, then re-pin.
it('SAC: 30 updates on fixed batches give the recorded state, bit for bit', () => {
  const engine = createEngine({ backend: 'js', notice: false });
  const agent = new SAC(engine, 11, 3, { hidden: [32, 32], seed: 5 });
  expect(checksumAfter(agent as never, { obsDim: 11, actDim: 3, batchSize: 64 })).toBe('3b5f49df');
});
