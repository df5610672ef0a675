/**
 * TD3+BC — "A Minimalist Approach to Offline Reinforcement Learning", Fujimoto & Gu, NeurIPS 2021.
 * https://arxiv.org/abs/2106.06860 · reference implementation: CORL algorithms/offline/td3_bc.py
 *
 * TD3 (twin critics, target policy smoothing, delayed actor updates) with a behaviour-cloning term in the actor loss:
 *   critic:  y = r + γ(1 − d)·min_i Q'_i(s', clip(π'(s') + clip(σε, −c, c), −1, 1));  L = Σ_i mean (Q_i(s, a) − y)²
 *   actor:   λ = α / mean|Q_1(s, π(s))|  (detached);   L = −λ·mean Q_1(s, π(s)) + mean (π(s) − a)²
 */
import { Rng, clamp, type Agent, type Batch, type StateDict, type StateNormalizer } from '@orl/core';
import { Adam, AgentState, MLP, MlpPolicy, Tape, polyak, type Engine } from '@orl/nn';

export interface TD3BCConfig {
  // Optimisation
  /** Discount factor γ. */
  discount: number;
  /** Soft target update rate τ. */
  tau: number;
  /** Actor learning rate (Adam). */
  actorLr: number;
  /** Critic learning rate (Adam). */
  criticLr: number;
  /** Mini-batch size. */
  batchSize: number;
  // TD3
  /** Std of the target policy smoothing noise σ. */
  policyNoise: number;
  /** Clip c of the smoothing noise. */
  noiseClip: number;
  /** Actor and target updates every this many critic updates. */
  policyFreq: number;
  // BC
  /** α in λ = α / mean|Q|: weight of the RL term against behaviour cloning. */
  alpha: number;
  // Networks
  /** Hidden layer widths of actor and critics. */
  hidden: number[];
  /** Action bound (actions in [−maxAction, maxAction]). */
  maxAction: number;
  /** Seed of network initialisation and exploration noise. */
  seed: number;
}

/** CORL's defaults (also the paper's). */
export const TD3BC_DEFAULTS: Readonly<TD3BCConfig> = Object.freeze({
  discount: 0.99,
  tau: 0.005,
  actorLr: 3e-4,
  criticLr: 3e-4,
  batchSize: 256,
  policyNoise: 0.2,
  noiseClip: 0.5,
  policyFreq: 2,
  alpha: 2.5,
  hidden: [256, 256],
  maxAction: 1,
  seed: 0,
});

export class TD3BC implements Agent {
  readonly config: TD3BCConfig;
  readonly actor: MLP;
  private readonly actorTarget: MLP;
  private readonly q1: MLP;
  private readonly q2: MLP;
  private readonly q1Target: MLP;
  private readonly q2Target: MLP;
  private readonly actorOpt: Adam;
  private readonly q1Opt: Adam;
  private readonly q2Opt: Adam;
  private readonly rng: Rng;
  private readonly totalIt: { value: number };
  /** Networks, optimizers, RNG and counter: what checkpoints save and `dispose` frees. */
  private readonly state = new AgentState();
  private readonly tape: Tape;
  private readonly s: Float32Array;
  private readonly s2: Float32Array;

  constructor(
    readonly engine: Engine,
    readonly obsDim: number,
    readonly actDim: number,
    readonly normalizer: StateNormalizer,
    config: Partial<TD3BCConfig> = {},
  ) {
    const c = (this.config = { ...TD3BC_DEFAULTS, ...config, hidden: [...(config.hidden ?? TD3BC_DEFAULTS.hidden)] });
    const init = new Rng(c.seed);
    const st = this.state;
    this.actor = st.net('actor', new MLP(engine, { sizes: [obsDim, ...c.hidden, actDim], output: 'tanh', seed: init.fork() }));
    this.q1 = st.net('q1', new MLP(engine, { sizes: [obsDim + actDim, ...c.hidden, 1], seed: init.fork() }));
    this.q2 = st.net('q2', new MLP(engine, { sizes: [obsDim + actDim, ...c.hidden, 1], seed: init.fork() }));
    this.actorTarget = st.net('actorTarget', this.actor.clone());
    this.q1Target = st.net('q1Target', this.q1.clone());
    this.q2Target = st.net('q2Target', this.q2.clone());
    this.actorOpt = st.optimizer('actor', new Adam(this.actor, { lr: c.actorLr }));
    this.q1Opt = st.optimizer('q1', new Adam(this.q1, { lr: c.criticLr }));
    this.q2Opt = st.optimizer('q2', new Adam(this.q2, { lr: c.criticLr }));
    this.rng = st.rng('rng', init.fork());
    this.totalIt = st.counter('totalIt');
    this.tape = st.tape(new Tape(engine));
    this.s = new Float32Array(c.batchSize * obsDim);
    this.s2 = new Float32Array(c.batchSize * obsDim);
  }

