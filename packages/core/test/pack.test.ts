import { describe, expect, it } from 'vitest';
import { packAndRun } from '../../../tools/pack-check.js';

describe('published package', () => {
  it('installs alone from its tarball and imports as ESM and CommonJS', () => {
    const esm = packAndRun(
      '@orl/core',
      `import { Rng, normalizedScore } from '@orl/core'; import { trainLoop } from '@orl/core/node';
       console.log(JSON.stringify([new Rng(1).int(100), Math.round(normalizedScore('hopper', 3234.3)), typeof trainLoop]));`,
    );
    const cjs = packAndRun('@orl/core', `const { Rng } = require('@orl/core'); console.log(JSON.stringify([new Rng(1).int(100)]));`, 'commonjs');
    const [a, score, fn] = JSON.parse(esm);
    expect(score).toBe(100);
    expect(fn).toBe('function');
    expect(JSON.parse(cjs)[0]).toBe(a);
  }, 120_000);
});
