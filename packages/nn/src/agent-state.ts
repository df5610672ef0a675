import { OrlError, type Rng, type RngState, type StateDict, type StateValue } from '@orl/core';
import type { Adam } from './adam.js';
import { mlpState } from './io.js';
import type { MLP, ParamVector } from './mlp.js';
import type { Tape } from './tape.js';

/** A value an agent keeps outside networks and optimizers (a replay buffer, a schedule), saved through get/set. */
export interface StateEntry {
  get(): StateValue;
  set(value: StateValue): void;
  dispose?(): void;
}

/**
 * Everything an agent holds that a checkpoint must restore — networks, parameter vectors, optimizers, random
 * generators, counters and other entries — each registered once, by name, where the agent creates it. `stateDict`,
 * `loadStateDict` and `dispose` are derived from the registry, so nothing declared can be left out of a checkpoint
 * (a resumed run silently resetting Adam or an RNG) or leak engine memory.
 *
 * Layout (stable, so checkpoints stay readable): networks under `nets`, optimizer states under `opts`, and parameter
 * vectors, RNG states, counters and entries at the top level by name.
 */
export class AgentState {
  private readonly nets = new Map<string, MLP>();
  private readonly optimizers = new Map<string, Adam>();
  private readonly vectors = new Map<string, ParamVector>();
  private readonly rngs = new Map<string, Rng>();
  private readonly counters = new Map<string, { value: number }>();
  private readonly entries = new Map<string, StateEntry>();
  private readonly topNames = new Set<string>(['nets', 'opts']);
  private readonly tapes: Tape[] = [];
  private readonly engineBuffers: { engine: { free(off: number): void }; off: number }[] = [];

  private top(name: string): void {
    if (this.topNames.has(name)) throw new OrlError('INVALID_ARGUMENT', `agent state: '${name}' is registered twice (or reserved)`);
    this.topNames.add(name);
  }

  net<T extends MLP>(name: string, net: T): T {
    if (this.nets.has(name)) throw new OrlError('INVALID_ARGUMENT', `agent state: network '${name}' is registered twice`);
    this.nets.set(name, net);
    return net;
  }

  optimizer(name: string, opt: Adam): Adam {
    if (this.optimizers.has(name)) throw new OrlError('INVALID_ARGUMENT', `agent state: optimizer '${name}' is registered twice`);
    this.optimizers.set(name, opt);
    return opt;
  }

  vector(name: string, v: ParamVector): ParamVector {
    this.top(name);
    this.vectors.set(name, v);
    return v;
  }

  rng(name: string, rng: Rng): Rng {
    this.top(name);
    this.rngs.set(name, rng);
    return rng;
  }

  /** A counter (update count, environment steps) as a box: `it.value++`. */
  counter(name: string, initial = 0): { value: number } {
    this.top(name);
    const box = { value: initial };
    this.counters.set(name, box);
    return box;
  }

  entry(name: string, entry: StateEntry): void {
    this.top(name);
    this.entries.set(name, entry);
  }

  /** Engine memory that is not state (work buffers): freed by `dispose`, never saved. */
  /** A tape whose arena `dispose` returns to the engine (a tape holds no state a checkpoint needs). */
  tape(tape: Tape): Tape {
    this.tapes.push(tape);
    return tape;
  }

  workBuffer(engine: { alloc(n: number): number; free(off: number): void }, floats: number): number {
    const off = engine.alloc(floats);
    this.engineBuffers.push({ engine, off });
    return off;
  }

  stateDict(): StateDict {
    const out: StateDict = { nets: {}, opts: {} };
    for (const [k, n] of this.nets) (out.nets as StateDict)[k] = mlpState(n);
    for (const [k, o] of this.optimizers) (out.opts as StateDict)[k] = o.stateDict() as unknown as StateDict;
    for (const [k, v] of this.vectors) out[k] = v.get();
    for (const [k, r] of this.rngs) out[k] = r.getState() as unknown as StateDict;
    for (const [k, c] of this.counters) out[k] = c.value;
    for (const [k, e] of this.entries) out[k] = e.get();
    return out;
  }

  /** Restores every registered part; a checkpoint missing one (or with another shape) is refused, naming it. */
  loadStateDict(s: StateDict): void {
    const missing = (what: string): never => {
      throw new OrlError('CHECKPOINT', `checkpoint has no ${what} (saved by another version or another algorithm?)`, { missing: what });
    };
    const nets = (s.nets ?? {}) as Record<string, { params?: unknown }>;
    const opts = (s.opts ?? {}) as Record<string, Parameters<Adam['loadStateDict']>[0]>;
    // Check everything before changing anything, so a refused checkpoint leaves the agent as it was.
    for (const k of this.nets.keys()) if (!(nets[k]?.params instanceof Float32Array)) missing(`network '${k}'`);
    for (const k of this.optimizers.keys()) if (!opts[k]) missing(`optimizer state '${k}'`);
    for (const k of [...this.vectors.keys(), ...this.rngs.keys(), ...this.counters.keys(), ...this.entries.keys()]) if (!(k in s)) missing(`'${k}'`);
    for (const [k, n] of this.nets) {
      const p = nets[k]!.params as Float32Array;
      if (p.length !== n.size) throw new OrlError('SHAPE_MISMATCH', `checkpoint network '${k}' has ${p.length} parameters, this agent's ${n.size}`);
    }
    for (const [k, n] of this.nets) n.setParams(nets[k]!.params as Float32Array);
    for (const [k, o] of this.optimizers) o.loadStateDict(opts[k]!);
    for (const [k, v] of this.vectors) v.set(s[k] as Float32Array);
    for (const [k, r] of this.rngs) r.setState(s[k] as unknown as RngState);
    for (const [k, c] of this.counters) c.value = s[k] as number;
    for (const [k, e] of this.entries) e.set(s[k]!);
  }

  /** Frees the engine memory of every registered network, vector, optimizer and work buffer, and disposes entries. */
  dispose(): void {
    for (const o of this.optimizers.values()) o.dispose();
    for (const n of this.nets.values()) n.dispose();
    for (const v of this.vectors.values()) v.dispose();
    for (const e of this.entries.values()) e.dispose?.();
    for (const b of this.engineBuffers) b.engine.free(b.off);
    this.engineBuffers.length = 0;
    for (const t of this.tapes) t.dispose();
    this.tapes.length = 0;
    this.optimizers.clear();
    this.nets.clear();
    this.vectors.clear();
    this.entries.clear();
  }
}
