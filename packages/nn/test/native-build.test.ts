import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect, it } from 'vitest';
import { availableBackends, loadNativeKernels } from '../src/index.js';

// `npm ci` never fails when the addon cannot build (the engine falls back to WASM), so a broken native build would go
// unnoticed: where a C compiler and Node's headers exist, the native backend must load.
const hasCompiler = spawnSync('cc', ['--version'], { stdio: 'ignore' }).status === 0;
const hasHeaders = existsSync(join(dirname(process.execPath), '..', 'include', 'node', 'node_api.h')) || Boolean(process.env.npm_config_nodedir);

it.runIf(hasCompiler && hasHeaders)('the native addon was built at install and loads', () => {
  const r = loadNativeKernels();
  expect(r.reason).toBeUndefined();
  expect(availableBackends()[0]).toBe('native');
});
