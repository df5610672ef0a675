export { DynamicsEnsemble, DYNAMICS_DEFAULTS, type DynamicsConfig } from './dynamics.js';
export { DynamicsReward, DYNAMICS_REWARD_DEFAULTS, auc, type DynamicsRewardConfig } from './dynamics-reward.js';
export { rollout, terminationFn, ROLLOUT_DEFAULTS, type RolloutConfig, type RolloutBatch } from './rollout.js';
export { SAC, SAC_DEFAULTS, type SACConfig } from './sac.js';
export { MorecAgent, MOREC_DEFAULTS, type MorecConfig } from './morec.js';
export { gaussianNll, boundLogVar } from './gaussian.js';
export * from './config-fields.js';
