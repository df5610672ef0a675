import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aggregateIqm, bootstrapCI, iqm, paperMarkdown, paperRows, stratifiedIqmCI } from '../src/paper-table.js';
import { labelBudgetSpec, renderPaperReport } from '../src/paper-report.js';
import { cellHash, cellKey, expandGrid, type GridCell } from '../src/grid/cells.js';
import type { GridRunRecord } from '../src/grid/run.js';

function record(cell: GridCell, score: number): GridRunRecord {
  return {
    key: cellKey(cell),
    hash: cellHash(cell),
    cell,
    score,
    result: {
      algo: cell.algo,
      condition: cell.condition,
      seed: cell.seed,
      task: 'hopper',
      steps: cell.steps,
      trainedRows: 100,
      curve: [
        { step: 1, score },
        { step: 2, score },
      ],
      finalScore: score,
      lastThreeMean: score,
      seconds: 1,
    },
    machine: { cpu: 'test', backend: 'js', threads: 1 },
    finishedAt: '2026-12-01T00:00:00Z',
  };
}

describe('paper-table statistics', () => {
  it('IQM is the mean of the middle half (scipy trim_mean 0.25)', () => {
    expect(iqm([1, 2, 3, 4, 5, 6, 7, 100])).toBeCloseTo(4.5, 12); // drops 1, 2 and 7, 100
    expect(iqm([5])).toBe(5);
  });

  it('bootstrap CIs cover the mean, shrink with more data and are seeded', () => {
    const small = [10, 20, 30];
    const [lo, hi] = bootstrapCI(small);
    expect(lo).toBeLessThanOrEqual(20);
    expect(hi).toBeGreaterThanOrEqual(20);
    expect(lo).toBeGreaterThanOrEqual(10);
    expect(hi).toBeLessThanOrEqual(30);
    const big = Array.from({ length: 60 }, (_, i) => [10, 20, 30][i % 3]!);
    const [lo2, hi2] = bootstrapCI(big);
    expect(hi2 - lo2).toBeLessThan(hi - lo);
    expect(bootstrapCI(small, { seed: 3 })).toEqual(bootstrapCI(small, { seed: 3 }));
    const s = stratifiedIqmCI([
      [1, 2, 3],
      [10, 11, 12],
    ]);
    expect(s.ci[0]).toBeLessThanOrEqual(s.iqm);
    expect(s.ci[1]).toBeGreaterThanOrEqual(s.iqm);
  });

  it('groups records into dataset × algorithm rows with CORL references and a complete-row average', () => {
    const cells = expandGrid({
      datasets: ['hopper-medium', 'walker2d-medium'],
      algos: ['td3bc'],
      conditions: ['all', 'labelled', 'imputed'],
      seeds: [0, 1, 2],
    });
    const score = (c: GridCell) => ({ all: 60, labelled: 10, imputed: 55 })[c.condition] + c.seed;
    const rows = paperRows(cells.map((c) => record(c, score(c))));
    expect(rows.map((r) => r.dataset)).toEqual(['hopper-medium', 'walker2d-medium']);
    expect(rows[0]!.conditions.all!.mean).toBeCloseTo(61, 12);
    expect(rows[0]!.corl).toBe(60.4);
    const md = paperMarkdown(rows);
    expect(md).toMatch(/\| \*\*average \(2 rows\)\*\* \| \| \*\*61\.0\*\* \| \*\*11\.0\*\* \| \*\*56\.0\*\* \|/);
    const agg = aggregateIqm(rows);
    expect(agg.labelled.runs).toBe(6);
    expect(agg.imputed.iqm).toBeCloseTo(56, 12);
  });
});

describe('paper report', () => {
  it('escapes hostile names and keeps every output file inside the report folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orl-paper-report-'));
    const evil = '../../<script>alert(1)</script>';
    const cells = expandGrid({
      datasets: [evil, 'hopper-medium'],
      algos: ['td3bc'],
      conditions: ['all', 'labelled', 'imputed'],
      seeds: [0],
      labelFractions: [0.01, 0.1],
    });
    for (const c of cells) {
      const path = join(dir, 'runs', `${cellKey(c)}.json`);
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, JSON.stringify(record(c, 30 + c.labelFraction * 100)));
    }
    const r = await renderPaperReport(dir);
    const html = readFileSync(r.html, 'utf8');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
    // Plots: one per dataset × algorithm plus the label-budget plot, all inside dir/plots.
    const plots = readdirSync(join(dir, 'plots')).filter((f) => f.endsWith('.svg'));
    expect(plots).toContain('label-budget.svg');
    expect(plots).toHaveLength(3);
    expect(existsSync(join(dir, '..', '..', 'alert(1)'))).toBe(false);
    expect(readFileSync(r.table, 'utf8')).toMatch(/IQM of all runs/);
  }, 60_000);
});

describe('label-budget plot', () => {
  const cells = (datasets: string[], labelFractions: number[]) =>
    expandGrid({ datasets, algos: ['td3bc'], conditions: ['labelled', 'imputed'], seeds: [0, 1], labelFractions });

  it('draws a panel only for datasets with runs at two or more label fractions', () => {
    // hopper-medium has a curve (0.1, 1, 10%); walker2d-medium-replay only the table's 1% runs.
    const records = [...cells(['hopper-medium'], [0.001, 0.01, 0.1]), ...cells(['walker2d-medium-replay'], [0.01])].map((c) =>
      record(c, 10 + c.labelFraction * 100 + c.seed),
    );
    const spec = labelBudgetSpec(records) as { data: { values: { dataset: string; labels: number; score: number; n: number }[] } };
    const values = spec.data.values;
    expect(new Set(values.map((v) => v.dataset))).toEqual(new Set(['hopper-medium']));
    // 3 fractions × 2 conditions, each the mean of its 2 seeds.
    expect(values).toHaveLength(6);
    const tenPercent = values.filter((v) => v.labels === 10);
    expect(tenPercent.map((v) => v.n)).toEqual([2, 2]);
    expect(tenPercent[0]!.score).toBeCloseTo(20.5, 12);
  });

  it('is absent while no dataset has more than one label fraction', () => {
    const records = cells(['hopper-medium', 'walker2d-medium'], [0.01]).map((c) => record(c, 30));
    expect(labelBudgetSpec(records)).toBeNull();
  });
});
