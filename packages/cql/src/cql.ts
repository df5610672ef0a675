/**
 * CQL — "Conservative Q-Learning for Offline Reinforcement Learning", Kumar et al., NeurIPS 2020.
 * https://arxiv.org/abs/2006.04779 · reference implementation: CORL algorithms/offline/cql.py (its MuJoCo configs)
 *
 * SAC with automatic entropy tuning, plus a penalty that pushes Q down on actions the data does not contain:
 *   actor:   a ~ π(·|s) (tanh-Gaussian, reparameterised);  L_π = mean(α·log π(a|s) − min_i Q_i(s, a))
 *   α:       L_α = −log α · mean(log π(a|s) + H),  H = −|A|
 *   critic:  y = r + γ(1 − d)·min_i Q'_i(s', a'),  a' ~ π(·|s');   L_Q = Σ_i mean (Q_i(s, a) − y)² + α_cql·Σ_i C_i
 *            C_i = mean_s [ log Σ_{a ∈ {N uniform, N π(s), N π(s')}} exp(Q_i(s, a) − log ρ(a)) − Q_i(s, a_data) ]
 *            (ρ: the density each action was drawn from — the importance-sampled logsumexp)
 * The actor's log std is affine in the network output with two learned scalars (CORL: ×1, −1), clamped to [−20, 2].
 * Critics get orthogonal initialisation (√2 hidden, 1e-2 last); the actor's last layer Xavier-uniform with gain 1e-2.
 * Not implemented (off in CORL's MuJoCo configs): the Lagrange variant, max-target backup, clipping of the CQL
 * difference and BC warm-up steps.
 */
import { Rng, type Agent, type Batch, type StateDict, type StateNormalizer } from '@orl/core';
import { Adam, AgentState, MLP, MlpPolicy, ParamVector, Tape, polyak, type Engine, type Tensor } from '@orl/nn';

export interface CQLConfig {
  // Optimisation
  /** Discount factor γ. */
  discount: number;
  /** Soft target update rate τ of the critics. */
  tau: number;
  /** Learning rate of the actor, its log-std scalars and the entropy temperature (Adam; CORL: 3e-5). */
  actorLr: number;
  /** Learning rate of the critics (Adam; CORL: 3e-4). */
  criticLr: number;
  /** Transitions per gradient step. */
  batchSize: number;
  // SAC
  /** Tune the entropy temperature α towards target entropy −|A|; otherwise α = alphaMultiplier. */
  autoAlpha: boolean;
  /** α is multiplied by this (CORL: 1). */
  alphaMultiplier: number;
  /** Subtract α·log π(a'|s') in the critic target (CORL's MuJoCo configs: off). */
  backupEntropy: boolean;
  // CQL
  /** Actions sampled per state for each of the three sets (uniform, π(s), π(s')) of the penalty. */
  cqlNActions: number;
  /** Importance-sample the logsumexp by each action's proposal density (CORL: on). */
  cqlImportanceSample: boolean;
  /** Temperature of the penalty's logsumexp. */
  cqlTemp: number;
  /** Weight α_cql of the conservative penalty (CORL on MuJoCo: 10). */
  cqlAlpha: number;
  // Networks
  /** Hidden layer widths of the actor and the critics (CORL: three layers of 256, ReLU). */
  hidden: number[];
  /** Orthogonal initialisation of the critics (CORL: on). */
  orthogonalInit: boolean;
  /** Initial multiplier of the actor's log-std output (a learned scalar). */
  logStdMultiplier: number;
  /** Initial offset of the actor's log-std output (a learned scalar). */
  logStdOffset: number;
  /** Lower clamp of the log std. */
  logStdMin: number;
  /** Upper clamp of the log std. */
  logStdMax: number;
  /** Rewards are multiplied by this (CORL normalizes MuJoCo rewards to 1000 / (max return − min return)). */
  rewardScale: number;
  /** Added to the rewards after scaling. */
  rewardBias: number;
  /** Largest absolute action: the actor's tanh output is scaled by it. */
  maxAction: number;
  /** Seeds the initialization and the action noise (the sampler is seeded by the training loop). */
  seed: number;
}

/** CORL's defaults for D4RL MuJoCo (configs/offline/cql/*\/medium_v2.yaml). */
export const CQL_DEFAULTS: Readonly<CQLConfig> = Object.freeze({
  discount: 0.99,
  tau: 5e-3,
  actorLr: 3e-5,
  criticLr: 3e-4,
  batchSize: 256,
  autoAlpha: true,
  alphaMultiplier: 1,
  backupEntropy: false,
  cqlNActions: 10,
  cqlImportanceSample: true,
  cqlTemp: 1,
  cqlAlpha: 10,
  hidden: [256, 256, 256],
  orthogonalInit: true,
  logStdMultiplier: 1,
  logStdOffset: -1,
  logStdMin: -20,
  logStdMax: 2,
  rewardScale: 1,
  rewardBias: 0,
  maxAction: 1,
  seed: 0,
});

