import { createHash } from 'node:crypto';
import { OrlError } from '@orl/core';
import { findRecipe } from '@orl/dataset-suite';
import { CONDITIONS, OFFLINE_ALGOS, type Algo, type CellSpec, type Condition } from '../pipeline.js';

/**
 * One grid cell: everything that determines a training run. Its hash names the cell's artifact folder and is stored
 * with its result, so a changed protocol never reuses an old run.
 */
export interface GridCell extends Pick<CellSpec, 'algo' | 'condition' | 'seed' | 'labelFraction' | 'steps' | 'evalEvery' | 'evalEpisodes'> {
  /** Suite dataset name (generated from the shipped behaviour policies) or a D4RL/Minari name or path. */
  dataset: string;
  /** Suite datasets: fraction of D4RL's size (0.1 in the scaled protocol). */
  datasetScale: number;
  /** Reward-model inputs of the imputed condition. */
  rewardFeatures: 'sa' | 'sas';
  /**
   * Suite datasets whose recipe changed: the recipe's revision (absent at revision 1, so results on unchanged data
   * keep their hashes). Results on the old data then no longer match the cell and are run again.
   */
  dataRevision?: number;
}

/** The recipe revision a suite dataset's cells carry (undefined at revision 1 and for D4RL names or paths). */
export function dataRevisionOf(dataset: string): number | undefined {
  const revision = findRecipe(dataset)?.revision ?? 1;
  return revision > 1 ? revision : undefined;
}

/** Bumped when the meaning of a cell's fields changes (old results then no longer match). */
const CELL_VERSION = 1;

/** Stable JSON: keys sorted, so the hash does not depend on property order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** 12 hex digits of sha256 over the cell's canonical config. */
export function cellHash(cell: GridCell): string {
  return createHash('sha256')
    .update(canonical({ v: CELL_VERSION, ...cell }))
    .digest('hex')
    .slice(0, 12);
}

/** Human-readable key, unique within a grid: `hopper-medium/td3bc/imputed-s0` (label fraction added when not 1%). */
export function cellKey(cell: GridCell): string {
  const labels = cell.labelFraction === 0.01 || cell.condition === 'all' ? '' : `-l${+(cell.labelFraction * 100).toFixed(3)}`;
  return `${safeName(cell.dataset)}/${cell.algo}/${cell.condition}${labels}-s${cell.seed}`;
}

/** A name safe as one path segment (dataset paths become `a_b_c`). */
export function safeName(s: string): string {
  const out = s
    .replace(/\.(hdf5|h5)$/i, '')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^\.+/, '_');
  return out.length ? out.slice(0, 120) : '_';
}

export function validateCell(cell: GridCell): GridCell {
  const bad = (m: string) => new OrlError('INVALID_ARGUMENT', `grid cell ${cell.dataset}/${cell.algo}/${cell.condition}-s${cell.seed}: ${m}`);
  if (!cell.dataset) throw bad('empty dataset');
  if (!(cell.datasetScale > 0 && cell.datasetScale <= 1)) throw bad(`dataset scale must be in (0, 1], got ${cell.datasetScale}`);
  if (!(OFFLINE_ALGOS as readonly string[]).includes(cell.algo)) throw bad(`unknown algorithm ${cell.algo}`);
  if (!CONDITIONS.includes(cell.condition)) throw bad(`unknown condition ${cell.condition}`);
  if (!Number.isInteger(cell.seed) || cell.seed < 0) throw bad(`seed must be a non-negative integer, got ${cell.seed}`);
  if (!(cell.labelFraction > 0 && cell.labelFraction < 1)) throw bad(`label fraction must be in (0, 1), got ${cell.labelFraction}`);
  if (!Number.isInteger(cell.steps) || cell.steps < 1) throw bad(`steps must be a positive integer, got ${cell.steps}`);
  if (!Number.isInteger(cell.evalEvery) || cell.evalEvery < 1) throw bad(`eval-every must be a positive integer, got ${cell.evalEvery}`);
  if (!Number.isInteger(cell.evalEpisodes) || cell.evalEpisodes < 1) throw bad(`eval-episodes must be a positive integer, got ${cell.evalEpisodes}`);
  if (cell.rewardFeatures !== 'sa' && cell.rewardFeatures !== 'sas') throw bad(`reward features must be sa or sas, got ${cell.rewardFeatures}`);
  if (cell.dataRevision !== undefined && !(Number.isInteger(cell.dataRevision) && cell.dataRevision > 1))
    throw bad(`data revision must be an integer > 1 when present, got ${cell.dataRevision}`);
  return cell;
}

