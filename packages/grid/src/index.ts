export { GridEngine, queueName, type CellInput, type CellRow, type CellStatus, type EngineOptions, type GridStatus } from './engine.js';
export { runWorker, type CellContext, type CellHandler, type CellOutput, type WorkerOptions, type WorkerSummary } from './worker.js';
export { startEmbeddedPostgres, type EmbeddedServer } from './embedded.js';
export { redact, describeUrl } from './redact.js';
export { SCHEMA, MIGRATIONS } from './schema.js';
