/**
 * ReBRAC — "Revisiting the Minimalist Approach to Offline Reinforcement Learning", Tarasov et al., NeurIPS 2023.
 * https://arxiv.org/abs/2305.09836 · reference implementation: CORL algorithms/offline/rebrac.py (its MuJoCo configs)
 *
 * TD3+BC with the design choices that made it strong: deeper networks (3 hidden layers), LayerNorm in the critics,
 * batches of 1024, and a behaviour-cloning penalty in both losses:
 *   critic:  ã' = clip(π'(s') + clip(ε, ±c), ±1),  ε ~ N(0, σ²)
 *            y = r + γ(1 − d)·(min_i Q'_i(s', ã') − β_critic·‖ã' − a'‖²)   (a': the dataset's next action)
 *            L_Q = Σ_i mean (Q_i(s, a) − y)²
 *   actor (every `policyFreq` updates, then the soft target updates):
 *            L_π = mean(β_actor·‖π(s) − a‖² − λ·min_i Q_i(s, π(s))),  λ = 1 / mean|min_i Q_i(s, π(s))| (detached)
 * Critic layers: Dense → ReLU → LayerNorm (learned gain and bias) ×3, then Dense → 1. Initialisation as CORL's: hidden
 * kernels U(±1/√fan_in), hidden biases 0.1, last layer U(±3e-3) (critic) / U(±1e-3) (actor) for kernel and bias. The
 * two critics run as one ensemble (one batched kernel call per layer). States are not normalised (CORL's MuJoCo
 * configs); the β's are per dataset — `REBRAC_CORL_COEFS` holds CORL's for the nine MuJoCo datasets.
 */
import { OrlError, Rng, StateNormalizer, clamp, type Agent, type Batch, type StateDict } from '@orl/core';
import { Adam, AgentState, MLP, MlpPolicy, ParamVector, Tape, polyak, type Engine, type Tensor } from '@orl/nn';

export interface ReBRACConfig {
  // Optimisation
  /** Discount factor γ. */
  discount: number;
  /** Soft target update rate τ (actor and critics, at each actor update). */
  tau: number;
  /** Learning rate of the actor (Adam). */
  actorLr: number;
  /** Learning rate of the critics (Adam). */
  criticLr: number;
  /** Transitions per gradient step (CORL: 1024). */
  batchSize: number;
  // ReBRAC
  /** β_actor: weight of ‖π(s) − a‖² in the actor loss (per dataset in CORL: 0.001–0.1). */
  actorBcCoef: number;
  /** β_critic: weight of ‖ã' − a'‖² subtracted from the target Q (per dataset in CORL: 0.001–0.5). */
  criticBcCoef: number;
  /** Scale the actor's Q term by 1 / mean|Q| (detached), as TD3+BC's λ. */
  normalizeQ: boolean;
  // TD3
  /** Std of the target policy smoothing noise. */
  policyNoise: number;
  /** Clip of the target policy smoothing noise. */
  noiseClip: number;
  /** Actor and target updates every this many critic updates. */
  policyFreq: number;
  // Networks
  /** Hidden layer widths of the actor and the critics (CORL: three layers of 256, ReLU). */
  hidden: number[];
  /** ε of the critics' LayerNorm (flax's default 1e-6). */
  layerNormEps: number;
  /** Largest absolute action: the actor's tanh output is scaled by it. */
  maxAction: number;
  /** Seeds the initialization and the policy noise (the sampler is seeded by the training loop). */
  seed: number;
}

/** CORL's ReBRAC settings for D4RL MuJoCo; the β's default to its hopper-medium ones (see `REBRAC_CORL_COEFS`). */
export const REBRAC_DEFAULTS: Readonly<ReBRACConfig> = Object.freeze({
  discount: 0.99,
  tau: 5e-3,
  actorLr: 1e-3,
  criticLr: 1e-3,
  batchSize: 1024,
  actorBcCoef: 0.01,
  criticBcCoef: 0.01,
  normalizeQ: true,
  policyNoise: 0.2,
  noiseClip: 0.5,
  policyFreq: 2,
  hidden: [256, 256, 256],
  layerNormEps: 1e-6,
  maxAction: 1,
  seed: 0,
});

