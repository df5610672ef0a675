/**
 * AWAC — "Accelerating Online Reinforcement Learning with Offline Datasets", Nair et al., 2020, offline part.
 * https://arxiv.org/abs/2006.09359 · reference implementation: CORL algorithms/offline/awac.py
 *
 * Twin critics trained on the actor's own next actions; the actor regresses the data's actions weighted by how much
 * better they are than its own:
 *   critic:  a' ~ clip(N(μ(s'), σ), −1, 1);  y = r + γ(1 − d)·min_i Q'_i(s', a');  L = Σ_i mean (Q_i(s, a) − y)²
 *   actor:   π ~ clip(N(μ(s), σ), −1, 1);  A = min_i Q_i(s, a) − min_i Q_i(s, π)  (updated critics, detached)
 *            w = min(exp(A / λ), 100);  L = −mean w · log N(a; μ(s), σ)
 * σ = exp(clamp(log σ, −20, 2)) is one learned vector (state-independent); the policy to evaluate is the mean μ(s).
 */
import { Rng, clamp, type Agent, type Batch, type StateDict, type StateNormalizer } from '@orl/core';
import { Adam, AgentState, MLP, MlpPolicy, ParamVector, Tape, polyak, type Engine, type Tensor } from '@orl/nn';

export interface AWACConfig {
  /** Discount factor γ. */
  discount: number;
  /** Soft target update rate τ of the critics. */
  tau: number;
  /** Learning rate of the actor, its log std and both critics (Adam; CORL: 3e-4). */
  learningRate: number;
  /** Temperature λ of the advantage weights exp(A / λ) (CORL: 1.0). */
  awacLambda: number;
  /** Largest advantage weight (CORL: 100). */
  expAdvMax: number;
  /** Transitions per gradient step. */
  batchSize: number;
  /** Hidden layer widths of the actor and the critics (CORL: three layers of 256, ReLU). */
  hidden: number[];
  /** Lower bound of the learned log standard deviation (CORL: −20). */
  logStdMin: number;
  /** Upper bound of the learned log standard deviation (CORL: 2). */
  logStdMax: number;
  /** Largest absolute action: sampled actions are clipped to it and the evaluated mean is scaled by it. */
  maxAction: number;
  /** Seeds the initialization and the action noise (the sampler is seeded by the training loop). */
  seed: number;
}

export const AWAC_DEFAULTS: Readonly<AWACConfig> = Object.freeze({
  discount: 0.99,
  tau: 5e-3,
  learningRate: 3e-4,
  awacLambda: 1.0,
  expAdvMax: 100,
  batchSize: 256,
  hidden: [256, 256, 256],
  logStdMin: -20,
  logStdMax: 2,
  maxAction: 1,
  seed: 0,
});

export class AWAC implements Agent {
  readonly config: AWACConfig;
  readonly actor: MLP;
  readonly logStd: ParamVector;
  private readonly q1: MLP;
  private readonly q2: MLP;
  private readonly q1Target: MLP;
  private readonly q2Target: MLP;
  private readonly actorOpt: Adam;
  private readonly logStdOpt: Adam;
  private readonly q1Opt: Adam;
  private readonly q2Opt: Adam;
  private readonly rng: Rng;
  private readonly steps: { value: number };
  /** Networks, log std, optimizers, RNG and counter: what checkpoints save and `dispose` frees. */
  private readonly state = new AgentState();
  private readonly tape: Tape;
  private readonly s: Float32Array;
  private readonly s2: Float32Array;

  constructor(
    readonly engine: Engine,
    readonly obsDim: number,
    readonly actDim: number,
    readonly normalizer: StateNormalizer,
    config: Partial<AWACConfig> = {},
  ) {
    const c = (this.config = { ...AWAC_DEFAULTS, ...config, hidden: [...(config.hidden ?? AWAC_DEFAULTS.hidden)] });
    const init = new Rng(c.seed);
    const st = this.state;
    this.actor = st.net('actor', new MLP(engine, { sizes: [obsDim, ...c.hidden, actDim], output: 'linear', seed: init.fork() }));
    this.logStd = st.vector('logStd', new ParamVector(engine, actDim, 0));
    this.q1 = st.net('q1', new MLP(engine, { sizes: [obsDim + actDim, ...c.hidden, 1], seed: init.fork() }));
    this.q2 = st.net('q2', new MLP(engine, { sizes: [obsDim + actDim, ...c.hidden, 1], seed: init.fork() }));
    this.q1Target = st.net('q1Target', this.q1.clone());
    this.q2Target = st.net('q2Target', this.q2.clone());
    this.actorOpt = st.optimizer('actor', new Adam(this.actor, { lr: c.learningRate }));
    this.logStdOpt = st.optimizer('logStd', new Adam(this.logStd, { lr: c.learningRate }));
    this.q1Opt = st.optimizer('q1', new Adam(this.q1, { lr: c.learningRate }));
    this.q2Opt = st.optimizer('q2', new Adam(this.q2, { lr: c.learningRate }));
    this.rng = st.rng('rng', init.fork());
    this.steps = st.counter('steps');
    this.tape = st.tape(new Tape(engine));
    this.s = new Float32Array(c.batchSize * obsDim);
    this.s2 = new Float32Array(c.batchSize * obsDim);
  }

