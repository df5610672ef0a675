import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bundleForBrowser, runInChromiumWorker } from '../../../tools/browser.js';
import { evaluate, shippedPolicy, shippedPolicyPath } from '../src/index.js';

// The simulator in a browser: @orl/mujoco-env bundled for the browser (no Node built-ins), MuJoCo's threaded
// WebAssembly build in a module Worker of a cross-origin-isolated page, and the same episodes as Node.
describe('in a browser', () => {
  it("runs hopper episodes in a Worker in headless Chromium with Node's returns for the same policy and seeds", async () => {
    const json = readFileSync(await shippedPolicyPath('hopper-sac'), 'utf8');
    const bundle = await bundleForBrowser(
      `import { BehaviorPolicy, evaluate } from '@orl/mujoco-env';
       const policy = BehaviorPolicy.fromJSON(${json});
       const r = await evaluate(policy, { task: 'hopper', episodes: 3, seed: 5 });
       postMessage({ returns: r.returns, lengths: r.lengths, normalized: r.meanNormalized });`,
      { mujocoUrl: '/mujoco/mujoco.js' },
    );
    expect(bundle).not.toMatch(/from\s*["']node:|require\(["'](fs|path|url|worker_threads|module)["']\)/);
    const { result, errors } = await runInChromiumWorker<{ returns: number[]; lengths: number[]; normalized: number; workerError?: string }>(bundle);
    expect(errors).toEqual([]);
    expect(result.workerError).toBeUndefined();
    const node = await evaluate(await shippedPolicy('hopper-sac'), { task: 'hopper', episodes: 3, seed: 5 });
    expect(result.lengths).toEqual(node.lengths);
    for (let i = 0; i < 3; i++) expect(Math.abs(result.returns[i]! - node.returns[i]!)).toBeLessThan(1e-6 * Math.max(1, Math.abs(node.returns[i]!)));
  }, 300_000);
});