/** CORL's per-dataset β's (configs/offline/rebrac/<task>/<dataset>_v2.yaml). */
export const REBRAC_CORL_COEFS: Readonly<Record<string, { actorBcCoef: number; criticBcCoef: number }>> = Object.freeze({
  'halfcheetah-medium': { actorBcCoef: 0.001, criticBcCoef: 0.01 },
  'halfcheetah-medium-replay': { actorBcCoef: 0.01, criticBcCoef: 0.001 },
  'halfcheetah-medium-expert': { actorBcCoef: 0.01, criticBcCoef: 0.1 },
  'hopper-medium': { actorBcCoef: 0.01, criticBcCoef: 0.01 },
  'hopper-medium-replay': { actorBcCoef: 0.05, criticBcCoef: 0.5 },
  'hopper-medium-expert': { actorBcCoef: 0.1, criticBcCoef: 0.01 },
  'walker2d-medium': { actorBcCoef: 0.05, criticBcCoef: 0.1 },
  'walker2d-medium-replay': { actorBcCoef: 0.05, criticBcCoef: 0.01 },
  'walker2d-medium-expert': { actorBcCoef: 0.01, criticBcCoef: 0.01 },
});

/**
 * CORL's β's for a dataset name ('hopper-medium', 'hopper-medium-v2', 'd4rl/hopper-medium-replay-…'): the longest
 * known dataset name it contains, or {} (the defaults) when none matches.
 */
export function rebracCoefsFor(name: string | undefined): Partial<Pick<ReBRACConfig, 'actorBcCoef' | 'criticBcCoef'>> {
  if (!name) return {};
  const key = Object.keys(REBRAC_CORL_COEFS)
    .filter((k) => name.includes(k))
    .sort((a, b) => b.length - a.length)[0];
  return key ? { ...REBRAC_CORL_COEFS[key]! } : {};
}

/** One LayerNorm critic: dense layers (each its own network, so LayerNorm can sit between them) and LN gains/biases. */
interface Critic {
  layers: MLP[];
  gains: ParamVector[];
  biases: ParamVector[];
}

/**
 * CORL's init of one dense layer stored [kernel in×out, bias out] at `off` in `p`: a hidden layer keeps PyTorch's
 * U(±1/√fan_in) kernel and gets biases 0.1; the last layer's kernel and bias are U(±lastBound).
 */
function corlLayerInit(p: Float32Array, off: number, fanIn: number, fanOut: number, last: boolean, lastBound: number, rng: Rng): void {
  const end = off + fanIn * fanOut + fanOut;
  if (last) for (let i = off; i < end; i++) p[i] = rng.uniform(-lastBound, lastBound);
  else p.fill(0.1, off + fanIn * fanOut, end);
}

/** CORL's init of a whole MLP (the actor). */
function corlInit(net: MLP, lastBound: number, rng: Rng): void {
  const p = net.getParams();
  let off = 0;
  for (let l = 0; l + 1 < net.sizes.length; l++) {
    const [fanIn, fanOut] = [net.sizes[l]!, net.sizes[l + 1]!];
    corlLayerInit(p, off, fanIn, fanOut, l + 2 === net.sizes.length, lastBound, rng);
    off += fanIn * fanOut + fanOut;
  }
  net.setParams(p);
}

export class ReBRAC implements Agent {
  readonly config: ReBRACConfig;
  readonly actor: MLP;
  private readonly actorTarget: MLP;
  private readonly critics: Critic[];
  private readonly criticTargets: Critic[];
  private readonly actorOpt: Adam;
  private readonly criticOpts: Adam[];
  private readonly rng: Rng;
  private readonly totalIt: { value: number };
  /** Networks, LayerNorm parameters, optimizers, RNG and counter: what checkpoints save and `dispose` frees. */
  private readonly state = new AgentState();
  private readonly tape: Tape;
  /** ReBRAC trains on raw states (CORL's MuJoCo configs); the policy carries an identity normalizer. */
  readonly normalizer: StateNormalizer;

