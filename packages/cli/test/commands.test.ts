import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readD4rl } from '@orl/d4rl-loader';

const bin = join(import.meta.dirname, '..', 'src', 'bin.ts');
const dir = mkdtempSync(join(tmpdir(), 'orl-cmd-'));
const orl = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', '--conditions=source', bin, ...args], { encoding: 'utf8', env: { ...process.env, ORL_DATASET_DIR: dir } });

describe('orl datasets / impute', () => {
  it('collect writes a D4RL file (and Minari), inspect summarizes it, impute fills the unlabelled rewards', async () => {
    const file = join(dir, 'walker.hdf5');
    const c = orl(
      'datasets',
      'collect',
      '--task',
      'walker2d',
      '--policy',
      'walker2d-sac',
      '--transitions',
      '3000',
      '--noise',
      '1',
      '--seed',
      '2',
      '--out',
      file,
      '--minari',
      join(dir, 'minari'),
    );
    expect(c.status, c.stderr).toBe(0);
    expect(c.stdout).toMatch(/wrote .*walker\.hdf5: 3000 transitions/);
    const r = await readD4rl(file);
    expect(r.dataset.size).toBe(3000);
    expect(r.metadata).toMatchObject({ task: 'walker2d', policy: 'walker2d-sac', seed: 2 });
    const ins = orl('datasets', 'inspect', file, '--json');
    expect(ins.status, ins.stderr).toBe(0);
    expect(JSON.parse(ins.stdout)).toMatchObject({ rows: 3000, obsDim: 17, actDim: 6, task: 'walker2d' });
    const minari = orl('datasets', 'inspect', join(dir, 'minari', 'data'), '--json');
    expect(JSON.parse(minari.stdout).rows).toBe(3000);

    const out = join(dir, 'imputed.hdf5');
    const imp = orl('impute', '--dataset', file, '--label-fraction', '0.05', '--ensemble', '2', '--hidden', '32,32', '--out', out);
    expect(imp.status, imp.stderr).toBe(0);
    expect(imp.stdout).toMatch(/imputed \d+ rewards/);
    const back = await readD4rl(out);
    const mask = back.infos.reward_mask!;
    const labelled = Array.from(mask).filter((m) => m === 1).length;
    expect(labelled).toBe(Math.round(0.05 * back.dataset.size));
    expect(back.infos.reward_std).toBeDefined();
    expect(Array.from(back.dataset.rewards).every(Number.isFinite)).toBe(true);
  }, 300_000);

  it('train morec (1% labels imputed by the reward head) writes metrics and a policy that orl eval loads; mopo refuses --select', () => {
    const file = join(dir, 'hopper-mb.hdf5');
    expect(orl('datasets', 'collect', '--task', 'hopper', '--policy', 'hopper-sac', '--transitions', '2000', '--noise', '1', '--out', file).status).toBe(0);
    const out = join(dir, 'morec-run');
    const r = orl(
      'train',
      'morec',
      '--dataset',
      file,
      '--out',
      out,
      '--steps',
      '40',
      '--eval-every',
      '40',
      '--eval-episodes',
      '1',
      '--condition',
      'imputed',
      '--label-fraction',
      '0.1',
      '--rollout-starts',
      '20',
      '--horizon',
      '10',
      '--model-epochs',
      '5',
      '--reward-steps',
      '100',
      '--policy-penalty',
      'mobile',
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/imputing \d+ unlabelled rewards/);
    expect(r.stdout).toMatch(/morec on .* mobile penalty\): final normalized score -?\d+\.\d after 40 steps/);
    expect(readFileSync(join(out, 'metrics.jsonl'), 'utf8')).toContain('penalty/mobile');
    const metrics = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(metrics.some((m) => m['rollout/r_d'] > 0)).toBe(true);
    const ev = orl('eval', '--policy', join(out, 'policy.orl'), '--task', 'hopper', '--episodes', '1');
    expect(ev.status, ev.stderr).toBe(0);
    expect(existsSync(join(out, 'tfjs', 'model.json'))).toBe(true);
    const bad = orl('train', 'mopo', '--dataset', file, '--out', join(dir, 'x'), '--select', 'argmax');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('INVALID_ARGUMENT');
  }, 300_000);

  it('the nx paper-grid targets call orl grid (one grid mechanism), with flags the CLI accepts', () => {
    const project = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', 'grid', 'project.json'), 'utf8'));
    const commands = Object.values(project.targets as Record<string, { command: string }>).map((t) => t.command);
    expect(commands.length).toBeGreaterThan(0);
    for (const c of commands) expect(c).toMatch(/^node packages\/cli\/bin\/orl\.mjs (grid (run|status)|report) /);
    // Every flag the targets use parses (help of the same subcommand succeeds with them).
    const run = commands.find((c) => c.includes('grid run --name paper'))!;
    const args = run.replace('node packages/cli/bin/orl.mjs ', '').split(' ');
    const r = orl(...args, '--enqueue-only', '--db', 'postgres://orl:x@127.0.0.1:1/postgres');
    expect(r.stderr).toMatch(/cannot reach the grid database/); // got past argument parsing
  });
});

