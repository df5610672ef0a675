export { loadDataset } from './data.js';
export { runCell, conditionData, summarize, markdownTable, savePolicy, CONDITIONS, CONDITION_LABELS, type CellSpec, type CellResult, type Condition, type Algo, type PipelineSummary } from './pipeline.js';
export { learningCurveSpec, renderChart } from './plots.js';
export { renderReport, collectResults } from './report.js';
