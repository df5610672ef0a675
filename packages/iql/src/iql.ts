/**
 * IQL — "Offline Reinforcement Learning with Implicit Q-Learning", Kostrikov, Nair & Levine, ICLR 2022.
 * https://arxiv.org/abs/2110.06169 · reference implementation: CORL algorithms/offline/iql.py
 *
 *   value:   L_V = mean L₂^τ(min_i Q'_i(s, a) − V(s)),  L₂^τ(u) = |τ − 1(u < 0)|·u²      (expectile regression)
 *   critic:  L_Q = ½ Σ_i mean (Q_i(s, a) − (r + γ(1 − d)·V(s')))²                       (V(s') before the V step)
 *   actor:   L_π = −mean exp(β·A)·log π(a|s), A = min Q'(s, a) − V(s), weights clipped at 100
 * Gaussian actor with tanh mean and a state-independent log std (CORL); actor lr cosine-decayed over the run.
 */
import { Rng, returnRangeRewardScale, type Agent, type Batch, type StateDict, type StateNormalizer } from '@orl/core';
import { Adam, AgentState, MLP, MlpPolicy, ParamVector, Tape, cosineLr, polyak, type Engine } from '@orl/nn';

export interface IQLConfig {
  // Optimisation
  /** Discount factor γ. */
  discount: number;
  /** Soft target update rate of the Q targets. */
  tau: number;
  /** Actor learning rate (Adam, cosine-decayed over maxSteps). */
  actorLr: number;
  /** Learning rate of the twin Q networks (Adam). */
  qLr: number;
  /** Learning rate of the value network V (Adam). */
  vLr: number;
  /** Mini-batch size. */
  batchSize: number;
  /** Steps of the actor's cosine learning-rate schedule (set to the run length). */
  maxSteps: number;
  // IQL
  /** Expectile τ of the value regression. */
  expectile: number;
  /** Inverse temperature β of the advantage weights. */
  beta: number;
  /** Advantage weights exp(β·A) are clipped at this value. */
  maxWeight: number;
  /** Rewards are multiplied by this (CORL/IQL on locomotion: 1000 / (max return − min return)). */
  rewardScale: number;
  // Networks
  /** Hidden layer widths of actor, Q and V networks. */
  hidden: number[];
  /** Lower clamp of the Gaussian actor's log std. */
  logStdMin: number;
  /** Upper clamp of the Gaussian actor's log std. */
  logStdMax: number;
  /** Action bound (actions in [−maxAction, maxAction]). */
  maxAction: number;
  /** Seed of network initialisation and sampling. */
  seed: number;
}

export const IQL_DEFAULTS: Readonly<IQLConfig> = Object.freeze({
  discount: 0.99,
  tau: 0.005,
  actorLr: 3e-4,
  qLr: 3e-4,
  vLr: 3e-4,
  batchSize: 256,
  maxSteps: 1_000_000,
  expectile: 0.7,
  beta: 3.0,
  maxWeight: 100,
  rewardScale: 1,
  hidden: [256, 256],
  logStdMin: -20,
  logStdMax: 2,
  maxAction: 1,
  seed: 0,
});

export class IQL implements Agent {
  readonly config: IQLConfig;
  readonly actor: MLP;
  readonly logStd: ParamVector;
  private readonly v: MLP;
  private readonly q1: MLP;
  private readonly q2: MLP;
  private readonly q1Target: MLP;
  private readonly q2Target: MLP;
  private readonly actorOpt: Adam;
  private readonly logStdOpt: Adam;
  private readonly vOpt: Adam;
  private readonly q1Opt: Adam;
  private readonly q2Opt: Adam;
  private readonly totalIt: { value: number };
  /** Networks, log-std, optimizers and counter: what checkpoints save and `dispose` frees. */
  private readonly state = new AgentState();
  private readonly tape: Tape;
  private readonly s: Float32Array;
  private readonly s2: Float32Array;

