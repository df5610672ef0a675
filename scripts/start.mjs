#!/usr/bin/env node
// `npm start`: the project's main job. Until the full paper pipeline lands (issue: packages/cli), it runs the
// benchmarks of the packages that exist, so a fresh machine shows what works and how fast.
import { spawnSync } from 'node:child_process';

const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, NX_DAEMON: 'false', NX_TUI: 'false' } });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
run('npx', ['nx', 'run-many', '-t', 'build', '--parallel=2']);
run('npx', ['nx', 'run-many', '-t', 'bench', '--parallel=1', '--outputStyle=stream']);