  constructor(
    readonly engine: Engine,
    readonly obsDim: number,
    readonly actDim: number,
    config: Partial<ReBRACConfig> = {},
  ) {
    const c = (this.config = { ...REBRAC_DEFAULTS, ...config, hidden: [...(config.hidden ?? REBRAC_DEFAULTS.hidden)] });
    if (c.hidden.length === 0) throw new OrlError('INVALID_CONFIG', 'ReBRAC needs at least one hidden layer');
    const init = new Rng(c.seed);
    const st = this.state;
    this.normalizer = StateNormalizer.identity(obsDim);
    this.actor = st.net('actor', new MLP(engine, { sizes: [obsDim, ...c.hidden, actDim], output: 'tanh', seed: init.fork() }));
    corlInit(this.actor, 1e-3, init.fork());
    this.actorTarget = st.net('actorTarget', this.actor.clone());
    const widths = [obsDim + actDim, ...c.hidden, 1];
    const makeCritic = (k: number): Critic => {
      const layers = widths.slice(1).map((out, l) => {
        const last = l === widths.length - 2;
        const net = st.net(`q${k}.layer${l}`, new MLP(engine, { sizes: [widths[l]!, out], output: last ? 'linear' : 'relu', seed: init.fork() }));
        const p = net.getParams();
        corlLayerInit(p, 0, widths[l]!, out, last, 3e-3, init);
        net.setParams(p);
        return net;
      });
      const gains = c.hidden.map((h, l) => st.vector(`q${k}.ln${l}.gain`, new ParamVector(engine, h, 1)));
      const biases = c.hidden.map((h, l) => st.vector(`q${k}.ln${l}.bias`, new ParamVector(engine, h, 0)));
      return { layers, gains, biases };
    };
    this.critics = [makeCritic(1), makeCritic(2)];
    this.criticTargets = this.critics.map((q, i) => ({
      layers: q.layers.map((net, l) => st.net(`q${i + 1}Target.layer${l}`, net.clone())),
      gains: q.gains.map((v, l) => st.vector(`q${i + 1}Target.ln${l}.gain`, copyVector(v))),
      biases: q.biases.map((v, l) => st.vector(`q${i + 1}Target.ln${l}.bias`, copyVector(v))),
    }));
    this.actorOpt = st.optimizer('actor', new Adam(this.actor, { lr: c.actorLr }));
    // Adam is per parameter, so one optimizer per block equals one over the whole critic.
    this.criticOpts = this.critics.flatMap((q, i) =>
      [...q.layers, ...q.gains, ...q.biases].map((block, j) => st.optimizer(`q${i + 1}.${j}`, new Adam(block, { lr: c.criticLr }))),
    );
    this.rng = st.rng('rng', init.fork());
    this.totalIt = st.counter('totalIt');
    this.tape = st.tape(new Tape(engine));
  }

  /** Both critics on (s, a) rows, as one ensemble per dense layer; `frozen`: no gradient to their parameters. */
  private q(critics: Critic[], sa: Tensor, frozen: boolean): Tensor[] {
    const t = this.tape;
    const { hidden, layerNormEps } = this.config;
    let xs: Tensor[] = critics.map(() => sa);
    for (let l = 0; l < hidden.length + 1; l++) {
      const ys = t.mlps(
        critics.map((q) => q.layers[l]!),
        l === 0 ? sa : xs,
        { frozen },
      );
      if (l === hidden.length) return ys;
      // ReLU sits in the dense layer; then LayerNorm with its learned gain and bias.
      xs = ys.map((y, i) => {
        const { gains, biases } = critics[i]!;
        const w = hidden[l]!;
        const gain = frozen ? t.constant(gains[l]!.get(), 1, w) : t.param(gains[l]!, 1, w);
        const bias = frozen ? t.constant(biases[l]!.get(), 1, w) : t.param(biases[l]!, 1, w);
        return t.layerNorm(y, layerNormEps, { gain, bias });
      });
    }
    return xs;
  }

