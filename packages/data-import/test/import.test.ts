import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tableFromArrays, tableToIPC, makeVector, vectorFromArray, List, Field, Float32 } from 'apache-arrow';
import * as parquetWasm from 'parquet-wasm/node';
import { strToU8, zipSync } from 'fflate';
import { dump } from 'npyjs';
import { isOrlError, toTransitions, type Dataset } from '@orl/core';
import { detectFormat, importCsv, importNpz, importParquet, importTable, type ColumnMapping } from '@orl/data-import';
import { importFile } from '@orl/data-import/node';

// Fixtures written by NumPy and pandas (scripts/make-fixtures.py); expected.json holds the arrays they were made from.
const fixture = (name: string) => new Uint8Array(readFileSync(join(__dirname, 'fixtures', name)));
const expected = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'expected.json'), 'utf8')) as {
  observations: number[][];
  actions: number[][];
  rewards: (number | null)[];
  terminals: number[];
  episode: string[];
};
const n = expected.rewards.length;

const csvMapping: ColumnMapping = { observations: 'obs_*', actions: ['act_0', 'act_1', 'act_2'], rewards: 'reward', terminals: 'done', episode: 'episode' };

/** Every value of the dataset equals the arrays the fixture was written from. */
function expectMatchesFixture(d: Dataset, { episodes = true } = {}): void {
  expect(d.size).toBe(n);
  expect(d.obsDim).toBe(11);
  expect(d.actDim).toBe(3);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 11; j++) expect(d.observations[i * 11 + j]).toBe(Math.fround(expected.observations[i]![j]!));
    for (let j = 0; j < 3; j++) expect(d.actions[i * 3 + j]).toBe(Math.fround(expected.actions[i]![j]!));
    const r = expected.rewards[i]!;
    if (r === null) {
      expect(d.rewardMask![i]).toBe(0);
      expect(Number.isNaN(d.rewards[i])).toBe(true);
    } else {
      expect(d.rewardMask![i]).toBe(1);
      expect(d.rewards[i]).toBe(Math.fround(r));
    }
    expect(d.terminals[i]).toBe(expected.terminals[i]);
  }
  // run-a ends terminal at row 14; run-b (rows 15–27) is cut by the id change → timeout at 27; the last row times out.
  const timeouts = [...d.timeouts].flatMap((v, i) => (v ? [i] : []));
  expect(timeouts).toEqual(episodes ? [27, 39] : [39]);
}

describe('CSV (written by pandas)', () => {
  it('maps columns by pattern (natural order), booleans, empty rewards → unlabelled, string episode ids → boundaries', async () => {
    const d = await importCsv(fixture('logged.csv'), { mapping: csvMapping, metadata: { task: 'hopper' } });
    expectMatchesFixture(d);
    expect(d.metadata.labelled_rewards).toBe(10);
    expect(d.metadata.task).toBe('hopper');
    // Transitions: no transition crosses the terminal at 14 or the episode change at 27.
    const t = toTransitions(d);
    expect(t.size).toBe(n - 2);
  });

  it('TSV through importFile (delimiter from the extension) and through format detection', async () => {
    const d = await importFile(join(__dirname, 'fixtures', 'logged.tsv'), { mapping: csvMapping });
    expectMatchesFixture(d);
    expect(d.metadata.source).toContain('logged.tsv');
    expect(detectFormat(fixture('logged.csv'))).toBe('csv');
  });

  it('typed errors: unknown column, ragged line, non-numeric observation, bad flag, bad mapping', async () => {
    const bad = async (text: string, mapping: ColumnMapping, code: string, match?: RegExp) => {
      const err = await importCsv(strToU8(text), { mapping }).catch((e: unknown) => e);
      expect(isOrlError(err), String(err)).toBe(true);
      expect((err as { code: string }).code).toBe(code);
      if (match) expect(String((err as Error).message)).toMatch(match);
    };
    const m: ColumnMapping = { observations: ['o'], actions: ['a'], rewards: 'r' };
    await bad('o,a,r\n1,2,3\n', { ...m, observations: 'x_*' }, 'NOT_FOUND', /no column matches 'x_\*'/);
    await bad('o,a,r\n1,2,3\n', { ...m, terminals: 'done' }, 'NOT_FOUND', /no column 'done'/);
    await bad('o,a,r\n1,2,3\n4,5\n', m, 'FORMAT', /Record Length: expect 3, got 2/);
    await bad('o,a,r\n1,2,3\nabc,5,6\n', m, 'NON_FINITE', /observations\[row 1\].*'o'/);
    await bad('o,a,r,d\n1,2,3,2\n', { ...m, terminals: 'd' }, 'INVALID_DATASET', /0\/1/);
    await bad('o,a,r\n1,2,3\n', { ...m, rewards: ['r', 'o'] as unknown as string }, 'INVALID_ARGUMENT', /one scalar column/);
    await bad('o,a,r\n1,2,3\n', { ...m, reward: 'r' } as unknown as ColumnMapping, 'INVALID_ARGUMENT', /unknown field 'reward'/);
    await bad('o,o,r\n1,2,3\n', m, 'FORMAT', /twice/);
    await bad('o,a,r\n', m, 'EMPTY');
    await bad('o,a,"r\n1,2,3\n', m, 'FORMAT');
  });

  it('checks the memory budget before allocating', async () => {
    const text = `o,a,r\n${'1,2,3\n'.repeat(1000)}`;
    const err = await importCsv(strToU8(text), { mapping: { observations: 'o', actions: 'a', rewards: 'r' }, memoryBudget: 10_000 }).catch((e: unknown) => e);
    expect(isOrlError(err, 'TOO_LARGE')).toBe(true);
  });
});

