import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { OrlError } from '@orl/core';
import { readJsonl, writeFileAtomic } from '@orl/core/node';
import { GridEngine, describeUrl, runWorker, startEmbeddedPostgres, type CellRow, type EmbeddedServer, type GridStatus, type WorkerSummary } from '@orl/grid';
import { loadDataset, suiteCacheFile } from '../data.js';
import { cellHash, cellKey, validateCell, type GridCell } from './cells.js';
import { cellWorkDir, runGridCell, type GridRunRecord } from './run.js';

export const DB_ENV = 'ORL_GRID_DB';
/** Lease length in seconds (default 60): how soon the cell of a lost worker goes back to the queue. */
export const LEASE_ENV = 'ORL_GRID_LEASE';

/** Where a grid lives: a database (given, or embedded in `dir`) and an artifact folder (`dir/work`). */
export interface GridLocation {
  /** Grid name (several grids can share one database). */
  name: string;
  /** Grid folder: artifacts (checkpoints), and the embedded database when no URL is given. */
  dir: string;
  /** postgres:// URL; default $ORL_GRID_DB, else an embedded server in `dir`. */
  db?: string;
}

export interface OpenGrid {
  engine: GridEngine;
  server: EmbeddedServer | null;
  close(): Promise<void>;
}

/** Connects to the grid's database, starting (or joining) the embedded server when no URL is configured. */
export async function openGrid(loc: GridLocation, options: { leaseSeconds?: number; log?: (m: string) => void } = {}): Promise<OpenGrid> {
  const url = loc.db ?? process.env[DB_ENV];
  const server = url ? null : await startEmbeddedPostgres(loc.dir, options.log ? { log: options.log } : {});
  const leaseSeconds = options.leaseSeconds ?? (Number(process.env[LEASE_ENV]) || undefined);
  const engine = await GridEngine.connect(url ?? server!.url, { ...(leaseSeconds ? { leaseSeconds } : {}), application: 'orl' });
  return {
    engine,
    server,
    close: async () => {
      await engine.close();
      if (server?.started) await server.stop();
    },
  };
}

/** Reads the eval records of a finished cell's metrics.jsonl: the per-evaluation metrics stored in the database. */
function evalRecords(dir: string): { step: number; metrics: Record<string, number> }[] {
  const path = join(dir, 'metrics.jsonl');
  if (!existsSync(path)) return [];
  const byStep = new Map<number, Record<string, number>>();
  for (const r of readJsonl(path)) {
    const metrics: Record<string, number> = {};
    for (const [k, v] of Object.entries(r)) if (k.startsWith('eval/') && typeof v === 'number') metrics[k.slice(5)] = v;
    if (Object.keys(metrics).length) byStep.set(r.step, metrics);
  }
  return [...byStep.entries()].sort((a, b) => a[0] - b[0]).map(([step, metrics]) => ({ step, metrics }));
}

/** Runs one claimed cell: checks its identity, trains it in its artifact folder (resuming there), returns its record. */
export async function gridCellHandler(row: CellRow, gridDir: string, setArtifactDir: (d: string) => Promise<void>, log: (m: string) => void) {
  const cell = validateCell(row.config as unknown as GridCell);
  if (cellHash(cell) !== row.hash)
    throw new OrlError(
      'INVALID_CONFIG',
      `cell ${row.key}: stored hash ${row.hash} does not match its config (${cellHash(cell)}); the grid was written by another version`,
    );
  const dir = cellWorkDir(gridDir, cell);
  await setArtifactDir(dir);
  const record = await runGridCell(cell, gridDir, { log: (m) => log(`${row.key}: ${m}`) });
  return { result: record, score: record.score, seconds: record.result.seconds, evals: evalRecords(dir) };
}

/** `orl grid worker`: works a grid's cells until none is queued or running. */
export async function runGridWorker(
  loc: GridLocation,
  options: { log?: (m: string) => void; maxCells?: number; forever?: boolean } = {},
): Promise<WorkerSummary> {
  const log = options.log ?? ((m: string) => console.error(`[orl grid ${process.pid}] ${m}`));
  const g = await openGrid(loc);
  try {
    return await runWorker(g.engine, loc.name, (row, ctx) => gridCellHandler(row, loc.dir, ctx.setArtifactDir, log), {
      log,
      exitWhenIdle: !options.forever,
      ...(options.maxCells ? { maxCells: options.maxCells } : {}),
    });
  } finally {
    await g.close();
  }
}

/** Safe path of a cell's result file under `resultsDir/runs/` (the key is our own, but confine it anyway). */
function resultPath(resultsDir: string, key: string): string {
  const root = resolve(resultsDir, 'runs');
  const p = resolve(root, `${key}.json`);
  if (!p.startsWith(root + sep)) throw new OrlError('UNSAFE_PATH', `cell key ${key} would write outside ${root}`, { key });
  return p;
}

