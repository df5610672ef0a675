import { Dataset, DatasetError, OrlError } from '@orl/core';

/**
 * Which columns of a table hold what. Observation and action fields take a list of scalar columns, one pattern with
 * `*` (`'obs_*'`: every matching column, in natural order obs_2 < obs_10), or one array column (a Parquet list column,
 * a 2-D NumPy array).
 */
export interface ColumnMapping {
  observations: string | string[];
  actions: string | string[];
  /** Reward column. Without it every reward is unknown; an empty cell or NaN marks that row's reward unknown. */
  rewards?: string;
  /** 1 where the environment ended the episode (no bootstrapping). true/false, 1/0 and 1.0/0.0 are read. */
  terminals?: string;
  /** 1 where a time limit cut the episode. */
  timeouts?: string;
  /** Episode id: where it changes, the previous row ends an episode (a timeout unless it is terminal). */
  episode?: string;
  /** Next observations, if the table has them (otherwise the next row of the same episode is used). */
  nextObservations?: string | string[];
}

/** One column read from a file: `rows × width` values, row-major. */
export interface SourceColumn {
  data: Float64Array | Float32Array;
  width: number;
}

export interface SourceTable {
  rows: number;
  columns: Map<string, SourceColumn>;
}

/** What every format offers the assembler: its column names and widths, and a reader for the named columns only. */
export interface TableSource {
  format: string;
  /** Rows, or an upper bound where only a full parse can tell (CSV): memory is checked against it before reading. */
  maxRows: number;
  /** Column names in file order, with their width (1 for scalars, w for list or 2-D columns). */
  columns: { name: string; width: number }[];
  /** Reads exactly these columns. Values of `idColumn` may be strings: they are numbered in order of appearance. */
  read(names: string[], idColumn?: string): Promise<SourceTable> | SourceTable;
}

export interface ImportOptions {
  mapping: ColumnMapping;
  /** Bytes the import may allocate; checked before allocating (default 1 GiB, the Node entry uses half the machine's memory). */
  memoryBudget?: number;
  /** Stored in `dataset.metadata` (e.g. `{ task: 'hopper' }` so scores can be normalized). */
  metadata?: Record<string, unknown>;
}

export const DEFAULT_MEMORY_BUDGET = 2 ** 30;

type Field = 'observations' | 'actions' | 'rewards' | 'terminals' | 'timeouts' | 'episode' | 'nextObservations';
const FIELDS: Field[] = ['observations', 'actions', 'rewards', 'terminals', 'timeouts', 'episode', 'nextObservations'];

/** Natural order: obs_2 before obs_10. */
function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