export const PAPER_TASKS = ['halfcheetah', 'hopper', 'walker2d'] as const;
export const PAPER_KINDS = ['medium', 'medium-replay', 'medium-expert'] as const;
export const PAPER_DATASETS = PAPER_TASKS.flatMap((t) => PAPER_KINDS.map((k) => `${t}-${k}`));

/**
 * The scaled protocol of the paper table (README "Protocol"): each dataset at 10% of D4RL's size, 1% of rows labelled,
 * 100 000 steps — 256 passes over the data and 25 600 over the labelled rows, as 1M steps on the full data.
 */
export interface GridProtocol {
  datasetScale: number;
  labelFraction: number;
  steps: number;
  evalEvery: number;
  evalEpisodes: number;
  rewardFeatures: 'sa' | 'sas';
}

export const PAPER_PROTOCOL: Readonly<GridProtocol> = Object.freeze({
  datasetScale: 0.1,
  labelFraction: 0.01,
  steps: 100_000,
  evalEvery: 10_000,
  evalEpisodes: 10,
  rewardFeatures: 'sa',
});

export interface GridSpec {
  datasets: readonly string[];
  algos: readonly Algo[];
  conditions: readonly Condition[];
  seeds: readonly number[];
  labelFractions?: readonly number[];
  protocol?: Partial<GridProtocol>;
}

/** Expands a grid spec into cells, ordered seed-major (every dataset's first seed before any second seed). */
export function expandGrid(spec: GridSpec): GridCell[] {
  const p = { ...PAPER_PROTOCOL, ...spec.protocol };
  const fractions = spec.labelFractions ?? [p.labelFraction];
  const out: GridCell[] = [];
  const seen = new Set<string>();
  for (const seed of spec.seeds)
    for (const algo of spec.algos)
      for (const dataset of spec.datasets) {
        const dataRevision = dataRevisionOf(dataset);
        for (const condition of spec.conditions)
          for (const labelFraction of condition === 'all' ? [p.labelFraction] : fractions) {
            const cell = validateCell({
              dataset,
              datasetScale: p.datasetScale,
              algo,
              condition,
              seed,
              labelFraction,
              steps: p.steps,
              evalEvery: p.evalEvery,
              evalEpisodes: p.evalEpisodes,
              rewardFeatures: p.rewardFeatures,
              ...(dataRevision ? { dataRevision } : {}),
            });
            const h = cellHash(cell);
            if (!seen.has(h)) {
              seen.add(h);
              out.push(cell);
            }
          }
      }
  return out;
}

/** The imputed-rewards paper's table: 9 datasets × TD3+BC, IQL × 3 conditions × seeds. */
export function paperGrid(seeds: readonly number[] = [0, 1, 2], algos: readonly Algo[] = ['td3bc', 'iql']): GridCell[] {
  return expandGrid({ datasets: PAPER_DATASETS, algos, conditions: CONDITIONS, seeds });
}

/** The label-budget curve: TD3+BC on one hopper and one walker2d dataset, labelled-only vs imputed, several budgets. */
export function labelBudgetGrid(seeds: readonly number[] = [0, 1, 2], fractions: readonly number[] = [0.001, 0.01, 0.1]): GridCell[] {
  return expandGrid({
    datasets: ['hopper-medium', 'walker2d-medium'],
    algos: ['td3bc'],
    conditions: ['labelled', 'imputed'],
    seeds,
    labelFractions: fractions,
  });
}
