import { existsSync, readFileSync } from 'node:fs';
import { ensureDir, writeFileAtomic } from '@orl/core/node';
import { join, relative } from 'node:path';
import { OrlError, mean } from '@orl/core';
import { readResultFiles } from './grid/engine.js';
import { safeName } from './grid/cells.js';
import type { GridRunRecord } from './grid/run.js';
import { CONDITION_LABELS, CONDITIONS, algoLabel } from './pipeline.js';
import { learningCurveSpec, renderChart } from './plots.js';
import { aggregateIqm, bootstrapCI, paperMarkdown, paperRows } from './paper-table.js';
import { escapeHtml, mdTableToHtml } from './html.js';

/** Imputation quality per dataset (written by scripts/imputation-quality.ts), shown in the report when present. */
export interface ImputationQuality {
  dataset: string;
  features: 'sa' | 'sas';
  labelledRows: number;
  r2: number;
  wasserstein1: number;
  rewardStd: number;
}

/**
 * The label-budget plot: TD3+BC's labelled-only and imputed scores against the labelled fraction, one panel per dataset
 * that has runs at two or more fractions (the table's other datasets have only their 1% runs: no curve to draw).
 * Exported for tests; null when no dataset has a curve.
 */
export function labelBudgetSpec(records: GridRunRecord[]): Record<string, unknown> | null {
  const budgeted = records.filter((r) => r.cell.algo === 'td3bc' && r.cell.condition !== 'all');
  const fractionsOf = new Map<string, Set<number>>();
  for (const r of budgeted) fractionsOf.set(r.cell.dataset, (fractionsOf.get(r.cell.dataset) ?? new Set()).add(r.cell.labelFraction));
  const points = new Map<string, number[]>();
  for (const r of budgeted) {
    if (fractionsOf.get(r.cell.dataset)!.size < 2) continue;
    const k = `${r.cell.dataset}|${r.cell.condition}|${r.cell.labelFraction}`;
    points.set(k, [...(points.get(k) ?? []), r.score]);
  }
  if (points.size === 0) return null;
  const values = [...points.entries()].map(([k, scores]) => {
    const [dataset, condition, f] = k.split('|');
    const [lo, hi] = bootstrapCI(scores);
    return {
      dataset,
      condition: CONDITION_LABELS[condition as 'labelled' | 'imputed'],
      labels: Number(f) * 100,
      score: mean(scores),
      lo,
      hi,
      n: scores.length,
    };
  });
  const color = {
    field: 'condition',
    type: 'nominal',
    scale: { domain: [CONDITION_LABELS.labelled, CONDITION_LABELS.imputed], range: ['#d62728', '#2ca02c'] },
    title: null,
  };
  const x = { field: 'labels', type: 'quantitative', scale: { type: 'log' }, title: 'labelled transitions (%)' };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Label budget (TD3+BC; mean and 95% bootstrap CI over seeds)',
    background: 'white',
    data: { values },
    facet: { column: { field: 'dataset', type: 'nominal', title: null } },
    spec: {
      width: 300,
      height: 240,
      layer: [
        {
          mark: { type: 'errorbar', ticks: true },
          encoding: { x, y: { field: 'lo', type: 'quantitative', title: 'D4RL normalized score' }, y2: { field: 'hi' }, color },
        },
        { mark: { type: 'line', point: { filled: true, size: 60 }, strokeWidth: 2.5 }, encoding: { x, y: { field: 'score', type: 'quantitative' }, color } },
      ],
    },
    config: { legend: { orient: 'bottom', symbolOpacity: 1, symbolStrokeWidth: 3 } },
  };
}

/**
 * The paper-table report of a results folder (runs/**.json from `orl grid`): the headline table with bootstrap CIs,
 * the IQM aggregate, learning curves, the label-budget plot and the imputation-quality table. Every string from a
 * result file is escaped; every output file name is made from a sanitised name inside `outDir`.
 */