  update(batch: Batch): Record<string, number> {
    const { config: c, obsDim, actDim: A, tape: t, rng } = this;
    if (!batch.nextActions) {
      throw new OrlError('INVALID_ARGUMENT', "ReBRAC needs the dataset's next actions in its batches: UniformSampler(data, n, seed, { nextActions: true })");
    }
    const B = batch.size;
    const nextActions = batch.nextActions;
    const actorStep = this.totalIt.value % c.policyFreq === 0; // CORL updates the actor at update 0, policyFreq, 2·policyFreq…
    this.totalIt.value++;
    t.reset();
    const s = t.constant(batch.observations, B, obsDim);
    const s2 = t.constant(batch.nextObservations, B, obsDim);
    const a = t.constant(batch.actions, B, A);

    // Critic target (no gradient): smoothed target action, minus β_critic·‖ã' − a'‖².
    const noisy = (x: number) => clamp(x * c.maxAction + clamp(c.policyNoise * rng.normal(), -c.noiseClip, c.noiseClip), -c.maxAction, c.maxAction);
    const a2 = t.map(t.mlp(this.actorTarget, s2, { frozen: true }), noisy);
    const [tq1, tq2] = this.q(this.criticTargets, t.concat(s2, a2), true);
    const a2v = a2.values();
    const y = t.map([tq1!, tq2!], (q1, q2, i) => {
      let penalty = 0;
      for (let j = 0; j < A; j++) penalty += (a2v[i! * A + j]! - nextActions[i! * A + j]!) ** 2;
      return batch.rewards[i!]! + (1 - batch.dones[i!]!) * c.discount * (Math.min(q1!, q2!) - c.criticBcCoef * penalty);
    });

    // Critics: L = Σ_i mean (Q_i(s, a) − y)².
    const [q1, q2] = this.q(this.critics, t.concat(s, a), false);
    const criticLoss = t.add(t.mse(q1!, y), t.mse(q2!, y));
    for (const o of this.criticOpts) o.zeroGrad();
    t.backward(criticLoss);
    for (const o of this.criticOpts) o.step();
    const metrics: Record<string, number> = { 'loss/critic': criticLoss.value, 'q/mean': t.mean(t.min(q1!, q2!)).value };

    // Actor: L = mean(β_actor·‖π(s) − a‖² − λ·min_i Q_i(s, π(s))), through the critics just updated (frozen).
    if (actorStep) {
      const pi = t.mlp(this.actor, s);
      const piScaled = c.maxAction === 1 ? pi : t.scale(pi, c.maxAction);
      const [p1, p2] = this.q(this.critics, t.concat(s, piScaled), true);
      const qPi = t.min(p1!, p2!);
      const lambda = c.normalizeQ ? 1 / t.mean(t.map(qPi, Math.abs)).value : 1;
      const bc = t.scale(t.mse(piScaled, a), A); // mean over rows of the squared distance (mse averages over A too)
      const actorLoss = t.add(t.scale(bc, c.actorBcCoef), t.scale(t.mean(qPi), -lambda));
      this.actorOpt.zeroGrad();
      t.backward(actorLoss);
      this.actorOpt.step();
      polyak(this.actorTarget, this.actor, c.tau);
      this.critics.forEach((q, i) => {
        const target = this.criticTargets[i]!;
        q.layers.forEach((net, l) => polyak(target.layers[l]!, net, c.tau));
        q.gains.forEach((v, l) => polyak(target.gains[l]!, v, c.tau));
        q.biases.forEach((v, l) => polyak(target.biases[l]!, v, c.tau));
      });
      metrics['loss/actor'] = actorLoss.value;
      metrics['bc/distance'] = bc.value;
      metrics.lambda = lambda;
    }
    return metrics;
  }

  policy(): MlpPolicy {
    return new MlpPolicy(this.actor, this.normalizer, this.config.maxAction);
  }

  stateDict(): StateDict {
    return { algo: 'rebrac', config: this.config as unknown as StateDict, normalizer: this.normalizer.toJSON(), ...this.state.stateDict() };
  }

  loadStateDict(s: StateDict): void {
    this.state.loadStateDict(s);
  }

  /** Frees engine memory. */
  dispose(): void {
    this.state.dispose();
  }
}

function copyVector(v: ParamVector): ParamVector {
  const out = new ParamVector(v.engine, v.size);
  out.set(v.get());
  return out;
}
