import { cpus } from 'node:os';
import { join } from 'node:path';
import { OrlError, type Dataset } from '@orl/core';
import { createEngine } from '@orl/nn';
import { loadDataset } from '../data.js';
import { runCell, type CellResult } from '../pipeline.js';
import { cellHash, cellKey, dataRevisionOf, type GridCell } from './cells.js';

/** What a finished cell leaves behind: its config, hash, result and where/how it ran. Small enough to commit. */
export interface GridRunRecord {
  key: string;
  hash: string;
  cell: GridCell;
  result: CellResult;
  /** Mean of the last three evaluations: the score the paper table uses. */
  score: number;
  machine: { cpu: string; backend: string; threads: number; kernels?: string };
  finishedAt: string;
}

/** The artifact folder of a cell (checkpoint, metrics.jsonl, policy): `<gridDir>/work/<key>-<hash>`. */
export function cellWorkDir(gridDir: string, cell: GridCell): string {
  return join(gridDir, 'work', `${cellKey(cell)}-${cellHash(cell)}`);
}

const datasets = new Map<string, Dataset>();

/** Loads (generating on first use) a cell's dataset; a worker keeps the last few in memory across cells. */
async function cellDataset(cell: GridCell, log: (m: string) => void): Promise<Dataset> {
  // A worker of another version would generate other data under the same name: refuse instead of training on it.
  if (dataRevisionOf(cell.dataset) !== cell.dataRevision)
    throw new OrlError(
      'INVALID_ARGUMENT',
      `grid cell ${cellKey(cell)} was made for ${cell.dataset} at recipe revision ${cell.dataRevision ?? 1}; this version generates revision ${dataRevisionOf(cell.dataset) ?? 1}`,
    );
  const id = `${cell.dataset}@${cell.datasetScale}`;
  let d = datasets.get(id);
  if (!d) {
    d = (await loadDataset(cell.dataset, { scale: cell.datasetScale, log })).dataset;
    if (datasets.size >= 3) datasets.delete(datasets.keys().next().value!);
    datasets.set(id, d);
  }
  return d;
}

export interface RunGridCellOptions {
  log?: (m: string) => void;
}

/**
 * Trains one grid cell in its artifact folder (resuming from the folder's checkpoint when one exists) and returns its
 * record. Deterministic for a cell on the same backend, kernel set and thread count.
 */
export async function runGridCell(cell: GridCell, gridDir: string, options: RunGridCellOptions = {}): Promise<GridRunRecord> {
  const log = options.log ?? (() => undefined);
  const data = await cellDataset(cell, log);
  const dir = cellWorkDir(gridDir, cell);
  const result = await runCell(
    data,
    {
      algo: cell.algo,
      condition: cell.condition,
      seed: cell.seed,
      labelFraction: cell.labelFraction,
      steps: cell.steps,
      evalEvery: cell.evalEvery,
      evalEpisodes: cell.evalEpisodes,
      rewardModel: { features: cell.rewardFeatures },
      progress: false,
    },
    dir,
    log,
    { adoptUnrecorded: true },
  );
  const engine = createEngine({ notice: false });
  const info = engine.info();
  return {
    key: cellKey(cell),
    hash: cellHash(cell),
    cell,
    result,
    score: result.lastThreeMean ?? result.finalScore,
    machine: { cpu: cpus()[0]?.model ?? 'unknown', backend: engine.backend, threads: info.threads, kernels: info.kernels },
    finishedAt: new Date().toISOString(),
  };
}
