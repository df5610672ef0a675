import { writeFileAtomic } from '@orl/core/node';
import type { CellResult, Condition } from './pipeline.js';
import { CONDITION_LABELS } from './pipeline.js';

/** Learning-curve spec (Vega-Lite): mean normalized score over seeds against steps, one line per condition, ± std band. */
export function learningCurveSpec(title: string, cells: CellResult[]): Record<string, unknown> {
  const byKey = new Map<string, number[]>();
  for (const c of cells)
    for (const p of c.curve) {
      const k = `${c.condition}|${p.step}`;
      byKey.set(k, [...(byKey.get(k) ?? []), p.score]);
    }
  const values = [...byKey.entries()].map(([k, scores]) => {
    const [condition, step] = k.split('|');
    const m = scores.reduce((a, b) => a + b, 0) / scores.length;
    const s = Math.sqrt(scores.reduce((a, b) => a + (b - m) ** 2, 0) / scores.length);
    return { condition: CONDITION_LABELS[condition as Condition], step: Number(step), score: m, lo: m - s, hi: m + s };
  });
  const color = {
    field: 'condition',
    type: 'nominal',
    scale: { domain: Object.values(CONDITION_LABELS), range: ['#1f77b4', '#d62728', '#2ca02c'] },
    title: null,
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 520,
    height: 300,
    background: 'white',
    data: { values },
    layer: [
      {
        mark: { type: 'area', opacity: 0.15 },
        encoding: { x: { field: 'step', type: 'quantitative' }, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color },
      },
      {
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'step', type: 'quantitative', title: 'gradient steps' },
          y: { field: 'score', type: 'quantitative', title: 'D4RL normalized score' },
          color,
        },
      },
    ],
    // Solid legend symbols (the CI band's opacity would otherwise make them pale).
    config: { legend: { orient: 'bottom', symbolOpacity: 1, symbolStrokeWidth: 3, symbolType: 'stroke', symbolSize: 300 } },
  };
}

/** Renders a Vega-Lite spec to SVG (vega's headless renderer) and PNG (resvg). */
export async function renderChart(spec: Record<string, unknown>, basePath: string): Promise<{ svg: string; png: string }> {
  const vl = await import('vega-lite');
  const vega = await import('vega');
  const compiled = vl.compile(spec as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const { Resvg } = await import('@resvg/resvg-js');
  const png = new Resvg(svg, { background: 'white', fitTo: { mode: 'zoom', value: 2 }, font: { loadSystemFonts: true } }).render().asPng();
  writeFileAtomic(`${basePath}.svg`, svg);
  writeFileAtomic(`${basePath}.png`, png);
  return { svg: `${basePath}.svg`, png: `${basePath}.png` };
}