/** Every result record (runs/**.json) under a results folder. */
export function readResultFiles(resultsDir: string): GridRunRecord[] {
  const root = join(resultsDir, 'runs');
  const out: GridRunRecord[] = [];
  if (!existsSync(root)) return out;
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.json')) {
        try {
          const r = JSON.parse(readFileSync(p, 'utf8')) as GridRunRecord;
          if (typeof r.hash === 'string' && r.result && r.cell) out.push(r);
        } catch {
          throw new OrlError('FORMAT', `${relative(process.cwd(), p)} is not a result record (invalid JSON)`, { path: p });
        }
      }
    }
  };
  walk(root);
  return out;
}

/** Marks cells done from committed result files with the same hash (so a grid spread over sessions skips them). */
export async function importResults(engine: GridEngine, grid: string, resultsDir: string): Promise<number> {
  let n = 0;
  for (const r of readResultFiles(resultsDir)) {
    if (await engine.importResult(grid, r.hash, { result: r, score: r.score, seconds: r.result.seconds })) n++;
  }
  return n;
}

/** Writes each finished cell's record to `resultsDir/runs/<key>.json` (only files that are missing or differ). */
export async function exportResults(engine: GridEngine, grid: string, resultsDir: string): Promise<number> {
  let n = 0;
  for (const c of await engine.cells(grid, 'done')) {
    const path = resultPath(resultsDir, c.key);
    const text = `${JSON.stringify(c.result, null, 1)}\n`;
    if (existsSync(path) && readFileSync(path, 'utf8') === text) continue;
    writeFileAtomic(path, text);
    n++;
  }
  return n;
}

export function formatStatus(s: GridStatus): string {
  const eta = s.etaSeconds === null ? 'ETA unknown until a cell finishes' : s.etaSeconds === 0 ? 'finished' : `ETA ${formatDuration(s.etaSeconds)}`;
  return `${s.grid}: ${s.counts.done}/${s.total} done, ${s.counts.running} running, ${s.counts.queued} queued, ${s.counts.failed} failed · ${eta}${s.meanSeconds ? ` (mean ${formatDuration(s.meanSeconds)} per cell)` : ''}`;
}

export function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

export interface RunGridOptions {
  /** Local worker processes (default: the number of cores). 0 only enqueues. */
  workers?: number;
  /** Kernel threads per worker (default: cores / workers, at least 1). */
  threads?: number;
  maxAttempts?: number;
  retryFailed?: boolean;
  /** Folder of committed result files: imported before, exported as cells finish. */
  results?: string;
  /** Seconds between status lines (default 30). */
  statusEvery?: number;
  log?: (m: string) => void;
  /** How to start a worker process (default: this CLI's `grid worker`). */
  workerCommand?: { command: string; args: string[] };
}

/**
 * Generates the suite datasets that are not cached yet, `concurrency` at a time, each in its own `orl datasets
 * generate` process: generation is single-threaded simulation, minutes per dataset, and a grid names up to nine. A
 * medium-expert dataset is built from its task's medium one, so those wait for the rest (one generator per cache file).
 * A generator that fails is only logged: the in-process load that follows generates again and reports the error.
 */
async function generateInParallel(cells: GridCell[], concurrency: number, log: (m: string) => void): Promise<void> {
  const pending = cells.map((c) => ({ cell: c, file: suiteCacheFile(c.dataset, { scale: c.datasetScale }) })).filter((p) => p.file?.missing);
  if (pending.length < 2 || concurrency < 2) return;
  log(`generating ${pending.length} datasets, ${concurrency} at a time`);
  const run = (c: GridCell) =>
    new Promise<void>((done) => {
      const args = [...process.execArgv, process.argv[1]!, 'datasets', 'generate', c.dataset, '--scale', String(c.datasetScale)];
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr!.setEncoding('utf8').on('data', (d: string) => {
        err = (err + d).slice(-2000);
        for (const line of d.split('\n')) if (line.trim()) log(line.trim());
      });
      child.on('error', (e) => {
        log(`could not start a dataset generator for ${c.dataset}: ${e.message}`);
        done();
      });
      child.on('exit', (code) => {
        if (code !== 0) log(`generating ${c.dataset} failed (exit ${code}): ${err.trim().split('\n').at(-1) ?? ''}`);
        done();
      });
    });
  const pool = async (list: GridCell[]) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, list.length) }, async () => {
        while (next < list.length) await run(list[next++]!);
      }),
    );
  };
  await pool(pending.filter((p) => p.file!.kind !== 'medium-expert').map((p) => p.cell));
  await pool(pending.filter((p) => p.file!.kind === 'medium-expert').map((p) => p.cell));
}