export class CQL implements Agent {
  readonly config: CQLConfig;
  /** Outputs [mean, raw log std] per action dimension. */
  readonly actor: MLP;
  /** The two learned scalars of the log std: [multiplier, offset]. */
  private readonly logStdAffine: ParamVector;
  private readonly logAlpha: ParamVector;
  private readonly q1: MLP;
  private readonly q2: MLP;
  private readonly q1Target: MLP;
  private readonly q2Target: MLP;
  private readonly actorOpt: Adam;
  private readonly logStdOpt: Adam;
  private readonly alphaOpt: Adam;
  private readonly q1Opt: Adam;
  private readonly q2Opt: Adam;
  private readonly rng: Rng;
  private readonly totalIt: { value: number };
  /** Networks, scalars, optimizers, RNG and counter: what checkpoints save and `dispose` frees. */
  private readonly state = new AgentState();
  private readonly tape: Tape;
  private readonly s: Float32Array;
  private readonly s2: Float32Array;
  private meanHead: MLP | undefined;

  constructor(
    readonly engine: Engine,
    readonly obsDim: number,
    readonly actDim: number,
    readonly normalizer: StateNormalizer,
    config: Partial<CQLConfig> = {},
  ) {
    const c = (this.config = { ...CQL_DEFAULTS, ...config, hidden: [...(config.hidden ?? CQL_DEFAULTS.hidden)] });
    const init = new Rng(c.seed);
    const st = this.state;
    const last = c.hidden.length;
    this.actor = st.net('actor', new MLP(engine, { sizes: [obsDim, ...c.hidden, 2 * actDim], seed: init.fork() }));
    this.actor.initLayer(last, 'xavierUniform', 1e-2, init.fork());
    const critic = () => {
      const q = new MLP(engine, { sizes: [obsDim + actDim, ...c.hidden, 1], seed: init.fork() });
      if (c.orthogonalInit) for (let l = 0; l < last; l++) q.initLayer(l, 'orthogonal', Math.SQRT2, init.fork());
      q.initLayer(last, c.orthogonalInit ? 'orthogonal' : 'xavierUniform', 1e-2, init.fork());
      return q;
    };
    this.q1 = st.net('q1', critic());
    this.q2 = st.net('q2', critic());
    this.q1Target = st.net('q1Target', this.q1.clone());
    this.q2Target = st.net('q2Target', this.q2.clone());
    this.logStdAffine = st.vector('logStdAffine', new ParamVector(engine, 2));
    this.logStdAffine.set([c.logStdMultiplier, c.logStdOffset]);
    this.logAlpha = st.vector('logAlpha', new ParamVector(engine, 1, 0));
    this.actorOpt = st.optimizer('actor', new Adam(this.actor, { lr: c.actorLr }));
    this.logStdOpt = st.optimizer('logStdAffine', new Adam(this.logStdAffine, { lr: c.actorLr }));
    this.alphaOpt = st.optimizer('logAlpha', new Adam(this.logAlpha, { lr: c.actorLr }));
    this.q1Opt = st.optimizer('q1', new Adam(this.q1, { lr: c.criticLr }));
    this.q2Opt = st.optimizer('q2', new Adam(this.q2, { lr: c.criticLr }));
    this.rng = st.rng('rng', init.fork());
    this.totalIt = st.counter('totalIt');
    this.tape = st.tape(new Tape(engine));
    this.s = new Float32Array(c.batchSize * obsDim);
    this.s2 = new Float32Array(c.batchSize * obsDim);
  }

  /** a ~ π(·|s) reparameterised, with log π(a|s); `frozen` samples outside the graph (no gradient anywhere). */
  private sample(s: Tensor, frozen: boolean): { action: Tensor; logProb: Tensor } {
    const { tape: t, actDim: A, config: c } = this;
    const out = t.mlp(this.actor, s, { frozen });
    const affine = frozen ? t.constant(this.logStdAffine.get(), 1, 2) : t.param(this.logStdAffine);
    const rawLogStd = t.add(t.mul(t.slice(out, A, 2 * A), t.slice(affine, 0, 1)), t.slice(affine, 1, 2));
    const logStd = t.clamp(rawLogStd, c.logStdMin, c.logStdMax);
    const noise = t.constant(this.rng.fillNormal(new Float32Array(s.rows * A)), s.rows, A);
    const { action, logProb } = t.tanhGaussian(t.slice(out, 0, A), logStd, noise);
    return { action: c.maxAction === 1 ? action : t.scale(action, c.maxAction), logProb };
  }

  private minQ(q1: MLP, q2: MLP, sa: Tensor): Tensor {
    const t = this.tape;
    return t.min(...t.mlps([q1, q2], sa, { frozen: true }));
  }

