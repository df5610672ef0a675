export { IQL, IQL_DEFAULTS, iqlRewardScale, type IQLConfig } from './iql.js';
export { trainIQL, type TrainIQLOptions } from './train.js';
export * from './config-fields.js';
