import { readResultFiles } from '../grid/engine.js';
import { renderPaperReport } from '../paper-report.js';
import { renderReport } from '../report.js';

/** `orl report <dir>`: a grid's results folder (runs/**.json) gets the paper table; a pipeline folder its summary. */
export async function reportCmd(dir: string): Promise<void> {
  if (readResultFiles(dir).length > 0) {
    const r = await renderPaperReport(dir);
    console.log(`wrote ${r.html}, ${r.markdown} and ${r.table}`);
    return;
  }
  const r = await renderReport(dir);
  console.log(`wrote ${r.html} and ${r.markdown} (${r.summaries.length} dataset × algorithm groups)`);
}
