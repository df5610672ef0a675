import { OrlError, type Rng, type Policy } from '@orl/core';

/** The `mlp-policy/1` JSON format of the shipped behavior policies (see policies/README.md). */
export interface MlpPolicyJson {
  format: 'mlp-policy/1';
  env: string;
  algo: string;
  source?: string;
  obsDim: number;
  actDim: number;
  obsNormalizer: { mean: number[]; var: number[]; epsilon: number; clip: number } | null;
  timeFeature?: boolean;
  layers: { weight: number[][]; bias: number[]; activation: 'relu' | 'tanh' | 'linear' }[];
  squash: 'tanh' | 'clip';
  /** Exploration noise of a stochastic policy; null (or absent) for a deterministic one (TD3, ARS): `sample` = `act`. */
  logStd?: { kind: 'head'; weight: number[][]; bias: number[]; clip: [number, number] } | { kind: 'parameter'; value: number[] } | null;
  reportedEval?: { meanReturn: number; stdReturn: number; meanLength: number };
}

interface DenseLayer {
  w: Float64Array; // [out][in]
  b: Float64Array;
  inDim: number;
  outDim: number;
  act: 'relu' | 'tanh' | 'linear';
}

function dense(l: { weight: number[][]; bias: number[] }, act: DenseLayer['act'], where: string): DenseLayer {
  if (!l || typeof l !== 'object' || !Array.isArray(l.weight) || !Array.isArray(l.bias))
    throw new OrlError('FORMAT', `${where}: needs weight [out][in] and bias [out] arrays`);
  const outDim = l.weight.length;
  const inDim = Array.isArray(l.weight[0]) ? l.weight[0].length : 0;
  if (outDim === 0 || inDim === 0 || l.bias.length !== outDim) throw new OrlError('FORMAT', `${where}: weight must be [out][in] with bias[out]`);
  const w = new Float64Array(outDim * inDim);
  for (let o = 0; o < outDim; o++) {
    const row = l.weight[o]!;
    if (!Array.isArray(row) || row.length !== inDim) throw new OrlError('FORMAT', `${where}: ragged weight row ${o}`);
    for (let i = 0; i < inDim; i++) w[o * inDim + i] = row[i]!;
  }
  const b = Float64Array.from(l.bias);
  if (!w.every(Number.isFinite) || !b.every(Number.isFinite)) throw new OrlError('NON_FINITE', `${where}: weights must be finite numbers`);
  return { w, b, inDim, outDim, act };
}

function apply(l: DenseLayer, x: Float64Array, out: Float64Array): Float64Array {
  for (let o = 0; o < l.outDim; o++) {
    let s = l.b[o]!;
    const base = o * l.inDim;
    for (let i = 0; i < l.inDim; i++) s += l.w[base + i]! * x[i]!;
    out[o] = l.act === 'relu' ? Math.max(s, 0) : l.act === 'tanh' ? Math.tanh(s) : s;
  }
  return out;
}

/**
 * A pretrained behavior policy (Stable-Baselines3 zoo actors converted to JSON), evaluated in float64 plain JS.
 * `act` is deterministic; `sample` adds the policy's own exploration noise (scaled by `noiseScale`) before squashing,
 * as D4RL-style data collection does. With a time feature (walker2d-ppo) the policy counts its steps: call `reset()`
 * at every episode start.
 */
export class BehaviorPolicy implements Policy {
  readonly obsDim: number;
  readonly actDim: number;
  readonly name: string;
  readonly json: MlpPolicyJson;
  private readonly layers: DenseLayer[];
  private readonly head: DenseLayer | null;
  private readonly logStdParam: Float64Array | null;
  private readonly buffers: Float64Array[];
  private readonly input: Float64Array;
  private t = 0;

