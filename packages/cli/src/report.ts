import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { writeFileAtomic } from '@orl/core/node';
import { join, relative, sep } from 'node:path';
import { OrlError } from '@orl/core';
import { algoLabel, markdownTable, summarize, type CellResult, type PipelineSummary } from './pipeline.js';
import { learningCurveSpec, renderChart } from './plots.js';
import { safeName } from './grid/cells.js';
import { escapeHtml, mdTableToHtml } from './html.js';

/** Finds every result.json under `dir` (a pipeline run or a grid). */
export function collectResults(dir: string): { dataset: string; cell: CellResult }[] {
  if (!existsSync(dir)) throw new OrlError('NOT_FOUND', `no results folder ${dir}`, { path: dir });
  const out: { dataset: string; cell: CellResult }[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name === 'result.json') {
        const cell = JSON.parse(readFileSync(p, 'utf8')) as CellResult & { dataset?: string };
        out.push({ dataset: cell.dataset ?? relative(dir, d).split(/[\\/]/)[0] ?? 'dataset', cell });
      } else if (name.endsWith('.json') && relative(dir, p).startsWith(`runs${sep}`)) {
        // A grid's result record (orl grid report / run --results): the cell's config beside its result.
        const rec = JSON.parse(readFileSync(p, 'utf8')) as { cell?: { dataset: string }; result?: CellResult };
        if (rec.cell && rec.result) out.push({ dataset: rec.cell.dataset, cell: rec.result });
      }
    }
  };
  walk(dir);
  return out;
}

/** Groups results by (dataset, algorithm) into the paper-style table, plots and an HTML page. */
export async function renderReport(dir: string, outDir = dir): Promise<{ markdown: string; html: string; summaries: PipelineSummary[] }> {
  const results = collectResults(dir);
  if (results.length === 0) throw new OrlError('EMPTY', `no result.json under ${dir}: run a pipeline or grid first`, { path: dir });
  const groups = new Map<string, CellResult[]>();
  for (const r of results) {
    const k = `${r.dataset}|${r.cell.algo}`;
    groups.set(k, [...(groups.get(k) ?? []), r.cell]);
  }
  const summaries: PipelineSummary[] = [];
  const figures: { title: string; svg: string; png: string }[] = [];
  for (const [k, cells] of [...groups.entries()].sort()) {
    const [dataset, algo] = k.split('|') as [string, 'td3bc' | 'iql'];
    summaries.push(summarize(dataset, algo, 0.01, Math.max(...cells.map((c) => c.steps)), cells));
    const title = `${dataset} · ${algoLabel(algo)}`;
    const files = await renderChart(learningCurveSpec(title, cells), join(outDir, `curve-${safeName(dataset)}-${algo}`));
    figures.push({ title, ...files });
  }
  const md = markdownTable(summaries);
  const markdown = `# Imputed rewards — results\n\nFinal D4RL normalized score (mean ± std over seeds).\n\n${md}\n${figures.map((f) => `![${f.title}](${relative(outDir, f.png)})`).join('\n')}\n`;
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>orl report</title>
<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}th:first-child,td:first-child,td:nth-child(2){text-align:left}figure{display:inline-block;margin:1em}</style></head><body>
<h1>Imputed rewards — results</h1><p>Final D4RL normalized score, mean ± std over seeds. Paper averages (D4RL, 9 datasets × 2 algorithms): 68.51 imputed vs 9.19 labelled-only.</p>
${mdTableToHtml(md)}
${figures.map((f) => `<figure><img src="${escapeHtml(relative(outDir, f.svg))}" alt="${escapeHtml(f.title)}"><figcaption>${escapeHtml(f.title)}</figcaption></figure>`).join('\n')}
</body></html>`;
  writeFileAtomic(join(outDir, 'report.md'), markdown);
  writeFileAtomic(join(outDir, 'report.html'), html);
  return { markdown: join(outDir, 'report.md'), html: join(outDir, 'report.html'), summaries };
}