function escapeRegExp(s: string): string {
  return s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

/** The source columns of one mapping entry, checked against the table's columns. */
export function resolveColumns(field: string, spec: string | string[], columns: TableSource['columns']): { name: string; width: number }[] {
  const byName = new Map(columns.map((c) => [c.name, c]));
  const names = typeof spec === 'string' ? [spec] : spec;
  if (!Array.isArray(names) || names.length === 0 || names.some((n) => typeof n !== 'string' || n === '')) {
    throw new OrlError('INVALID_ARGUMENT', `mapping.${field}: give a column name, a list of names or a pattern with *`);
  }
  const out: { name: string; width: number }[] = [];
  for (const n of names) {
    if (n.includes('*')) {
      const re = new RegExp(`^${n.split('*').map(escapeRegExp).join('.*')}$`);
      const hits = columns.filter((c) => re.test(c.name)).sort((a, b) => naturalCompare(a.name, b.name));
      if (hits.length === 0)
        throw new OrlError('NOT_FOUND', `mapping.${field}: no column matches '${n}' (columns: ${preview(columns)})`, { field, pattern: n });
      out.push(...hits);
    } else {
      const c = byName.get(n);
      if (!c) throw new OrlError('NOT_FOUND', `mapping.${field}: no column '${n}' (columns: ${preview(columns)})`, { field, column: n });
      out.push(c);
    }
  }
  return out;
}

function preview(columns: TableSource['columns']): string {
  const names = columns.map((c) => c.name);
  return names.length > 12 ? `${names.slice(0, 12).join(', ')}, … ${names.length - 12} more` : names.join(', ');
}

/**
 * Reads the mapped columns of `source` and assembles a validated `Dataset`. Observations and actions must be finite;
 * flags must be 0/1; a reward that is missing (NaN) makes its row unlabelled (`rewardMask` 0).
 */
export async function assemble(source: TableSource, options: ImportOptions): Promise<Dataset> {
  const m = options.mapping;
  if (!m || typeof m !== 'object')
    throw new OrlError('INVALID_ARGUMENT', 'a column mapping is required ({ observations, actions, rewards?, terminals?, timeouts?, episode? })');
  for (const k of Object.keys(m))
    if (!FIELDS.includes(k as Field)) throw new OrlError('INVALID_ARGUMENT', `mapping: unknown field '${k}' (fields: ${FIELDS.join(', ')})`);
  if (m.observations === undefined || m.actions === undefined) throw new OrlError('INVALID_ARGUMENT', 'mapping needs observations and actions');
  const maxRows = source.maxRows;

  const resolved = new Map<Field, { name: string; width: number }[]>();
  for (const f of FIELDS) {
    const spec = m[f];
    if (spec === undefined) continue;
    const cols = resolveColumns(f, spec, source.columns);
    if (f !== 'observations' && f !== 'actions' && f !== 'nextObservations' && (cols.length !== 1 || cols[0]!.width !== 1)) {
      throw new OrlError('INVALID_ARGUMENT', `mapping.${f}: needs one scalar column, got ${cols.map((c) => `${c.name} (width ${c.width})`).join(', ')}`);
    }
    resolved.set(f, cols);
  }
  const width = (f: Field) => (resolved.get(f) ?? []).reduce((s, c) => s + c.width, 0);
  const obsDim = width('observations');
  const actDim = width('actions');
  if (m.nextObservations !== undefined && width('nextObservations') !== obsDim) {
    throw new OrlError('SHAPE_MISMATCH', `mapping.nextObservations: ${width('nextObservations')} values per row, observations have ${obsDim}`);
  }

  // Bound memory before reading: every source column as float64 plus the dataset's own arrays.
  const sourceValues = [...resolved.values()].flat().reduce((s, c) => s + c.width, 0);
  const bytes = maxRows * (sourceValues * 8 + (obsDim * (m.nextObservations ? 2 : 1) + actDim + 1) * 4 + 3);
  const budget = options.memoryBudget ?? DEFAULT_MEMORY_BUDGET;
  if (bytes > budget) {
    throw new OrlError(
      'TOO_LARGE',
      `importing ${maxRows} rows × ${sourceValues} columns needs ≈ ${(bytes / 2 ** 20).toFixed(0)} MiB, over the ${(budget / 2 ** 20).toFixed(0)} MiB budget (memoryBudget)`,
      { bytes, budget },
    );
  }

  const needed = [...new Set([...resolved.values()].flat().map((c) => c.name))];
  const table = await source.read(needed, resolved.get('episode')?.[0]?.name);
  const n = table.rows;
  if (n === 0) throw new OrlError('EMPTY', `the ${source.format} file has no rows`);
  const read = table.columns;
  const column = (name: string): SourceColumn => {
    const c = read.get(name);
    if (!c || c.data.length !== n * c.width)
      throw new OrlError('FORMAT', `column '${name}' has ${c ? c.data.length / c.width : 0} rows, the file ${n}`, { column: name });
    return c;
  };

  const gather = (f: Field, dim: number): Float32Array => {
    const out = new Float32Array(n * dim);
    let off = 0;
    for (const { name } of resolved.get(f)!) {
      const { data, width: w } = column(name);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < w; j++) {
          const v = data[i * w + j]!;
          if (!Number.isFinite(v))
            throw new DatasetError('NON_FINITE', f, i, `column '${name}' holds ${Number.isNaN(v) ? 'an empty or non-numeric value' : v}`, { column: name });
          out[i * dim + off + j] = v;
        }
      }
      off += w;
    }
    return out;
  };
  const flags = (f: Field): Uint8Array => {
    const out = new Uint8Array(n);
    const cols = resolved.get(f);
    if (!cols) return out;
    const { data } = column(cols[0]!.name);
    for (let i = 0; i < n; i++) {
      const v = data[i]!;
      if (v !== 0 && v !== 1)
        throw new DatasetError(
          'INVALID_DATASET',
          f,
          i,
          `column '${cols[0]!.name}' must hold 0/1 or true/false, got ${Number.isNaN(v) ? 'an empty or other value' : v}`,
          { column: cols[0]!.name },
        );
      out[i] = v;
    }
    return out;
  };

  const observations = gather('observations', obsDim);
  const actions = gather('actions', actDim);
  const nextObservations = m.nextObservations !== undefined ? gather('nextObservations', obsDim) : undefined;
  const terminals = flags('terminals');
  const timeouts = flags('timeouts');

  const rewards = new Float32Array(n).fill(Number.NaN);
  const rewardMask = new Uint8Array(n);
  if (resolved.has('rewards')) {
    const name = resolved.get('rewards')![0]!.name;
    const { data } = column(name);
    for (let i = 0; i < n; i++) {
      const v = data[i]!;
      if (Number.isNaN(v)) continue;
      if (!Number.isFinite(v)) throw new DatasetError('NON_FINITE', 'rewards', i, `column '${name}' holds ${v}`, { column: name });
      rewards[i] = v;
      rewardMask[i] = 1;
    }
  }

  // Episode boundaries: an id change ends the previous row's episode; the last row always ends one.
  if (resolved.has('episode')) {
    const { data } = column(resolved.get('episode')![0]!.name);
    for (let i = 0; i + 1 < n; i++) if (data[i] !== data[i + 1] && !terminals[i]) timeouts[i] = 1;
  }
  if (!terminals[n - 1]) timeouts[n - 1] = 1;

  const labelled = rewardMask.reduce((s, v) => s + v, 0);
  return new Dataset(
    { observations, actions, rewards, terminals, timeouts, nextObservations, rewardMask: labelled === n ? undefined : rewardMask },
    { obsDim, actDim },
    { metadata: { source_format: source.format, mapping: JSON.parse(JSON.stringify(m)) as unknown, labelled_rewards: labelled, ...options.metadata } },
  );
}
