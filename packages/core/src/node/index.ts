export { writeFileAtomic, saveState, loadState, ensureDir, fsError } from './fs.js';
export { JsonlMetrics, MemoryMetrics, readJsonl, type MetricRecord, type MetricsSink } from './metrics.js';
export { trainLoop, CHECKPOINT_FILE, METRICS_FILE, type TrainLoopOptions, type TrainLoopResult } from './train.js';
export { trainOffline, type OfflineTrainOptions } from './offline.js';