describe('arguments are validated before any work', () => {
  it.each([
    [['train', 'td3bc', '--dataset', 'hopper-medium', '--out', 'x', '--steps', '0'], /steps must be at least 1/],
    [['train', 'td3bc', '--dataset', 'hopper-medium', '--out', 'x', '--steps', ''], /steps must be a non-negative integer/],
    [['train', 'td3bc', '--dataset', 'hopper-medium', '--out', 'x', '--label-fraction', '1.5'], /label-fraction must be in \(0, 1\)/],
    [['train', 'td3bc', '--dataset', 'hopper-medium', '--out', 'x', '--eval-episodes', '0'], /eval-episodes must be at least 1/],
    [['pipeline', '--dataset', 'hopper-medium', '--seeds', '0,,1'], /seeds: empty item/],
    [['pipeline', '--dataset', 'hopper-medium', '--scale', '-0.1'], /scale must be in \(0, 1\]/],
    [['pipeline', '--dataset', 'hopper-medium', '--scale', '0'], /scale must be in \(0, 1\]/],
    [['pipeline', '--dataset', 'hopper-medium', '--label-fraction', '0'], /label-fraction must be in \(0, 1\)/],
    [['datasets', 'collect', '--task', 'hopper', '--policy', 'random', '--transitions', '0', '--out', 'x.hdf5'], /transitions must be at least 1/],
    [['datasets', 'collect', '--task', 'hopper', '--policy', 'random', '--transitions', '10', '--noise', '-1', '--out', 'x.hdf5'], /noise must be ≥ 0/],
    [['impute', '--dataset', 'hopper-medium', '--hidden', '64,,64', '--out', 'x.hdf5'], /hidden: empty item/],
    [['grid', 'run', '--algos', 'td3bc,sac'], /algos: 'sac' is not one of td3bc, iql/],
  ])('orl %s', (args, message) => {
    const t0 = performance.now();
    const r = orl(...(args as string[]));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(message as RegExp);
    expect(performance.now() - t0).toBeLessThan(20_000); // refused at parse time, no dataset generated or loaded
    expect(existsSync(join(dir, 'x'))).toBe(false);
  });
});

describe('run folders remember what they hold', () => {
  it('refuses to continue a run with another dataset or settings, and --fresh starts over', () => {
    const a = join(dir, 'rf-a.hdf5');
    const b = join(dir, 'rf-b.hdf5');
    for (const [file, seed] of [
      [a, '1'],
      [b, '2'],
    ] as const) {
      const c = orl('datasets', 'collect', '--task', 'hopper', '--policy', 'random', '--transitions', '1500', '--seed', seed, '--out', file);
      expect(c.status, c.stderr).toBe(0);
    }
    const out = join(dir, 'rf-run');
    const train = (file: string, ...extra: string[]) =>
      orl('train', 'td3bc', '--dataset', file, '--out', out, '--steps', '40', '--eval-every', '20', '--eval-episodes', '1', ...extra);
    expect(train(a).status).toBe(0);
    const other = train(b);
    expect(other.status).toBe(1);
    expect(other.stderr).toMatch(/holds a run of another dataset or configuration.*\[CHECKPOINT\]/);
    const seed = train(a, '--seed', '3');
    expect(seed.stderr).toMatch(/another dataset or configuration/);
    const fresh = train(b, '--fresh');
    expect(fresh.status, fresh.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).dataset.rows).toBe(1500);
    // The same dataset and settings with more steps extends the run.
    const more = train(b, '--steps', '60');
    expect(more.status, more.stderr).toBe(0);
    expect(more.stdout).toMatch(/after 60 steps/);
  }, 120_000);
});

