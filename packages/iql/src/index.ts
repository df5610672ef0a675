export { IQL, IQL_DEFAULTS, iqlRewardScale, type IQLConfig } from './iql.js';
export * from './config-fields.js';
