export { BC, BC_DEFAULTS, type BCConfig } from './bc.js';
export * from './config-fields.js';
