import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { cellHash, cellKey, dataRevisionOf, expandGrid, validateCell } from '../src/grid/cells.js';
import { cellWorkDir, runGridCell } from '../src/grid/run.js';
import { gridCells } from '../src/commands/grid.js';

const bin = join(import.meta.dirname, '..', 'src', 'bin.ts');
const cache = mkdtempSync(join(tmpdir(), 'orl-grid-cache-'));
const tmp = (p: string) => {
  const d = mkdtempSync(join(tmpdir(), p));
  chmodSync(d, 0o755); // the embedded server runs as 'postgres' when we are root
  return d;
};

function orl(args: string[], env: Record<string, string> = {}) {
  const proc = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', bin, ...args], {
    env: { ...process.env, ORL_DATASET_DIR: cache, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  return { proc, output: () => out, exited: new Promise<number | null>((r) => proc.on('exit', (c) => r(c))) };
}

const spec = [
  '--preset',
  'custom',
  '--datasets',
  'hopper-medium',
  '--algos',
  'td3bc',
  '--conditions',
  'all,labelled,imputed',
  '--seeds',
  '0',
  '--steps',
  '900',
  '--eval-every',
  '300',
  '--eval-episodes',
  '1',
  '--scale',
  '0.004',
];
const cells = gridCells({
  preset: 'custom',
  datasets: ['hopper-medium'],
  algos: ['td3bc'],
  conditions: ['all', 'labelled', 'imputed'],
  seeds: [0],
  steps: 900,
  evalEvery: 300,
  evalEpisodes: 1,
  scale: 0.004,
});

describe('orl grid on the embedded PostgreSQL', () => {
  it('a worker killed mid-cell: its cell resumes from its checkpoint elsewhere, every cell finishes once, policies equal a one-process run', async () => {
    const dir = tmp('orl-grid-a-');
    const results = tmp('orl-grid-results-');
    const run = orl(['grid', 'run', '--name', 't', '--dir', dir, ...spec, '--workers', '2', '--threads', '1', '--results', results], { ORL_GRID_LEASE: '3' });
    // Watch the database: once a running cell has a checkpoint, kill its worker without warning.
    let killed: string | undefined;
    for (let i = 0; i < 600 && !killed; i++) {
      await new Promise((r) => setTimeout(r, 100));
      if (!existsSync(join(dir, 'db.json'))) continue;
      const c = JSON.parse(readFileSync(join(dir, 'db.json'), 'utf8'));
      const client = new pg.Client({ connectionString: `postgres://${c.user}:${encodeURIComponent(c.password)}@127.0.0.1:${c.port}/postgres` });
      try {
        await client.connect();
        const r = await client.query(
          `SELECT key, lease_owner, artifact_dir FROM orl_grid.cells WHERE grid = 't' AND status = 'running' AND artifact_dir IS NOT NULL`,
        );
        for (const row of r.rows) {
          if (existsSync(join(row.artifact_dir, 'checkpoint.orl'))) {
            process.kill(Number(String(row.lease_owner).split(':').pop()), 'SIGKILL');
            killed = row.key;
            break;
          }
        }
      } catch {
        // not migrated yet
      } finally {
        await client.end().catch(() => undefined);
      }
    }
    expect(killed).toBeDefined();
    expect(await run.exited).toBe(0);
    expect(run.output()).toMatch(/3\/3 done/);

    const status = orl(['grid', 'status', '--name', 't', '--dir', dir, '--json']);
    expect(await status.exited).toBe(0);
    expect(JSON.parse(status.output().trim().split('\n').at(-1)!).counts).toEqual({ queued: 0, running: 0, done: 3, failed: 0 });

    // Result files: one per cell, written once; the killed cell's second attempt resumed from its checkpoint.
    const files = readdirSync(join(results, 'runs', 'hopper-medium', 'td3bc')).sort();
    expect(files).toEqual(['all-s0.json', 'imputed-s0.json', 'labelled-s0.json']);
    const rec = JSON.parse(readFileSync(join(results, 'runs', `${killed}.json`), 'utf8'));
    expect(rec.result.resumedFrom).toBeGreaterThanOrEqual(300);
    expect(rec.result.curve.map((p: { step: number }) => p.step)).toEqual([300, 600, 900]);

    // The same cells in one worker process give the same policies, byte for byte.
    const refDir = tmp('orl-grid-ref-');
    const ref = orl(['grid', 'run', '--name', 'ref', '--dir', refDir, ...spec, '--workers', '1', '--threads', '1']);
    expect(await ref.exited).toBe(0);
    for (const c of cells) {
      const a = readFileSync(join(cellWorkDir(dir, c), 'policy.orl'));
      const b = readFileSync(join(cellWorkDir(refDir, c), 'policy.orl'));
      expect(a.equals(b), cellKey(c)).toBe(true);
    }

    // A rerun with the results folder skips every finished cell.
    const again = orl(['grid', 'run', '--name', 'fresh', '--dir', tmp('orl-grid-b-'), ...spec, '--workers', '1', '--results', results]);
    expect(await again.exited).toBe(0);
    expect(again.output()).toMatch(/3 taken from/);
  }, 300_000);

  it('generates the datasets a grid names in parallel processes before its workers start, each once', async () => {
    const datasets = mkdtempSync(join(tmpdir(), 'orl-grid-gen-'));
    const run = orl(
      [
        'grid',
        'run',
        '--name',
        'gen',
        '--dir',
        tmp('orl-grid-gen-db-'),
        '--preset',
        'custom',
        '--datasets',
        'hopper-medium,walker2d-medium',
        '--algos',
        'td3bc',
        '--conditions',
        'all',
        '--seeds',
        '0',
        '--steps',
        '20',
        '--eval-every',
        '20',
        '--eval-episodes',
        '1',
        '--scale',
        '0.002',
        '--workers',
        '2',
        '--threads',
        '1',
      ],
      { ORL_DATASET_DIR: datasets },
    );
    expect(await run.exited, run.output()).toBe(0);
    const out = run.output();
    expect(out).toMatch(/generating 2 datasets, 2 at a time/);
    expect(out.indexOf('generating 2 datasets')).toBeLessThan(out.indexOf('starting 2 local workers'));
    // One file per dataset, no temporary leftovers, and the grid's own load found both cached (nothing generated twice).
    expect(readdirSync(datasets).sort()).toEqual([
      expect.stringMatching(/^hopper-medium-n2000-s0-\w+\.hdf5$/),
      expect.stringMatching(/^walker2d-medium-n2000-s0-\w+\.hdf5$/),
    ]);
    expect(out.match(/segment 1\/1/g)).toHaveLength(2);
    expect(out).not.toMatch(/\[orl grid\] generated /);
  }, 180_000);

  it('refuses bad arguments before any work, and an unreachable database in one line', () => {
    const r1 = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=source', bin, 'grid', 'run', '--seeds', '0,,1'], { encoding: 'utf8' });
    expect(r1.status).not.toBe(0);
    expect(r1.stderr).toMatch(/empty item/);
    const r2 = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=source', bin, 'grid', 'run', '--steps', '0'], { encoding: 'utf8' });
    expect(r2.stderr).toMatch(/steps must be at least 1/);
    const r3 = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--conditions=source', bin, 'grid', 'status', '--db', 'postgres://orl:hunter2@127.0.0.1:1/postgres'],
      { encoding: 'utf8' },
    );
    expect(r3.status).toBe(1);
    expect(r3.stderr.trim().split('\n')).toHaveLength(1);
    expect(r3.stderr).toMatch(/cannot reach the grid database at 127\.0\.0\.1:1\/postgres.*\[DATABASE\]/);
    expect(r3.stderr).not.toContain('hunter2');
  }, 60_000);

  it('names cells by a stable hash of their whole config', () => {
    const [a] = expandGrid({ datasets: ['hopper-medium'], algos: ['td3bc'], conditions: ['imputed'], seeds: [0] });
    expect(cellKey(a!)).toBe('hopper-medium/td3bc/imputed-s0');
    expect(cellHash({ ...a!, steps: a!.steps })).toBe(cellHash(a!));
    expect(cellHash({ ...a!, rewardFeatures: 'sas' })).not.toBe(cellHash(a!));
    expect(cellHash(Object.fromEntries(Object.entries(a!).reverse()) as NonNullable<typeof a>)).toBe(cellHash(a!));
    // The paper grid: 9 datasets × 2 algorithms × 3 conditions × 3 seeds.
    expect(gridCells({ preset: 'paper' })).toHaveLength(162);
    expect(new Set(gridCells({ preset: 'paper' }).map(cellKey)).size).toBe(162);
  });

  it('carries the recipe revision of changed suite data, so results on the old data are run again', async () => {
    const [hopper] = expandGrid({ datasets: ['hopper-medium'], algos: ['td3bc'], conditions: ['imputed'], seeds: [0] });
    const [cheetah] = expandGrid({ datasets: ['halfcheetah-medium-replay'], algos: ['iql'], conditions: ['all'], seeds: [0] });
    // hopper is at revision 1: no revision in its cells, which keep the hashes of the committed runs; halfcheetah's
    // medium behaviour changed (revision 2), so its cells no longer match runs on the old data.
    expect(hopper).not.toHaveProperty('dataRevision');
    expect(cheetah!.dataRevision).toBe(2);
    expect(dataRevisionOf('halfcheetah-medium-expert-v2')).toBe(2);
    for (const name of ['hopper-medium', 'walker2d-medium-replay', 'halfcheetah-expert', '/data/x.hdf5']) expect(dataRevisionOf(name)).toBeUndefined();
    const committed = JSON.parse(readFileSync(new URL('../../../results/paper-table/runs/hopper-medium/td3bc/imputed-s0.json', import.meta.url), 'utf8'));
    expect(committed.hash).toBe(cellHash(hopper!));
    // A cell made for another revision hashes apart, and a worker that generates other data refuses it before any work.
    const revised = { ...hopper!, dataRevision: 2 };
    expect(cellHash(revised)).not.toBe(cellHash(hopper!));
    expect(() => validateCell({ ...hopper!, dataRevision: 1 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    await expect(runGridCell(revised, mkdtempSync(join(tmpdir(), 'orl-rev-')))).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('revision 2'),
    });
  });
});