  update(batch: Batch): Record<string, number> {
    const { config: c, obsDim, actDim: A, tape: t } = this;
    const B = batch.size,
      N = c.cqlNActions;
    this.totalIt.value++;
    t.reset();
    const s = t.constant(this.normalizer.normalize(batch.observations, this.s), B, obsDim);
    const s2 = t.constant(this.normalizer.normalize(batch.nextObservations, this.s2), B, obsDim);
    const a = t.constant(batch.actions, B, A);
    const alpha = c.autoAlpha ? Math.exp(this.logAlpha.get()[0]!) * c.alphaMultiplier : c.alphaMultiplier;

    // Actor and temperature: L_π = mean(α log π − min Q(s, π)), critics frozen; L_α = −log α · mean(log π + H).
    const pi = this.sample(s, false);
    const piLoss = t.mean(t.sub(t.scale(pi.logProb, alpha), this.minQ(this.q1, this.q2, t.concat(s, pi.action))));
    const logPiMean = t.mean(pi.logProb).value;

    // Critic target (no gradient), from a' ~ π(·|s').
    const next = this.sample(s2, true);
    const s2a2 = t.concat(s2, next.action);
    const y = t.map([this.minQ(this.q1Target, this.q2Target, s2a2), next.logProb], (q, lp, i) => {
      const r = c.rewardScale * batch.rewards[i!]! + c.rewardBias;
      return r + (1 - batch.dones[i!]!) * c.discount * (c.backupEntropy ? q! - alpha * lp! : q!);
    });

    // The penalty's actions: N uniform, N from π(s) and N from π(s') per state (all sampled outside the graph), each
    // scored at s, in one batched call per critic.
    const sRep = t.repeatRows(s, N);
    const uniform = t.constant(
      Float32Array.from({ length: B * N * A }, () => this.rng.uniform(-1, 1)),
      B * N,
      A,
    );
    const cur = this.sample(sRep, true);
    const nxt = this.sample(t.repeatRows(s2, N), true);
    const penaltyIn = t.stack(t.stack(t.concat(sRep, uniform), t.concat(sRep, cur.action)), t.concat(sRep, nxt.action));
    const logUniform = A * Math.log(0.5);

    const sa = t.concat(s, a);
    const [qData1, qData2] = t.mlps([this.q1, this.q2], sa);
    const [qAll1, qAll2] = t.mlps([this.q1, this.q2], penaltyIn);
    const critic = (qData: Tensor, qAll: Tensor) => {
      const part = (k: number) => t.reshape(t.rows(qAll, k * B * N, (k + 1) * B * N), B, N);
      const [qRand, qCur, qNext] = [part(0), part(1), part(2)];
      const logits = c.cqlImportanceSample
        ? t.concat(t.concat(t.addConst(qRand, -logUniform), t.sub(qNext, t.reshape(nxt.logProb, B, N))), t.sub(qCur, t.reshape(cur.logProb, B, N)))
        : t.concat(t.concat(t.concat(qRand, qData), qNext), qCur);
      const ood = t.scale(t.logsumexp(t.scale(logits, 1 / c.cqlTemp)), c.cqlTemp);
      return { bellman: t.mse(qData, y), penalty: t.mean(t.sub(ood, qData)), qData };
    };
    const c1 = critic(qData1, qAll1),
      c2 = critic(qData2, qAll2);
    const bellman = t.add(c1.bellman, c2.bellman);
    const penalty = t.add(c1.penalty, c2.penalty);
    const qLoss = t.add(bellman, t.scale(penalty, c.cqlAlpha));

    // Steps in CORL's order: temperature, actor, critics, then the targets.
    if (c.autoAlpha) {
      const alphaLoss = t.scale(t.mean(t.param(this.logAlpha)), -(logPiMean - A));
      this.alphaOpt.zeroGrad();
      t.backward(alphaLoss);
      this.alphaOpt.step();
    }
    this.actorOpt.zeroGrad();
    this.logStdOpt.zeroGrad();
    t.backward(piLoss);
    this.actorOpt.step();
    this.logStdOpt.step();
    this.q1Opt.zeroGrad();
    this.q2Opt.zeroGrad();
    t.backward(qLoss);
    this.q1Opt.step();
    this.q2Opt.step();
    polyak(this.q1Target, this.q1, c.tau);
    polyak(this.q2Target, this.q2, c.tau);

    return {
      'loss/critic': bellman.value,
      'loss/cql': penalty.value,
      'loss/actor': piLoss.value,
      'q/mean': t.mean(c1.qData).value,
      alpha,
      entropy: -logPiMean,
    };
  }

  /** The deterministic policy maxAction · tanh(μ(s)) (a copy of the actor's mean half; refreshed on each call). */
  policy(): MlpPolicy {
    this.meanHead = this.actor.outputHead(this.actDim, 'tanh', this.meanHead);
    return new MlpPolicy(this.meanHead, this.normalizer, this.config.maxAction);
  }

  stateDict(): StateDict {
    return { algo: 'cql', config: this.config as unknown as StateDict, normalizer: this.normalizer.toJSON(), ...this.state.stateDict() };
  }

  loadStateDict(s: StateDict): void {
    this.state.loadStateDict(s);
  }

  /** Frees engine memory; the agent must not be used afterwards. */
  dispose(): void {
    this.state.dispose();
    this.meanHead?.dispose();
    this.meanHead = undefined;
  }
}
