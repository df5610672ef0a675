import { describe, expect, it } from 'vitest';
import { packAndRun } from '../../../tools/pack-check.js';

describe('published package', () => {
  it('installs alone and writes + reads a D4RL file from ESM and CommonJS', () => {
    const script = (imp: string) => `${imp}
      const { Dataset } = core;
      const n = 4;
      const d = new Dataset({ observations: new Float32Array(n * 2).fill(1), actions: new Float32Array(n), rewards: new Float32Array(n).fill(2), terminals: new Uint8Array(n), timeouts: new Uint8Array(n) }, { obsDim: 2, actDim: 1 });
      const p = require('node:path').join(require('node:os').tmpdir(), 'orl-pack-' + process.pid + '.hdf5');
      loader.writeD4rl(p, d).then(() => loader.readD4rl(p)).then((r) => console.log(r.dataset.size, r.dataset.rewards[3]));`;
    const esm = packAndRun(
      '@orl/d4rl-loader',
      script(
        `import * as loader from '@orl/d4rl-loader'; import * as core from '@orl/core'; import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);`,
      ),
    );
    expect(esm.trim()).toBe('4 2');
    const cjs = packAndRun('@orl/d4rl-loader', script(`const loader = require('@orl/d4rl-loader'); const core = require('@orl/core');`), 'commonjs');
    expect(cjs.trim()).toBe('4 2');
  }, 240_000);
});
