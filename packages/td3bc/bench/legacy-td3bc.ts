// The pre-tape TD3+BC (hand-managed heap offsets), kept only to compare results and speed with the tape version.
/**
 * TD3+BC — "A Minimalist Approach to Offline Reinforcement Learning", Fujimoto & Gu, NeurIPS 2021.
 * https://arxiv.org/abs/2106.06860 · reference implementation: CORL algorithms/offline/td3_bc.py
 *
 * TD3 (twin critics, target policy smoothing, delayed actor updates) with a behaviour-cloning term in the actor loss:
 *   critic:  y = r + γ(1 − d)·min_i Q'_i(s', clip(π'(s') + clip(σε, −c, c), −1, 1));  L = Σ_i mean (Q_i(s, a) − y)²
 *   actor:   λ = α / mean|Q_1(s, π(s))|  (detached);   L = −λ·mean Q_1(s, π(s)) + mean (π(s) − a)²
 */
import { Rng, type Agent, type Batch, type StateDict, type StateNormalizer } from '@orl/core';
import { Adam, AgentState, MLP, MlpPolicy, concatRows, mseLoss, polyak, type Engine } from '@orl/nn';

interface TD3BCConfig {
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
const TD3BC_DEFAULTS: Readonly<TD3BCConfig> = Object.freeze({
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

export class LegacyTD3BC implements Agent {
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
  // Work buffers (engine offsets and JS arrays), allocated once.
  private readonly s: Float32Array;
  private readonly s2: Float32Array;
  private readonly y: Float32Array;
  private readonly g: Float32Array;
  private readonly gPi: Float32Array;
  private readonly dQ: number;
  private readonly dPi: number;

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
    const B = c.batchSize;
    this.s = new Float32Array(B * obsDim);
    this.s2 = new Float32Array(B * obsDim);
    this.y = new Float32Array(B);
    this.g = new Float32Array(B);
    this.gPi = new Float32Array(B * actDim);
    this.dQ = st.workBuffer(engine, B);
    this.dPi = st.workBuffer(engine, B * actDim);
  }

  update(batch: Batch): Record<string, number> {
    const { engine: e, config: c, obsDim, actDim } = this;
    const B = batch.size;
    this.totalIt.value++;
    this.normalizer.normalize(batch.observations, this.s);
    this.normalizer.normalize(batch.nextObservations, this.s2);

    // Critic target with target policy smoothing.
    e.write(this.actorTarget.inputOffset(B), this.s2);
    const nextA = this.actorTarget.forward(B);
    let h = e.heap();
    for (let i = 0; i < B * actDim; i++) {
      const noise = Math.min(c.noiseClip, Math.max(-c.noiseClip, c.policyNoise * this.rng.normal()));
      h[nextA + i] = Math.min(c.maxAction, Math.max(-c.maxAction, h[nextA + i]! * c.maxAction + noise));
    }
    const targetIn = this.q1Target.inputOffset(B);
    concatRows(e, targetIn, this.s2, obsDim, nextA, actDim, B);
    const tq1 = this.q1Target.forward(B, targetIn);
    const tq2 = this.q2Target.forward(B, targetIn);
    h = e.heap();
    for (let i = 0; i < B; i++) this.y[i] = batch.rewards[i]! + (1 - batch.dones[i]!) * c.discount * Math.min(h[tq1 + i]!, h[tq2 + i]!);

    // Critics: L = mse(Q1, y) + mse(Q2, y).
    const sa = this.q1.inputOffset(B);
    concatRows(e, sa, this.s, obsDim, batch.actions, actDim, B);
    let criticLoss = 0;
    let qMean = 0;
    for (const [q, opt] of [
      [this.q1, this.q1Opt],
      [this.q2, this.q2Opt],
    ] as const) {
      const out = q.forward(B, sa);
      if (q === this.q1) for (let i = 0; i < B; i++) qMean += e.heap()[out + i]! / B;
      criticLoss += mseLoss(e.view(out, B), this.y, this.g);
      e.write(this.dQ, this.g);
      q.zeroGrad();
      q.backward(this.dQ, { inputGrad: false });
      opt.step();
    }
    const metrics: Record<string, number> = { 'loss/critic': criticLoss, 'q/mean': qMean };

    // Delayed actor update: L = −λ·mean Q1(s, π(s)) + mean (π(s) − a)², λ = α / mean|Q1| (detached).
    if (this.totalIt.value % c.policyFreq === 0) {
      e.write(this.actor.inputOffset(B), this.s);
      const pi = this.actor.forward(B);
      const piIn = this.q1.inputOffset(B);
      concatRows(e, piIn, this.s, obsDim, pi, actDim, B);
      const q = this.q1.forward(B, piIn);
      h = e.heap();
      let meanAbsQ = 0,
        meanQ = 0;
      for (let i = 0; i < B; i++) {
        meanAbsQ += Math.abs(h[q + i]!) / B;
        meanQ += h[q + i]! / B;
      }
      const lambda = c.alpha / meanAbsQ;
      const bc = mseLoss(e.view(pi, B * actDim), batch.actions, this.gPi);
      h.fill(-lambda / B, this.dQ, this.dQ + B);
      const dIn = this.q1.backward(this.dQ, { paramGrads: false }); // dQ/da through the critic, critic untouched
      h = e.heap();
      for (let r = 0; r < B; r++) {
        for (let j = 0; j < actDim; j++) h[this.dPi + r * actDim + j] = h[dIn + r * (obsDim + actDim) + obsDim + j]! + this.gPi[r * actDim + j]!;
      }
      this.actor.zeroGrad();
      this.actor.backward(this.dPi, { inputGrad: false });
      this.actorOpt.step();
      polyak(this.q1Target, this.q1, c.tau);
      polyak(this.q2Target, this.q2, c.tau);
      polyak(this.actorTarget, this.actor, c.tau);
      metrics['loss/actor'] = -lambda * meanQ + bc;
      metrics['loss/bc'] = bc;
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
