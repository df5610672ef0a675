import { spawnSync } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readD4rl } from '../src/index.js';
import { loadH5 } from '../src/h5.js';
import { d4rlFields, tmp, writeH5 } from './helpers.js';

// A dataset file may only make us read bytes inside itself: links to other files are refused, link cycles and
// special files end in typed errors, and HDF5's diagnostics never reach the user's terminal.
describe('reads stay inside the named file', () => {
  it('an external link to another file is refused (UNSAFE_PATH), for a dataset and for a group on the path', async () => {
    const dir = tmp();
    const secret = join(dir, 'secret.hdf5');
    await writeH5(secret, {
      data: { data: Float32Array.from({ length: 30 }, () => 42), shape: [10, 3] },
      'g/qpos': { data: new Float64Array(40).fill(7), shape: [10, 4] },
    });
    const direct = join(dir, 'direct.hdf5');
    const fields = d4rlFields();
    delete fields.observations;
    await writeH5(direct, fields, (f) => f.create_external_link(secret, '/data', 'observations'));
    await expect(readD4rl(direct)).rejects.toMatchObject({ code: 'UNSAFE_PATH', message: expect.stringContaining('observations') });

    // A soft link whose path runs through an external link: HDF5 itself would open the other file — the guard refuses.
    const viaSoft = join(dir, 'via-soft.hdf5');
    const f1 = d4rlFields();
    delete f1.observations;
    await writeH5(secret.replace('secret', 'secret2'), { 'g/data': { data: Float32Array.from({ length: 30 }, () => 42), shape: [10, 3] } });
    await writeH5(viaSoft, f1, (f) => {
      f.create_external_link(secret.replace('secret', 'secret2'), '/g', 'ext');
      f.create_soft_link('/ext/data', 'observations');
    });
    await expect(readD4rl(viaSoft)).rejects.toMatchObject({ code: 'UNSAFE_PATH', message: expect.stringContaining('secret2.hdf5') });

    const viaGroup = join(dir, 'via-group.hdf5');
    const f2 = d4rlFields();
    delete f2['infos/qpos'];
    await writeH5(viaGroup, f2, (f) => f.create_external_link(secret, '/g', 'infos'));
    const r = await readD4rl(viaGroup).catch((e: { code: string }) => e);
    // Either refused, or loaded without anything from the other file — never the secret's values.
    if ('code' in r) expect(r.code).toBe('UNSAFE_PATH');
    else expect(JSON.stringify(Object.keys(r.infos))).not.toContain('qpos');
  });

  it('a soft-link cycle ends in a typed error, not a hang', async () => {
    const p = join(tmp(), 'cycle.hdf5');
    const fields = d4rlFields();
    delete fields.observations;
    await writeH5(p, fields, (f) => {
      f.create_soft_link('/b', 'a');
      f.create_soft_link('/a', 'b');
      f.create_soft_link('/a', 'observations');
    });
    // Detected as a cycle (not stopped by the reader's time limit, which would also be FORMAT but say so). No wall-clock
    // bound here: a loaded CI machine took 8.5 s; a hang would end at the test timeout instead.
    const err = await readD4rl(p, { timeoutMs: 60_000 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'FORMAT' });
    expect((err as Error).message).not.toMatch(/took longer/);
  });

  it('a FIFO is refused at once instead of blocking', async () => {
    const p = join(tmp(), 'pipe.hdf5');
    execFileSync('mkfifo', [p]);
    // Refused before opening: a blocking open would hang this test until its timeout.
    await expect(readD4rl(p)).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('not a file') });
  });

  it("HDF5's diagnostics do not reach stderr", async () => {
    await loadH5();
    const script = `import { readD4rl } from ${JSON.stringify(join(import.meta.dirname, '..', 'src', 'index.ts'))};
      import { writeFileSync } from 'node:fs';
      const p = ${JSON.stringify(join(tmp(), 'corrupt.hdf5'))};
      const sig = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
      writeFileSync(p, Buffer.concat([sig, Buffer.alloc(4096, 0xff)]));
      try { await readD4rl(p); } catch (e) { console.log(e.code); }`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=source', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      cwd: join(import.meta.dirname, '..'),
    });
    expect(r.stdout.trim()).toBe('FORMAT');
    expect(r.stderr).not.toContain('HDF5-DIAG');
  });
});

describe('one memory budget for the whole load, checked before reading', () => {
  it('refuses a file whose arrays together exceed the budget, and row counts that disagree', async () => {
    const p = join(tmp(), 'budget.hdf5');
    await writeH5(p, d4rlFields());
    await expect(readD4rl(p, { memoryBudget: 200 })).rejects.toMatchObject({ code: 'TOO_LARGE', message: expect.stringContaining('memoryBudget') });
    await expect(readD4rl(p, { memoryBudget: 200, infos: false, metadata: false })).rejects.toMatchObject({ code: 'TOO_LARGE' });
    expect((await readD4rl(p, { memoryBudget: 1 << 20 })).dataset.size).toBe(10);
    const q = join(tmp(), 'rows.hdf5');
    const fields = d4rlFields();
    fields['infos/qpos'] = { data: new Float64Array(44), shape: [11, 4] };
    await writeH5(q, fields);
    await expect(readD4rl(q)).rejects.toMatchObject({ code: 'SHAPE_MISMATCH', message: expect.stringContaining("'infos/qpos' declares 11 rows") });
  });
});
