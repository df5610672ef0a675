import { describe, expect, it } from 'vitest';
import { createEngine } from '@orl/nn';
import { bundleForBrowser, runInChromium, runInChromiumWorker } from '../../../tools/browser.js';
import { run } from '../../../tools/browser-fixtures/td3bc-train.js';

// @orl/core + @orl/nn (WebAssembly backend) + @orl/td3bc in a real browser: they bundle with no Node built-ins, train
// on the page, and give Node's numbers for the same seed.
describe('in a browser', () => {
  it('bundles for the browser, trains TD3+BC in headless Chromium, and matches Node bit for bit on the same backend', async () => {
    // The two-thread engine asked for on a page's main thread (not isolated, may not block) falls back to one thread.
    const bundle = await bundleForBrowser(`import { run } from './tools/browser-fixtures/td3bc-train.ts';
      import { createEngineAsync } from '@orl/nn';
      const fallback = await createEngineAsync({ backend: 'wasm', threads: 2, notice: false });
      window.__result = { ...run(), fallbackThreads: fallback.kernels.threads() };`);
    expect(bundle).not.toMatch(/from\s*["']node:|require\(["'](fs|path|url|worker_threads)["']\)/);
    const { result, errors } = await runInChromium<ReturnType<typeof run> & { fallbackThreads: number }>(bundle);
    expect(errors).toEqual([]);
    expect(result.backend).toBe('wasm');
    expect(result.fallbackThreads).toBe(1);
    expect(result.lossLast).toBeLessThan(result.lossFirst * 0.5);
    const node = run();
    expect(node.backend).toBe('wasm');
    expect(result.actions).toEqual(node.actions);
    expect(result.lossLast).toBe(node.lossLast);
  }, 240_000);

  it("runs the two-thread WebAssembly engine inside a Worker of an isolated page, with Node's two-thread numbers", async () => {
    const bundle = await bundleForBrowser(`import { run } from './tools/browser-fixtures/td3bc-train.ts';
      import { createEngineAsync } from '@orl/nn';
      // 256-256 networks at batch 256: every GEMM is large enough to be split between the two threads.
      const size = { hidden: [256, 256], batch: 256 };
      const engine = await createEngineAsync({ backend: 'wasm', threads: 2 });
      const t0 = performance.now();
      const two = run(150, engine, size);
      const t1 = performance.now();
      const one = run(150, undefined, size);
      const t2 = performance.now();
      postMessage({ two, one, msTwo: t1 - t0, msOne: t2 - t1 });`);
    type Out = { two: ReturnType<typeof run>; one: ReturnType<typeof run>; msTwo: number; msOne: number };
    const { result, errors } = await runInChromiumWorker<Out>(bundle);
    expect(errors).toEqual([]);
    expect(result.two.threads).toBe(2);
    expect(result.one.threads).toBe(1);
    const node = run(150, createEngine({ backend: 'wasm', threads: 2, notice: false }), { hidden: [256, 256], batch: 256 });
    expect(node.threads).toBe(2);
    expect(result.two.actions).toEqual(node.actions);
    expect(result.two.lossLast).toBe(node.lossLast);
    expect(result.two.lossLast).toBeLessThan(result.two.lossFirst);
    // Splitting C between threads keeps each element's summation order: one thread gives the same bits.
    expect(result.one.actions).toEqual(node.actions);
    // Not a timing assertion (machines are noisy): the ratio is printed for the record.
    console.log(`browser worker, TD3+BC 150 steps (256-256 nets, batch 256): 2 threads ${result.msTwo.toFixed(0)} ms, 1 thread ${result.msOne.toFixed(0)} ms`);
  }, 240_000);
});
