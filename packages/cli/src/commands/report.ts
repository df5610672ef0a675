import { renderReport } from '../report.js';

export async function reportCmd(dir: string): Promise<void> {
  const r = await renderReport(dir);
  console.log(`wrote ${r.html} and ${r.markdown} (${r.summaries.length} dataset × algorithm groups)`);
}
