export { TD3BC, TD3BC_DEFAULTS, type TD3BCConfig } from './td3bc.js';
export { trainTD3BC, type TrainTD3BCOptions } from './train.js';
export * from './config-fields.js';
