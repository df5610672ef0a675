export { FQE, FQE_DEFAULTS, initialStates, valueToNormalizedScore, type FQEConfig } from './fqe.js';
export * from './config-fields.js';
