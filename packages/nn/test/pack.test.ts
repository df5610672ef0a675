import { describe, expect, it } from 'vitest';
import { packAndRun } from '../../../tools/pack-check.js';

describe('published package', () => {
  it('installs alone (with @orl/core), builds its addon at install, and runs on every backend', () => {
    const out = packAndRun(
      '@orl/nn',
      `import { createEngine, MLP, availableBackends } from '@orl/nn';
       const res = {};
       for (const b of availableBackends()) {
         const net = new MLP(createEngine({ backend: b }), { sizes: [3, 8, 1], seed: 1 });
         res[b] = Array.from(net.predict(new Float32Array([1, 2, 3])))[0];
       }
       console.log(JSON.stringify(res));`,
    );
    const res = JSON.parse(out.trim().split('\n').at(-1)!);
    expect(Object.keys(res)).toEqual(expect.arrayContaining(['wasm', 'js']));
    expect(res.wasm).toBeCloseTo(res.js, 5);
    if (res.native !== undefined) expect(res.native).toBeCloseTo(res.js, 5);
    const cjs = packAndRun(
      '@orl/nn',
      `const { createEngine, MLP } = require('@orl/nn'); console.log(new MLP(createEngine({ backend: 'wasm' }), { sizes: [2, 1] }).size);`,
      'commonjs',
    );
    expect(cjs.trim()).toBe('3');
  }, 240_000);
});
