export { CQL, CQL_DEFAULTS, type CQLConfig } from './cql.js';
export * from './config-fields.js';
