import { OrlError } from '@orl/core';
import { CONDITIONS, type Algo, type Condition } from '../pipeline.js';
import { expandGrid, labelBudgetGrid, paperGrid, PAPER_DATASETS, PAPER_PROTOCOL, type GridCell } from '../grid/cells.js';
import { exportResults, formatDuration, formatStatus, openGrid, runGrid, runGridWorker, type GridLocation } from '../grid/engine.js';
import { renderPaperReport } from '../paper-report.js';

export interface GridSpecOptions {
  preset: 'paper' | 'label-budget' | 'custom';
  datasets?: string[];
  algos?: Algo[];
  conditions?: Condition[];
  seeds?: number[];
  labelFractions?: number[];
  steps?: number;
  evalEvery?: number;
  evalEpisodes?: number;
  scale?: number;
  rewardFeatures?: 'sa' | 'sas';
}

export interface GridLocationOptions {
  name: string;
  dir: string;
  db?: string;
}

const loc = (o: GridLocationOptions): GridLocation => ({ name: o.name, dir: o.dir, ...(o.db ? { db: o.db } : {}) });

/** Cells of a preset, narrowed or changed by the flags (every flag validated before any work starts). */
export function gridCells(o: GridSpecOptions): GridCell[] {
  const protocol = {
    ...(o.steps !== undefined ? { steps: o.steps } : {}),
    ...(o.evalEvery !== undefined ? { evalEvery: o.evalEvery } : {}),
    ...(o.evalEpisodes !== undefined ? { evalEpisodes: o.evalEpisodes } : {}),
    ...(o.scale !== undefined ? { datasetScale: o.scale } : {}),
    ...(o.rewardFeatures ? { rewardFeatures: o.rewardFeatures } : {}),
  };
  const seeds = o.seeds ?? [0, 1, 2];
  let base: GridCell[];
  if (o.preset === 'label-budget') base = labelBudgetGrid(seeds, o.labelFractions ?? [0.001, 0.01, 0.1]);
  else if (o.preset === 'paper') base = paperGrid(seeds, o.algos ?? ['td3bc', 'iql']);
  else {
    if (!o.datasets?.length) throw new OrlError('INVALID_ARGUMENT', 'a custom grid needs --datasets');
    base = [];
  }
  const datasets = o.datasets ?? (o.preset === 'custom' ? [] : [...new Set(base.map((c) => c.dataset))]);
  const algos = o.algos ?? [...new Set(base.map((c) => c.algo))];
  const conditions = o.conditions ?? (o.preset === 'custom' ? [...CONDITIONS] : [...new Set(base.map((c) => c.condition))]);
  const labelFractions = o.labelFractions ?? (o.preset === 'custom' ? [PAPER_PROTOCOL.labelFraction] : [...new Set(base.map((c) => c.labelFraction))]);
  return expandGrid({ datasets, algos: algos.length ? algos : ['td3bc', 'iql'], conditions, seeds, labelFractions, protocol });
}

export async function gridRunCmd(
  o: GridSpecOptions &
    GridLocationOptions & { workers?: number; threads?: number; maxAttempts: number; retryFailed?: boolean; results?: string; enqueueOnly?: boolean },
): Promise<void> {
  const cells = gridCells(o);
  if (cells.length === 0) throw new OrlError('EMPTY', 'the grid has no cells: check --datasets/--algos/--conditions/--seeds');
  const s = await runGrid(loc(o), cells, {
    ...(o.enqueueOnly ? { workers: 0 } : o.workers !== undefined ? { workers: o.workers } : {}),
    ...(o.threads ? { threads: o.threads } : {}),
    maxAttempts: o.maxAttempts,
    ...(o.retryFailed ? { retryFailed: true } : {}),
    ...(o.results ? { results: o.results } : {}),
  });
  console.log(formatStatus(s));
  if (s.counts.failed > 0 && !o.enqueueOnly) process.exitCode = 1;
}

export async function gridWorkerCmd(o: GridLocationOptions & { maxCells?: number; forever?: boolean }): Promise<void> {
  const s = await runGridWorker(loc(o), { ...(o.maxCells ? { maxCells: o.maxCells } : {}), ...(o.forever ? { forever: true } : {}) });
  console.error(`[orl grid ${process.pid}] worker done: ${s.done} cells finished, ${s.failed} failed attempts, ${s.lost} lost leases`);
}

export async function gridStatusCmd(o: GridLocationOptions & { json?: boolean }): Promise<void> {
  const g = await openGrid(loc(o));
  try {
    await g.engine.reap(o.name);
    const s = await g.engine.status(o.name);
    if (o.json) {
      console.log(JSON.stringify(s));
      return;
    }
    console.log(formatStatus(s));
    for (const c of await g.engine.cells(o.name, 'running'))
      console.log(
        `  running  ${c.key} (attempt ${c.attempts}/${c.maxAttempts}, ${c.leaseOwner}, ${c.startedAt ? formatDuration((Date.now() - c.startedAt.getTime()) / 1000) : '?'})`,
      );
    for (const c of await g.engine.cells(o.name, 'failed')) console.log(`  failed   ${c.key} after ${c.attempts} attempts: ${c.errors.at(-1)?.error ?? '?'}`);
  } finally {
    await g.close();
  }
}

export async function gridReportCmd(o: GridLocationOptions & { out: string }): Promise<void> {
  const g = await openGrid(loc(o));
  try {
    const n = await exportResults(g.engine, o.name, o.out);
    console.log(`exported ${n} new or changed result files to ${o.out}/runs`);
  } finally {
    await g.close();
  }
  const r = await renderPaperReport(o.out);
  console.log(`wrote ${r.html}, ${r.markdown} and ${r.table}`);
}

export { PAPER_DATASETS };