export async function renderPaperReport(resultsDir: string, outDir = resultsDir): Promise<{ markdown: string; html: string; table: string }> {
  const records = readResultFiles(resultsDir);
  if (records.length === 0)
    throw new OrlError('EMPTY', `no result records under ${join(resultsDir, 'runs')}: run \`orl grid run --results ${resultsDir}\` first`, {
      path: resultsDir,
    });
  ensureDir(join(outDir, 'plots'));
  const rows = paperRows(records);
  const table = paperMarkdown(rows);
  const agg = aggregateIqm(rows);
  const aggLines = CONDITIONS.map((c) =>
    agg[c].runs
      ? `| ${CONDITION_LABELS[c]} | ${agg[c].iqm.toFixed(1)} | [${agg[c].ci[0].toFixed(1)}, ${agg[c].ci[1].toFixed(1)}] | ${agg[c].runs} |`
      : `| ${CONDITION_LABELS[c]} | — (no dataset × algorithm has all three conditions yet) | | 0 |`,
  );
  const aggTable = `${['| condition | IQM of all runs | 95% stratified-bootstrap CI | runs |', '|---|---|---|---|', ...aggLines].join('\n')}\n`;
  writeFileAtomic(join(outDir, 'table.md'), `${table}\n${aggTable}`);
  writeFileAtomic(join(outDir, 'summary.json'), `${JSON.stringify({ rows, aggregate: agg, records: records.length }, null, 1)}\n`);

  const figures: { title: string; file: string }[] = [];
  const byRow = new Map<string, GridRunRecord[]>();
  for (const r of records)
    if (r.cell.condition === 'all' || r.cell.labelFraction === 0.01)
      byRow.set(`${r.cell.dataset}|${r.cell.algo}`, [...(byRow.get(`${r.cell.dataset}|${r.cell.algo}`) ?? []), r]);
  for (const [k, recs] of [...byRow.entries()].sort()) {
    const [dataset, algo] = k.split('|') as [string, string];
    const title = `${dataset} · ${algoLabel(algo)}`;
    const f = await renderChart(
      learningCurveSpec(
        title,
        recs.map((r) => r.result),
      ),
      join(outDir, 'plots', `curve-${safeName(dataset)}-${safeName(algo)}`),
    );
    figures.push({ title, file: relative(outDir, f.svg) });
  }
  const budget = labelBudgetSpec(records);
  if (budget) {
    const f = await renderChart(budget, join(outDir, 'plots', 'label-budget'));
    figures.unshift({ title: 'Label budget', file: relative(outDir, f.svg) });
  }

  const qualityPath = join(resultsDir, 'imputation.json');
  const quality = existsSync(qualityPath) ? (JSON.parse(readFileSync(qualityPath, 'utf8')) as ImputationQuality[]) : [];
  const qualityTable = quality.length
    ? `${['| dataset | inputs | labelled rows | imputation R² | W₁(imputed, true) | std of true rewards |', '|---|---|---|---|---|---|', ...quality.map((q) => `| ${q.dataset} | ${q.features === 'sa' ? '(s, a)' : "(s, a, s')"} | ${q.labelledRows} | ${q.r2.toFixed(4)} | ${q.wasserstein1.toFixed(4)} | ${q.rewardStd.toFixed(3)} |`)].join('\n')}\n`
    : '';

  const intro = `Score of a run: mean D4RL normalized score of its last three evaluations (10 episodes each). Cells: mean over seeds with a 95% percentile-bootstrap CI. Scaled protocol: datasets at 10% of D4RL's size, 1% of rows labelled, 100 000 steps (see README). As in CORL, large losses do not stop a run; one whose losses became NaN or Infinity is scored by its evaluations before that and listed under the table.`;
  const divergedRuns = records.filter((r) => r.result.diverged);
  const divergedNote = divergedRuns.length
    ? `Runs whose training became non-finite (scored by the evaluations before it): ${divergedRuns
        .map((r) => `${r.key} at step ${r.result.diverged!.step} (${r.result.diverged!.metric})`)
        .join('; ')}.\n`
    : '';
  const markdown = `# Imputed rewards — the paper table\n\n${intro}\n\n${table}\n${divergedNote ? `${divergedNote}\n` : ''}## Aggregate\n\n${aggTable}\n${qualityTable ? `## Imputation quality\n\n${qualityTable}\n` : ''}${figures.map((f) => `![${f.title}](${f.file})`).join('\n')}\n`;
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>orl — imputed rewards</title>
<style>body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}th:first-child,td:first-child,td:nth-child(2){text-align:left}figure{display:inline-block;margin:1em}img{max-width:100%}</style></head><body>
<h1>Imputed rewards — the paper table</h1><p>${escapeHtml(intro)}</p>
${mdTableToHtml(table)}
${divergedNote ? `<p>${escapeHtml(divergedNote)}</p>` : ''}
<h2>Aggregate</h2>${mdTableToHtml(aggTable)}
${qualityTable ? `<h2>Imputation quality</h2>${mdTableToHtml(qualityTable)}` : ''}
${figures.map((f) => `<figure><img src="${escapeHtml(f.file)}" alt="${escapeHtml(f.title)}"><figcaption>${escapeHtml(f.title)}</figcaption></figure>`).join('\n')}
</body></html>`;
  writeFileAtomic(join(outDir, 'report.md'), markdown);
  writeFileAtomic(join(outDir, 'report.html'), html);
  return { markdown: join(outDir, 'report.md'), html: join(outDir, 'report.html'), table: join(outDir, 'table.md') };
}
