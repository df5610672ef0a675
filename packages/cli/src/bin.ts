#!/usr/bin/env node
import { Command, Option, InvalidArgumentError } from 'commander';
import { isOrlError } from '@orl/core';
import { fsError } from '@orl/core/node';
import { run as datasetsList, collectCmd, generateCmd, importCmd, inspectCmd } from './commands/datasets.js';
import { imputeCmd } from './commands/impute.js';
import { trainCmd, evalCmd, exportCmd, opeCmd } from './commands/train.js';
import { pipelineCmd } from './commands/pipeline.js';
import { OFFLINE_ALGOS } from './pipeline.js';
import { reportCmd } from './commands/report.js';
import { addConfigFlags } from './config-flags.js';
import { gridReportCmd, gridRunCmd, gridStatusCmd, gridWorkerCmd } from './commands/grid.js';

const int = (name: string) => (v: string) => {
  const n = v.trim() === '' ? NaN : Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
  return n;
};
const num = (name: string) => (v: string) => {
  const n = v.trim() === '' ? NaN : Number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number`);
  return n;
};
const list =
  <T>(name: string, parse: (s: string) => T) =>
  (v: string): T[] => {
    const items = v.split(',').map((s) => s.trim());
    if (items.some((s) => s === '')) throw new InvalidArgumentError(`${name}: empty item in '${v}'`);
    return items.map(parse);
  };
const seeds = list('seeds', int('seed'));
const positive = (name: string) => (v: string) => {
  const n = int(name)(v);
  if (n < 1) throw new InvalidArgumentError(`${name} must be at least 1`);
  return n;
};
const fraction = (name: string) => (v: string) => {
  const n = num(name)(v);
  if (!(n > 0 && n < 1)) throw new InvalidArgumentError(`${name} must be in (0, 1)`);
  return n;
};
const scaleArg = (v: string) => {
  const n = num('scale')(v);
  if (!(n > 0 && n <= 1)) throw new InvalidArgumentError('scale must be in (0, 1]');
  return n;
};
const oneOf =
  <T extends string>(name: string, allowed: readonly T[]) =>
  (v: string): T => {
    if (!allowed.includes(v as T)) throw new InvalidArgumentError(`${name}: '${v}' is not one of ${allowed.join(', ')}`);
    return v as T;
  };
const progressFlags = (cmd: Command) =>
  cmd
    .option('--quiet', 'no progress output (errors and the final summary only)')
    .option('--json', 'progress and the final result as JSON lines on stdout')
    .option('--progress-every <s>', 'seconds between progress lines when stdout is not a terminal', positive('progress-every'), 10)
    .option('--metrics <formats>', 'metric files in the run folder besides metrics.jsonl: csv', list('metrics', oneOf('metrics', ['jsonl', 'csv'] as const)));
const backend = new Option('--backend <name>', 'compute backend').choices(['auto', 'native', 'wasm', 'js']).default('auto');

const program = new Command('orl')
  .description('Offline reinforcement learning in TypeScript: datasets, reward imputation, TD3+BC, IQL, the imputed-rewards pipeline.')
  .version('0.1.0')
  .showHelpAfterError('(add --help for usage)');

const datasets = program.command('datasets').description('list, collect, generate and inspect datasets');
datasets.command('list').description('suite datasets (generated from shipped behavior policies) and D4RL files found in the cache').action(datasetsList);
datasets
  .command('collect')
  .description('run a policy in a MuJoCo task and record a D4RL-style HDF5 dataset')
  .requiredOption('--task <task>', 'hopper, walker2d or halfcheetah')
  .requiredOption('--policy <policy>', "shipped policy name (e.g. hopper-sac), path to an mlp-policy JSON, or 'random'")
  .requiredOption('--transitions <n>', 'number of transitions', positive('transitions'))
  .option(
    '--noise <scale>',
    "scale of the policy's own exploration noise (0 = deterministic)",
    (v) => {
      const n = num('noise')(v);
      if (n < 0) throw new InvalidArgumentError('noise must be ≥ 0');
      return n;
    },
    1,
  )
  .option('--seed <n>', 'seed', int('seed'), 0)
  .requiredOption('--out <file.hdf5>', 'output file (D4RL layout)')
  .option('--minari <dir>', 'also write a Minari dataset folder')
  .action(collectCmd);
datasets
  .command('generate')
  .description('generate (or find cached) a suite dataset, e.g. hopper-medium')
  .argument('<name>', 'suite dataset name')
  .option('--scale <fraction>', "fraction of the recipe's full size", scaleArg, 1)
  .option('--seed <n>', 'seed', int('seed'), 0)
  .option('--force', 'regenerate even if cached')
  .action(generateCmd);
datasets
  .command('inspect')
  .description('sizes, episodes, return statistics and normalized-score range of a dataset')
  .argument('<dataset>', 'suite name, D4RL name, Minari id or path')
  .option('--json', 'print JSON')
  .action(inspectCmd);
datasets
  .command('import')
  .description('your own logged data (CSV/TSV, Parquet, NumPy .npz or a folder of .npy arrays) → a D4RL-layout HDF5 file')
  .argument('<file>', 'a .csv/.tsv, .parquet or .npz file, or a folder of <name>.npy arrays')
  .requiredOption('--out <file.hdf5>', 'output file (D4RL layout, read by every other command)')
  .requiredOption('--obs <columns>', 'observation columns: a pattern (obs_*), a comma list, or one array/list column', list('obs', String))
  .requiredOption('--act <columns>', 'action columns, as --obs', list('act', String))
  .option('--next-obs <columns>', 'next-observation columns, if the file has them (else the next row of the episode)', list('next-obs', String))
  .option('--reward <column>', 'reward column (empty cells / NaN = unknown reward; without it every reward is unknown)')
  .option('--terminal <column>', 'terminal flag column (1/0, true/false)')
  .option('--timeout <column>', 'time-limit flag column')
  .option('--episode <column>', 'episode id column: a change of id ends an episode')
  .option('--task <task>', 'the MuJoCo task the data comes from (hopper, walker2d, halfcheetah), for normalized scores')
  .addOption(new Option('--format <format>', "file format (default: from the file's first bytes)").choices(['csv', 'parquet', 'npz']))
  .option('--delimiter <char>', "CSV field delimiter (default ',', tab for .tsv)")
  .action(importCmd);

program
  .command('impute')
  .description('mask rewards to a labelled fraction, fit the reward model on the labelled rows and impute the rest')
  .requiredOption('--dataset <dataset>', 'suite name, D4RL name or path')
  .option('--label-fraction <k>', 'fraction of transitions that keep their reward', fraction('label-fraction'), 0.01)
  .option('--seed <n>', 'seed of the mask and the model', int('seed'), 0)
  .option('--ensemble <k>', 'number of reward models (std = uncertainty)', positive('ensemble'), 1)
  .option('--hidden <sizes>', 'hidden layer widths, e.g. 256,256', list('hidden', positive('hidden')))
  .requiredOption('--out <file.hdf5>', 'imputed dataset (D4RL layout; infos/reward_mask, infos/reward_std)')
  .addOption(backend)
  .action(imputeCmd);

const train = program
  .command('train')
  .description('train TD3+BC, IQL, BC, AWAC, CQL, MOREC or plain MOPO on a dataset (resumes from <out>/checkpoint.orl)')
  .argument('<algo>', `${OFFLINE_ALGOS.join(', ')}, morec or mopo`)
  .requiredOption('--dataset <dataset>', 'suite name, D4RL name or path')
  .requiredOption('--out <dir>', 'run folder: metrics.jsonl, checkpoint.orl, policy.orl, tfjs/')
  .option('--steps <n>', 'gradient steps', positive('steps'), 1_000_000)
  .option('--seed <n>', 'seed', int('seed'), 0)
  .addOption(new Option('--condition <c>', 'reward condition').choices(['all', 'labelled', 'imputed']).default('all'))
  .option('--label-fraction <k>', 'labelled fraction for the labelled/imputed conditions', fraction('label-fraction'), 0.01)
  .option('--eval-every <n>', 'evaluate every n steps', positive('eval-every'), 5000)
  .option('--eval-episodes <n>', 'episodes per evaluation', positive('eval-episodes'), 10)
  .addOption(new Option('--select <rule>', 'morec: candidate selection by the dynamics reward').choices(['softmax', 'argmax', 'none']))
  .option('--horizon <n>', 'morec/mopo: rollout horizon (default 100 with the filter, 5 without)', positive('horizon'))
  .option('--model-rows <n>', 'morec/mopo: fit the dynamics model on at most n transitions', positive('model-rows'))
  .option('--rollout-starts <n>', 'morec/mopo: rollout start states per round (default 2000)', positive('rollout-starts'))
  .option('--model-epochs <n>', 'morec/mopo: at most n dynamics-model epochs (default 200, early stopping)', positive('model-epochs'))
  .option('--reward-steps <n>', 'morec: adversarial dynamics-reward steps (default 2000)', int('reward-steps'))
  .addOption(new Option('--policy-penalty <p>', "morec/mopo: MOPO's uncertainty penalty or MOBILE's Bellman-inconsistency penalty").choices(['mopo', 'mobile']))
  .option('--mobile-beta <b>', "MOBILE's penalty coefficient β (default 1)", num('mobile-beta'))
  .option('--fresh', 'start over in --out (a folder holding another run is refused otherwise)')
  .addOption(backend);
progressFlags(train);
addConfigFlags(train, [...OFFLINE_ALGOS, 'morec', 'rm']);
train.action(trainCmd);

const ope = program
  .command('ope')
  .description("off-policy evaluation: Fitted Q Evaluation (d3rlpy's settings) estimates a saved policy's value from a dataset alone")
  .requiredOption('--policy <file>', 'policy.orl written by `orl train`')
  .requiredOption('--dataset <dataset>', 'suite name, D4RL name or path (the data the estimate may use)')
  .option('--steps <n>', 'FQE gradient steps', positive('steps'), 50_000)
  .option('--seed <n>', 'seed', int('seed'), 0)
  .option('--quiet', 'no progress output')
  .option('--json', 'progress and the estimate as JSON lines on stdout')
  .addOption(backend);
addConfigFlags(ope, ['fqe']);
ope.action(opeCmd);

program
  .command('export')
  .description('convert a saved policy.orl to ONNX (onnxruntime, most serving stacks) and/or TensorFlow.js')
  .requiredOption('--policy <file>', 'policy.orl written by `orl train`')
  .option('--onnx <file.onnx>', 'write an ONNX model')
  .option('--tfjs <dir>', 'write a TF.js LayersModel folder')
  .action(exportCmd);

program
  .command('eval')
  .description('evaluate a saved policy (policy.orl) in a MuJoCo task')
  .requiredOption('--policy <file>', 'policy.orl written by `orl train`')
  .requiredOption('--task <task>', 'hopper, walker2d or halfcheetah')
  .option('--episodes <n>', 'episodes', positive('episodes'), 10)
  .option('--seed <n>', 'seed of the first episode', int('seed'), 0)
  .option('--render <file.svg>', 'also render the first episode as an animated SVG')
  .action(evalCmd);

const pipeline = program
  .command('pipeline')
  .description("the paper's experiment: all true rewards vs labelled only vs labelled + imputed")
  .requiredOption('--dataset <dataset>', 'suite name, D4RL name or path')
  .option('--label-fraction <k>', 'labelled fraction', fraction('label-fraction'), 0.01)
  .addOption(new Option('--algo <algo>', 'algorithm').choices([...OFFLINE_ALGOS]).default('td3bc'))
  .option('--steps <n>', 'gradient steps per run', positive('steps'), 100_000)
  .option('--seeds <list>', 'comma-separated seeds', seeds, [0])
  .option('--eval-every <n>', 'evaluate every n steps', positive('eval-every'), 5000)
  .option('--eval-episodes <n>', 'episodes per evaluation', positive('eval-episodes'), 10)
  .option('--scale <fraction>', 'suite datasets: fraction of full size', scaleArg, 1)
  .option('--out <dir>', 'output folder', 'runs/pipeline')
  .option('--fresh', 'start every run over (a folder holding another run is refused otherwise)')
  .option('--workers <n>', 'runs at once, each in its own process (default: the number of cores; 1: one after another)', positive('workers'))
  .option('--threads <n>', 'kernel threads per worker (default: cores / workers)', positive('threads'))
  .addOption(backend);
progressFlags(pipeline);
addConfigFlags(pipeline, [...OFFLINE_ALGOS, 'rm']);
pipeline.action(pipelineCmd);

program
  .command('report')
  .description('render finished runs (a pipeline or grid folder) as report.html and report.md with plots')
  .argument('<dir>', 'folder containing result.json files')
  .action(reportCmd);

const grid = program
  .command('grid')
  .description('experiment grids on PostgreSQL (embedded by default): enqueue cells, work them on any number of machines, report');
const gridLocation = (c: Command) =>
  c
    .option('--name <name>', 'grid name (several grids can share a database)', 'paper')
    .option('--dir <dir>', 'grid folder: artifacts (checkpoints) and the embedded database', 'runs/grid')
    .option('--db <url>', 'postgres:// URL of a shared server (default: $ORL_GRID_DB, else an embedded server in --dir)');
const gridSpec = (c: Command) =>
  c
    .addOption(
      new Option('--preset <preset>', 'cells: the paper table, the label-budget curve, or only what the flags say')
        .choices(['paper', 'label-budget', 'custom'])
        .default('paper'),
    )
    .option('--datasets <list>', 'dataset names (suite names, D4RL names or paths)', list('datasets', String))
    .option('--algos <list>', `td3bc,iql (also ${OFFLINE_ALGOS.slice(2).join(', ')})`, list('algos', oneOf('algos', OFFLINE_ALGOS)))
    .option('--conditions <list>', 'all,labelled,imputed', list('conditions', oneOf('conditions', ['all', 'labelled', 'imputed'] as const)))
    .option('--seeds <list>', 'comma-separated seeds (default 0,1,2)', seeds)
    .option('--label-fractions <list>', 'labelled fractions, e.g. 0.001,0.01,0.1', list('label-fractions', fraction('label-fraction')))
    .option('--steps <n>', 'gradient steps per run (protocol: 100000)', positive('steps'))
    .option('--eval-every <n>', 'evaluate every n steps (protocol: 10000)', positive('eval-every'))
    .option('--eval-episodes <n>', 'episodes per evaluation (protocol: 10)', positive('eval-episodes'))
    .option('--scale <fraction>', "suite datasets: fraction of D4RL's size (protocol: 0.1)", scaleArg)
    .addOption(new Option('--reward-features <f>', "reward-model inputs: (s, a) as the paper, or (s, a, s')").choices(['sa', 'sas']));
gridLocation(
  gridSpec(grid.command('run').description('enqueue the cells and work them with local worker processes until all are done (resumes a stopped grid)')),
)
  .option('--workers <n>', 'local worker processes (default: number of cores)', int('workers'))
  .option('--threads <n>', 'kernel threads per worker (default: cores / workers)', positive('threads'))
  .option('--max-attempts <n>', 'attempts per cell before it is marked failed', positive('max-attempts'), 3)
  .option('--retry-failed', 'give failed cells a fresh set of attempts')
  .option('--results <dir>', 'committed results folder: finished runs there are skipped; new ones are written there as they finish')
  .option('--enqueue-only', 'only add the cells to the queue (workers elsewhere run them)')
  .action(gridRunCmd);
gridLocation(grid.command('worker').description('work the cells of a grid until none is queued or running (run one per machine or core)'))
  .option('--max-cells <n>', 'stop after n cells', positive('max-cells'))
  .option('--forever', 'keep polling when the queue is empty')
  .action(gridWorkerCmd);
gridLocation(grid.command('status').description('queued / running / done / failed cells, with an ETA')).option('--json', 'print JSON').action(gridStatusCmd);
gridLocation(grid.command('report').description('export finished cells as result files and render report.html'))
  .requiredOption('--out <dir>', 'results folder (runs/<key>.json, report.html, report.md)')
  .action(gridReportCmd);

program.parseAsync(process.argv).catch((err: unknown) => {
  const typed = isOrlError(err) ? err : fsError(err);
  if (typed) console.error(`orl: ${typed.message.split('\n')[0]} [${typed.code}]`);
  else console.error(`orl: ${(err as Error)?.message ?? String(err)}`);
  if (process.env.ORL_DEBUG) console.error(err);
  process.exit(1);
});
