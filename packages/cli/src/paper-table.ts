import { Rng, mean } from '@orl/core';
import { CONDITIONS, CONDITION_LABELS, algoLabel, type Algo, type Condition } from './pipeline.js';
import type { GridRunRecord } from './grid/run.js';

/**
 * Published references for the paper table. CORL (D4RL v2, final normalized score, ~4 seeds, 1M steps, all rewards;
 * BC (its any_percent_bc at 100%), AWAC and CQL from the same CORL table);
 * Romeo & Bagdanov 2024: averages over the same 9 datasets × {TD3+BC, IQL}, 5 seeds, 1M steps.
 */
export const CORL_SCORES: Record<string, Partial<Record<Algo, number>>> = {
  'halfcheetah-medium': { td3bc: 48.1, iql: 48.3, bc: 42.4, awac: 49.5, cql: 47.0 },
  'hopper-medium': { td3bc: 60.4, iql: 67.5, bc: 53.5, awac: 74.5, cql: 59.1 },
  'walker2d-medium': { td3bc: 82.7, iql: 80.9, bc: 63.2, awac: 66.5, cql: 80.8 },
  'halfcheetah-medium-replay': { td3bc: 44.8, iql: 44.5, bc: 35.7, awac: 44.7, cql: 45.0 },
  'hopper-medium-replay': { td3bc: 64.4, iql: 97.4, bc: 29.8, awac: 96.4, cql: 95.1 },
  'walker2d-medium-replay': { td3bc: 85.6, iql: 82.2, bc: 21.8, awac: 82.2, cql: 73.1 },
  'halfcheetah-medium-expert': { td3bc: 90.8, iql: 94.7, bc: 56.0, awac: 93.6, cql: 95.6 },
  'hopper-medium-expert': { td3bc: 101.2, iql: 107.4, bc: 52.3, awac: 52.7, cql: 99.3 },
  'walker2d-medium-expert': { td3bc: 110.0, iql: 111.7, bc: 99.0, awac: 49.4, cql: 109.6 },
};
export const PAPER_AVERAGES = { imputed: 68.51, labelled: 9.19 } as const;

/** Interquartile mean: the mean of the middle 50% (scipy.stats.trim_mean(x, 0.25), as rliable). */
export function iqm(values: readonly number[]): number {
  const a = [...values].sort((x, y) => x - y);
  const cut = Math.floor(a.length * 0.25);
  return mean(a.slice(cut, a.length - cut));
}

/** Percentile bootstrap confidence interval of `stat` over `values` (seeded; 10 000 resamples). */
export function bootstrapCI(
  values: readonly number[],
  options: { stat?: (v: number[]) => number; level?: number; iterations?: number; seed?: number } = {},
): [number, number] {
  if (values.length === 0) return [NaN, NaN];
  if (values.length === 1) return [values[0]!, values[0]!];
  const stat = options.stat ?? mean;
  const rng = new Rng(options.seed ?? 0);
  const n = options.iterations ?? 10_000;
  const stats = new Float64Array(n);
  const sample = new Array<number>(values.length);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < values.length; i++) sample[i] = values[rng.int(values.length)]!;
    stats[b] = stat(sample);
  }
  stats.sort();
  const alpha = (1 - (options.level ?? 0.95)) / 2;
  return [stats[Math.floor(alpha * (n - 1))]!, stats[Math.ceil((1 - alpha) * (n - 1))]!];
}

/**
 * rliable's stratified bootstrap of the IQM: runs are resampled with replacement within each task (dataset ×
 * algorithm), the IQM is taken over all resampled runs; the percentile interval of 10 000 such IQMs.
 */
export function stratifiedIqmCI(groups: readonly (readonly number[])[], seed = 0, iterations = 10_000): { iqm: number; ci: [number, number] } {
  const all = groups.flat();
  if (all.length === 0) return { iqm: NaN, ci: [NaN, NaN] };
  const rng = new Rng(seed);
  const stats = new Float64Array(iterations);
  const sample: number[] = [];
  for (let b = 0; b < iterations; b++) {
    sample.length = 0;
    for (const g of groups) for (let i = 0; i < g.length; i++) sample.push(g[rng.int(g.length)]!);
    stats[b] = iqm(sample);
  }
  stats.sort();
  return { iqm: iqm(all), ci: [stats[Math.floor(0.025 * (iterations - 1))]!, stats[Math.ceil(0.975 * (iterations - 1))]!] };
}

export interface TableCell {
  scores: number[];
  seeds: number[];
  mean: number;
  ci: [number, number];
}

