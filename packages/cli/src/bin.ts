#!/usr/bin/env node
import { Command, Option, InvalidArgumentError } from 'commander';
import { isOrlError } from '@orl/core';
import { run as datasetsList, collectCmd, generateCmd, inspectCmd } from './commands/datasets.js';
import { imputeCmd } from './commands/impute.js';
import { trainCmd, evalCmd } from './commands/train.js';
import { pipelineCmd } from './commands/pipeline.js';
import { reportCmd } from './commands/report.js';

const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
  return n;
};
const num = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number`);
  return n;
};
const seeds = (v: string) => v.split(',').map((s) => int('seed')(s.trim()));
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
  .requiredOption('--transitions <n>', 'number of transitions', int('transitions'))
  .option('--noise <scale>', "scale of the policy's own exploration noise (0 = deterministic)", num('noise'), 1)
  .option('--seed <n>', 'seed', int('seed'), 0)
  .requiredOption('--out <file.hdf5>', 'output file (D4RL layout)')
  .option('--minari <dir>', 'also write a Minari dataset folder')
  .action(collectCmd);
datasets
  .command('generate')
  .description('generate (or find cached) a suite dataset, e.g. hopper-medium')
  .argument('<name>', 'suite dataset name')
  .option('--scale <fraction>', "fraction of the recipe's full size", num('scale'), 1)
  .option('--seed <n>', 'seed', int('seed'), 0)
  .option('--force', 'regenerate even if cached')
  .action(generateCmd);
datasets
  .command('inspect')
  .description('sizes, episodes, return statistics and normalized-score range of a dataset')
  .argument('<dataset>', 'suite name, D4RL name, Minari id or path')
  .option('--json', 'print JSON')
  .action(inspectCmd);

program
  .command('impute')
  .description('mask rewards to a labelled fraction, fit the reward model on the labelled rows and impute the rest')
  .requiredOption('--dataset <dataset>', 'suite name, D4RL name or path')
  .option('--label-fraction <k>', 'fraction of transitions that keep their reward', num('label-fraction'), 0.01)
  .option('--seed <n>', 'seed of the mask and the model', int('seed'), 0)
  .option('--ensemble <k>', 'number of reward models (std = uncertainty)', int('ensemble'), 1)
  .option('--hidden <sizes>', 'hidden layer widths, e.g. 256,256', (v) => v.split(',').map(int('hidden')))
  .requiredOption('--out <file.hdf5>', 'imputed dataset (D4RL layout; infos/reward_mask, infos/reward_std)')
  .addOption(backend)
  .action(imputeCmd);

program
  .command('train')
  .description('train TD3+BC, IQL, MOREC or plain MOPO on a dataset (resumes from <out>/checkpoint.orl)')
  .argument('<algo>', 'td3bc, iql, morec or mopo')
  .requiredOption('--dataset <dataset>', 'suite name, D4RL name or path')
  .requiredOption('--out <dir>', 'run folder: metrics.jsonl, checkpoint.orl, policy.orl, tfjs/')
  .option('--steps <n>', 'gradient steps', int('steps'), 1_000_000)
  .option('--seed <n>', 'seed', int('seed'), 0)
  .addOption(new Option('--condition <c>', 'reward condition').choices(['all', 'labelled', 'imputed']).default('all'))
  .option('--label-fraction <k>', 'labelled fraction for the labelled/imputed conditions', num('label-fraction'), 0.01)
  .option('--eval-every <n>', 'evaluate every n steps', int('eval-every'), 5000)
  .option('--eval-episodes <n>', 'episodes per evaluation', int('eval-episodes'), 10)
  .addOption(new Option('--select <rule>', 'morec: candidate selection by the dynamics reward').choices(['softmax', 'argmax', 'none']))
  .option('--horizon <n>', 'morec/mopo: rollout horizon (default 100 with the filter, 5 without)', int('horizon'))
  .option('--model-rows <n>', 'morec/mopo: fit the dynamics model on at most n transitions', int('model-rows'))
  .option('--rollout-starts <n>', 'morec/mopo: rollout start states per round (default 2000)', int('rollout-starts'))
  .option('--model-epochs <n>', 'morec/mopo: at most n dynamics-model epochs (default 200, early stopping)', int('model-epochs'))
  .option('--reward-steps <n>', 'morec: adversarial dynamics-reward steps (default 2000)', int('reward-steps'))
  .addOption(new Option('--policy-penalty <p>', "morec/mopo: MOPO's uncertainty penalty or MOBILE's Bellman-inconsistency penalty").choices(['mopo', 'mobile']))
  .option('--mobile-beta <b>', "MOBILE's penalty coefficient β (default 1)", num('mobile-beta'))
  .addOption(backend)
  .action(trainCmd);

program
  .command('eval')
  .description('evaluate a saved policy (policy.orl) in a MuJoCo task')
  .requiredOption('--policy <file>', 'policy.orl written by `orl train`')
  .requiredOption('--task <task>', 'hopper, walker2d or halfcheetah')
  .option('--episodes <n>', 'episodes', int('episodes'), 10)
  .option('--seed <n>', 'seed of the first episode', int('seed'), 0)
  .option('--render <file.svg>', 'also render the first episode as an animated SVG')
  .action(evalCmd);

program
  .command('pipeline')
  .description("the paper's experiment: all true rewards vs labelled only vs labelled + imputed")
  .requiredOption('--dataset <dataset>', 'suite name, D4RL name or path')
  .option('--label-fraction <k>', 'labelled fraction', num('label-fraction'), 0.01)
  .addOption(new Option('--algo <algo>', 'algorithm').choices(['td3bc', 'iql']).default('td3bc'))
  .option('--steps <n>', 'gradient steps per run', int('steps'), 100_000)
  .option('--seeds <list>', 'comma-separated seeds', seeds, [0])
  .option('--eval-every <n>', 'evaluate every n steps', int('eval-every'), 5000)
  .option('--eval-episodes <n>', 'episodes per evaluation', int('eval-episodes'), 10)
  .option('--scale <fraction>', 'suite datasets: fraction of full size', num('scale'), 1)
  .option('--out <dir>', 'output folder', 'runs/pipeline')
  .addOption(backend)
  .action(pipelineCmd);

program
  .command('report')
  .description('render finished runs (a pipeline or grid folder) as report.html and report.md with plots')
  .argument('<dir>', 'folder containing result.json files')
  .action(reportCmd);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (isOrlError(err)) console.error(`orl: ${err.message} [${err.code}]`);
  else console.error(`orl: ${(err as Error)?.message ?? String(err)}`);
  if (process.env.ORL_DEBUG) console.error(err);
  process.exit(1);
});
