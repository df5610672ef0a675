import { existsSync } from 'node:fs';
import { type Dataset, OrlError } from '@orl/core';
import { readD4rl, readMinari, isDatasetName } from '@orl/d4rl-loader';
import { SUITE_NAMES, generate, recipe, suitePath, type GenerateOptions } from '@orl/dataset-suite';

/** Whether `spec` names a suite dataset (generated on first use), rather than a D4RL name, Minari id or path. */
export function isSuiteSpec(spec: string): boolean {
  return SUITE_NAMES.includes(spec.replace(/-v\d+$/, '')) && !isDatasetName(spec);
}

/** The cache file of a suite dataset and whether it still has to be generated; null for anything else. */
export function suiteCacheFile(spec: string, options: GenerateOptions = {}): { path: string; missing: boolean; kind: string } | null {
  if (!isSuiteSpec(spec)) return null;
  const r = recipe(spec);
  const path = suitePath(r.name, options);
  return { path, missing: !existsSync(path), kind: r.kind };
}

/**
 * Resolves what a user passes as --dataset: a suite name ('hopper-medium', generated and cached on first use), a
 * D4RL name ('hopper-medium-v2', from the D4RL cache folder), a Minari id, or a path to a D4RL .hdf5 file.
 */
export async function loadDataset(spec: string, options: GenerateOptions & { log?: (m: string) => void } = {}): Promise<{ dataset: Dataset; source: string }> {
  if (isSuiteSpec(spec)) {
    const g = await generate(recipe(spec).name, { ...options, onProgress: options.log ?? (() => undefined) });
    if (!g.cached) options.log?.(`generated ${g.path}`);
    return { dataset: g.dataset, source: g.path };
  }
  if (isDatasetName(spec) || /\.(hdf5|h5)$/i.test(spec)) {
    const r = await readD4rl(spec);
    r.dataset.metadata = { ...r.dataset.metadata, name: spec };
    return { dataset: r.dataset, source: r.path };
  }
  if (spec.includes('/') && /-v\d+$/.test(spec) && !existsSync(spec)) {
    const m = await readMinari(spec);
    return { dataset: m.dataset, source: m.dataDir };
  }
  if (existsSync(spec)) {
    const m = existsSync(`${spec}/main_data.hdf5`) ? await readMinari(spec) : null;
    if (m) return { dataset: m.dataset, source: m.dataDir };
  }
  if (/\.(csv|tsv|parquet|pq|npz)$/i.test(spec)) {
    throw new OrlError(
      'UNSUPPORTED',
      `${spec}: a table needs a column mapping first — convert it with \`orl datasets import ${spec} --out data.hdf5 --obs … --act … --reward …\``,
      { name: spec },
    );
  }
  throw new OrlError(
    'UNKNOWN_NAME',
    `unknown dataset '${spec}': use a suite name (${SUITE_NAMES.slice(0, 3).join(', ')}, …), a D4RL name (hopper-medium-v2), a Minari id or a path`,
    { name: spec },
  );
}
