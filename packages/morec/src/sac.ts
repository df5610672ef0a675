/**
 * SAC (Haarnoja et al., 2018) as MOPO/MOREC's policy optimizer: twin Q with targets, tanh-squashed Gaussian actor
 * (log std bounded smoothly to [−5, 2]), automatic entropy temperature with target entropy −|A|.
 */
import { Rng, StateNormalizer, type Batch, type StateDict } from '@orl/core';
import { Adam, AgentState, MLP, MlpPolicy, ParamVector, Tape, polyak, type Engine, type Tensor } from '@orl/nn';

export interface SACConfig {
  /** Discount factor γ. */
  discount: number;
  /** Soft target update rate τ. */
  tau: number;
  /** Actor learning rate (Adam). */
  actorLr: number;
  /** Critic learning rate (Adam). */
  criticLr: number;
  /** Learning rate of the entropy temperature log α. */
  alphaLr: number;
  /** Hidden layer widths of actor and critics. */
  hidden: number[];
  /** Automatic α (target entropy −|A|); otherwise α is fixed at initAlpha. */
  autoAlpha: boolean;
  /** Initial (or fixed) entropy temperature α. */
  initAlpha: number;
  /** Seed of SAC's networks and sampling (set from MOREC's seed). */
  seed: number;
}

export const SAC_DEFAULTS: Readonly<SACConfig> = Object.freeze({
  discount: 0.99,
  tau: 0.005,
  actorLr: 1e-4,
  criticLr: 3e-4,
  alphaLr: 3e-4,
  hidden: [256, 256],
  autoAlpha: true,
  initAlpha: 0.2,
  seed: 0,
});

const LOG_STD_MIN = -5,
  LOG_STD_MAX = 2;

export class SAC {
  readonly config: SACConfig;
  readonly actor: MLP;
  readonly q1: MLP;
  readonly q2: MLP;
  private readonly q1t: MLP;
  private readonly q2t: MLP;
  private readonly logAlpha: ParamVector;
  private readonly optA: Adam;
  private readonly opt1: Adam;
  private readonly opt2: Adam;
  private readonly optAlpha: Adam;
  readonly rng: Rng;
  private meanHead: MLP | null = null;
  /** Networks, temperature, optimizers and RNG: what checkpoints save and `dispose` frees. */
  private readonly state = new AgentState();
  /** The update's tape, and one for sampling between updates (rollouts, MOBILE's targets). */
  private readonly tape: Tape;
  private readonly inference: Tape;

  constructor(
    readonly engine: Engine,
    readonly obsDim: number,
    readonly actDim: number,
    config: Partial<SACConfig> = {},
  ) {
    const c = (this.config = { ...SAC_DEFAULTS, ...config });
    const init = new Rng(c.seed);
    const st = this.state;
    this.actor = st.net('actor', new MLP(engine, { sizes: [obsDim, ...c.hidden, 2 * actDim], seed: init.fork() }));
    this.q1 = st.net('q1', new MLP(engine, { sizes: [obsDim + actDim, ...c.hidden, 1], seed: init.fork() }));
    this.q2 = st.net('q2', new MLP(engine, { sizes: [obsDim + actDim, ...c.hidden, 1], seed: init.fork() }));
    this.q1t = st.net('q1t', this.q1.clone());
    this.q2t = st.net('q2t', this.q2.clone());
    this.logAlpha = st.vector('logAlpha', new ParamVector(engine, 1, Math.log(c.initAlpha)));
    this.optA = st.optimizer('actor', new Adam(this.actor, { lr: c.actorLr }));
    this.opt1 = st.optimizer('q1', new Adam(this.q1, { lr: c.criticLr }));
    this.opt2 = st.optimizer('q2', new Adam(this.q2, { lr: c.criticLr }));
    this.optAlpha = st.optimizer('logAlpha', new Adam(this.logAlpha, { lr: c.alphaLr }));
    this.rng = st.rng('rng', init.fork());
    this.tape = st.tape(new Tape(engine));
    this.inference = st.tape(new Tape(engine));
  }

  get alpha(): number {
    return Math.exp(this.logAlpha.get()[0]!);
  }

  /** π(·|s) on tape `t`: a reparameterised tanh-Gaussian sample, its log-probability and the mean. */
  private policyOn(t: Tape, s: Tensor, options: { frozen?: boolean } = {}): { action: Tensor; logProb: Tensor; mean: Tensor } {
    const A = this.actDim;
    const out = t.mlp(this.actor, s, options);
    const mean = t.slice(out, 0, A);
    const logStd = t.tanhBound(t.slice(out, A, 2 * A), LOG_STD_MIN, LOG_STD_MAX);
    const noise = t.constant(this.rng.fillNormal(new Float32Array(s.rows * A)), s.rows, A);
    return { ...t.tanhGaussian(mean, logStd, noise), mean };
  }

