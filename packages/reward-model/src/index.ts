export { RewardModel, REWARD_MODEL_DEFAULTS, type RewardModelConfig, type FitReport, type ImputeReport } from './reward-model.js';
export { regressionMetrics, type RegressionMetrics } from './metrics.js';
export * from './config-fields.js';
