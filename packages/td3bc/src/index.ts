export { TD3BC, TD3BC_DEFAULTS, type TD3BCConfig } from './td3bc.js';
export { trainTD3BC, prepareOffline, resolveEvalTask, type TrainTD3BCOptions, type TrainResult } from './train.js';