  update(batch: Batch): Record<string, number> {
    const { config: c, obsDim, actDim, tape: t, rng } = this;
    const B = batch.size;
    this.totalIt.value++;
    t.reset();
    const s = t.constant(this.normalizer.normalize(batch.observations, this.s), B, obsDim);
    const s2 = t.constant(this.normalizer.normalize(batch.nextObservations, this.s2), B, obsDim);
    const a = t.constant(batch.actions, B, actDim);

    // Critic target (no gradient) with target policy smoothing.
    const noisy = (x: number) => x * c.maxAction + clamp(c.policyNoise * rng.normal(), -c.noiseClip, c.noiseClip);
    const a2 = t.map(t.mlp(this.actorTarget, s2, { frozen: true }), (x) => clamp(noisy(x), -c.maxAction, c.maxAction));
    const s2a2 = t.concat(s2, a2);
    const [tq1, tq2] = t.mlps([this.q1Target, this.q2Target], s2a2, { frozen: true });
    const y = t.map([tq1, tq2], (q1, q2, i) => batch.rewards[i!]! + (1 - batch.dones[i!]!) * c.discount * Math.min(q1!, q2!));

    // Critics: L = mse(Q1(s, a), y) + mse(Q2(s, a), y).
    const sa = t.concat(s, a);
    const [q1, q2] = t.mlps([this.q1, this.q2], sa);
    const criticLoss = t.add(t.mse(q1, y), t.mse(q2, y));
    this.q1Opt.zeroGrad();
    this.q2Opt.zeroGrad();
    t.backward(criticLoss);
    this.q1Opt.step();
    this.q2Opt.step();
    const metrics: Record<string, number> = { 'loss/critic': criticLoss.value, 'q/mean': t.mean(q1).value };

    // Delayed actor update: L = −λ·mean Q1(s, π(s)) + mse(π(s), a), λ = α / mean|Q1(s, π(s))| (detached).
    if (this.totalIt.value % c.policyFreq === 0) {
      const pi = t.mlp(this.actor, s);
      const q = t.mlp(this.q1, t.concat(s, pi), { frozen: true });
      const lambda = c.alpha / t.mean(t.map(q, Math.abs)).value;
      const meanQ = t.mean(q);
      const bc = t.mse(pi, a);
      const actorLoss = t.add(t.scale(meanQ, -lambda), bc);
      this.actorOpt.zeroGrad();
      t.backward(actorLoss);
      this.actorOpt.step();
      polyak(this.q1Target, this.q1, c.tau);
      polyak(this.q2Target, this.q2, c.tau);
      polyak(this.actorTarget, this.actor, c.tau);
      metrics['loss/actor'] = actorLoss.value;
      metrics['loss/bc'] = bc.value;
      metrics.lambda = lambda;
    }
    return metrics;
  }

  policy(): MlpPolicy {
    return new MlpPolicy(this.actor, this.normalizer, this.config.maxAction);
  }

  stateDict(): StateDict {
    return { algo: 'td3bc', config: this.config as unknown as StateDict, normalizer: this.normalizer.toJSON(), ...this.state.stateDict() };
  }

  loadStateDict(s: StateDict): void {
    this.state.loadStateDict(s);
  }

  /** Frees engine memory. */
  dispose(): void {
    this.state.dispose();
  }
}
