import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';

it('the committed WebAssembly module is what assembly/kernels.ts compiles to', () => {
  const out = execFileSync(process.execPath, [join(import.meta.dirname, '..', 'scripts', 'build-wasm.mjs'), '--check'], { encoding: 'utf8' });
  expect(out).toContain('current');
}, 120_000);