  constructor(json: MlpPolicyJson) {
    if (!json || typeof json !== 'object' || json.format !== 'mlp-policy/1')
      throw new OrlError('FORMAT', `not an mlp-policy/1 document (format: ${String((json as { format?: unknown } | null)?.format).slice(0, 40)})`);
    if (!Number.isInteger(json.obsDim) || json.obsDim < 1 || !Number.isInteger(json.actDim) || json.actDim < 1)
      throw new OrlError('FORMAT', 'mlp-policy/1: obsDim and actDim must be positive integers');
    if (!Array.isArray(json.layers) || json.layers.length === 0) throw new OrlError('FORMAT', 'mlp-policy/1: layers must be a non-empty array');
    const ls = json.logStd;
    if (ls !== undefined && ls !== null && (typeof ls !== 'object' || (ls.kind !== 'head' && ls.kind !== 'parameter')))
      throw new OrlError('FORMAT', "mlp-policy/1: logStd must be null, {kind: 'head', …} or {kind: 'parameter', …}");
    if (ls?.kind === 'parameter' && (!Array.isArray(ls.value) || ls.value.length !== json.actDim || !ls.value.every(Number.isFinite)))
      throw new OrlError('FORMAT', `mlp-policy/1: logStd.value must be ${json.actDim} finite numbers`);
    if (ls?.kind === 'head' && (!Array.isArray(ls.clip) || ls.clip.length !== 2 || !ls.clip.every(Number.isFinite)))
      throw new OrlError('FORMAT', 'mlp-policy/1: logStd.clip must be two finite numbers');
    this.json = json;
    this.obsDim = json.obsDim;
    this.actDim = json.actDim;
    this.name = `${json.env}-${json.algo}`;
    this.layers = json.layers.map((l, i) => dense(l, l.activation, `layers[${i}]`));
    const inDim = this.obsDim + (json.timeFeature ? 1 : 0);
    if (this.layers[0]!.inDim !== inDim) throw new OrlError('SHAPE_MISMATCH', `policy input is ${this.layers[0]!.inDim}, expected ${inDim}`);
    if (this.layers.at(-1)!.outDim !== this.actDim)
      throw new OrlError('SHAPE_MISMATCH', `policy output is ${this.layers.at(-1)!.outDim}, expected ${this.actDim}`);
    if (json.obsNormalizer && json.obsNormalizer.mean.length !== inDim)
      throw new OrlError('SHAPE_MISMATCH', `obsNormalizer has ${json.obsNormalizer.mean.length} dims, expected ${inDim}`);
    this.head = ls?.kind === 'head' ? dense(ls, 'linear', 'logStd') : null;
    this.logStdParam = ls?.kind === 'parameter' ? Float64Array.from(ls.value) : null;
    this.buffers = this.layers.map((l) => new Float64Array(l.outDim));
    this.input = new Float64Array(inDim);
  }

  static fromJSON(json: unknown): BehaviorPolicy {
    return new BehaviorPolicy(json as MlpPolicyJson);
  }

  /** True when the action depends on the step count (time feature): use one instance per concurrent episode. */
  get stateful(): boolean {
    return Boolean(this.json.timeFeature);
  }

  reset(): void {
    this.t = 0;
  }

  /** Pre-squash mean and log std for an observation (advances the time feature). */
  private forward(obs: ArrayLike<number>): { mean: Float64Array; logStd: Float64Array | null } {
    if (obs.length !== this.obsDim) throw new OrlError('SHAPE_MISMATCH', `${this.name}: observation must have ${this.obsDim} values, got ${obs.length}`);
    const x = this.input;
    for (let i = 0; i < this.obsDim; i++) x[i] = obs[i]!;
    if (this.json.timeFeature) x[this.obsDim] = 1 - this.t / 1000;
    this.t++;
    const nz = this.json.obsNormalizer;
    if (nz) {
      for (let i = 0; i < x.length; i++) {
        const v = (x[i]! - nz.mean[i]!) / Math.sqrt(nz.var[i]! + nz.epsilon);
        x[i] = v < -nz.clip ? -nz.clip : Math.min(v, nz.clip);
      }
    }
    let h = x;
    let latent = x;
    for (let l = 0; l < this.layers.length; l++) {
      if (l === this.layers.length - 1) latent = h;
      h = apply(this.layers[l]!, h, this.buffers[l]!);
    }
    let logStd: Float64Array | null = null;
    if (this.head) {
      logStd = apply(this.head, latent, new Float64Array(this.actDim));
      const [lo, hi] = (this.json.logStd as { clip: [number, number] }).clip;
      for (let i = 0; i < logStd.length; i++) logStd[i] = Math.min(hi, Math.max(lo, logStd[i]!));
    } else {
      logStd = this.logStdParam;
    }
    return { mean: h, logStd };
  }

