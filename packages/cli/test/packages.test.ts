import { describe, expect, it } from 'vitest';
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
