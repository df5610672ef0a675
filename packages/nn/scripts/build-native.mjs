#!/usr/bin/env node
// Install step of @orl/nn: builds the native addon with node-gyp. Never fails the install: if the toolchain or Node's
// headers are missing, the engine falls back to WebAssembly (and says so once at run time).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');
if (process.env.ORL_SKIP_NATIVE) {
  console.log('@orl/nn: ORL_SKIP_NATIVE set, not building the native addon');
  process.exit(0);
}
const gyp = process.env.npm_config_node_gyp;
const gypArgs = ['rebuild'];
// Build against the headers of the Node that runs us (never download them: machines may be offline).
const prefix = process.env.npm_config_nodedir || join(dirname(process.execPath), '..');
if (existsSync(join(prefix, 'include', 'node', 'node_api.h'))) gypArgs.push(`--nodedir=${prefix}`);
const [cmd, args] = gyp && existsSync(gyp) ? [process.execPath, [gyp, ...gypArgs]] : ['node-gyp', gypArgs];
const t0 = Date.now();
const r = spawnSync(cmd, args, { cwd: pkgDir, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', shell: process.platform === 'win32' });
if (r.status === 0 && existsSync(join(pkgDir, 'build', 'Release', 'orl_nn.node'))) {
  console.log(`@orl/nn: native addon built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
} else {
  const why = r.error ? r.error.message : (r.stderr || r.stdout || '').trim().split('\n').slice(-5).join('\n');
  console.warn(`@orl/nn: native addon not built; the WebAssembly backend will be used.\n${why}`);
}
process.exit(0);
