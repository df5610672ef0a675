import { createEngine } from '@orl/nn';
import { agentConformance } from '../../../tools/agent-conformance.js';
import { DynamicsEnsemble, DynamicsReward, MorecAgent, SAC } from '../src/index.js';
import { system } from './helpers.js';

agentConformance('SAC', (engine, seed) => new SAC(engine, 4, 2, { hidden: [32, 32], seed }), { obsDim: 4, actDim: 2, batchSize: 32 });

// MOREC's agent over models trained once (they are inputs, not agent state): SAC, the rollout RNG, the model buffer
// and the rollout statistics must all survive a checkpoint.
const data = system(1500, 3, 1);
const modelEngine = createEngine({ backend: 'wasm', notice: false });
const dynamics = new DynamicsEnsemble(modelEngine, 3, 2, { hidden: [32, 32], maxEpochs: 5, seed: 0 });
dynamics.fit(data);
const dynamicsReward = new DynamicsReward(modelEngine, 3, 2, { hidden: [16], steps: 20, snapshotWindow: 20, seed: 3 });
dynamicsReward.train(dynamics, data);
agentConformance(
  'MOREC agent',
  (engine, seed) =>
    new MorecAgent(engine, data, dynamics, dynamicsReward, 'halfcheetah', {
      rolloutBatch: 20,
      rolloutFreq: 7,
      rollout: { horizon: 4, threshold: 0.1 },
      batchSize: 32,
      sac: { hidden: [32, 32], seed },
      seed,
    }),
  { obsDim: 3, actDim: 2, batchSize: 16, data },
);
