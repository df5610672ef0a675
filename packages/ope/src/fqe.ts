/**
 * Fitted Q Evaluation — "Batch Policy Learning under Constraints", Le, Voloshin & Yue, ICML 2019; as d3rlpy implements
 * it (d3rlpy.ope.FQE, continuous actions). Estimates the value of a fixed policy π from logged transitions alone:
 *   y = r + γ(1 − d)·Q'(s', π(s'));   L = mean (Q(s, a) − y)²;   Q' ← Q every `targetUpdateInterval` steps
 *   V̂(π) = mean over the dataset's episode start states s₀ of Q(s₀, π(s₀))
 * Q sees standardised states (the dataset's statistics); π sees raw observations, as it does when it acts.
 */
import { Rng, type StateNormalizer, normalizedScore, type Agent, type Batch, type Dataset, type Policy, type StateDict } from '@orl/core';
import { Adam, MLP, Tape, mlpState, polyak, type Engine } from '@orl/nn';

export interface FQEConfig {
  /** Discount factor γ (d3rlpy FQE: 0.99). */
  discount: number;
  /** Learning rate of Q (Adam; d3rlpy FQE: 1e-4). */
  lr: number;
  /** Mini-batch size (d3rlpy FQE: 100). */
  batchSize: number;
  /** Copy Q into the target network every this many steps (d3rlpy FQE: 100). */
  targetUpdateInterval: number;
  /** Hidden layer widths of Q (d3rlpy's default vector encoder: 256, 256). */
  hidden: number[];
  /** Seed of Q's initialisation. */
  seed: number;
}

/** d3rlpy's FQEConfig defaults. */
export const FQE_DEFAULTS: Readonly<FQEConfig> = Object.freeze({
  discount: 0.99,
  lr: 1e-4,
  batchSize: 100,
  targetUpdateInterval: 100,
  hidden: [256, 256],
  seed: 0,
});

/** π(s) for a batch of raw observations, through `actBatch` when the policy has it. */
function actRows(policy: Policy, obs: Float32Array, n: number, out: Float32Array): Float32Array {
  if (policy.actBatch) return policy.actBatch(obs, n, out);
  for (let i = 0; i < n; i++) out.set(policy.act(obs.subarray(i * policy.obsDim, (i + 1) * policy.obsDim)), i * policy.actDim);
  return out;
}

export class FQE implements Agent {
  readonly config: FQEConfig;
  readonly q: MLP;
  private readonly qTarget: MLP;
  private readonly opt: Adam;
  private steps = 0;
  private s: Float32Array;
  private s2: Float32Array;
  private a2: Float32Array;
  private readonly tape: Tape;
  /** π(s') of every row of the sampled dataset, when precomputed (the evaluated policy never changes). */
  private nextActions: Float32Array | null = null;

  constructor(
    readonly engine: Engine,
    /** The policy being evaluated (never trained here). */
    readonly target: Policy,
    readonly normalizer: StateNormalizer,
    config: Partial<FQEConfig> = {},
  ) {
    const c = (this.config = { ...FQE_DEFAULTS, ...config, hidden: [...(config.hidden ?? FQE_DEFAULTS.hidden)] });
    const { obsDim, actDim } = target;
    this.q = new MLP(engine, { sizes: [obsDim + actDim, ...c.hidden, 1], seed: new Rng(c.seed).fork() });
    this.qTarget = this.q.clone();
    this.opt = new Adam(this.q, { lr: c.lr });
    const B = c.batchSize;
    this.s = new Float32Array(B * obsDim);
    this.s2 = new Float32Array(B * obsDim);
    this.a2 = new Float32Array(B * actDim);
    this.tape = new Tape(engine);
  }

  /**
   * Computes π(s') once for every row of the dataset the batches are drawn from (batch.indices index it): the policy is
   * fixed, so each step then looks its actions up instead of running the policy (a large saving for slow policies).
   */
  precomputeNextActions(nextObservations: Float32Array): void {
    const { obsDim, actDim } = this.target;
    const n = nextObservations.length / obsDim;
    const out = new Float32Array(n * actDim);
    const chunk = 4096;
    for (let s = 0; s < n; s += chunk) {
      const m = Math.min(chunk, n - s);
      actRows(this.target, nextObservations.subarray(s * obsDim, (s + m) * obsDim), m, out.subarray(s * actDim, (s + m) * actDim));
    }
    this.nextActions = out;
  }

