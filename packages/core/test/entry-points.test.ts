import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// Run in a plain Node process against the built files, as a user's project would load them (no `source` condition).
const pkg = join(import.meta.dirname, '..');
const built = existsSync(join(pkg, 'dist', 'node.js')) && existsSync(join(pkg, 'dist', 'node.cjs'));

describe.runIf(built)('built entry points share one OrlError class', () => {
  it.each([
    ['ESM', `const main = await import('@orl/core'); const node = await import('@orl/core/node');`, '.mjs'],
    ['CJS', `const main = require('@orl/core'); const node = require('@orl/core/node');`, '.cjs'],
  ])('%s', (_kind, load, ext) => {
    const script = `${load}
      let err; try { node.loadState('/nonexistent/checkpoint.orl'); } catch (e) { err = e; }
      console.log(JSON.stringify({ instance: err instanceof main.OrlError, typed: main.isOrlError(err, 'NOT_FOUND'), code: err?.code }));`;
    const r = spawnSync(process.execPath, [`--input-type=${ext === '.mjs' ? 'module' : 'commonjs'}`, '-e', script], { cwd: pkg, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ instance: true, typed: true, code: 'NOT_FOUND' });
  });
});

it.skipIf(built)('needs the built package (dist/ is missing: `npm test` builds first, or run `npm run build`)', () => {
  throw new Error('packages/core/dist is missing: the entry points cannot be checked');
});
