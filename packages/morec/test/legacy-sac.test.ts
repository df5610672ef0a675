import { describe, it } from 'vitest';
import type { Agent } from '@orl/core';
import { expectSameAsLegacy } from '../../../tools/legacy-compare.js';
import { SAC } from '../src/index.js';
import { LegacySAC } from '../bench/legacy-sac.js';

// SAC's update on the tape against the hand-written one it replaced (MOREC's policy optimizer).
describe('SAC on the tape vs the pre-tape update', () => {
  it.each(['js', 'native'] as const)('identical parameters, optimizer and RNG states after 30 updates (%s)', (backend) => {
    const cfg = { hidden: [32, 32], seed: 5 };
    expectSameAsLegacy(
      backend,
      (e) => ({ tape: new SAC(e, 11, 3, cfg) as unknown as Agent & SAC, legacy: new LegacySAC(e, 11, 3, cfg) as unknown as Agent & LegacySAC }),
      { obsDim: 11, actDim: 3, batchSize: 64 },
    );
  });
});
