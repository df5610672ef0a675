import { expect, it } from 'vitest';
import { StateNormalizer } from '@orl/core';
import { MLP, MlpPolicy, createEngine } from '@orl/nn';
import { checksumAfter } from '../../../tools/update-fixture.js';
import { FQE } from '../src/index.js';

// FQE's update, pinned: 20 fixed batches on the JS backend, then a checksum of its state. Recorded before the update
// moved onto the nn tape (same bits after). A change here is a change in the estimates.
it('FQE: 20 updates on fixed batches give the recorded state, bit for bit', () => {
  const engine = createEngine({ backend: 'js', notice: false });
  const policy = new MlpPolicy(new MLP(engine, { sizes: [3, 8, 2], output: 'tanh', seed: 3 }), StateNormalizer.identity(3));
  const fqe = new FQE(engine, policy, StateNormalizer.identity(3), { hidden: [16, 16], batchSize: 32, seed: 4 });
  const before = engine.allocatedFloats();
  expect(checksumAfter(fqe, { obsDim: 3, actDim: 2, batchSize: 32 }, 20)).toBe('a61dad33');
  expect(engine.allocatedFloats()).toBeGreaterThan(before);
  fqe.dispose();
  expect(engine.allocatedFloats()).toBeLessThan(before);
});
