export { TD3BC, TD3BC_DEFAULTS, type TD3BCConfig } from './td3bc.js';
export * from './config-fields.js';
