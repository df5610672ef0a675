import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import pg from 'pg';
import PgBoss from 'pg-boss';
import { OrlError } from '@orl/core';
import { MIGRATIONS, SCHEMA } from './schema.js';
import { describeUrl, redact } from './redact.js';

export type CellStatus = 'queued' | 'running' | 'done' | 'failed';

/** A cell as the caller defines it: a unique key, a config hash (identity) and the config itself. */
export interface CellInput {
  key: string;
  hash: string;
  config: Record<string, unknown>;
}

export interface CellRow extends CellInput {
  grid: string;
  status: CellStatus;
  /** Times the cell was started (failed, lost and the current or final one). */
  attempts: number;
  /** Failed attempts allowed before the cell is marked failed; lost attempts do not count against it. */
  maxAttempts: number;
  /** Attempts whose worker stopped renewing its lease (killed, machine or session gone). */
  lost: number;
  /** Lost attempts allowed before the cell is marked failed (a cell that kills its worker every time). */
  maxLost: number;
  leaseOwner: string | null;
  errors: { attempt: number; worker: string | null; error: string; at: string }[];
  result: unknown;
  score: number | null;
  seconds: number | null;
  artifactDir: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface GridStatus {
  grid: string;
  counts: Record<CellStatus, number>;
  total: number;
  /** Mean seconds of the finished cells. */
  meanSeconds: number | null;
  /** Seconds until every queued/running cell is done at the current mean, given `workers` parallel workers. */
  etaSeconds: number | null;
  /** Workers holding a live lease now. */
  activeWorkers: number;
}

export interface EngineOptions {
  /** How long a lease lasts without a heartbeat (default 60 s). A worker that stops renewing loses its cell. */
  leaseSeconds?: number;
  /** Shown in the database as the application name. */
  application?: string;
}

const GRID_NAME = /^[A-Za-z0-9_-]{1,60}$/;

/** One job queue per grid (pg-boss names: letters, digits, _ and -). */
export const queueName = (grid: string) => `orl-grid-${grid}`;

function checkGrid(grid: string): void {
  if (!GRID_NAME.test(grid)) throw new OrlError('INVALID_ARGUMENT', `grid name must be 1–60 letters, digits, '_' or '-', got '${grid}'`);
}

/** pg-boss only delivers; the `cells` table is the authority on status, attempts and results. */
const JOB_BACKSTOP_SECONDS = 23 * 3600;

function dbError(url: string, e: unknown): OrlError {
  const msg = redact((e as Error)?.message || (e as { code?: string })?.code || String(e));
  return new OrlError('DATABASE', `cannot reach the grid database at ${describeUrl(url)}: ${msg}`, { host: describeUrl(url) }, { cause: e });
}

/** Runs `fn` in one transaction on a pooled client (rolled back if it throws). */
async function inTransaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    const out = await fn(c);
    await c.query('COMMIT');
    return out;
  } catch (e) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    c.release();
  }
}

function toRow(r: Record<string, unknown>): CellRow {
  return {
    grid: r.grid as string,
    key: r.key as string,
    hash: r.hash as string,
    config: r.config as Record<string, unknown>,
    status: r.status as CellStatus,
    attempts: r.attempts as number,
    maxAttempts: r.max_attempts as number,
    lost: (r.lost as number | undefined) ?? 0,
    maxLost: (r.max_lost as number | undefined) ?? 10,
    leaseOwner: (r.lease_owner as string | null) ?? null,
    errors: (r.errors as CellRow['errors']) ?? [],
    result: r.result ?? null,
    score: (r.score as number | null) ?? null,
    seconds: (r.seconds as number | null) ?? null,
    artifactDir: (r.artifact_dir as string | null) ?? null,
    startedAt: (r.started_at as Date | null) ?? null,
    finishedAt: (r.finished_at as Date | null) ?? null,
  };
}

/**
 * The grid engine: a PostgreSQL experiment store (table `orl_grid.cells`, migrated on connect) plus pg-boss queues
 * that deliver cells to workers on any machine. Leases with heartbeats detect lost workers; a lost or failed cell is
 * queued again until `maxAttempts`; results are written once, by the lease holder.
 */