describe('config fields as flags, output modes', () => {
  it('every config field is a flag with its doc comment as help; values reach the run; flags of another algorithm are refused', () => {
    const help = orl('train', '--help').stdout;
    for (const [flag, doc] of [
      ['--alpha <n>', 'weight of the RL term against behaviour cloning'],
      ['--expectile <n>', 'Expectile τ of the value regression'],
      ['--rollout-kappa <n>', 'Softmax temperature κ'],
      ['--sac-hidden <list>', 'Hidden layer widths of actor and critics'],
      ['--rm-features <sa|sas>', 'Inputs: (s, a)'],
    ]) {
      expect(help).toContain(flag);
      expect(help.replace(/\s+/g, ' ')).toContain(doc);
    }
    const file = join(dir, 'flags.hdf5');
    expect(orl('datasets', 'collect', '--task', 'hopper', '--policy', 'random', '--transitions', '1500', '--out', file).status).toBe(0);
    const out = join(dir, 'flags-run');
    // Piped stdout (not a terminal): progress lines, not a bar.
    const r = orl(
      'train',
      'td3bc',
      '--dataset',
      file,
      '--out',
      out,
      '--steps',
      '200',
      '--eval-every',
      '100',
      '--eval-episodes',
      '1',
      '--alpha',
      '0.5',
      '--hidden',
      '32,32',
      '--condition',
      'imputed',
      '--label-fraction',
      '0.1',
      '--rm-hidden',
      '16',
      '--progress-every',
      '1',
      '--metrics',
      'csv',
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\[train\] td3bc imputed s0 step 0\/200 \(0\.0%\) · started$/m);
    expect(r.stdout).toMatch(/^\[train\] td3bc imputed s0 step 200\/200 \(100\.0%\) · \d+ steps\/s · took .* · eval -?\d+\.\d @ 200$/m);
    const settings = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).settings;
    expect(settings.algoConfig).toEqual({ alpha: 0.5, hidden: [32, 32] });
    expect(settings.rewardModel).toEqual({ hidden: [16] });
    expect(readFileSync(join(out, 'metrics.csv'), 'utf8').split('\n')[0]).toMatch(/^step,loss\/critic,/);
    expect(existsSync(join(out, 'policy.onnx'))).toBe(true);
    const exp = orl('export', '--policy', join(out, 'policy.orl'), '--onnx', join(dir, 'p.onnx'), '--tfjs', join(dir, 'p-tfjs'));
    expect(exp.stdout).toMatch(/ONNX opset 13: observations \[batch, 11\] → actions \[batch, 3\]/);
    expect(readFileSync(join(dir, 'p.onnx'))).toEqual(readFileSync(join(out, 'policy.onnx')));
    expect(existsSync(join(dir, 'p-tfjs', 'model.json'))).toBe(true);
    // Off-policy evaluation of that policy on the data, FQE settings as flags.
    const ope = orl('ope', '--policy', join(out, 'policy.orl'), '--dataset', file, '--steps', '200', '--hidden', '32', '--lr', '0.001', '--json');
    expect(ope.status, ope.stderr).toBe(0);
    const est = JSON.parse(ope.stdout.trim().split('\n').at(-1)!) as { event: string; value: number; normalized: number; starts: number };
    expect(est.event).toBe('result');
    expect(Number.isFinite(est.value) && Number.isFinite(est.normalized)).toBe(true);
    expect(est.starts).toBeGreaterThan(1);
    const walker = join(dir, 'ope-walker.hdf5');
    expect(orl('datasets', 'collect', '--task', 'walker2d', '--policy', 'random', '--transitions', '50', '--out', walker).status).toBe(0);
    expect(orl('ope', '--policy', join(out, 'policy.orl'), '--dataset', walker).stderr).toMatch(
      /the policy maps 11 → 3 values; the dataset has 17 observations and 6 actions \[SHAPE_MISMATCH\]/,
    );
    const wrong = orl('train', 'td3bc', '--dataset', file, '--out', join(dir, 'x'), '--expectile', '0.9');
    expect(wrong.stderr).toMatch(/--expectile belongs to iql; td3bc has no such setting \[INVALID_ARGUMENT\]/);
    expect(orl('train', 'iql', '--dataset', file, '--out', join(dir, 'x'), '--alpha', 'abc').stderr).toMatch(/--alpha must be a number/);
    // --json: JSON lines only on stdout, ending with the result; --quiet: only the summary line.
    const json = orl(
      'train',
      'td3bc',
      '--dataset',
      file,
      '--out',
      join(dir, 'json-run'),
      '--steps',
      '100',
      '--eval-every',
      '50',
      '--eval-episodes',
      '1',
      '--json',
    );
    const events = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; finalScore?: number });
    expect(events[0]!.event).toBe('start');
    expect(events.at(-1)).toMatchObject({ event: 'result', steps: 100 });
    expect(events.filter((e) => e.event === 'eval')).toHaveLength(2);
    const quiet = orl(
      'train',
      'td3bc',
      '--dataset',
      file,
      '--out',
      join(dir, 'quiet-run'),
      '--steps',
      '50',
      '--eval-every',
      '50',
      '--eval-episodes',
      '1',
      '--quiet',
    );
    expect(quiet.stdout.trim().split('\n')).toHaveLength(1);
    expect(quiet.stderr).toBe('');
  }, 180_000);

  it('the generated field lists match the config interfaces (tools/config-fields.mts --check)', () => {
    const root = join(import.meta.dirname, '..', '..', '..');
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'tools', 'config-fields.mts'), '--check'], { encoding: 'utf8', cwd: root });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('file-system failures are one typed line naming the path', () => {
  it.each([
    ['an output under a file', () => join(dir, 'plain-file', 'x.hdf5'), /cannot create the folder .*plain-file: .*is a file, not a folder \[IO\]/],
    ['an output that is a folder', () => dir, /cannot write .*: it is a folder \[IO\]/],
    [
      'a folder that cannot be created (under /proc: a recursive mkdir would spin)',
      () => '/proc/orl-test/x.hdf5',
      /cannot create the folder \/proc\/orl-test: .* \[IO\]/,
    ],
  ])('%s', (_name, out, message) => {
    writeFileSync(join(dir, 'plain-file'), 'x');
    const t0 = performance.now();
    const r = orl('datasets', 'collect', '--task', 'hopper', '--policy', 'random', '--transitions', '10', '--out', out());
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(performance.now() - t0).toBeLessThan(20_000);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