  /** Stochastic (reparameterised) actions for n rows, with their log-probabilities. */
  sample(obs: Float32Array, n: number): { action: Float32Array; logProb: Float32Array } {
    const t = this.inference.reset();
    const { action, logProb } = this.policyOn(t, t.constant(obs, n, this.obsDim), { frozen: true });
    return { action: action.values(), logProb: logProb.values() };
  }

  /** Deterministic actions tanh(mean). */
  actMean(obs: Float32Array, n: number): Float32Array {
    const t = this.inference.reset();
    const out = t.mlp(this.actor, t.constant(obs, n, this.obsDim), { frozen: true });
    return t.slice(out, 0, this.actDim).values().map(Math.tanh);
  }

  /** min(Q1′, Q2′)(s, a′) with a′ ~ π(·|s) for n states: the target networks' value (MOBILE's Bellman estimates). */
  targetValue(obs: Float32Array, n: number): Float32Array {
    const t = this.inference.reset();
    const s = t.constant(obs, n, this.obsDim);
    const sa = t.concat(s, this.policyOn(t, s, { frozen: true }).action);
    return t.min(...t.mlps([this.q1t, this.q2t], sa, { frozen: true })).values();
  }

  update(b: Batch): Record<string, number> {
    const { config: c, obsDim: S, actDim: A } = this;
    const B = b.size;
    const t = this.tape.reset();
    const alpha = this.alpha;
    const s = t.constant(b.observations, B, S);
    const s2 = t.constant(b.nextObservations, B, S);

    // Critic target (no gradient): r + γ(1 − d)(min Q'(s', a') − α log π(a'|s')), a' ~ π(·|s').
    const next = this.policyOn(t, s2, { frozen: true });
    const s2a2 = t.concat(s2, next.action);
    const [tq1, tq2] = t.mlps([this.q1t, this.q2t], s2a2, { frozen: true });
    const y = t.map([tq1, tq2, next.logProb], (q1, q2, lp, i) => b.rewards[i!]! + c.discount * (1 - b.dones[i!]!) * (Math.min(q1!, q2!) - alpha * lp!));

    // Critics: L = mse(Q1(s, a), y) + mse(Q2(s, a), y).
    const sa = t.concat(s, t.constant(b.actions, B, A));
    const [q1, q2] = t.mlps([this.q1, this.q2], sa);
    const qLoss = t.add(t.mse(q1, y), t.mse(q2, y));
    this.opt1.zeroGrad();
    this.opt2.zeroGrad();
    t.backward(qLoss);
    this.opt1.step();
    this.opt2.step();

    // Actor: L = mean(α log π(a|s) − min Q(s, a)), a ~ π(·|s) reparameterised, critics frozen.
    const cur = this.policyOn(t, s);
    const sPi = t.concat(s, cur.action);
    const qPi = t.min(...t.mlps([this.q1, this.q2], sPi, { frozen: true }));
    const piLoss = t.mean(t.sub(t.scale(cur.logProb, alpha), qPi));
    this.optA.zeroGrad();
    t.backward(piLoss);
    this.optA.step();
    const logProbMean = t.mean(cur.logProb).value;

    if (c.autoAlpha) {
      // L(α) = −log α · mean(log π + H_target), H_target = −|A| (log π detached).
      const alphaLoss = t.scale(t.mean(t.param(this.logAlpha)), -(logProbMean - A));
      this.optAlpha.zeroGrad();
      t.backward(alphaLoss);
      this.optAlpha.step();
    }
    polyak(this.q1t, this.q1, c.tau);
    polyak(this.q2t, this.q2, c.tau);
    return { 'loss/critic': qLoss.value, 'loss/actor': piLoss.value, alpha, entropy: -logProbMean };
  }

  /**
   * The deterministic policy tanh(μ(s)) as an MlpPolicy: a copy of the actor's current mean head (hidden layers as
   * they are, the first |A| of the 2|A| outputs, tanh output), so it can be saved, evaluated and exported to TF.js.
   * Later updates do not change a returned policy's network until policy() is called again (it reuses one copy).
   */
  policy(): MlpPolicy {
    this.meanHead = this.actor.outputHead(this.actDim, 'tanh', this.meanHead ?? undefined);
    return new MlpPolicy(this.meanHead, StateNormalizer.identity(this.obsDim));
  }

  stateDict(): StateDict {
    return this.state.stateDict();
  }

  loadStateDict(s: StateDict): void {
    this.state.loadStateDict(s);
  }

  /** Frees engine memory (networks, optimizers, work buffers); the agent must not be used afterwards. */
  dispose(): void {
    this.state.dispose();
    this.meanHead?.dispose();
    this.meanHead = null;
  }
}
