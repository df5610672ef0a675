import { describe, it } from 'vitest';
import { expectSameAsLegacy } from '../../../tools/legacy-compare.js';
import { TD3BC } from '../src/index.js';
import { LegacyTD3BC } from '../bench/legacy-td3bc.js';

describe('TD3+BC on the tape vs the pre-tape update', () => {
  it.each(['js', 'native'] as const)('identical parameters, optimizer and RNG states after 30 updates (%s)', (backend) => {
    const cfg = { hidden: [32, 32], batchSize: 64, seed: 5 };
    expectSameAsLegacy(backend, (e, n) => ({ tape: new TD3BC(e, 11, 3, n, cfg), legacy: new LegacyTD3BC(e, 11, 3, n, cfg) }), {
      obsDim: 11,
      actDim: 3,
      batchSize: 64,
    });
  });
});
