import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pipelineCmd } from '../src/commands/pipeline.js';
import { renderReport } from '../src/index.js';

const bin = join(import.meta.dirname, '..', 'src', 'bin.ts');
const orl = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', '--conditions=source', bin, ...args], { encoding: 'utf8', env: { ...process.env, ORL_DATASET_DIR: cache } });
const cache = mkdtempSync(join(tmpdir(), 'orl-cli-cache-'));

describe('orl pipeline and report', () => {
  it('runs the three conditions end to end and writes results.json, a table, SVG/PNG curves and policies', async () => {
    process.env.ORL_DATASET_DIR = cache;
    const out = mkdtempSync(join(tmpdir(), 'orl-pipeline-'));
    await pipelineCmd({
      dataset: 'hopper-medium',
      labelFraction: 0.05,
      algo: 'td3bc',
      steps: 300,
      seeds: [0],
      evalEvery: 150,
      evalEpisodes: 1,
      scale: 0.004,
      out,
      backend: 'auto',
    });
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(Object.keys(results.conditions)).toEqual(['all', 'labelled', 'imputed']);
    for (const c of results.cells) {
      expect(c.curve.map((p: { step: number }) => p.step)).toEqual([150, 300]);
      expect(Number.isFinite(c.finalScore)).toBe(true);
    }
    const labelled = results.cells.find((c: { condition: string }) => c.condition === 'labelled');
    const all = results.cells.find((c: { condition: string }) => c.condition === 'all');
    expect(labelled.trainedRows).toBeLessThan(all.trainedRows * 0.06);
    expect(results.cells.find((c: { condition: string }) => c.condition === 'imputed').rewardModel.impute.imputedRows).toBeGreaterThan(0);
    expect(readFileSync(join(out, 'table.md'), 'utf8')).toMatch(/\| hopper-medium \| TD3\+BC \|/);
    expect(readFileSync(join(out, 'learning-curves.svg'), 'utf8')).toContain('<svg');
    expect(readFileSync(join(out, 'learning-curves.png')).subarray(1, 4).toString()).toBe('PNG');
    const cellDir = join(out, 'hopper-medium', 'td3bc', 'imputed-s0');
    for (const f of ['policy.orl', 'tfjs/model.json', 'tfjs/weights.bin', 'metrics.jsonl', 'checkpoint.orl', 'result.json'])
      expect(existsSync(join(cellDir, f))).toBe(true);

    // One process after another gives the same runs as parallel worker processes (the default on a multi-core machine).
    const serial = mkdtempSync(join(tmpdir(), 'orl-pipeline-serial-'));
    await pipelineCmd({
      dataset: 'hopper-medium',
      labelFraction: 0.05,
      algo: 'td3bc',
      steps: 300,
      seeds: [0],
      evalEvery: 150,
      evalEpisodes: 1,
      scale: 0.004,
      out: serial,
      backend: 'auto',
      workers: 1,
    });
    for (const c of ['all', 'labelled', 'imputed']) {
      const a = readFileSync(join(out, 'hopper-medium', 'td3bc', `${c}-s0`, 'policy.orl'));
      expect(readFileSync(join(serial, 'hopper-medium', 'td3bc', `${c}-s0`, 'policy.orl')).equals(a)).toBe(true);
    }

    // A finished cell is not recomputed.
    const t0 = performance.now();
    await pipelineCmd({
      dataset: 'hopper-medium',
      labelFraction: 0.05,
      algo: 'td3bc',
      steps: 300,
      seeds: [0],
      evalEvery: 150,
      evalEpisodes: 1,
      scale: 0.004,
      out,
      backend: 'auto',
    });
    expect(performance.now() - t0).toBeLessThan(10_000);

    const rep = await renderReport(out);
    expect(readFileSync(rep.html, 'utf8')).toContain('<table>');
    expect(rep.summaries[0]!.conditions.imputed.scores.length).toBe(1);

    const ev = orl('eval', '--policy', join(cellDir, 'policy.orl'), '--task', 'hopper', '--episodes', '2', '--render', join(out, 'episode.svg'));
    expect(ev.status).toBe(0);
    expect(ev.stdout).toMatch(/normalized -?\d+\.\d/);
    expect(readFileSync(join(out, 'episode.svg'), 'utf8')).toContain('<animate');
  }, 600_000);
});

describe('orl errors', () => {
  it('prints one clear line and exits non-zero', () => {
    const r = orl('train', 'sac', '--dataset', 'hopper-medium', '--out', '/tmp/x');
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual(["orl: unknown algorithm 'sac' (td3bc, iql, bc, awac, cql, rebrac, morec, mopo) [INVALID_ARGUMENT]"]);
    const bad = orl('datasets', 'inspect', '/no/such/file.hdf5');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('NOT_FOUND');
    const usage = orl('pipeline', '--steps', 'many', '--dataset', 'x');
    expect(usage.status).not.toBe(0);
    expect(usage.stderr).toContain('steps must be a non-negative integer');
    expect(orl('--help').stdout).toContain('pipeline');
  }, 120_000);
});

