import { StateNormalizer } from '@orl/core';
import { agentConformance } from '../../../tools/agent-conformance.js';
import { IQL } from '../src/index.js';

const identity = StateNormalizer.identity(4);
agentConformance('IQL', (engine, seed) => new IQL(engine, 4, 2, identity, { hidden: [32, 32], batchSize: 32, maxSteps: 100, seed }), {
  obsDim: 4,
  actDim: 2,
  batchSize: 32,
});
