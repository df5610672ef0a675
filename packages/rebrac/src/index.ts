export { ReBRAC, REBRAC_CORL_COEFS, REBRAC_DEFAULTS, rebracCoefsFor, type ReBRACConfig } from './rebrac.js';
export * from './config-fields.js';
