/**
 * Browser checks: bundle package entries with esbuild for `platform: 'browser'` (a Node built-in anywhere in the
 * graph is a build error), and run a bundle in headless Chromium (@sparticuz/chromium carries its binary in the npm
 * tarball; nothing is downloaded).
 */
import { build } from 'esbuild';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');

/**
 * Bundles `source` (an ES module importing @orl packages by name) for browsers; throws on any Node built-in.
 * `mujocoUrl`: leave the `mujoco` package out of the bundle and import it from this URL instead (its threaded
 * WebAssembly build starts its own workers from its own script URL, so it is served as published, not bundled).
 */
export async function bundleForBrowser(source: string, options: { mujocoUrl?: string } = {}): Promise<string> {
  const r = await build({
    plugins: options.mujocoUrl
      ? [{ name: 'mujoco-url', setup: (b) => b.onResolve({ filter: /^mujoco$/ }, () => ({ path: options.mujocoUrl!, external: true })) }]
      : [],
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

/**
 * Headless Chromium from @sparticuz/chromium (its binary is inside the npm tarball) driven by puppeteer-core, and a
 * new page that records every console error and page error.
 */
export async function openChromium(): Promise<{ page: import('puppeteer-core').Page; errors: string[]; close: () => Promise<void> }> {
  const { default: chromium } = await import('@sparticuz/chromium');
  const { default: puppeteer } = await import('puppeteer-core');
  const browser = await puppeteer.launch({ executablePath: await chromium.executablePath(), args: chromium.args, headless: true });
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  return { page, errors, close: () => browser.close() };
}

/** Opens a page running `bundle` and returns what `window.__result` resolves to, with every console error and page error. */
export async function runInChromium<T>(bundle: string, timeoutMs = 120_000): Promise<{ result: T; errors: string[] }> {
  const { page, errors, close } = await openChromium();
  try {
    // A module script: top-level await and ES syntax as a user's page would have them.
    await page.setContent(
      `<!doctype html><html><head><meta charset="utf-8"></head><body><script type="module">${bundle.replace(/<\/script/g, '<\\/script')}</script></body></html>`,
    );
    await page.waitForFunction('window.__result !== undefined', { timeout: timeoutMs });
    const result = (await page.evaluate('window.__result')) as T;
    return { result, errors };
  } finally {
    await close();
  }
}

/**
 * Runs `bundle` as a module Worker of a cross-origin-isolated page served from localhost (COOP/COEP headers, so
 * SharedArrayBuffer and the threaded MuJoCo build work), with the published `mujoco` package at /mujoco/. Returns the
 * first message the worker posts, and every console error or page error.
 */
export async function runInChromiumWorker<T>(bundle: string, timeoutMs = 180_000): Promise<{ result: T; errors: string[] }> {
  const http = await import('node:http');
  const { readFileSync, existsSync } = await import('node:fs');
  const { dirname, join, normalize } = await import('node:path');
  const { fileURLToPath } = await import('node:url');
  // ESM-only package (no `require` export): resolve it the way `import` does.
  const mujocoDir = dirname(fileURLToPath(import.meta.resolve('mujoco')));
  const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
  const page = `<!doctype html><meta charset="utf-8"><script type="module">
const w = new Worker('/bundle.js', { type: 'module' });
w.onmessage = (e) => { window.__result = e.data; };
w.onerror = (e) => { console.error('worker error: ' + e.message); window.__result = { workerError: e.message }; };
</script>`;
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0]!;
    if (url === '/') return (res.writeHead(200, { ...isolation, 'Content-Type': 'text/html' }), res.end(page));
    if (url === '/bundle.js') return (res.writeHead(200, { ...isolation, 'Content-Type': 'text/javascript' }), res.end(bundle));
    if (url.startsWith('/mujoco/')) {
      const file = normalize(join(mujocoDir, url.slice('/mujoco/'.length)));
      if (file.startsWith(mujocoDir) && existsSync(file)) {
        return (
          res.writeHead(200, { ...isolation, 'Content-Type': file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript' }), res.end(readFileSync(file))
        );
      }
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const { page: tab, errors, close } = await openChromium();
  try {
    await tab.goto(`http://127.0.0.1:${port}/`);
    await tab.waitForFunction('window.__result !== undefined', { timeout: timeoutMs });
    return { result: (await tab.evaluate('window.__result')) as T, errors };
  } finally {
    await close();
    server.close();
  }
}

/** Serves a built site (e.g. a vite dist/) cross-origin isolated on localhost; returns its URL and a close function. */
export async function serveIsolated(dir: string): Promise<{ url: string; close: () => void }> {
  const http = await import('node:http');
  const { readFileSync, existsSync, statSync } = await import('node:fs');
  const { join, normalize, extname } = await import('node:path');
  const types: Record<string, string> = {
    '.html': 'text/html',
    '.js': 'text/javascript',
    '.wasm': 'application/wasm',
    '.json': 'application/json',
    '.css': 'text/css',
    '.svg': 'image/svg+xml',
  };
  const server = http.createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    const file = normalize(join(dir, path === '/' ? 'index.html' : path));
    if (!file.startsWith(normalize(dir)) || !existsSync(file) || !statSync(file).isFile()) return void res.writeHead(404).end();
    res.writeHead(200, {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Content-Type': types[extname(file)] ?? 'application/octet-stream',
    });
    res.end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`, close: () => server.close() };
}