export interface TableRow {
  dataset: string;
  algo: Algo;
  conditions: Partial<Record<Condition, TableCell>>;
  corl: number | null;
}

/** Groups result records (label fraction `labelFraction` only) into rows of dataset × algorithm. */
export function paperRows(records: readonly GridRunRecord[], labelFraction = 0.01): TableRow[] {
  const rows = new Map<string, TableRow>();
  for (const r of records) {
    const c = r.cell;
    if (c.condition !== 'all' && Math.abs(c.labelFraction - labelFraction) > 1e-12) continue;
    const k = `${c.dataset}|${c.algo}`;
    let row = rows.get(k);
    if (!row) rows.set(k, (row = { dataset: c.dataset, algo: c.algo, conditions: {}, corl: CORL_SCORES[c.dataset]?.[c.algo] ?? null }));
    const cell = (row.conditions[c.condition] ??= { scores: [], seeds: [], mean: NaN, ci: [NaN, NaN] });
    cell.scores.push(r.score);
    cell.seeds.push(c.seed);
  }
  for (const row of rows.values()) {
    for (const cell of Object.values(row.conditions)) {
      cell.mean = mean(cell.scores);
      cell.ci = bootstrapCI(cell.scores);
    }
  }
  const order = (d: string) => {
    const [task, ...kind] = d.split('-');
    return `${['halfcheetah', 'hopper', 'walker2d'].indexOf(task!)}${['medium', 'medium-replay', 'medium-expert'].indexOf(kind.join('-'))}${d}`;
  };
  return [...rows.values()].sort((a, b) => (a.algo === b.algo ? order(a.dataset).localeCompare(order(b.dataset)) : a.algo === 'td3bc' ? -1 : 1));
}

const fmt = (c: TableCell | undefined) =>
  c?.scores.length ? `${c.mean.toFixed(1)} [${c.ci[0].toFixed(1)}, ${c.ci[1].toFixed(1)}]${c.scores.length < 3 ? ` (n=${c.scores.length})` : ''}` : '—';

/** The headline table: per dataset × algorithm, mean [95% bootstrap CI] over seeds per condition, with CORL's score. */
export function paperMarkdown(rows: readonly TableRow[]): string {
  const lines = [
    `| dataset | algorithm | ${CONDITION_LABELS.all} | 1% ${CONDITION_LABELS.labelled} | 1% ${CONDITION_LABELS.imputed} | seeds | CORL (all rewards, D4RL, 1M steps) |`,
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const n = Math.max(...CONDITIONS.map((c) => r.conditions[c]?.scores.length ?? 0));
    lines.push(
      `| ${r.dataset} | ${algoLabel(r.algo)} | ${fmt(r.conditions.all)} | ${fmt(r.conditions.labelled)} | ${fmt(r.conditions.imputed)} | ${n} | ${r.corl?.toFixed(1) ?? '—'} |`,
    );
  }
  // Averages over the rows that have all three conditions (so every average covers the same datasets).
  const complete = rows.filter((r) => CONDITIONS.every((c) => r.conditions[c]?.scores.length));
  if (complete.length) {
    const avg = (c: Condition) => mean(complete.map((r) => r.conditions[c]!.mean)).toFixed(1);
    const corl = complete.every((r) => r.corl !== null) ? mean(complete.map((r) => r.corl!)).toFixed(1) : '—';
    lines.push(`| **average (${complete.length} rows)** | | **${avg('all')}** | **${avg('labelled')}** | **${avg('imputed')}** | | ${corl} |`);
    lines.push(
      `| paper (Romeo & Bagdanov 2024: 18 rows, D4RL, 1M steps, 5 seeds) | | — | ${PAPER_AVERAGES.labelled} | ${PAPER_AVERAGES.imputed} | 5 | 81.6 / 76.5 (IQL / TD3+BC) |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** IQM over every run of each condition, with rliable's stratified-bootstrap 95% CI (tasks = dataset × algorithm). */
export function aggregateIqm(rows: readonly TableRow[]): Record<Condition, { iqm: number; ci: [number, number]; runs: number }> {
  const out = {} as Record<Condition, { iqm: number; ci: [number, number]; runs: number }>;
  const complete = rows.filter((r) => CONDITIONS.every((c) => r.conditions[c]?.scores.length));
  for (const c of CONDITIONS) {
    const groups = complete.map((r) => r.conditions[c]!.scores);
    out[c] = { ...stratifiedIqmCI(groups), runs: groups.reduce((s, g) => s + g.length, 0) };
  }
  return out;
}
