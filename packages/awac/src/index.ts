export { AWAC, AWAC_DEFAULTS, type AWACConfig } from './awac.js';
export * from './config-fields.js';