describe('NumPy (written by numpy)', () => {
  const mapping: ColumnMapping = { observations: 'observations', actions: 'actions', rewards: 'rewards', terminals: 'terminals', episode: 'episode_ids' };

  it('np.savez_compressed: 2-D arrays, float64 actions, bool terminals, int64 episode ids', async () => {
    expectMatchesFixture(await importNpz(fixture('logged.npz'), { mapping }));
  });

  it('np.savez with a Fortran-ordered array (no episode column: only the last row times out)', async () => {
    const d = await importTable(fixture('logged-fortran.npz'), {
      mapping: { observations: 'observations', actions: 'actions', rewards: 'rewards', terminals: 'terminals' },
    });
    expectMatchesFixture(d, { episodes: false });
  });

  it('a folder of .npy files: only the named arrays are read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orl-npy-'));
    const obs = new Float32Array(expected.observations.flat());
    const act = new Float32Array(expected.actions.flat());
    writeFileSync(join(dir, 'obs.npy'), new Uint8Array(dump(obs, [n, 11])));
    writeFileSync(join(dir, 'act.npy'), new Uint8Array(dump(act, [n, 3])));
    writeFileSync(join(dir, 'unrelated.npy'), 'not an array at all'); // never opened: the mapping does not name it
    const d = await importFile(dir, { mapping: { observations: 'obs', actions: 'act' } });
    expect(d.size).toBe(n);
    expect(d.rewardMask!.every((v) => v === 0)).toBe(true); // no reward column: all unknown
    expect(d.observations[5 * 11 + 10]).toBe(Math.fround(expected.observations[5]![10]!));
  });

  it('hostile archives: arrays of different lengths, a shape the data does not fill, a non-zip, strings', async () => {
    const arr = (a: Float32Array, shape: number[]) => new Uint8Array(dump(a, shape));
    const zip = (files: Record<string, Uint8Array>) => zipSync(files);
    const m: ColumnMapping = { observations: 'o', actions: 'a' };
    const code = async (bytes: Uint8Array) => ((await importNpz(bytes, { mapping: m }).catch((e: unknown) => e)) as { code?: string }).code;
    expect(await code(zip({ 'o.npy': arr(new Float32Array(6), [3, 2]), 'a.npy': arr(new Float32Array(4), [4, 1]) }))).toBe('SHAPE_MISMATCH');
    const lying = arr(new Float32Array(4), [4, 1]);
    const forged = new Uint8Array(lying);
    const at = Buffer.from(forged).indexOf('(4,1)');
    expect(at).toBeGreaterThan(0);
    forged.set(strToU8('(9,9)'), at); // the header now promises 81 values; the file holds 4
    expect(['FORMAT']).toContain(await code(zip({ 'o.npy': forged, 'a.npy': arr(new Float32Array(4), [4, 1]) })));
    expect(await code(strToU8('PK\u0003\u0004 this is not a zip'))).toBe('FORMAT');
    expect(await code(zip({ 'o.npy': strToU8('junk'), 'a.npy': arr(new Float32Array(4), [4, 1]) }))).toBe('FORMAT');
  });
});

