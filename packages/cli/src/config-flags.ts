/**
 * Every config field of an algorithm as a command-line flag, its doc comment as the help text. The field lists are
 * generated from the config interfaces (tools/config-fields.mts), so a new field gets its flag and help for free.
 */
import { Option, InvalidArgumentError, type Command } from 'commander';
import { OrlError, type ConfigFieldSpec } from '@orl/core';
import { IQL_CONFIG_FIELDS, IQL_DEFAULTS } from '@orl/iql';
import { MOREC_CONFIG_FIELDS, MOREC_DEFAULTS, ROLLOUT_DEFAULTS, SAC_DEFAULTS } from '@orl/morec';
import { FQE_CONFIG_FIELDS, FQE_DEFAULTS } from '@orl/ope';
import { REWARD_MODEL_CONFIG_FIELDS, REWARD_MODEL_DEFAULTS } from '@orl/reward-model';
import { TD3BC_CONFIG_FIELDS, TD3BC_DEFAULTS } from '@orl/td3bc';
import { BC_CONFIG_FIELDS, BC_DEFAULTS } from '@orl/bc';
import { AWAC_CONFIG_FIELDS, AWAC_DEFAULTS } from '@orl/awac';
import { CQL_CONFIG_FIELDS, CQL_DEFAULTS } from '@orl/cql';
import { REBRAC_CONFIG_FIELDS, REBRAC_DEFAULTS } from '@orl/rebrac';

export interface ConfigGroup {
  /** Which config the fields fill: an algorithm, or 'rm' (the reward model of the imputed condition). */
  owner: string;
  fields: readonly ConfigFieldSpec[];
  defaults: Record<string, unknown>;
  /** Flag prefix ('rm' → --rm-hidden). */
  prefix?: string;
  /** Fields set by a hand-written flag instead (e.g. seed: the run's --seed). */
  skip?: readonly string[];
}

/** Fields the commands already set through their own flags. */
const RUN_FLAGS = ['seed', 'maxSteps'];

export const CONFIG_GROUPS: readonly ConfigGroup[] = [
  { owner: 'td3bc', fields: TD3BC_CONFIG_FIELDS, defaults: TD3BC_DEFAULTS as never, skip: RUN_FLAGS },
  { owner: 'iql', fields: IQL_CONFIG_FIELDS, defaults: IQL_DEFAULTS as never, skip: [...RUN_FLAGS, 'rewardScale'] },
  { owner: 'bc', fields: BC_CONFIG_FIELDS, defaults: BC_DEFAULTS as never, skip: RUN_FLAGS },
  { owner: 'awac', fields: AWAC_CONFIG_FIELDS, defaults: AWAC_DEFAULTS as never, skip: RUN_FLAGS },
  // CQL's reward scale is CORL's normalisation, computed by the pipeline as for IQL.
  { owner: 'cql', fields: CQL_CONFIG_FIELDS, defaults: CQL_DEFAULTS as never, skip: [...RUN_FLAGS, 'rewardScale'] },
  { owner: 'rebrac', fields: REBRAC_CONFIG_FIELDS, defaults: REBRAC_DEFAULTS as never, skip: RUN_FLAGS },
  {
    owner: 'morec',
    fields: MOREC_CONFIG_FIELDS,
    defaults: { ...MOREC_DEFAULTS, rollout: ROLLOUT_DEFAULTS, sac: SAC_DEFAULTS } as never,
    // --select, --horizon, --rollout-starts, --policy-penalty and --mobile-beta predate these flags and stay.
    skip: [...RUN_FLAGS, 'sac.seed', 'rollout.select', 'rollout.horizon', 'rolloutBatch', 'policyPenalty', 'mobile.beta'],
  },
  { owner: 'fqe', fields: FQE_CONFIG_FIELDS, defaults: FQE_DEFAULTS as never, skip: ['seed'] },
  { owner: 'rm', fields: REWARD_MODEL_CONFIG_FIELDS, defaults: REWARD_MODEL_DEFAULTS as never, prefix: 'rm', skip: ['seed'] },
];

const kebab = (s: string) => s.replace(/\./g, '-').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const camel = (flag: string) => flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

function flagName(g: ConfigGroup, field: string): string {
  return (g.prefix ? `${g.prefix}-` : '') + kebab(field);
}

function defaultOf(defaults: Record<string, unknown>, name: string): unknown {
  return name.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), defaults);
}

