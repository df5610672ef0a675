import { copyFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { d4rlFileName, readD4rl, resolveD4rlName, resolveMinariId } from '../src/index.js';
import { d4rlFields, tmp, writeH5 } from './helpers.js';

async function code(p: Promise<unknown>): Promise<{ code: string; message: string; details: Record<string, unknown> }> {
  try {
    await p;
  } catch (e) {
    return e as never;
  }
  throw new Error('expected a rejection');
}

describe('bad input gives typed errors naming file and key', () => {
  it('missing file', async () => {
    const e = await code(readD4rl('/nonexistent/dir/x.hdf5'));
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toContain('/nonexistent/dir/x.hdf5');
  });

  it('not HDF5', async () => {
    const p = join(tmp(), 'fake.hdf5');
    writeFileSync(p, 'observations,actions\n1,2\n');
    const e = await code(readD4rl(p));
    expect(e.code).toBe('FORMAT');
    expect(e.message).toContain(p);
  });

  it('truncated file', async () => {
    const dir = tmp();
    const good = join(dir, 'good.hdf5');
    const fields = d4rlFields();
    fields.observations = { data: new Float32Array(3000 * 3), shape: [3000, 3] };
    fields.actions = { data: new Float32Array(3000 * 2), shape: [3000, 2] };
    fields.rewards = { data: new Float32Array(3000), shape: [3000] };
    fields.terminals = { data: new Int8Array(3000), shape: [3000], dtype: '<b' };
    fields.timeouts = { data: new Int8Array(3000), shape: [3000], dtype: '<b' };
    delete fields['infos/qpos'];
    await writeH5(good, fields);
    const cut = join(dir, 'cut.hdf5');
    const bytes = readFileSync(good);
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const e = await code(readD4rl(cut));
    expect(['FORMAT']).toContain(e.code);
    expect(e.message).toContain(cut);
  });

  it('missing key', async () => {
    const p = join(tmp(), 'x.hdf5');
    const f = d4rlFields();
    delete f.rewards;
    await writeH5(p, f);
    const e = await code(readD4rl(p));
    expect(e.code).toBe('FORMAT');
    expect(e.details).toMatchObject({ file: p, key: 'rewards' });
  });

  it('shape mismatch', async () => {
    const p = join(tmp(), 'x.hdf5');
    const f = d4rlFields();
    f.actions = { data: new Float32Array(9 * 2), shape: [9, 2] };
    await writeH5(p, f);
    const e = await code(readD4rl(p));
    expect(e.code).toBe('SHAPE_MISMATCH');
    expect(e.details).toMatchObject({ file: p, key: 'actions', rows: 9, expected: 10 });
  });

  it('NaN and Inf', async () => {
    const p = join(tmp(), 'x.hdf5');
    const f = d4rlFields();
    const obs = f.observations!.data as Float32Array;
    obs[3 * 6 + 2] = NaN;
    await writeH5(p, f);
    const e = await code(readD4rl(p));
    expect(e.code).toBe('NON_FINITE');
    expect(e.message).toContain(p);
    expect(e.details).toMatchObject({ key: 'observations', row: 6 });
    const f2 = d4rlFields();
    (f2.rewards!.data as Float64Array)[2] = Infinity;
    const p2 = join(tmp(), 'y.hdf5');
    await writeH5(p2, f2);
    expect((await code(readD4rl(p2))).details).toMatchObject({ key: 'rewards', row: 2 });
  });

  it('a file declaring 10^12 rows fails fast instead of allocating', async () => {
    const p = join(tmp(), 'huge.hdf5');
    const f = d4rlFields();
    delete f.observations;
    await writeH5(p, f, (file) => {
      const ds = file.create_dataset({ name: 'observations', data: new Float32Array(30), shape: [10, 3], maxshape: [null, 3], chunks: [10, 3] });
      ds.resize([1e12, 3]);
    });
    expect(statSync(p).size).toBeLessThan(1e6);
    const t0 = performance.now();
    const e = await code(readD4rl(p));
    expect(e.code).toBe('TOO_LARGE');
    expect(e.details).toMatchObject({ key: 'observations', rows: 1e12 });
    expect(performance.now() - t0).toBeLessThan(10_000);
  });

  it('unknown names and names escaping the cache folder', async () => {
    const cache = tmp();
    expect(d4rlFileName('halfcheetah-medium-expert-v2')).toBe('halfcheetah_medium_expert-v2.hdf5');
    expect(resolveD4rlName('hopper-medium-replay-v2', cache)).toBe(join(cache, 'hopper_medium_replay-v2.hdf5'));
    expect((await code(readD4rl('hopper-mediumish-v2', { cacheDir: cache }))).code).toBe('UNKNOWN_NAME');
    expect((await code(readD4rl('../../no-such-dir/x.hdf5', { cacheDir: cache }))).code).toBe('NOT_FOUND'); // a path, not a name
    expect(() => resolveD4rlName('../escape', cache)).toThrow(expect.objectContaining({ code: 'UNSAFE_PATH' }));
    expect(() => resolveD4rlName('/etc/passwd', cache)).toThrow(expect.objectContaining({ code: 'UNSAFE_PATH' }));
    expect(() => resolveMinariId('mujoco/../../x-v0', cache)).toThrow(expect.objectContaining({ code: 'UNSAFE_PATH' }));
    const miss = await code(readD4rl('walker2d-medium-v2', { cacheDir: cache }));
    expect(miss.code).toBe('NOT_FOUND');
    expect(miss.message).toContain('walker2d_medium-v2.hdf5');
    // Found by name in the cache folder.
    const src = join(tmp(), 'a.hdf5');
    await writeH5(src, d4rlFields());
    copyFileSync(src, join(cache, 'hopper_medium-v2.hdf5'));
    expect((await readD4rl('hopper-medium-v2', { cacheDir: cache })).dataset.size).toBe(10);
  });
});