describe('Parquet (written by parquet-wasm, the Rust parquet crate)', () => {
  function writeParquet(table: ReturnType<typeof tableFromArrays>, compression?: number): Uint8Array {
    const wasmTable = parquetWasm.Table.fromIPCStream(tableToIPC(table, 'stream'));
    const props = compression === undefined ? undefined : new parquetWasm.WriterPropertiesBuilder().setCompression(compression).build();
    return parquetWasm.writeParquet(wasmTable, props);
  }
  const listColumn = (rows: number[][], width: number) => {
    void width;
    return vectorFromArray(rows, new List(new Field('item', new Float32(), true)));
  };

  it.each([
    ['snappy', parquetWasm.Compression.SNAPPY],
    ['zstd', parquetWasm.Compression.ZSTD],
    ['gzip', parquetWasm.Compression.GZIP],
  ])('list columns for observations and actions, nullable rewards (%s)', async (_name, compression) => {
    const table = tableFromArrays({
      observations: listColumn(expected.observations, 11),
      actions: listColumn(expected.actions, 3),
      reward: vectorFromArray(
        expected.rewards.map((r) => (r === null ? null : Math.fround(r))),
        new Float32(),
      ),
      done: expected.terminals.map((t) => t === 1),
      episode: expected.episode,
    } as never);
    const bytes = writeParquet(table, compression);
    expect(detectFormat(bytes)).toBe('parquet');
    const d = await importParquet(bytes, {
      mapping: { observations: 'observations', actions: 'actions', rewards: 'reward', terminals: 'done', episode: 'episode' },
    });
    expectMatchesFixture(d);
  });

  it('scalar columns by pattern; a ragged list column is a typed error', async () => {
    const cols: Record<string, unknown> = {};
    for (let j = 0; j < 11; j++) cols[`obs_${j}`] = Float32Array.from(expected.observations.map((o) => o[j]!));
    for (let j = 0; j < 3; j++) cols[`act_${j}`] = Float32Array.from(expected.actions.map((a) => a[j]!));
    cols.done = Uint8Array.from(expected.terminals);
    const d = await importParquet(writeParquet(tableFromArrays(cols as never)), { mapping: { observations: 'obs_*', actions: 'act_*', terminals: 'done' } });
    expect(d.observations[3 * 11 + 10]).toBe(Math.fround(expected.observations[3]![10]!));
    expect(d.actions[7 * 3 + 2]).toBe(Math.fround(expected.actions[7]![2]!));
    const ragged = tableFromArrays({ o: listColumn([[1, 2], [3]], 2), a: Float32Array.of(1, 2) } as never);
    const err = await importParquet(writeParquet(ragged), { mapping: { observations: 'o', actions: 'a' } }).catch((e: unknown) => e);
    expect(isOrlError(err, 'SHAPE_MISMATCH')).toBe(true);
    const junk = await importParquet(strToU8('PAR1 nothing else here PAR1'), { mapping: { observations: 'o', actions: 'a' } }).catch((e: unknown) => e);
    expect(isOrlError(junk, 'FORMAT')).toBe(true);
    void makeVector;
  });
});

describe('importFile', () => {
  it('refuses a file over the budget before reading it, and names missing files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orl-imp-'));
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'big.csv'), `o,a\n${'1,2\n'.repeat(10_000)}`);
    const big = await importFile(join(dir, 'big.csv'), { mapping: { observations: 'o', actions: 'a' }, memoryBudget: 1000 }).catch((e: unknown) => e);
    expect(isOrlError(big, 'TOO_LARGE')).toBe(true);
    const missing = await importFile(join(dir, 'nope.csv'), { mapping: { observations: 'o', actions: 'a' } }).catch((e: unknown) => e);
    expect(isOrlError(missing, 'IO')).toBe(true);
    expect((missing as Error).message).toContain('nope.csv');
  });
});
