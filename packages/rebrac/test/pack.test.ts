import { describe, expect, it } from 'vitest';
import { packInstallRun } from '../../../tools/pack-check.js';

// What a user gets from `npm i @orl/rebrac`: no simulator, a few MB, ESM and CommonJS, training through /node.
describe('published package', () => {
  it('installs alone (≤ 3 MB with its dependencies, no simulator), trains from /node, imports as CommonJS', () => {
    const esm = packInstallRun(
      '@orl/rebrac',
      `import { Dataset, Rng } from '@orl/core';
       import { ReBRAC } from '@orl/rebrac';
       import { trainReBRAC } from '@orl/rebrac/node';
       const rng = new Rng(0), n = 300;
       const data = new Dataset({ observations: rng.fillNormal(new Float32Array(n * 3)), actions: rng.fillUniform(new Float32Array(n), -1, 1), rewards: rng.fillNormal(new Float32Array(n)), terminals: new Uint8Array(n), timeouts: new Uint8Array(n).fill(1, n - 1) }, { obsDim: 3, actDim: 1 });
       const scores = [];
       const { agent, loop } = await trainReBRAC(data, { hidden: [8], batchSize: 16 }, { steps: 20, evalEvery: 10, progress: 'none', evaluate: async (p) => ({ 'eval/return': p.act(new Float32Array(3))[0] }) });
       console.log(JSON.stringify([agent instanceof ReBRAC, loop.step, Object.keys(loop.lastEval)]));`,
    );
    const [isAgent, steps, evalKeys] = JSON.parse(esm.stdout.trim().split('\n').at(-1)!);
    expect([isAgent, steps, evalKeys]).toEqual([true, 20, ['eval/return']]);
    console.log(`@orl/rebrac installed with its dependencies: ${(esm.installedBytes / 2 ** 20).toFixed(2)} MB`);
    expect(esm.installedBytes).toBeLessThan(3 * 2 ** 20);
    const cjs = packInstallRun('@orl/rebrac', `const { REBRAC_DEFAULTS } = require('@orl/rebrac'); console.log(REBRAC_DEFAULTS.batchSize);`, 'commonjs');
    expect(cjs.stdout.trim()).toBe('1024');
  }, 300_000);
});