export class GridEngine {
  readonly worker: string;
  readonly leaseSeconds: number;
  private constructor(
    readonly url: string,
    readonly pool: pg.Pool,
    readonly boss: PgBoss,
    options: EngineOptions,
  ) {
    this.leaseSeconds = options.leaseSeconds ?? 60;
    this.worker = `${hostname()}:${process.pid}`;
  }

  /** Connects, migrates the store and starts pg-boss. Fails with one typed line (no credentials) when unreachable. */
  static async connect(url: string, options: EngineOptions = {}): Promise<GridEngine> {
    if (!/^postgres(ql)?:\/\//i.test(url))
      throw new OrlError('INVALID_ARGUMENT', `database URL must start with postgres://, got '${redact(url).slice(0, 40)}'`);
    const application = options.application ?? 'orl-grid';
    const pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 5000, application_name: application });
    pool.on('error', () => undefined); // idle-client errors surface on the next query instead of crashing the process
    try {
      await inTransaction(pool, async (c) => {
        await c.query(`SELECT pg_advisory_xact_lock(hashtext('orl_grid.migrate'))`);
        await c.query(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`);
        await c.query(`CREATE TABLE IF NOT EXISTS ${SCHEMA}.migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
        const done = new Set((await c.query(`SELECT version FROM ${SCHEMA}.migrations`)).rows.map((r) => r.version as number));
        for (let v = 1; v <= MIGRATIONS.length; v++) {
          if (done.has(v)) continue;
          await c.query(MIGRATIONS[v - 1]!);
          await c.query(`INSERT INTO ${SCHEMA}.migrations (version) VALUES ($1)`, [v]);
        }
      });
    } catch (e) {
      await pool.end().catch(() => undefined);
      throw dbError(url, e);
    }
    // Maintenance (expiry backstop, archiving) runs in one instance at a time through pg-boss's own locking.
    const boss = new PgBoss({ connectionString: url, application_name: application, max: 2, schedule: false });
    boss.on('error', () => undefined);
    try {
      await boss.start();
    } catch (e) {
      await pool.end().catch(() => undefined);
      throw dbError(url, e);
    }
    return new GridEngine(url, pool, boss, options);
  }

  async close(): Promise<void> {
    await this.boss.stop({ graceful: false, wait: true }).catch(() => undefined);
    await this.pool.end().catch(() => undefined);
  }

  private async ensureQueue(grid: string): Promise<string> {
    const name = queueName(grid);
    if (!(await this.boss.getQueue(name)))
      await this.boss.createQueue(name, { name, retryLimit: 0, expireInSeconds: JOB_BACKSTOP_SECONDS }).catch(async (e) => {
        if (!(await this.boss.getQueue(name))) throw e; // lost a creation race: fine
      });
    return name;
  }

  /**
   * Sends one delivery job per cell. Priority keeps the enqueue order (pg-boss takes higher priorities first); a cell
   * offered again after a lost or failed attempt goes ahead of fresh ones, since it may resume from a checkpoint.
   */
  private async deliver(grid: string, hashes: string[], options: { startAfterSeconds?: number; retry?: boolean } = {}): Promise<void> {
    if (hashes.length === 0) return;
    const name = await this.ensureQueue(grid);
    const startAfter = options.startAfterSeconds ? new Date(Date.now() + options.startAfterSeconds * 1000) : undefined;
    const ordinals = new Map<string, number>(
      (await this.pool.query(`SELECT hash, ordinal FROM ${SCHEMA}.cells WHERE grid = $1 AND hash = ANY($2)`, [grid, hashes])).rows.map((r) => [
        r.hash as string,
        r.ordinal as number,
      ]),
    );
    for (let i = 0; i < hashes.length; i += 500) {
      const chunk = hashes.slice(i, i + 500).map((hash) => ({ hash, id: randomUUID() }));
      await this.boss.insert(
        chunk.map(({ hash, id }) => ({
          id,
          name,
          data: { grid, hash },
          priority: (options.retry ? 1_000_000 : 0) - (ordinals.get(hash) ?? 0),
          retryLimit: 0,
          expireInSeconds: JOB_BACKSTOP_SECONDS,
          ...(startAfter ? { startAfter } : {}),
        })),
      );
      await this.pool.query(
        `UPDATE ${SCHEMA}.cells c SET job_id = j.id FROM unnest($2::text[], $3::uuid[]) AS j(hash, id) WHERE c.grid = $1 AND c.hash = j.hash AND c.status = 'queued'`,
        [grid, chunk.map((x) => x.hash), chunk.map((x) => x.id)],
      );
    }
  }