  update(batch: Batch): Record<string, number> {
    const { config: c, target, tape: t } = this;
    const { obsDim, actDim } = target;
    const B = batch.size;
    if (B > this.s.length / obsDim) throw new RangeError(`FQE: batch of ${B} rows, built for ${this.s.length / obsDim}`);
    t.reset();
    const s = t.constant(this.normalizer.normalize(batch.observations, this.s), B, obsDim);
    const s2 = t.constant(this.normalizer.normalize(batch.nextObservations, this.s2), B, obsDim);
    if (this.nextActions && batch.indices) {
      const na = this.nextActions;
      for (let i = 0; i < B; i++) this.a2.set(na.subarray(batch.indices[i]! * actDim, (batch.indices[i]! + 1) * actDim), i * actDim);
    } else actRows(target, batch.nextObservations, B, this.a2);

    // y = r + γ(1 − d)·Q'(s', π(s')), no gradient; L = mean (Q(s, a) − y)².
    const tq = t.mlp(this.qTarget, t.concat(s2, t.constant(this.a2, B, actDim)), { frozen: true });
    const y = t.map(tq, (q, i) => batch.rewards[i!]! + (1 - batch.dones[i!]!) * c.discount * q!);
    const q = t.mlp(this.q, t.concat(s, t.constant(batch.actions, B, actDim)));
    const loss = t.mse(q, y);
    this.opt.zeroGrad();
    t.backward(loss);
    this.opt.step();

    this.steps++;
    if (this.steps % c.targetUpdateInterval === 0) polyak(this.qTarget, this.q, 1); // hard copy
    return { 'loss/fqe': loss.value, 'q/mean': t.mean(q).value };
  }

  /** Q(s, π(s)) for `n` raw observations. */
  values(observations: Float32Array, n: number): Float32Array {
    const { obsDim, actDim } = this.target;
    const out = new Float32Array(n);
    const chunk = 1024;
    const sa = new Float32Array(chunk * (obsDim + actDim));
    const s = new Float32Array(chunk * obsDim);
    const a = new Float32Array(chunk * actDim);
    for (let start = 0; start < n; start += chunk) {
      const m = Math.min(chunk, n - start);
      const raw = observations.subarray(start * obsDim, (start + m) * obsDim);
      actRows(this.target, raw, m, a.subarray(0, m * actDim));
      this.normalizer.normalize(raw, s.subarray(0, m * obsDim));
      for (let r = 0; r < m; r++) {
        sa.set(s.subarray(r * obsDim, (r + 1) * obsDim), r * (obsDim + actDim));
        sa.set(a.subarray(r * actDim, (r + 1) * actDim), r * (obsDim + actDim) + obsDim);
      }
      out.set(this.q.predict(sa.subarray(0, m * (obsDim + actDim)), m), start);
    }
    return out;
  }

  /** The estimate: mean Q(s₀, π(s₀)) over episode start states (see `initialStates`). */
  initialStateValue(starts: Float32Array): number {
    const n = starts.length / this.target.obsDim;
    const v = this.values(starts, n);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += v[i]!;
    return sum / n;
  }

  policy(): Policy {
    return this.target;
  }

  stateDict(): StateDict {
    return {
      algo: 'fqe',
      config: this.config as unknown as StateDict,
      steps: this.steps,
      nets: { q: mlpState(this.q), qTarget: mlpState(this.qTarget) },
      opt: this.opt.stateDict(),
    };
  }

  /** Frees engine memory (networks, optimizer moments, the tape's buffers); the estimator must not be used afterwards. */
  dispose(): void {
    this.tape.dispose();
    this.opt.dispose();
    this.q.dispose();
    this.qTarget.dispose();
  }

  loadStateDict(s: StateDict): void {
    const nets = s.nets as Record<string, { params: Float32Array }>;
    this.q.setParams(nets.q!.params);
    this.qTarget.setParams(nets.qTarget!.params);
    this.opt.loadStateDict(s.opt as Parameters<Adam['loadStateDict']>[0]);
    this.steps = s.steps as number;
  }
}

/** Observations that start an episode: row 0 and every row after a terminal or timeout. */
export function initialStates(data: Dataset): Float32Array {
  const rows: number[] = [0];
  for (let i = 0; i + 1 < data.size; i++) if (data.terminals[i] || data.timeouts[i]) rows.push(i + 1);
  const out = new Float32Array(rows.length * data.obsDim);
  rows.forEach((r, k) => out.set(data.observations.subarray(r * data.obsDim, (r + 1) * data.obsDim), k * data.obsDim));
  return out;
}

/**
 * A discounted value as a D4RL-normalized episode score, assuming the policy earns its average discounted reward
 * V·(1 − γ) at every one of `horizon` steps. Exact only for a policy that survives the whole episode at a steady reward;
 * one that falls early (hopper, walker2d) is overestimated. Use it to read the level; compare policies by `value`.
 */
export function valueToNormalizedScore(task: string, value: number, discount: number, horizon = 1000): number {
  return normalizedScore(task, value * (1 - discount) * horizon);
}
