/**
 * Browser checks: bundle package entries with esbuild for `platform: 'browser'` (a Node built-in anywhere in the
 * graph is a build error), and run a bundle in headless Chromium (@sparticuz/chromium carries its binary in the npm
 * tarball; nothing is downloaded).
 */
import { build } from 'esbuild';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');

/** Bundles `source` (an ES module importing @orl packages by name) for browsers; throws on any Node built-in. */
export async function bundleForBrowser(source: string): Promise<string> {
  const r = await build({
    stdin: { contents: source, resolveDir: root, loader: 'ts' },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    // The published entries (dist), as a user's bundler sees them.
    conditions: ['browser', 'import', 'default'],
  });
  return r.outputFiles[0]!.text;
}

/** Opens a page running `bundle` and returns what `window.__result` resolves to, with every console error and page error. */
export async function runInChromium<T>(bundle: string, timeoutMs = 120_000): Promise<{ result: T; errors: string[] }> {
  const { default: chromium } = await import('@sparticuz/chromium');
  const { default: puppeteer } = await import('puppeteer-core');
  const browser = await puppeteer.launch({ executablePath: await chromium.executablePath(), args: chromium.args, headless: true });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(String(e)));
    // A module script: top-level await and ES syntax as a user's page would have them.
    await page.setContent(`<!doctype html><html><head><meta charset="utf-8"></head><body><script type="module">${bundle.replace(/<\/script/g, '<\\/script')}</script></body></html>`);
    await page.waitForFunction('window.__result !== undefined', { timeout: timeoutMs });
    const result = (await page.evaluate('window.__result')) as T;
    return { result, errors };
  } finally {
    await browser.close();
  }
}
