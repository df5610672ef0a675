#!/usr/bin/env node
// `npm start`: the imputed-rewards experiment on an embedded default, in about ten minutes on a 2-core machine.
// Builds the packages, generates hopper-medium (10% of full size, cached after the first run) from the shipped SAC
// behavior policy, then runs TD3+BC under the paper's three conditions (all true rewards / 1% labelled only /
// 1% labelled + 99% imputed) and prints the table and where the plots are.
// Override with ORL_START_ARGS, e.g. ORL_START_ARGS="--dataset walker2d-medium --algo iql --steps 50000".
import { spawnSync } from 'node:child_process';

const env = { ...process.env, NX_DAEMON: 'false', NX_TUI: 'false' };
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
run('npx', ['nx', 'run-many', '-t', 'build', '--parallel=2', '--outputStyle=static']);

// Size the run to the machine: ~180 TD3+BC steps/s with the native backend on 2 cores, ~50 with WebAssembly.
const { availableBackends } = await import('@orl/nn');
const native = availableBackends().includes('native');
const steps = native ? 30000 : 8000;
console.log(`\n[orl] backend: ${native ? 'native' : 'wasm'} → ${steps} TD3+BC steps per condition\n`);
const args = [
  'packages/cli/bin/orl.mjs',
  'pipeline',
  '--dataset',
  'hopper-medium',
  '--scale',
  '0.1',
  '--algo',
  'td3bc',
  '--steps',
  String(steps),
  '--seeds',
  '0',
  '--eval-every',
  String(steps / 6),
  '--eval-episodes',
  '5',
  '--label-fraction',
  '0.01',
  '--out',
  'runs/start',
  ...(process.env.ORL_START_ARGS ? process.env.ORL_START_ARGS.split(/\s+/) : []),
];
run(process.execPath, args);
