import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { SCHEMA } from './schema.js';
import type { CellRow, GridEngine } from './engine.js';

export interface CellOutput {
  /** JSON stored as the cell's result (and exported to the result files). */
  result: unknown;
  score?: number | null;
  seconds?: number | null;
  /** Per-evaluation metrics, stored as rows of `orl_grid.evals`. */
  evals?: { step: number; metrics: Record<string, number> }[];
}

export interface CellContext {
  /** 1 on the first attempt; a later attempt may resume from the artifacts the earlier one left. */
  attempt: number;
  /** True once the lease was lost: the result will be discarded, stop early if convenient. */
  leaseLost(): boolean;
  /** Records where the cell keeps its artifacts (checkpoints), for `status` and for people debugging a grid. */
  setArtifactDir(dir: string): Promise<void>;
}

export type CellHandler = (cell: CellRow, ctx: CellContext) => Promise<CellOutput>;

export interface WorkerOptions {
  /** Stop when the grid has nothing queued or running (default true). */
  exitWhenIdle?: boolean;
  /** Stop after this many cells (default: no limit). */
  maxCells?: number;
  /** Seconds between polls of an empty queue (default 1). */
  pollSeconds?: number;
  /** Heartbeat period (default: a third of the engine's lease). */
  heartbeatSeconds?: number;
  /** Delay before a failed cell is offered again (default 5 s). */
  retryDelaySeconds?: number;
  log?: (message: string) => void;
  signal?: AbortSignal;
}

export interface WorkerSummary {
  done: number;
  failed: number;
  lost: number;
}

/*
 * The heartbeat renews the lease from a worker thread with its own connection: training runs synchronously on the main
 * thread for minutes between awaits, and a timer there would not fire. A killed process takes the thread with it, so
 * the lease expires and another worker takes the cell over.
 */
const HEARTBEAT_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const pg = require(workerData.pgPath);
const client = new pg.Client({ connectionString: workerData.url, application_name: 'orl-grid-heartbeat' });
client.on('error', () => undefined);
let stopped = false;
parentPort.on('message', () => { stopped = true; client.end().catch(() => undefined); });
(async () => {
  await client.connect();
  while (!stopped) {
    await new Promise((r) => setTimeout(r, workerData.everyMs));
    if (stopped) break;
    try {
      const r = await client.query(workerData.sql, [workerData.grid, workerData.hash, workerData.token, workerData.leaseSeconds]);
      if (r.rowCount === 0) { parentPort.postMessage('lost'); break; }
    } catch (e) { /* a missed beat; the next one may succeed before the lease runs out */ }
  }
})().catch(() => parentPort.postMessage('lost'));
`;

const requireHere = createRequire(import.meta.url);

function startHeartbeat(engine: GridEngine, grid: string, hash: string, token: string, everyMs: number, onLost: () => void): () => Promise<void> {
  const worker = new Worker(HEARTBEAT_SOURCE, {
    eval: true,
    workerData: {
      pgPath: requireHere.resolve('pg'),
      url: engine.url,
      grid,
      hash,
      token,
      everyMs,
      leaseSeconds: engine.leaseSeconds,
      sql: `UPDATE ${SCHEMA}.cells SET lease_expires_at = now() + make_interval(secs => $4) WHERE grid = $1 AND hash = $2 AND lease_token = $3 AND status = 'running'`,
    },
  });
  worker.on('message', (m) => m === 'lost' && onLost());
  worker.on('error', () => onLost());
  worker.unref();
  return async () => {
    worker.postMessage('stop');
    await worker.terminate();
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Works the cells of one grid: claim → run `handler` under a renewed lease → write the result once (or record the
 * failure, which queues the cell again until its attempts run out). Also returns lost cells of dead workers to the queue.
 */
export async function runWorker(engine: GridEngine, grid: string, handler: CellHandler, options: WorkerOptions = {}): Promise<WorkerSummary> {
  const log = options.log ?? (() => undefined);
  const exitWhenIdle = options.exitWhenIdle ?? true;
  const everyMs = Math.max(100, (options.heartbeatSeconds ?? engine.leaseSeconds / 3) * 1000);
  const summary: WorkerSummary = { done: 0, failed: 0, lost: 0 };
  let idleSince = 0;
  while (!options.signal?.aborted && (options.maxCells === undefined || summary.done + summary.failed + summary.lost < options.maxCells)) {
    await engine.reap(grid);
    const claimed = await engine.claim(grid);
    if (!claimed) {
      const s = await engine.status(grid);
      if (s.counts.queued + s.counts.running === 0 && exitWhenIdle) break;
      // Something is queued but not deliverable (a lost job): redeliver once in a while.
      if (s.counts.queued > 0 && Date.now() - idleSince > 10_000) {
        idleSince = Date.now();
        await engine.repair(grid);
      }
      await sleep((options.pollSeconds ?? 1) * 1000);
      continue;
    }
    const { cell, token, jobId } = claimed;
    let lost = false;
    const stopBeat = startHeartbeat(engine, grid, cell.hash, token, everyMs, () => (lost = true));
    const t0 = performance.now();
    const failures = cell.attempts - 1 - cell.lost;
    log(`${cell.key}: attempt ${cell.attempts} (${failures}/${cell.maxAttempts} failed, ${cell.lost} lost)`);
    try {
      const out = await handler(cell, { attempt: cell.attempts, leaseLost: () => lost, setArtifactDir: (d) => engine.setArtifactDir(grid, cell.hash, d) });
      await stopBeat();
      const written = await engine.finish(grid, cell.hash, token, jobId, { ...out, seconds: out.seconds ?? (performance.now() - t0) / 1000 });
      if (written) {
        summary.done++;
        log(`${cell.key}: done${out.score !== undefined && out.score !== null ? ` (score ${out.score.toFixed(1)})` : ''}`);
      } else {
        summary.lost++;
        log(`${cell.key}: lease lost before the result was written; another worker owns it now`);
      }
    } catch (e) {
      await stopBeat();
      const message = (e as Error)?.message ?? String(e);
      const status = await engine.fail(grid, cell.hash, token, jobId, message, options.retryDelaySeconds);
      summary.failed++;
      log(
        `${cell.key}: attempt ${cell.attempts} failed (${message.split('\n')[0]})${status === 'queued' ? ', queued again' : status === 'failed' ? ', no attempts left' : ''}`,
      );
    }
  }
  return summary;
}