  /** clip(N(μ, σ), ±maxAction), sampled outside the graph. */
  private sample(mu: Tensor, logStd: Float32Array): Tensor {
    const { actDim, config: c, rng } = this;
    return this.tape.map(mu, (m, i) => clamp(m! + Math.exp(logStd[i! % actDim]!) * rng.normal(), -c.maxAction, c.maxAction));
  }

  /** min(Q1, Q2)(s, a) of frozen critics. */
  private minQ(q1: MLP, q2: MLP, s: Tensor, a: Tensor): Tensor {
    const t = this.tape;
    const sa = t.concat(s, a);
    return t.min(...t.mlps([q1, q2], sa, { frozen: true }));
  }

  update(batch: Batch): Record<string, number> {
    const { config: c, obsDim, actDim, tape: t } = this;
    const B = batch.size;
    this.steps.value++;
    t.reset();
    const s = t.constant(this.normalizer.normalize(batch.observations, this.s), B, obsDim);
    const s2 = t.constant(this.normalizer.normalize(batch.nextObservations, this.s2), B, obsDim);
    const a = t.constant(batch.actions, B, actDim);
    const logStd = t.clamp(t.param(this.logStd), c.logStdMin, c.logStdMax);
    const sigma = logStd.values();

    // Critic target from the actor's own (sampled) next actions.
    const a2 = this.sample(t.mlp(this.actor, s2, { frozen: true }), sigma);
    const y = t.map(this.minQ(this.q1Target, this.q2Target, s2, a2), (q, i) => batch.rewards[i!]! + (1 - batch.dones[i!]!) * c.discount * q!);

    // Critics: L = mse(Q1, y) + mse(Q2, y).
    const sa = t.concat(s, a);
    const [q1, q2] = t.mlps([this.q1, this.q2], sa);
    const criticLoss = t.add(t.mse(q1, y), t.mse(q2, y));
    this.q1Opt.zeroGrad();
    this.q2Opt.zeroGrad();
    t.backward(criticLoss);
    this.q1Opt.step();
    this.q2Opt.step();

    // Advantage weights from the updated critics: A = min Q(s, a) − min Q(s, π), π sampled from the actor.
    const qData = this.minQ(this.q1, this.q2, s, a);
    const mu = t.mlp(this.actor, s);
    const qPi = this.minQ(this.q1, this.q2, s, this.sample(mu, sigma));
    const weights = t.map([qData, qPi], (q, v) => Math.min(Math.exp((q! - v!) / c.awacLambda), c.expAdvMax));

    // Actor: L = −mean w · log N(a; μ(s), σ).
    const actorLoss = t.scale(t.mean(t.mul(weights, t.gaussianLogProb(a, mu, logStd))), -1);
    this.actorOpt.zeroGrad();
    this.logStdOpt.zeroGrad();
    t.backward(actorLoss);
    this.actorOpt.step();
    this.logStdOpt.step();

    polyak(this.q1Target, this.q1, c.tau);
    polyak(this.q2Target, this.q2, c.tau);
    return {
      'loss/critic': criticLoss.value,
      'loss/actor': actorLoss.value,
      'adv/mean': t.mean(t.map([qData, qPi], (q, v) => q! - v!)).value,
      'weights/mean': t.mean(weights).value,
    };
  }

  /** The deterministic policy: the Gaussian's mean (clipped to ±maxAction). */
  policy(): MlpPolicy {
    return new MlpPolicy(this.actor, this.normalizer, this.config.maxAction);
  }

  stateDict(): StateDict {
    return { algo: 'awac', config: this.config as unknown as StateDict, normalizer: this.normalizer.toJSON(), ...this.state.stateDict() };
  }

  loadStateDict(s: StateDict): void {
    this.state.loadStateDict(s);
  }

  /** Frees engine memory; the agent must not be used afterwards. */
  dispose(): void {
    this.state.dispose();
  }
}
