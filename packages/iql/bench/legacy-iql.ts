// The pre-tape IQL (hand-managed heap offsets), kept only to compare results and speed with the tape version.
/**
 * IQL — "Offline Reinforcement Learning with Implicit Q-Learning", Kostrikov, Nair & Levine, ICLR 2022.
 * https://arxiv.org/abs/2110.06169 · reference implementation: CORL algorithms/offline/iql.py
 *
 *   value:   L_V = mean L₂^τ(min_i Q'_i(s, a) − V(s)),  L₂^τ(u) = |τ − 1(u < 0)|·u²      (expectile regression)
 *   critic:  L_Q = ½ Σ_i mean (Q_i(s, a) − (r + γ(1 − d)·V(s')))²                       (V(s') before the V step)
 *   actor:   L_π = −mean exp(β·A)·log π(a|s), A = min Q'(s, a) − V(s), weights clipped at 100
 * Gaussian actor with tanh mean and a state-independent log std (CORL); actor lr cosine-decayed over the run.
 */
import { Rng, type Agent, type Batch, type StateDict, type StateNormalizer } from '@orl/core';
import {
  Adam,
  AgentState,
  MLP,
  MlpPolicy,
  ParamVector,
  concatRows,
  cosineLr,
  expectileLoss,
  mseLoss,
  polyak,
  weightedGaussianActorBackward,
  type Engine,
  type GaussianActorWork,
} from '@orl/nn';

interface IQLConfig {
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

const IQL_DEFAULTS: Readonly<IQLConfig> = Object.freeze({
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

export class LegacyIQL implements Agent {
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
  private readonly rng: Rng;
  private readonly totalIt: { value: number };
  /** Networks, log-std, optimizers, RNG and counter: what checkpoints save and `dispose` frees. */
  private readonly state = new AgentState();
  private readonly s: Float32Array;
  private readonly s2: Float32Array;
  private readonly adv: Float32Array;
  private readonly gu: Float32Array;
  private readonly y: Float32Array;
  private readonly g: Float32Array;
  private readonly w: Float32Array;
  private readonly actorWork: GaussianActorWork;
  private readonly dV: number;
  private readonly dQ: number;
  private readonly dMu: number;

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
    this.rng = st.rng('rng', init.fork());
    this.totalIt = st.counter('totalIt');
    const B = c.batchSize;
    this.s = new Float32Array(B * obsDim);
    this.s2 = new Float32Array(B * obsDim);
    this.adv = new Float32Array(B);
    this.gu = new Float32Array(B);
    this.y = new Float32Array(B);
    this.g = new Float32Array(B);
    this.w = new Float32Array(B);
    this.dV = st.workBuffer(engine, B);
    this.dQ = st.workBuffer(engine, B);
    this.dMu = st.workBuffer(engine, B * actDim);
    this.actorWork = { dMean: new Float32Array(B * actDim), dLogStd: new Float32Array(actDim), logProb: new Float64Array(B), dMu: this.dMu };
  }

  update(batch: Batch): Record<string, number> {
    const { engine: e, config: c, obsDim, actDim } = this;
    const B = batch.size;
    this.totalIt.value++;
    this.normalizer.normalize(batch.observations, this.s);
    this.normalizer.normalize(batch.nextObservations, this.s2);

    // V(s') for the Q target, taken before the value step (as CORL).
    e.write(this.v.inputOffset(B), this.s2);
    const vNext = this.v.forward(B);
    let h = e.heap();
    for (let i = 0; i < B; i++) this.y[i] = c.rewardScale * batch.rewards[i]! + (1 - batch.dones[i]!) * c.discount * h[vNext + i]!;

    // Value: expectile regression towards min_i Q'_i(s, a).
    const sa = this.q1Target.inputOffset(B);
    concatRows(e, sa, this.s, obsDim, batch.actions, actDim, B);
    const t1 = this.q1Target.forward(B, sa);
    const t2 = this.q2Target.forward(B, sa);
    e.write(this.v.inputOffset(B), this.s);
    const vOut = this.v.forward(B);
    h = e.heap();
    for (let i = 0; i < B; i++) this.adv[i] = Math.min(h[t1 + i]!, h[t2 + i]!) - h[vOut + i]!;
    const vLoss = expectileLoss(this.adv, c.expectile, this.gu);
    for (let i = 0; i < B; i++) h[this.dV + i] = -this.gu[i]!; // u = Q − V, so dL/dV = −dL/du
    this.v.zeroGrad();
    this.v.backward(this.dV, { inputGrad: false });
    this.vOpt.step();

    // Q: regression towards r + γ(1 − d)·V(s'); the loss is the mean of the two critics' MSEs.
    const qIn = this.q1.inputOffset(B);
    concatRows(e, qIn, this.s, obsDim, batch.actions, actDim, B);
    let qLoss = 0;
    for (const [q, opt] of [
      [this.q1, this.q1Opt],
      [this.q2, this.q2Opt],
    ] as const) {
      const out = q.forward(B, qIn);
      qLoss += mseLoss(e.view(out, B), this.y, this.g) / 2;
      for (let i = 0; i < B; i++) this.g[i]! /= 2;
      e.write(this.dQ, this.g);
      q.zeroGrad();
      q.backward(this.dQ, { inputGrad: false });
      opt.step();
    }
    polyak(this.q1Target, this.q1, c.tau);
    polyak(this.q2Target, this.q2, c.tau);

    // Actor: advantage-weighted log-likelihood of the dataset actions.
    let wMean = 0;
    for (let i = 0; i < B; i++) {
      this.w[i] = Math.min(Math.exp(c.beta * this.adv[i]!), c.maxWeight);
      wMean += this.w[i]! / B;
    }
    e.write(this.actor.inputOffset(B), this.s);
    const mu = this.actor.forward(B);
    const bounds = { min: c.logStdMin, max: c.logStdMax };
    const piLoss = weightedGaussianActorBackward(this.actor, mu, this.logStd, bounds, batch.actions, this.w, B, actDim, this.actorWork);
    const lr = cosineLr(c.actorLr, this.totalIt.value - 1, c.maxSteps);
    this.actorOpt.lr = lr;
    this.logStdOpt.lr = lr;
    this.actorOpt.step();
    this.logStdOpt.step();

    let advMean = 0;
    for (let i = 0; i < B; i++) advMean += this.adv[i]! / B;
    return { 'loss/value': vLoss, 'loss/critic': qLoss, 'loss/actor': piLoss, 'adv/mean': advMean, 'weights/mean': wMean, 'lr/actor': lr };
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
