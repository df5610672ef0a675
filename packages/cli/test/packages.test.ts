import { describe, expect, it } from 'vitest';
import { bundleForBrowser } from '../../../tools/browser.js';
import { checkConsumerTypes } from '../../../tools/consumer-types.js';

// Every package, installed from its tarball, type-checks in a consumer's strict project (no skipLibCheck), from ESM
// and CommonJS under node16 resolution and under bundler resolution.
describe('packages as a consumer types them', () => {
  it('strict tsc is clean for every entry point (node16 ESM + CJS, bundler)', () => {
    const r = checkConsumerTypes();
    expect(r.node16).toBe('');
    expect(r.bundler).toBe('');
  }, 600_000);
});

// The browser-safe entries (everything but the Node-only CLI, grid, dataset generation and the file-based HDF5
// reader) bundle for `platform: 'browser'`: a Node built-in anywhere in their graph fails the build.
describe('browser entries', () => {
  const entries = [
    '@orl/core',
    '@orl/nn',
    '@orl/reward-model',
    '@orl/td3bc',
    '@orl/iql',
    '@orl/morec',
    '@orl/ope',
    '@orl/onnx',
    '@orl/data-import',
    '@orl/d4rl-loader/browser',
  ];
  it.each(entries)(
    '%s bundles for the browser with every export kept',
    async (entry) => {
      const bundle = await bundleForBrowser(`import * as m from '${entry}'; globalThis.__exports = Object.keys(m);`);
      // esbuild already fails on a built-in import; this also catches one left external (a string mentioning one is fine).
      expect(bundle).not.toMatch(/^\s*import[^;\n]*from\s*["'](node:)?(fs|path|url|os|worker_threads|child_process)["']/m);
      expect(bundle.length).toBeGreaterThan(1000);
    },
    120_000,
  );
  it('@orl/mujoco-env bundles with the mujoco package served as published (its threaded build starts its own workers)', async () => {
    const bundle = await bundleForBrowser(`import * as m from '@orl/mujoco-env'; globalThis.__exports = Object.keys(m);`, { mujocoUrl: '/mujoco/mujoco.js' });
    expect(bundle).toContain('/mujoco/mujoco.js');
  }, 120_000);
});