  constructor(
    readonly engine: Engine,
    readonly obsDim: number,
    readonly actDim: number,
    readonly normalizer: StateNormalizer,
    config: Partial<IQLConfig> = {},
  ) {
    const c = (this.config = { ...IQL_DEFAULTS, ...config, hidden: [...(config.hidden ?? IQL_DEFAULTS.hidden)] });
    const init = new Rng(c.seed);
    const st = this.state;
    this.actor = st.net('actor', new MLP(engine, { sizes: [obsDim, ...c.hidden, actDim], output: 'tanh', seed: init.fork() }));
    this.logStd = st.vector('logStd', new ParamVector(engine, actDim, 0));
    this.v = st.net('v', new MLP(engine, { sizes: [obsDim, ...c.hidden, 1], seed: init.fork() }));
    this.q1 = st.net('q1', new MLP(engine, { sizes: [obsDim + actDim, ...c.hidden, 1], seed: init.fork() }));
    this.q2 = st.net('q2', new MLP(engine, { sizes: [obsDim + actDim, ...c.hidden, 1], seed: init.fork() }));
    this.q1Target = st.net('q1Target', this.q1.clone());
    this.q2Target = st.net('q2Target', this.q2.clone());
    this.actorOpt = st.optimizer('actor', new Adam(this.actor, { lr: c.actorLr }));
    this.logStdOpt = st.optimizer('logStd', new Adam(this.logStd, { lr: c.actorLr }));
    this.vOpt = st.optimizer('v', new Adam(this.v, { lr: c.vLr }));
    this.q1Opt = st.optimizer('q1', new Adam(this.q1, { lr: c.qLr }));
    this.q2Opt = st.optimizer('q2', new Adam(this.q2, { lr: c.qLr }));
    // IQL draws no random numbers while training; the generator stays in checkpoints for their stable layout.
    st.rng('rng', init.fork());
    this.totalIt = st.counter('totalIt');
    this.tape = st.tape(new Tape(engine));
    this.s = new Float32Array(c.batchSize * obsDim);
    this.s2 = new Float32Array(c.batchSize * obsDim);
  }

  update(batch: Batch): Record<string, number> {
    const { config: c, obsDim, actDim, tape: t } = this;
    const B = batch.size;
    this.totalIt.value++;
    t.reset();
    const s = t.constant(this.normalizer.normalize(batch.observations, this.s), B, obsDim);
    const s2 = t.constant(this.normalizer.normalize(batch.nextObservations, this.s2), B, obsDim);
    const a = t.constant(batch.actions, B, actDim);
    const sa = t.concat(s, a);

    // Targets (no gradient): r + γ(1 − d)·V(s') with V before its step (as CORL), and min of the target critics.
    const vNext = t.mlp(this.v, s2, { frozen: true });
    const y = t.map(vNext, (v, i) => c.rewardScale * batch.rewards[i!]! + (1 - batch.dones[i!]!) * c.discount * v!);
    const qTarget = t.min(...t.mlps([this.q1Target, this.q2Target], sa, { frozen: true }));

    // Value: expectile regression of V(s) towards min Q'(s, a).
    const adv = t.sub(qTarget, t.mlp(this.v, s));
    const vLoss = t.expectile(adv, c.expectile);
    this.vOpt.zeroGrad();
    t.backward(vLoss);
    this.vOpt.step();

    // Q: regression towards y, averaged over the two critics.
    const [q1, q2] = t.mlps([this.q1, this.q2], sa);
    const qLoss = t.scale(t.add(t.mse(q1, y), t.mse(q2, y)), 0.5);
    this.q1Opt.zeroGrad();
    this.q2Opt.zeroGrad();
    t.backward(qLoss);
    this.q1Opt.step();
    this.q2Opt.step();
    polyak(this.q1Target, this.q1, c.tau);
    polyak(this.q2Target, this.q2, c.tau);

    // Actor: advantage-weighted log-likelihood of the dataset actions (weights from the advantages before the V step).
    const weights = t.map(adv, (u) => Math.min(Math.exp(c.beta * u!), c.maxWeight));
    const logStd = t.clamp(t.param(this.logStd), c.logStdMin, c.logStdMax);
    const logProb = t.gaussianLogProb(a, t.mlp(this.actor, s), logStd);
    const actorLoss = t.scale(t.mean(t.mul(weights, logProb)), -1);
    const lr = cosineLr(c.actorLr, this.totalIt.value - 1, c.maxSteps);
    this.actorOpt.lr = lr;
    this.logStdOpt.lr = lr;
    this.actorOpt.zeroGrad();
    this.logStdOpt.zeroGrad();
    t.backward(actorLoss);
    this.actorOpt.step();
    this.logStdOpt.step();

    return {
      'loss/value': vLoss.value,
      'loss/critic': qLoss.value,
      'loss/actor': actorLoss.value,
      'adv/mean': t.mean(adv).value,
      'weights/mean': t.mean(weights).value,
      'lr/actor': lr,
    };
  }

  /** The deterministic policy: the Gaussian's mean. */
  policy(): MlpPolicy {
    return new MlpPolicy(this.actor, this.normalizer, this.config.maxAction);
  }

  stateDict(): StateDict {
    return { algo: 'iql', config: this.config as unknown as StateDict, normalizer: this.normalizer.toJSON(), ...this.state.stateDict() };
  }

  loadStateDict(s: StateDict): void {
    this.state.loadStateDict(s);
  }

  dispose(): void {
    this.state.dispose();
  }
}

/** CORL/IQL locomotion reward scale: 1000 / (max episode return − min episode return) of the raw dataset. */
export const iqlRewardScale = returnRangeRewardScale;