  /**
   * Adds cells to a grid and queues the new ones. Cells already present (same hash) keep their state; with
   * `retryFailed`, failed ones are queued again with a fresh attempt budget. A key reused with another config is refused.
   */
  async enqueue(
    grid: string,
    cells: readonly CellInput[],
    options: { maxAttempts?: number; retryFailed?: boolean } = {},
  ): Promise<{ added: number; existing: number; requeued: number }> {
    checkGrid(grid);
    const maxAttempts = options.maxAttempts ?? 3;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new OrlError('INVALID_ARGUMENT', `maxAttempts must be a positive integer, got ${maxAttempts}`);
    const added: string[] = [];
    let existing = 0;
    await inTransaction(this.pool, async (c) => {
      const base = (await c.query(`SELECT coalesce(max(ordinal) + 1, 0) AS n FROM ${SCHEMA}.cells WHERE grid = $1`, [grid])).rows[0].n as number;
      for (const [i, cell] of cells.entries()) {
        const r = await c.query(
          `INSERT INTO ${SCHEMA}.cells (grid, hash, key, config, max_attempts, ordinal) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT DO NOTHING RETURNING hash`,
          [grid, cell.hash, cell.key, JSON.stringify(cell.config), maxAttempts, base + i],
        );
        if (r.rowCount) added.push(cell.hash);
        else {
          const prev = await c.query(`SELECT hash FROM ${SCHEMA}.cells WHERE grid = $1 AND key = $2`, [grid, cell.key]);
          if (prev.rows[0] && prev.rows[0].hash !== cell.hash) {
            throw new OrlError(
              'INVALID_ARGUMENT',
              `grid '${grid}' already has cell ${cell.key} with another config (hash ${prev.rows[0].hash}, now ${cell.hash}): use a new grid name`,
              { key: cell.key },
            );
          }
          existing++;
        }
      }
    });
    let requeued = 0;
    if (options.retryFailed) {
      const r = await this.pool.query(
        `UPDATE ${SCHEMA}.cells SET status = 'queued', attempts = 0, lost = 0, job_id = NULL WHERE grid = $1 AND status = 'failed' AND hash = ANY($2) RETURNING hash`,
        [grid, cells.map((x) => x.hash)],
      );
      requeued = r.rowCount ?? 0;
    }
    await this.repair(grid);
    return { added: added.length, existing, requeued };
  }

  /** Marks a cell done from a result recorded elsewhere (committed result files); no-op unless it is queued. */
  async importResult(grid: string, hash: string, out: { result: unknown; score?: number | null; seconds?: number | null }): Promise<boolean> {
    const r = await this.pool.query(
      `UPDATE ${SCHEMA}.cells SET status = 'done', result = $3, score = $4, seconds = $5, finished_at = now(), job_id = NULL
       WHERE grid = $1 AND hash = $2 AND status = 'queued' RETURNING hash`,
      [grid, hash, JSON.stringify(out.result), out.score ?? null, out.seconds ?? null],
    );
    return (r.rowCount ?? 0) > 0;
  }

  /**
   * Queued cells whose delivery job is missing or finished (a crash between insert and send, a job expired by the
   * backstop) get a new job. Safe to run from any number of processes: a duplicate job finds its cell claimed.
   */
  async repair(grid: string): Promise<number> {
    const r = await this.pool.query(
      `SELECT c.hash FROM ${SCHEMA}.cells c
       WHERE c.grid = $1 AND c.status = 'queued'
         AND (c.job_id IS NULL OR NOT EXISTS (SELECT 1 FROM pgboss.job j WHERE j.id = c.job_id AND j.state IN ('created', 'retry', 'active')))`,
      [grid],
    );
    await this.deliver(
      grid,
      r.rows.map((x) => x.hash as string),
    );
    return r.rowCount ?? 0;
  }