/**
 * `orl grid run`: enqueues the cells, imports committed results, starts local worker processes and watches them —
 * replacing workers that die while work remains, exporting results as they finish — until every cell is done or failed.
 * Other machines can join with `orl grid worker --db <url>` at any time.
 */
export async function runGrid(loc: GridLocation, cells: GridCell[], options: RunGridOptions = {}): Promise<GridStatus> {
  const log = options.log ?? ((m: string) => console.error(`[orl grid] ${m}`));
  const cores = availableParallelism();
  const workers = options.workers ?? cores;
  const threads = options.threads ?? Math.max(1, Math.floor(cores / Math.max(1, workers)));
  const g = await openGrid(loc, { log });
  const { engine } = g;
  const children = new Set<ChildProcess>();
  try {
    log(`database ${g.server ? `embedded in ${join(loc.dir, 'db')}` : describeUrl(engine.url)}; grid '${loc.name}', ${cells.length} cells`);
    const q = await engine.enqueue(
      loc.name,
      cells.map((c) => ({ key: cellKey(c), hash: cellHash(c), config: c as unknown as Record<string, unknown> })),
      { ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}), ...(options.retryFailed ? { retryFailed: true } : {}) },
    );
    const imported = options.results ? await importResults(engine, loc.name, options.results) : 0;
    log(
      `queued ${q.added} new cells (${q.existing} known${q.requeued ? `, ${q.requeued} failed ones again` : ''}${imported ? `, ${imported} taken from ${options.results}` : ''})`,
    );
    if (workers === 0) return await engine.status(loc.name);

    // Generate the datasets once, here, so workers never race to write the same cache file.
    const datasets = new Map<string, GridCell>();
    for (const c of await engine.cells(loc.name, 'queued')) datasets.set(`${c.config.dataset}@${c.config.datasetScale}`, c.config as unknown as GridCell);
    // Generator processes run this CLI (argv[1]); a caller with its own worker command may not be it: load in-process.
    if (!options.workerCommand) await generateInParallel([...datasets.values()], Math.min(workers, cores), log);
    for (const c of datasets.values()) await loadDataset(c.dataset, { scale: c.datasetScale, log });

    const spawnWorker = () => {
      const cmd = options.workerCommand ?? {
        command: process.execPath,
        args: [...process.execArgv, process.argv[1]!, 'grid', 'worker', '--name', loc.name, '--dir', loc.dir],
      };
      // The URL (with its password) travels in the environment, not in argv, which `ps` shows to every user.
      const child = spawn(cmd.command, cmd.args, {
        stdio: ['ignore', 'inherit', 'inherit'],
        env: { ...process.env, [DB_ENV]: engine.url, ORL_NUM_THREADS: String(threads) },
      });
      children.add(child);
      child.on('exit', () => children.delete(child));
      return child;
    };
    // Stopping the run stops its workers; their cells go back to the queue when the leases run out (resume later).
    const stop = (signal: NodeJS.Signals) => {
      for (const c of children) c.kill('SIGTERM');
      process.exit(signal === 'SIGINT' ? 130 : 143);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    log(`starting ${workers} local worker${workers === 1 ? '' : 's'} × ${threads} kernel thread${threads === 1 ? '' : 's'}`);
    for (let i = 0; i < workers; i++) spawnWorker();

    let restarts = 0;
    let lastStatus = 0;
    for (;;) {
      await new Promise((r) => setTimeout(r, 1000));
      await engine.reap(loc.name);
      const s = await engine.status(loc.name, workers);
      if (options.results && s.counts.done > 0) await exportResults(engine, loc.name, options.results);
      const left = s.counts.queued + s.counts.running;
      if (Date.now() - lastStatus > (options.statusEvery ?? 30) * 1000 || left === 0) {
        lastStatus = Date.now();
        log(formatStatus(s));
      }
      if (left === 0) break;
      // A worker that died (crash, OOM, kill) while work remains is replaced; its cell comes back when its lease expires.
      if (children.size < Math.min(workers, left) && restarts < workers * 5) {
        restarts++;
        log(`a worker exited with work left: starting another (${restarts})`);
        spawnWorker();
      }
      if (children.size === 0 && restarts >= workers * 5) throw new OrlError('IO', `workers keep exiting (${restarts} restarts); see their messages above`);
    }
    await Promise.all([...children].map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.on('exit', r)))));
    const s = await engine.status(loc.name);
    for (const c of await engine.cells(loc.name, 'failed')) log(`failed: ${c.key} after ${c.attempts} attempts: ${c.errors.at(-1)?.error ?? 'unknown error'}`);
    return s;
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await g.close();
  }
}
