/**
 * Behaviour cloning — the baseline every offline-RL table starts from. Reference implementation: CORL
 * algorithms/offline/any_percent_bc.py (frac = 1: all of the data).
 *
 *   actor:  a = max_action · tanh(MLP(normalize(s)));   L = mean (π(s) − a_data)²
 *
 * Rewards are not used: BC shows what the data's own actions score, the bar an offline-RL method has to clear.
 */
import { Rng, type Agent, type Batch, type StateDict, type StateNormalizer } from '@orl/core';
import { Adam, AgentState, MLP, MlpPolicy, Tape, type Engine } from '@orl/nn';

export interface BCConfig {
  /** Hidden layer widths of the actor (CORL: 256-256, ReLU). */
  hidden: number[];
  /** Actor learning rate (Adam; CORL: 3e-4). */
  actorLr: number;
  /** Transitions per gradient step (CORL: 256). */
  batchSize: number;
  /** Largest absolute action; the actor's tanh output is scaled by it. */
  maxAction: number;
  /** Seeds the initialization (the sampler is seeded by the training loop). */
  seed: number;
}

export const BC_DEFAULTS: Readonly<BCConfig> = Object.freeze({
  hidden: [256, 256],
  actorLr: 3e-4,
  batchSize: 256,
  maxAction: 1,
  seed: 0,
});

export class BC implements Agent {
  readonly config: BCConfig;
  readonly actor: MLP;
  private readonly opt: Adam;
  private readonly steps: { value: number };
  /** The actor, its optimizer and the step counter: what checkpoints save and `dispose` frees. */
  private readonly state = new AgentState();
  private readonly tape: Tape;
  private readonly s: Float32Array;

  constructor(
    readonly engine: Engine,
    readonly obsDim: number,
    readonly actDim: number,
    readonly normalizer: StateNormalizer,
    config: Partial<BCConfig> = {},
  ) {
    const c = (this.config = { ...BC_DEFAULTS, ...config, hidden: [...(config.hidden ?? BC_DEFAULTS.hidden)] });
    const init = new Rng(c.seed);
    const st = this.state;
    this.actor = st.net('actor', new MLP(engine, { sizes: [obsDim, ...c.hidden, actDim], output: 'tanh', seed: init.fork() }));
    this.opt = st.optimizer('actor', new Adam(this.actor, { lr: c.actorLr }));
    this.steps = st.counter('steps');
    this.tape = st.tape(new Tape(engine));
    this.s = new Float32Array(c.batchSize * obsDim);
  }

  update(batch: Batch): Record<string, number> {
    const { config: c, tape: t } = this;
    const B = batch.size;
    this.steps.value++;
    t.reset();
    const s = t.constant(this.normalizer.normalize(batch.observations, this.s.subarray(0, B * this.obsDim)), B, this.obsDim);
    const pi = t.scale(t.mlp(this.actor, s), c.maxAction);
    const loss = t.mse(pi, t.constant(batch.actions, B, this.actDim));
    this.opt.zeroGrad();
    t.backward(loss);
    this.opt.step();
    return { 'loss/actor': loss.value };
  }

  policy(): MlpPolicy {
    return new MlpPolicy(this.actor, this.normalizer, this.config.maxAction);
  }

  stateDict(): StateDict {
    return { algo: 'bc', config: this.config as unknown as StateDict, normalizer: this.normalizer.toJSON(), ...this.state.stateDict() };
  }

  loadStateDict(s: StateDict): void {
    this.state.loadStateDict(s);
  }

  /** Frees engine memory; the agent must not be used afterwards. */
  dispose(): void {
    this.state.dispose();
  }
}
