export { writeFileAtomic, saveState, loadState, ensureDir, fsError } from './fs.js';
export { CsvMetrics, JsonlMetrics, MemoryMetrics, readCsvMetrics, readJsonl, type MetricRecord, type MetricsSink } from './metrics.js';
export { createProgress, formatDuration, type ProgressMode, type ProgressOptions, type ProgressReporter } from './progress.js';
export { trainLoop, CHECKPOINT_FILE, METRICS_FILE, METRICS_CSV_FILE, type MetricsFormat, type TrainLoopOptions, type TrainLoopResult } from './train.js';
export { trainOffline, type OfflineTrainOptions } from './offline.js';
