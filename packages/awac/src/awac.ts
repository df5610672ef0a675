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
import { Rng, type Agent, type Batch, type StateDict, type StateNormalizer } from '@orl/core';
import {
  Adam,
  AgentState,
  MLP,
  MlpPolicy,
  ParamVector,
  concatRows,
  mseLoss,
  polyak,
  weightedGaussianActorBackward,
  type Engine,
  type GaussianActorWork,
} from '@orl/nn';

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
  private readonly s: Float32Array;
  private readonly s2: Float32Array;
  private readonly act: Float32Array;
  private readonly y: Float32Array;
  private readonly g: Float32Array;
  private readonly qData: Float32Array;
  private readonly w: Float32Array;
  private readonly actorWork: GaussianActorWork;
  private readonly dQ: number;
  private readonly dMu: number;

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
    const B = c.batchSize;
    this.s = new Float32Array(B * obsDim);
    this.s2 = new Float32Array(B * obsDim);
    this.act = new Float32Array(B * actDim);
    this.y = new Float32Array(B);
    this.g = new Float32Array(B);
    this.qData = new Float32Array(B);
    this.w = new Float32Array(B);
    this.dQ = st.workBuffer(engine, B);
    this.dMu = st.workBuffer(engine, B * actDim);
    this.actorWork = { dMean: new Float32Array(B * actDim), dLogStd: new Float32Array(actDim), logProb: new Float64Array(B), dMu: this.dMu };
  }

  private clampedLogStd(): Float32Array {
    const c = this.config;
    return this.logStd.get().map((x) => Math.min(c.logStdMax, Math.max(c.logStdMin, x)));
  }

  /** Samples clip(N(μ, σ), ±maxAction) into `this.act` from the actor's output at offset `mu` (n rows). */
  private sampleActions(mu: number, n: number, logStd: Float32Array): void {
    const { actDim, config: c } = this;
    const h = this.engine.heap();
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < actDim; j++) {
        const a = h[mu + r * actDim + j]! + Math.exp(logStd[j]!) * this.rng.normal();
        this.act[r * actDim + j] = Math.min(c.maxAction, Math.max(-c.maxAction, a));
      }
    }
  }

  /** min(Q1, Q2) at (s, actions) into `out`. */
  private minQ(q1: MLP, q2: MLP, s: Float32Array, actions: Float32Array, n: number, out: Float32Array): void {
    const e = this.engine;
    const input = q1.inputOffset(n);
    concatRows(e, input, s, this.obsDim, actions, this.actDim, n);
    const a = q1.forward(n, input);
    const b = q2.forward(n, input);
    const h = e.heap();
    for (let i = 0; i < n; i++) out[i] = Math.min(h[a + i]!, h[b + i]!);
  }

  update(batch: Batch): Record<string, number> {
    const { engine: e, config: c, obsDim, actDim } = this;
    const B = batch.size;
    this.steps.value++;
    this.normalizer.normalize(batch.observations, this.s);
    this.normalizer.normalize(batch.nextObservations, this.s2);
    const logStd = this.clampedLogStd();

    // Critic target from the actor's own (sampled) next actions.
    e.write(this.actor.inputOffset(B), this.s2);
    this.sampleActions(this.actor.forward(B), B, logStd);
    this.minQ(this.q1Target, this.q2Target, this.s2, this.act, B, this.y);
    for (let i = 0; i < B; i++) this.y[i] = batch.rewards[i]! + (1 - batch.dones[i]!) * c.discount * this.y[i]!;

    // Critics: L = mse(Q1, y) + mse(Q2, y).
    const sa = this.q1.inputOffset(B);
    concatRows(e, sa, this.s, obsDim, batch.actions, actDim, B);
    let criticLoss = 0;
    for (const [q, opt] of [
      [this.q1, this.q1Opt],
      [this.q2, this.q2Opt],
    ] as const) {
      const out = q.forward(B, sa);
      criticLoss += mseLoss(e.view(out, B), this.y, this.g);
      e.write(this.dQ, this.g);
      q.zeroGrad();
      q.backward(this.dQ, { inputGrad: false });
      opt.step();
    }

    // Advantage weights from the updated critics: A = min Q(s, a) − min Q(s, π), π sampled from the actor.
    this.minQ(this.q1, this.q2, this.s, batch.actions, B, this.qData);
    e.write(this.actor.inputOffset(B), this.s);
    const mu = this.actor.forward(B); // the actor's last forward: its backward below uses these activations
    this.sampleActions(mu, B, logStd);
    this.minQ(this.q1, this.q2, this.s, this.act, B, this.w); // w holds V(s) ≈ min Q(s, π) for now
    let advMean = 0,
      wMean = 0;
    for (let i = 0; i < B; i++) {
      const adv = this.qData[i]! - this.w[i]!;
      advMean += adv / B;
      this.w[i] = Math.min(Math.exp(adv / c.awacLambda), c.expAdvMax);
      wMean += this.w[i]! / B;
    }

    // Actor: L = −mean w · log N(a; μ(s), σ).
    const bounds = { min: c.logStdMin, max: c.logStdMax };
    const actorLoss = weightedGaussianActorBackward(this.actor, mu, this.logStd, bounds, batch.actions, this.w, B, actDim, this.actorWork);
    this.actorOpt.step();
    this.logStdOpt.step();

    polyak(this.q1Target, this.q1, c.tau);
    polyak(this.q2Target, this.q2, c.tau);
    return { 'loss/critic': criticLoss, 'loss/actor': actorLoss, 'adv/mean': advMean, 'weights/mean': wMean };
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