  /**
   * Cells whose lease expired (their worker died or lost the database) go back to the queue. A lost attempt is not a
   * failure (sessions and machines end without warning); only `maxLost` of them in a row of starts fail the cell.
   */
  async reap(grid: string): Promise<number> {
    const r = await this.pool.query(
      `UPDATE ${SCHEMA}.cells SET
         lost = lost + 1,
         status = CASE WHEN lost + 1 >= max_lost THEN 'failed' ELSE 'queued' END,
         finished_at = CASE WHEN lost + 1 >= max_lost THEN now() END,
         errors = errors || jsonb_build_array(jsonb_build_object('attempt', attempts, 'worker', lease_owner, 'error', 'lease expired: the worker stopped renewing it (killed, crashed or cut off)', 'at', now())),
         lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL, job_id = NULL
       WHERE grid = $1 AND status = 'running' AND lease_expires_at < now()
       RETURNING hash, status`,
      [grid],
    );
    const again = r.rows.filter((x) => x.status === 'queued').map((x) => x.hash as string);
    if (again.length) await this.deliver(grid, again, { retry: true });
    return r.rowCount ?? 0;
  }

  /** Takes the next cell of a grid, or null when none is deliverable now. */
  async claim(grid: string): Promise<{ cell: CellRow; token: string; jobId: string } | null> {
    const name = await this.ensureQueue(grid);
    for (;;) {
      const [job] = await this.boss.fetch<{ grid: string; hash: string }>(name);
      if (!job) return null;
      const r = await this.pool.query(
        `UPDATE ${SCHEMA}.cells SET status = 'running', attempts = attempts + 1, lease_owner = $3, lease_token = gen_random_uuid(),
           lease_expires_at = now() + make_interval(secs => $4), started_at = now(), job_id = $5
         WHERE grid = $1 AND hash = $2 AND status = 'queued' RETURNING *`,
        [grid, job.data.hash, this.worker, this.leaseSeconds, job.id],
      );
      if (!r.rowCount) {
        // A duplicate delivery (the cell is done, running elsewhere or gone): retire the job, look for another.
        await this.boss.complete(name, job.id, { duplicate: true });
        continue;
      }
      const row = r.rows[0] as Record<string, unknown>;
      return { cell: toRow(row), token: row.lease_token as string, jobId: job.id };
    }
  }

  /** Renews a lease; false when it is no longer ours (reaped after a stall). */
  async renew(grid: string, hash: string, token: string): Promise<boolean> {
    const r = await this.pool.query(
      `UPDATE ${SCHEMA}.cells SET lease_expires_at = now() + make_interval(secs => $4) WHERE grid = $1 AND hash = $2 AND lease_token = $3 AND status = 'running'`,
      [grid, hash, token, this.leaseSeconds],
    );
    return (r.rowCount ?? 0) > 0;
  }

  /** Records a cell's artifact folder (where its checkpoints live) while it runs. */
  async setArtifactDir(grid: string, hash: string, dir: string): Promise<void> {
    await this.pool.query(`UPDATE ${SCHEMA}.cells SET artifact_dir = $3 WHERE grid = $1 AND hash = $2`, [grid, hash, dir]);
  }