describe('orl datasets import', () => {
  it('turns a pandas CSV into a D4RL file inspect reads (mask kept); a bare CSV path points at import', () => {
    const dir = mkdtempSync(join(tmpdir(), 'orl-import-'));
    const csv = join(import.meta.dirname, '..', '..', 'data-import', 'test', 'fixtures', 'logged.csv');
    const out = join(dir, 'logged.hdf5');
    const r = orl(
      'datasets',
      'import',
      csv,
      '--out',
      out,
      '--obs',
      'obs_*',
      '--act',
      'act_0,act_1,act_2',
      '--reward',
      'reward',
      '--terminal',
      'done',
      '--episode',
      'episode',
      '--task',
      'hopper',
    );
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/40 rows, obs 11, act 3, 3 episodes \(1 terminal, 2 cut\), 10 labelled rewards/);
    const inspect = orl('datasets', 'inspect', out, '--json');
    const s = JSON.parse(inspect.stdout);
    expect([s.rows, s.obsDim, s.actDim, s.labelledRewards, s.transitions]).toEqual([40, 11, 3, 10, 38]);
    const bare = orl('datasets', 'inspect', csv);
    expect(bare.status).not.toBe(0);
    expect(bare.stderr).toMatch(/orl datasets import/);
    // The paper's method on your own partly labelled logs: the given labels are used, the reward model fills the rest.
    const run = join(dir, 'run');
    const imputed = orl(
      'train',
      'td3bc',
      '--dataset',
      out,
      '--out',
      run,
      '--condition',
      'imputed',
      '--steps',
      '20',
      '--eval-every',
      '20',
      '--eval-episodes',
      '1',
      '--rm-epochs',
      '5',
    );
    expect(imputed.status, imputed.stderr).toBe(0);
    expect(imputed.stderr).toMatch(/already partly labelled: 10 of 38 rewards known/);
    expect(JSON.parse(readFileSync(join(run, 'result.json'), 'utf8')).rewardModel.impute.imputedRows).toBe(28);
    expect(orl('train', 'td3bc', '--dataset', out, '--out', join(dir, 'all'), '--steps', '20').stderr).toMatch(
      /partly labelled \(10 of 38 rewards known\): train with --condition imputed/,
    );
    const missing = orl('datasets', 'import', csv, '--out', out, '--obs', 'x_*', '--act', 'act_0');
    expect(missing.stderr).toMatch(/no column matches 'x_\*'/);
  });
});

describe('a run whose training becomes non-finite', () => {
  it('is recorded with where it diverged (not retried, no policy written), and a resumed run returns the record', async () => {
    const { Dataset } = await import('@orl/core');
    const { runCell } = await import('../src/pipeline.js');
    const n = 600;
    const rewards = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.3));
    const data = new Dataset(
      {
        observations: Float32Array.from({ length: n * 11 }, (_, i) => Math.sin(i)),
        actions: Float32Array.from({ length: n * 3 }, (_, i) => Math.cos(i) * 0.5),
        rewards,
        terminals: new Uint8Array(n),
        timeouts: Uint8Array.from({ length: n }, (_, i) => Number(i % 100 === 99)),
      },
      { obsDim: 11, actDim: 3 },
      { metadata: { task: 'hopper' } },
    );
    const out = mkdtempSync(join(tmpdir(), 'orl-diverge-'));
    const spec = {
      algo: 'td3bc' as const,
      condition: 'all' as const,
      seed: 0,
      labelFraction: 0.01,
      steps: 200,
      evalEvery: 1000,
      evalEpisodes: 1,
      progress: 'none' as const,
    };
    // A critic learning rate no one would choose: Adam's steps of ±1e36 overflow float32 within a few updates.
    Object.assign(spec, { algoConfig: { criticLr: 1e36 } });
    const logs: string[] = [];
    const r = await runCell(data, spec, out, (m) => logs.push(m));
    expect(r.diverged).toMatchObject({ metric: 'loss/critic' });
    expect(['NaN', 'Infinity', '-Infinity']).toContain(r.diverged!.value);
    expect(r.diverged!.step).toBeGreaterThanOrEqual(1);
    expect(r.diverged!.step).toBeLessThanOrEqual(200);
    expect(existsSync(join(out, 'policy.orl'))).toBe(false);
    expect(logs.some((l) => l.includes('training diverged'))).toBe(true);
    // Asking again gives the record instead of training into the same divergence.
    const again = await runCell(data, spec, out);
    expect(again.diverged).toEqual(r.diverged);
  }, 120_000);
});
