// The pre-tape SAC (hand-managed heap offsets), kept only to compare results and speed with the tape version.
/**
 * SAC (Haarnoja et al., 2018) as MOPO/MOREC's policy optimizer: twin Q with targets, tanh-squashed Gaussian actor
 * (log std bounded smoothly to [−5, 2]), automatic entropy temperature with target entropy −|A|.
 */
import { Rng, StateNormalizer, type Batch, type StateDict } from '@orl/core';
import { Adam, AgentState, MLP, MlpPolicy, ParamVector, concatRows, mseLoss, polyak, tanhGaussianBackward, tanhGaussianSample, type Engine } from '@orl/nn';

interface SACConfig {
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

const SAC_DEFAULTS: Readonly<SACConfig> = Object.freeze({
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

export class LegacySAC {
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
  /** Engine work buffers for dL/dQ and dL/d(actor output), sized for the largest batch seen. */
  private dQ = 0;
  private dOut = 0;
  private bufRows = 0;
  private meanHead: MLP | null = null;
  /** Networks, temperature, optimizers and RNG: what checkpoints save and `dispose` frees. */
  private readonly state = new AgentState();

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
  }

  get alpha(): number {
    return Math.exp(this.logAlpha.get()[0]!);
  }

  /** mean, bounded log std (and d logstd / d raw) of the actor for n rows at `obs`. */
  private dist(obs: Float32Array, n: number): { mean: Float32Array; logStd: Float32Array; dRaw: Float32Array } {
    const A = this.actDim;
    this.engine.write(this.actor.inputOffset(n), obs);
    const out = this.engine.view(this.actor.forward(n), n * 2 * A);
    const mean = new Float32Array(n * A),
      logStd = new Float32Array(n * A),
      dRaw = new Float32Array(n * A);
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < A; j++) {
        mean[r * A + j] = out[r * 2 * A + j]!;
        const t = Math.tanh(out[r * 2 * A + A + j]!);
        logStd[r * A + j] = LOG_STD_MIN + 0.5 * (LOG_STD_MAX - LOG_STD_MIN) * (t + 1);
        dRaw[r * A + j] = 0.5 * (LOG_STD_MAX - LOG_STD_MIN) * (1 - t * t);
      }
    }
    return { mean, logStd, dRaw };
  }

  /** Stochastic (reparameterised) actions for n rows. */
  sample(obs: Float32Array, n: number): { action: Float32Array; logProb: Float32Array; noise: Float32Array; logStd: Float32Array; dRaw: Float32Array } {
    const { mean, logStd, dRaw } = this.dist(obs, n);
    const noise = this.rng.fillNormal(new Float32Array(n * this.actDim)) as Float32Array;
    const action = new Float32Array(n * this.actDim),
      logProb = new Float32Array(n);
    tanhGaussianSample(mean, logStd, noise, n, this.actDim, action, logProb);
    return { action, logProb, noise, logStd, dRaw };
  }

  /** Deterministic actions tanh(mean). */
  actMean(obs: Float32Array, n: number): Float32Array {
    const { mean } = this.dist(obs, n);
    return mean.map(Math.tanh);
  }

