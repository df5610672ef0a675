import { StateNormalizer } from '@orl/core';
import { agentConformance } from '../../../tools/agent-conformance.js';
import { TD3BC } from '../src/index.js';

const identity = StateNormalizer.identity(4);
agentConformance('TD3+BC', (engine, seed) => new TD3BC(engine, 4, 2, identity, { hidden: [32, 32], batchSize: 32, seed }), {
  obsDim: 4,
  actDim: 2,
  batchSize: 32,
});
