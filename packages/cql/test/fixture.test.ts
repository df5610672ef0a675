import { expect, it } from 'vitest';
import { StateNormalizer } from '@orl/core';
import { createEngine } from '@orl/nn';
import { checksumAfter } from '../../../tools/update-fixture.js';
import { CQL } from '../src/index.js';

// The update's arithmetic, pinned: 30 fixed batches on the JS backend, then a checksum of the whole state (networks,
// optimizer moments, scalars, RNG, counter). Recorded when CQL was written; a change here is a change in training:
// explain it, then re-pin.
it('CQL: 30 updates on fixed batches give the recorded state, bit for bit', () => {
  const engine = createEngine({ backend: 'js', notice: false });
  const agent = new CQL(engine, 11, 3, StateNormalizer.identity(11), { hidden: [32, 32], batchSize: 64, cqlNActions: 4, seed: 5 });
  expect(checksumAfter(agent, { obsDim: 11, actDim: 3, batchSize: 64 })).toBe('3a31736b');
});
