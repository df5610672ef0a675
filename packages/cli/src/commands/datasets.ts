import { existsSync, readdirSync } from 'node:fs';
import { OrlError, toTransitions } from '@orl/core';
import { d4rlCacheDir, summarize, writeD4rl, writeMinari } from '@orl/d4rl-loader';
import { RECIPES, collect, generate, suitePath } from '@orl/dataset-suite';
import { loadBehaviorPolicy } from '@orl/mujoco-env';
import { importFile } from '@orl/data-import/node';
import type { ColumnMapping } from '@orl/data-import';
import { loadDataset } from '../data.js';

export async function run(): Promise<void> {
  console.log('Suite datasets (generated on first use from the shipped behavior policies, cached):');
  for (const r of Object.values(RECIPES)) {
    const cached = existsSync(suitePath(r.name)) ? ' [cached]' : '';
    console.log(`  ${r.name.padEnd(26)} ${String(r.transitions).padStart(8)} rows  ${r.segments.map((s) => `${s.policy}×${s.noise}`).join(', ')}${cached}`);
  }
  const dir = d4rlCacheDir();
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.hdf5')) : [];
  console.log(`\nD4RL files in ${dir} ($D4RL_DATASET_DIR): ${files.length ? files.join(', ') : 'none'}`);
}

export async function collectCmd(o: {
  task: string;
  policy: string;
  transitions: number;
  noise: number;
  seed: number;
  out: string;
  minari?: string;
}): Promise<void> {
  const policy = o.policy.endsWith('.json') ? await loadBehaviorPolicy(o.policy) : o.policy;
  const c = await collect({
    task: o.task,
    policy,
    transitions: o.transitions,
    noise: o.noise,
    seed: o.seed,
    onProgress: (n) => process.stderr.write(`\r${n} / ${o.transitions}`),
  });
  process.stderr.write('\n');
  await writeD4rl(o.out, c.dataset, { infos: c.infos, metadata: c.metadata });
  if (o.minari) await writeMinari(o.minari, c.dataset, { dataset_id: `orl/${c.metadata.task}/collected-v0` });
  console.log(
    `wrote ${o.out}: ${c.dataset.size} transitions, ${c.metadata.episodes} finished episodes, mean return ${(c.metadata.mean_return as number).toFixed(1)} (normalized ${(c.metadata.mean_normalized_return as number).toFixed(1)})`,
  );
}

export async function generateCmd(name: string, o: { scale: number; seed: number; force?: boolean }): Promise<void> {
  const g = await generate(name, { scale: o.scale, seed: o.seed, force: Boolean(o.force), onProgress: (m) => console.error(m) });
  console.log(
    `${g.cached ? 'cached' : 'generated'}: ${g.path} (${g.dataset.size} rows, mean normalized return ${Number(g.metadata.mean_normalized_return).toFixed(1)})`,
  );
}

export async function inspectCmd(spec: string, o: { json?: boolean }): Promise<void> {
  const { dataset, source } = await loadDataset(spec, { log: (m) => console.error(m) });
  const s = summarize(dataset);
  const t = toTransitions(dataset);
  if (o.json) {
    console.log(JSON.stringify({ source, ...s, transitions: t.size }, null, 2));
    return;
  }
  if (!s) throw new OrlError('EMPTY', 'empty dataset');
  console.log(`${spec}  (${source})`);
  console.log(`  rows ${s.rows}  (q-learning transitions ${t.size})   obs ${s.obsDim}  act ${s.actDim}   ${(s.bytes / 2 ** 20).toFixed(1)} MiB`);
  console.log(
    `  episodes ${s.episodes}  terminals ${s.terminals}  timeouts ${s.timeouts}  length mean ${s.episodeLength.mean.toFixed(0)} [${s.episodeLength.min}, ${s.episodeLength.max}]`,
  );
  console.log(`  labelled rewards ${s.labelledRewards} / ${s.rows}`);
  if (s.returns)
    console.log(`  return mean ${s.returns.mean.toFixed(1)} ± ${s.returns.std.toFixed(1)}  [${s.returns.min.toFixed(1)}, ${s.returns.max.toFixed(1)}]`);
  if (s.normalized)
    console.log(`  normalized (${s.task}) mean ${s.normalized.mean.toFixed(1)}  [${s.normalized.min.toFixed(1)}, ${s.normalized.max.toFixed(1)}]`);
}

export interface ImportCmdOptions {
  out: string;
  obs: string[];
  act: string[];
  nextObs?: string[];
  reward?: string;
  terminal?: string;
  timeout?: string;
  episode?: string;
  task?: string;
  format?: 'csv' | 'parquet' | 'npz';
  delimiter?: string;
}

/** A CSV/TSV, Parquet, .npz file (or a folder of .npy arrays) → a D4RL-layout HDF5 file every other command reads. */
export async function importCmd(file: string, o: ImportCmdOptions): Promise<void> {
  const one = (v: string[]) => (v.length === 1 ? v[0]! : v);
  const mapping: ColumnMapping = {
    observations: one(o.obs),
    actions: one(o.act),
    ...(o.nextObs ? { nextObservations: one(o.nextObs) } : {}),
    ...(o.reward ? { rewards: o.reward } : {}),
    ...(o.terminal ? { terminals: o.terminal } : {}),
    ...(o.timeout ? { timeouts: o.timeout } : {}),
    ...(o.episode ? { episode: o.episode } : {}),
  };
  const dataset = await importFile(file, {
    mapping,
    ...(o.format ? { format: o.format } : {}),
    ...(o.delimiter ? { delimiter: o.delimiter } : {}),
    ...(o.task ? { metadata: { task: o.task } } : {}),
  });
  await writeD4rl(o.out, dataset, { metadata: { ...(o.task ? { task: o.task } : {}), source_format: String(dataset.metadata.source_format) } });
  const s = summarize(dataset)!;
  console.log(
    `wrote ${o.out}: ${s.rows} rows, obs ${s.obsDim}, act ${s.actDim}, ${s.episodes} episodes (${s.terminals} terminal, ${s.timeouts} cut), ${s.labelledRewards} labelled rewards`,
  );
}
