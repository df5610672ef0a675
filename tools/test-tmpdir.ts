// Vitest global setup: every temporary folder a test run makes (scratch projects, packed tarballs, generated datasets,
// embedded databases) goes under one run folder, removed when the run ends — suites leaked ≈ 1 GB of /tmp per CI run.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const previous = process.env.TMPDIR;
  // A package's own run (nx test) sets this up per package; under the root run, the root's folder already holds them.
  if (previous && /(^|[/\\])orl-test-run-[^/\\]+$/.test(previous)) return () => undefined;
  const dir = mkdtempSync(join(tmpdir(), 'orl-test-run-'));
  // World-searchable, as /tmp is: the embedded PostgreSQL of the grid tests runs as its own user when we are root.
  chmodSync(dir, 0o755);
  process.env.TMPDIR = dir;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(dir, { recursive: true, force: true });
  };
}
