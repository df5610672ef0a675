import { expect, it } from 'vitest';
import { StateNormalizer } from '@orl/core';
import { createEngine } from '@orl/nn';
import { checksumAfter } from '../../../tools/update-fixture.js';
import { AWAC } from '../src/index.js';

// The update's arithmetic, pinned: 30 fixed batches on the JS backend, then a checksum of the whole state (networks,
// optimizer moments, RNG, counters). Recorded from the hand-written update this package had before the tape (commit
// 6059d1d); the tape version reproduces it bit for bit. A change here is a change in training: explain it, then re-pin.
it('AWAC: 30 updates on fixed batches give the recorded state, bit for bit', () => {
  const engine = createEngine({ backend: 'js', notice: false });
  const normalizer = StateNormalizer.identity(11);
  const agent = new AWAC(engine, 11, 3, normalizer, { hidden: [32, 32], batchSize: 64, seed: 5 });
  expect(checksumAfter(agent as never, { obsDim: 11, actDim: 3, batchSize: 64 })).toBe('47a33be3');
});