  /** min(Q1′, Q2′)(s, a′) with a′ ~ π(·|s) for n states: the target networks' value (MOBILE's Bellman estimates). */
  targetValue(obs: Float32Array, n: number): Float32Array {
    const a = this.sample(obs, n).action;
    const tin = this.q1t.inputOffset(n);
    concatRows(this.engine, tin, obs, this.obsDim, a, this.actDim, n);
    const t1 = this.q1t.forward(n, tin),
      t2 = this.q2t.forward(n, tin);
    const h = this.engine.heap();
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) v[i] = Math.min(h[t1 + i]!, h[t2 + i]!);
    return v;
  }

  update(b: Batch): Record<string, number> {
    const { engine: e, config: c, obsDim: S, actDim: A } = this;
    const B = b.size;
    const alpha = this.alpha;
    // Critic target: r + γ(1 − d)(min Q'(s', a') − α log π(a'|s')).
    const nxt = this.sample(b.nextObservations, B);
    const tin = this.q1t.inputOffset(B);
    concatRows(e, tin, b.nextObservations, S, nxt.action, A, B);
    const t1 = this.q1t.forward(B, tin),
      t2 = this.q2t.forward(B, tin);
    const h = e.heap();
    const y = new Float32Array(B);
    for (let i = 0; i < B; i++) y[i] = b.rewards[i]! + c.discount * (1 - b.dones[i]!) * (Math.min(h[t1 + i]!, h[t2 + i]!) - alpha * nxt.logProb[i]!);
    const qin = this.q1.inputOffset(B);
    concatRows(e, qin, b.observations, S, b.actions, A, B);
    const g = new Float32Array(B);
    if (B > this.bufRows) {
      if (this.bufRows) {
        e.free(this.dQ);
        e.free(this.dOut);
      }
      this.dQ = e.alloc(B);
      this.dOut = e.alloc(B * 2 * A);
      this.bufRows = B;
    }
    const { dQ, dOut } = this;
    let qLoss = 0;
    for (const [q, opt] of [
      [this.q1, this.opt1],
      [this.q2, this.opt2],
    ] as const) {
      qLoss += mseLoss(e.view(q.forward(B, qin), B), y, g);
      e.write(dQ, g);
      q.zeroGrad();
      q.backward(dQ, { inputGrad: false });
      opt.step();
    }
    // Actor: mean(α log π(a|s) − min Q(s, a)), a reparameterised.
    const cur = this.sample(b.observations, B);
    const pin = this.q1.inputOffset(B);
    concatRows(e, pin, b.observations, S, cur.action, A, B);
    const o1 = e.read(this.q1.forward(B, pin), B);
    const o2 = e.read(this.q2.forward(B, pin), B);
    const dA = new Float32Array(B * A);
    for (const [q, o, other] of [
      [this.q1, o1, o2],
      [this.q2, o2, o1],
    ] as const) {
      const hh = e.heap();
      for (let i = 0; i < B; i++) hh[dQ + i] = o[i]! <= other[i]! ? -1 / B : 0;
      q.forward(B, pin);
      const dIn = q.backward(dQ, { paramGrads: false });
      const h2 = e.heap();
      for (let r = 0; r < B; r++) for (let j = 0; j < A; j++) dA[r * A + j]! += h2[dIn + r * (S + A) + S + j]!;
    }
    const dLp = new Float32Array(B).fill(alpha / B);
    const dMean = new Float32Array(B * A),
      dLogStd = new Float32Array(B * A);
    tanhGaussianBackward(cur.logStd, cur.noise, cur.action, dA, dLp, B, A, dMean, dLogStd);
    const h3 = e.heap();
    for (let r = 0; r < B; r++) {
      for (let j = 0; j < A; j++) {
        h3[dOut + r * 2 * A + j] = dMean[r * A + j]!;
        h3[dOut + r * 2 * A + A + j] = dLogStd[r * A + j]! * cur.dRaw[r * A + j]!;
      }
    }
    this.dist(b.observations, B); // re-run forward so backward sees these activations
    this.actor.zeroGrad();
    this.actor.backward(dOut, { inputGrad: false });
    this.optA.step();
    let piLoss = 0,
      entropy = 0;
    for (let i = 0; i < B; i++) {
      piLoss += (alpha * cur.logProb[i]! - Math.min(o1[i]!, o2[i]!)) / B;
      entropy -= cur.logProb[i]! / B;
    }
    if (c.autoAlpha) {
      // L(α) = −mean(log α · (log π + H_target)), H_target = −|A|.
      this.logAlpha.zeroGrad();
      e.heap()[this.logAlpha.grads] = -(-entropy - A);
      this.optAlpha.step();
    }
    polyak(this.q1t, this.q1, c.tau);
    polyak(this.q2t, this.q2, c.tau);
    return { 'loss/critic': qLoss, 'loss/actor': piLoss, alpha, entropy };
  }

  /**
   * The deterministic policy tanh(μ(s)) as an MlpPolicy: a copy of the actor's current mean head (hidden layers as
   * they are, the first |A| of the 2|A| outputs, tanh output), so it can be saved, evaluated and exported to TF.js.
   * Later updates do not change a returned policy's network until policy() is called again (it reuses one copy).
   */
  policy(): MlpPolicy {
    const A = this.actDim,
      sizes = this.actor.sizes;
    this.meanHead ??= new MLP(this.engine, { sizes: [...sizes.slice(0, -1), A], activations: [...this.actor.activations.slice(0, -1), 'tanh'] });
    const src = this.actor.getParams(),
      dst = new Float32Array(this.meanHead.size);
    let off = 0;
    for (let l = 0; l < sizes.length - 2; l++) off += sizes[l]! * sizes[l + 1]! + sizes[l + 1]!;
    dst.set(src.subarray(0, off));
    const inDim = sizes.at(-2)!;
    // Last layer: weights [in × 2A] row-major → [in × A], bias [2A] → [A].
    for (let i = 0; i < inDim; i++) for (let o = 0; o < A; o++) dst[off + i * A + o] = src[off + i * 2 * A + o]!;
    for (let o = 0; o < A; o++) dst[off + inDim * A + o] = src[off + inDim * 2 * A + o]!;
    this.meanHead.setParams(dst);
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
    if (this.bufRows) {
      this.engine.free(this.dQ);
      this.engine.free(this.dOut);
      this.bufRows = 0;
    }
    this.meanHead?.dispose();
    this.meanHead = null;
  }
}
