import { describe, expect, it } from 'vitest';
import { bundleForBrowser, runInChromium } from '../../../tools/browser.js';
import { run } from '../../../tools/browser-fixtures/td3bc-train.js';

// @orl/core + @orl/nn (WebAssembly backend) + @orl/td3bc in a real browser: they bundle with no Node built-ins, train
// on the page, and give Node's numbers for the same seed.
describe('in a browser', () => {
  it('bundles for the browser, trains TD3+BC in headless Chromium, and matches Node bit for bit on the same backend', async () => {
    const bundle = await bundleForBrowser(`import { run } from './tools/browser-fixtures/td3bc-train.ts'; window.__result = run();`);
    expect(bundle).not.toMatch(/from\s*["']node:|require\(["'](fs|path|url|worker_threads)["']\)/);
    const { result, errors } = await runInChromium<ReturnType<typeof run>>(bundle);
    expect(errors).toEqual([]);
    expect(result.backend).toBe('wasm');
    expect(result.lossLast).toBeLessThan(result.lossFirst * 0.5);
    const node = run();
    expect(node.backend).toBe('wasm');
    expect(result.actions).toEqual(node.actions);
    expect(result.lossLast).toBe(node.lossLast);
  }, 240_000);
});
