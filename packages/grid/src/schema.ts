/**
 * The experiment store's schema (PostgreSQL, schema `orl_grid`). Migrations are append-only: each entry runs once, in
 * order, inside one transaction holding an advisory lock, so many workers may start at the same moment.
 *
 * - `cells`: one row per grid cell — its config (JSON) and hash, status (queued → running → done | failed), attempts
 *   (starts), lost (starts whose worker vanished; budgeted apart from failures),
 *   the current lease (owner, token, expiry; renewed by the worker's heartbeat), the pg-boss job that delivers it,
 *   errors of failed attempts, and the result (written once, by the holder of the lease).
 * - `evals`: per-evaluation metrics of finished cells (step → JSON metrics).
 */
export const SCHEMA = 'orl_grid';

export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE ${SCHEMA}.cells (
     grid text NOT NULL,
     hash text NOT NULL,
     key text NOT NULL,
     config jsonb NOT NULL,
     status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
     attempts integer NOT NULL DEFAULT 0,
     max_attempts integer NOT NULL DEFAULT 3 CHECK (max_attempts >= 1),
     job_id uuid,
     lease_owner text,
     lease_token uuid,
     lease_expires_at timestamptz,
     artifact_dir text,
     errors jsonb NOT NULL DEFAULT '[]'::jsonb,
     result jsonb,
     score double precision,
     seconds double precision,
     created_at timestamptz NOT NULL DEFAULT now(),
     started_at timestamptz,
     finished_at timestamptz,
     PRIMARY KEY (grid, hash),
     UNIQUE (grid, key)
   );
   CREATE INDEX cells_running_lease ON ${SCHEMA}.cells (lease_expires_at) WHERE status = 'running';
   CREATE TABLE ${SCHEMA}.evals (
     grid text NOT NULL,
     hash text NOT NULL,
     step integer NOT NULL,
     metrics jsonb NOT NULL,
     PRIMARY KEY (grid, hash, step),
     FOREIGN KEY (grid, hash) REFERENCES ${SCHEMA}.cells (grid, hash) ON DELETE CASCADE
   );`,
  // Delivery order: cells are offered in the order they were enqueued (pg-boss priority), retries first.
  `ALTER TABLE ${SCHEMA}.cells ADD COLUMN ordinal integer NOT NULL DEFAULT 0;`,
  // Lost leases (a machine or session went away mid-cell) are counted apart from failures: a grid spread over sessions
  // that end without warning must not fail its long cells, while a cell that kills its worker every time still stops.
  `ALTER TABLE ${SCHEMA}.cells ADD COLUMN lost integer NOT NULL DEFAULT 0,
     ADD COLUMN max_lost integer NOT NULL DEFAULT 10 CHECK (max_lost >= 1);
   UPDATE ${SCHEMA}.cells SET lost = (SELECT count(*) FROM jsonb_array_elements(errors) e WHERE e->>'error' LIKE 'lease expired%');`,
];