  private squash(u: number): number {
    return this.json.squash === 'tanh' ? Math.tanh(u) : u < -1 ? -1 : Math.min(u, 1);
  }

  act(observation: Float32Array | ArrayLike<number>, out: Float32Array = new Float32Array(this.actDim)): Float32Array {
    const { mean } = this.forward(observation);
    for (let i = 0; i < this.actDim; i++) out[i] = this.squash(mean[i]!);
    return out;
  }

  /** True when the policy has no exploration noise of its own (`logStd: null`). */
  get deterministic(): boolean {
    return !this.head && !this.logStdParam;
  }

  /** Stochastic action: squash(mean + noiseScale · exp(logStd) · N(0, 1)); a deterministic policy returns `act`. */
  sample(observation: ArrayLike<number>, rng: Rng, noiseScale = 1, out: Float32Array = new Float32Array(this.actDim)): Float32Array {
    const { mean, logStd } = this.forward(observation);
    if (!logStd) {
      for (let i = 0; i < this.actDim; i++) out[i] = this.squash(mean[i]!);
      return out;
    }
    for (let i = 0; i < this.actDim; i++) out[i] = this.squash(mean[i]! + noiseScale * Math.exp(logStd[i]!) * rng.normal());
    return out;
  }

  /** A fresh instance with the same weights (for concurrent episodes of a stateful policy). */
  clone(): BehaviorPolicy {
    return new BehaviorPolicy(this.json);
  }
}

/**
 * A Node built-in, reached without a static import so that browser bundles of this package stay free of them.
 * In a browser, fetch the policy JSON yourself and use `BehaviorPolicy.fromJSON`.
 */
function nodeBuiltin<T>(id: string, what: string): T {
  const get = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
  if (!get) throw new OrlError('UNSUPPORTED', `${what} reads files (Node ≥ 20.16); in a browser, fetch the policy JSON and use BehaviorPolicy.fromJSON(json)`);
  return get(id) as T;
}

/** Reads a behavior policy from a JSON file (Node). */
export async function loadBehaviorPolicy(path: string): Promise<BehaviorPolicy> {
  const { readFile } = nodeBuiltin<typeof import('node:fs/promises')>('node:fs/promises', 'loadBehaviorPolicy');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new OrlError('NOT_FOUND', `cannot read behavior policy ${path}: ${(cause as Error).message}`, { path }, { cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new OrlError('FORMAT', `${path} is not JSON`, { path }, { cause });
  }
  return BehaviorPolicy.fromJSON(json);
}

/** Names of the behavior policies shipped with this package (policies/*.json). */
export const SHIPPED_POLICIES = [
  'hopper-tqc',
  'hopper-sac',
  'hopper-ppo',
  'hopper-a2c',
  'walker2d-tqc',
  'walker2d-sac',
  'walker2d-ppo',
  'walker2d-a2c',
  'halfcheetah-tqc',
  'halfcheetah-sac',
  'halfcheetah-ppo',
  'halfcheetah-a2c',
] as const;
export type ShippedPolicy = (typeof SHIPPED_POLICIES)[number];

/** Path of a shipped policy file (Node). */
export async function shippedPolicyPath(name: ShippedPolicy | string): Promise<string> {
  if (!(SHIPPED_POLICIES as readonly string[]).includes(name)) {
    throw new OrlError('UNKNOWN_NAME', `no shipped behavior policy '${name}' (known: ${SHIPPED_POLICIES.join(', ')})`, { name });
  }
  const { fileURLToPath } = nodeBuiltin<typeof import('node:url')>('node:url', 'shippedPolicyPath');
  const { dirname, join } = nodeBuiltin<typeof import('node:path')>('node:path', 'shippedPolicyPath');
  const { existsSync } = nodeBuiltin<typeof import('node:fs')>('node:fs', 'shippedPolicyPath');
  let dir = typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const p = join(dir, 'policies', `${name}.json`);
    if (existsSync(p)) return p;
    dir = dirname(dir);
  }
  throw new OrlError('NOT_FOUND', `policies/${name}.json is missing from the @orl/mujoco-env installation`);
}

/** Loads a shipped behavior policy by name: `await shippedPolicy('hopper-tqc')`. */
export async function shippedPolicy(name: ShippedPolicy | string): Promise<BehaviorPolicy> {
  return loadBehaviorPolicy(await shippedPolicyPath(name));
}
