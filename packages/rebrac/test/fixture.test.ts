import { expect, it } from 'vitest';
import { createEngine } from '@orl/nn';
import { randomBatches, stateChecksum } from '../../../tools/update-fixture.js';
import { ReBRAC } from '../src/index.js';

// The update's arithmetic, pinned: 30 fixed batches (with next actions) on the JS backend, then a checksum of the whole
// state (networks, LayerNorm parameters, optimizer moments, RNG, counter). Recorded when ReBRAC was written; a change
// here is a change in training: explain it, then re-pin.
it('ReBRAC: 30 updates on fixed batches give the recorded state, bit for bit', () => {
  const engine = createEngine({ backend: 'js', notice: false });
  const agent = new ReBRAC(engine, 11, 3, { hidden: [32, 32], batchSize: 64, seed: 5 });
  let k = 0;
  for (const b of randomBatches(11, 3, 64, 30)) agent.update({ ...b, nextActions: Float32Array.from({ length: 64 * 3 }, () => Math.sin(++k)) });
  expect(stateChecksum(agent.stateDict())).toBe('a2b3a0fc');
});