  /**
   * Writes a cell's result and its evaluations in one transaction — only while the caller still holds the lease, so
   * each result is written exactly once. Returns false when the lease was lost (the result is discarded).
   */
  async finish(
    grid: string,
    hash: string,
    token: string,
    jobId: string,
    out: { result: unknown; score?: number | null; seconds?: number | null; evals?: { step: number; metrics: Record<string, number> }[] },
  ): Promise<boolean> {
    const ok = await inTransaction(this.pool, async (c) => {
      const r = await c.query(
        `UPDATE ${SCHEMA}.cells SET status = 'done', result = $4, score = $5, seconds = $6, finished_at = now(), lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL
         WHERE grid = $1 AND hash = $2 AND lease_token = $3 AND status = 'running' RETURNING hash`,
        [grid, hash, token, JSON.stringify(out.result), out.score ?? null, out.seconds ?? null],
      );
      const written = (r.rowCount ?? 0) > 0;
      if (written && out.evals?.length) {
        await c.query(
          `INSERT INTO ${SCHEMA}.evals (grid, hash, step, metrics) SELECT $1, $2, e.step, e.metrics FROM jsonb_to_recordset($3::jsonb) AS e(step integer, metrics jsonb) ON CONFLICT DO NOTHING`,
          [grid, hash, JSON.stringify(out.evals)],
        );
      }
      return written;
    });
    await this.boss.complete(queueName(grid), jobId).catch(() => undefined);
    return ok;
  }

  /** Records a failed attempt; the cell is queued again (after `retryDelaySeconds`) or, out of attempts, marked failed. */
  async fail(grid: string, hash: string, token: string, jobId: string, error: string, retryDelaySeconds = 5): Promise<CellStatus | null> {
    const r = await this.pool.query(
      `UPDATE ${SCHEMA}.cells SET
         status = CASE WHEN attempts - lost >= max_attempts THEN 'failed' ELSE 'queued' END,
         errors = errors || jsonb_build_array(jsonb_build_object('attempt', attempts, 'worker', lease_owner, 'error', $4::text, 'at', now())),
         lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL, job_id = NULL, finished_at = CASE WHEN attempts - lost >= max_attempts THEN now() END
       WHERE grid = $1 AND hash = $2 AND lease_token = $3 AND status = 'running' RETURNING status`,
      [grid, hash, token, redact(error).slice(0, 4000)],
    );
    await this.boss.fail(queueName(grid), jobId, { error: redact(error).slice(0, 500) }).catch(() => undefined);
    const status = (r.rows[0]?.status as CellStatus | undefined) ?? null;
    if (status === 'queued') await this.deliver(grid, [hash], { startAfterSeconds: retryDelaySeconds, retry: true });
    return status;
  }

  async status(grid: string, workers = 1): Promise<GridStatus> {
    checkGrid(grid);
    const r = await this.pool.query(
      `SELECT status, count(*)::int AS n, avg(seconds) FILTER (WHERE status = 'done' AND seconds IS NOT NULL) AS mean_s,
              count(DISTINCT lease_owner) FILTER (WHERE status = 'running' AND lease_expires_at > now())::int AS owners
       FROM ${SCHEMA}.cells WHERE grid = $1 GROUP BY status`,
      [grid],
    );
    const counts: Record<CellStatus, number> = { queued: 0, running: 0, done: 0, failed: 0 };
    let meanSeconds: number | null = null;
    let activeWorkers = 0;
    for (const row of r.rows) {
      counts[row.status as CellStatus] = row.n;
      if (row.status === 'done' && row.mean_s !== null) meanSeconds = Number(row.mean_s);
      if (row.status === 'running') activeWorkers = row.owners;
    }
    const total = counts.queued + counts.running + counts.done + counts.failed;
    const left = counts.queued + counts.running;
    const parallel = Math.max(1, activeWorkers || workers);
    const etaSeconds = meanSeconds === null ? (left === 0 ? 0 : null) : (left * meanSeconds) / parallel;
    return { grid, counts, total, meanSeconds, etaSeconds, activeWorkers };
  }

  async cells(grid: string, status?: CellStatus): Promise<CellRow[]> {
    const r = await this.pool.query(
      `SELECT * FROM ${SCHEMA}.cells WHERE grid = $1 ${status ? 'AND status = $2' : ''} ORDER BY key`,
      status ? [grid, status] : [grid],
    );
    return r.rows.map(toRow);
  }

  async evals(grid: string, hash: string): Promise<{ step: number; metrics: Record<string, number> }[]> {
    const r = await this.pool.query(`SELECT step, metrics FROM ${SCHEMA}.evals WHERE grid = $1 AND hash = $2 ORDER BY step`, [grid, hash]);
    return r.rows.map((x) => ({ step: x.step as number, metrics: x.metrics as Record<string, number> }));
  }
}