function parser(flag: string, f: ConfigFieldSpec): (v: string) => unknown {
  const num = (v: string) => {
    const n = v.trim() === '' ? NaN : Number(v);
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`${flag} must be a number`);
    return n;
  };
  if (f.type === 'number') return num;
  if (f.type === 'number[]') return (v: string) => v.split(',').map((x) => num(x));
  if (f.type === 'boolean') {
    return (v: string) => {
      if (/^(true|1|yes)$/i.test(v)) return true;
      if (/^(false|0|no)$/i.test(v)) return false;
      throw new InvalidArgumentError(`${flag} must be true or false`);
    };
  }
  return (v: string) => {
    if (!f.choices!.includes(v)) throw new InvalidArgumentError(`${flag}: '${v}' is not one of ${f.choices!.join(', ')}`);
    return v;
  };
}

/**
 * Adds the flags of `owners` (e.g. ['td3bc', 'iql', 'rm']) to a command. A field two algorithms share (--discount)
 * is one flag; its help names the defaults of each.
 */
export function addConfigFlags(cmd: Command, owners: readonly string[]): Command {
  const byFlag = new Map<string, { field: ConfigFieldSpec; uses: { owner: string; def: unknown }[] }>();
  for (const g of CONFIG_GROUPS.filter((x) => owners.includes(x.owner))) {
    for (const f of g.fields) {
      if (g.skip?.includes(f.name)) continue;
      const flag = flagName(g, f.name);
      const e = byFlag.get(flag) ?? { field: f, uses: [] };
      e.uses.push({ owner: g.owner, def: defaultOf(g.defaults, f.name) });
      byFlag.set(flag, e);
    }
  }
  for (const [flag, { field, uses }] of byFlag) {
    const fmt = (v: unknown) => (Array.isArray(v) ? v.join(',') : String(v));
    const defaults = uses.length === 1 ? `default ${fmt(uses[0]!.def)}` : uses.map((u) => `${u.owner} ${fmt(u.def)}`).join(', ');
    const scope = owners.filter((o) => o !== 'rm').length > 1 && !flag.startsWith('rm-') ? `[${uses.map((u) => u.owner).join(', ')}] ` : '';
    const arg =
      field.type === 'boolean' ? '<true|false>' : field.type === 'number[]' ? '<list>' : field.type === 'choice' ? `<${field.choices!.join('|')}>` : '<n>';
    const option = new Option(`--${flag} ${arg}`, `${scope}${field.doc} (${defaults})`).argParser(parser(`--${flag}`, field));
    cmd.addOption(option);
  }
  return cmd;
}

/**
 * The partial config of `owner` from parsed options (only flags the user gave), nested for dotted fields. A flag of
 * another algorithm is refused: `--expectile` with td3bc is a mistake, not a no-op.
 */
export function configFromFlags(opts: Record<string, unknown>, owner: string, others: readonly string[] = []): Record<string, unknown> {
  const g = CONFIG_GROUPS.find((x) => x.owner === owner)!;
  const mine = new Set<string>();
  const out: Record<string, unknown> = {};
  for (const f of g.fields) {
    if (g.skip?.includes(f.name)) continue;
    const key = camel(flagName(g, f.name));
    mine.add(key);
    const v = opts[key];
    if (v === undefined) continue;
    const path = f.name.split('.');
    let o = out;
    for (const k of path.slice(0, -1)) o = (o[k] ??= {}) as Record<string, unknown>;
    o[path.at(-1)!] = v;
  }
  for (const other of others) {
    const og = CONFIG_GROUPS.find((x) => x.owner === other)!;
    for (const f of og.fields) {
      const key = camel(flagName(og, f.name));
      if (!mine.has(key) && opts[key] !== undefined && !og.skip?.includes(f.name)) {
        throw new OrlError('INVALID_ARGUMENT', `--${flagName(og, f.name)} belongs to ${other}; ${owner} has no such setting`);
      }
    }
  }
  return out;
}

/** The inverse of configFromFlags: command-line flags that reproduce a (partial) config of `owner`. */
export function configToFlags(config: Record<string, unknown>, owner: string): string[] {
  const g = CONFIG_GROUPS.find((x) => x.owner === owner)!;
  const out: string[] = [];
  for (const f of g.fields) {
    const v = defaultOf(config, f.name);
    if (v === undefined || g.skip?.includes(f.name)) continue;
    out.push(`--${flagName(g, f.name)}`, Array.isArray(v) ? v.join(',') : String(v));
  }
  return out;
}
