export { loadDataset } from './data.js';
export {
  runCell,
  conditionData,
  summarize,
  markdownTable,
  savePolicy,
  CONDITIONS,
  CONDITION_LABELS,
  type CellSpec,
  type CellResult,
  type Condition,
  type Algo,
  type PipelineSummary,
} from './pipeline.js';
export { learningCurveSpec, renderChart } from './plots.js';
export { renderReport, collectResults } from './report.js';
export { renderPaperReport, type ImputationQuality } from './paper-report.js';
export { paperRows, paperMarkdown, aggregateIqm, bootstrapCI, stratifiedIqmCI, iqm, CORL_SCORES, PAPER_AVERAGES } from './paper-table.js';
export { escapeHtml } from './html.js';
export {
  cellHash,
  cellKey,
  expandGrid,
  paperGrid,
  labelBudgetGrid,
  PAPER_PROTOCOL,
  PAPER_DATASETS,
  type GridCell,
  type GridSpec,
  type GridProtocol,
} from './grid/cells.js';
export { runGridCell, cellWorkDir, type GridRunRecord } from './grid/run.js';
export { runGrid, runGridWorker, openGrid, exportResults, importResults, readResultFiles } from './grid/engine.js';
