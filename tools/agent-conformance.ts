/**
 * One conformance suite for every agent (d3rlpy's idea): each algorithm package calls `agentConformance` from its
 * tests with a factory. It checks what every agent promises, whatever its math:
 * - updates give finite metrics;
 * - a save/load round trip through the file format restores everything: the reloaded agent (built with another
 *   seed, so nothing can come from construction) continues with the same metrics and the same bits;
 * - a run stopped mid-way and resumed from its checkpoint ends bit-identical to an uninterrupted run (networks,
 *   optimizer moments, RNGs, counters, buffers);
 * - dispose returns every float of engine memory.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Agent, Dataset, Rng, UniformSampler, decodeState, encodeState, toTransitions } from '@orl/core';
import { trainOffline } from '@orl/core/node';
import { type Engine, createEngine } from '@orl/nn';
import { describe, expect, it } from 'vitest';

export type ConformingAgent = Agent & { dispose(): void };

/** A seeded synthetic dataset (episodes of 50 steps, in order: a row's next state is the next row's state). */
export function conformanceData(obsDim: number, actDim: number, rows = 400): Dataset {
  const rng = new Rng(11);
  const obs = rng.fillNormal(new Float32Array(rows * obsDim)) as Float32Array;
  const next = rng.fillNormal(new Float32Array(rows * obsDim)) as Float32Array;
  for (let i = 0; i + 1 < rows; i++) if (i % 50 !== 49) next.set(obs.subarray((i + 1) * obsDim, (i + 2) * obsDim), i * obsDim);
  const act = rng.fillUniform(new Float32Array(rows * actDim), -1, 1) as Float32Array;
  const rewards = Float32Array.from({ length: rows }, (_, i) => Math.sin(obs[i * obsDim]!) - 0.1 * act[i * actDim]! ** 2);
  return new Dataset(
    {
      observations: obs,
      nextObservations: next,
      actions: act,
      rewards,
      terminals: new Uint8Array(rows),
      timeouts: Uint8Array.from({ length: rows }, (_, i) => Number(i % 50 === 49)),
    },
    { obsDim, actDim },
  );
}

export function agentConformance(
  name: string,
  make: (engine: Engine, seed: number) => ConformingAgent,
  options: {
    obsDim: number;
    actDim: number;
    batchSize: number;
    data?: Dataset;
    backend?: 'js' | 'wasm' | 'native';
    /** Batches carry the dataset's next actions (ReBRAC). */
    nextActions?: boolean;
  },
): void {
  const data = toTransitions(options.data ?? conformanceData(options.obsDim, options.actDim));
  const engine = () => createEngine({ backend: options.backend ?? 'wasm', notice: false });
  const sampling = options.nextActions ? { nextActions: true } : {};
  // The state without `config` (construction-time settings, which include the seed the copy was built with).
  const bytes = (a: Agent) => {
    const { config: _config, ...state } = a.stateDict();
    return encodeState(state);
  };

  describe(`${name} conforms to the agent contract`, () => {
    it('updates give finite metrics', () => {
      const agent = make(engine(), 0);
      const sampler = new UniformSampler(data, options.batchSize, 1, sampling);
      for (let i = 0; i < 30; i++) {
        const m = agent.update(sampler.sample());
        for (const [k, v] of Object.entries(m)) expect(Number.isFinite(v), `${k} at update ${i}`).toBe(true);
      }
      agent.dispose();
    });

    it('save → file format → load restores everything: the copy continues with the same metrics and bits', () => {
      const e = engine();
      const a = make(e, 0);
      const sampler = new UniformSampler(data, options.batchSize, 2, sampling);
      for (let i = 0; i < 15; i++) a.update(sampler.sample());
      const b = make(e, 99); // another seed: whatever construction drew must be overwritten by the load
      b.loadStateDict(decodeState(bytes(a)));
      expect(bytes(b)).toEqual(bytes(a));
      const batches = Array.from({ length: 10 }, () => sampler.sample());
      // Batches are reused buffers in some samplers: copy them.
      const copies = batches.map((x) => structuredClone(x));
      const ma = copies.map((x) => a.update(x));
      const mb = copies.map((x) => b.update(structuredClone(x)));
      expect(mb).toEqual(ma);
      expect(bytes(b)).toEqual(bytes(a));
      a.dispose();
      b.dispose();
    });

    it('a run stopped mid-way and resumed from its checkpoint ends bit-identical to an uninterrupted run', async () => {
      const steps = 40;
      const common = { steps, logEvery: 10, checkpointEvery: 10, progress: 'none' as const };
      const whole = make(engine(), 0);
      await trainOffline({
        agent: whole,
        data,
        batchSize: options.batchSize,
        seed: 3,
        runInfo: { name },
        nextActions: options.nextActions ?? false,
        options: { ...common, outDir: mkdtempSync(join(tmpdir(), 'orl-conf-')) },
      });
      const dir = mkdtempSync(join(tmpdir(), 'orl-conf-'));
      const first = make(engine(), 0);
      const stop = new AbortController();
      let calls = 0;
      // Stop after the 25th update (between checkpoints, so the resume repeats steps 21–25 from the step-20 state).
      const stopping: ConformingAgent = Object.assign(Object.create(first) as ConformingAgent, {
        update: (b: Parameters<Agent['update']>[0]) => {
          const m = first.update(b);
          if (++calls === 25) stop.abort();
          return m;
        },
      });
      const part = await trainOffline({
        agent: stopping,
        data,
        batchSize: options.batchSize,
        seed: 3,
        runInfo: { name },
        nextActions: options.nextActions ?? false,
        options: { ...common, outDir: dir, signal: stop.signal },
      });
      expect(part.stopped).toBe(true);
      expect(part.step).toBeLessThan(steps);
      const resumed = make(engine(), 0);
      const rest = await trainOffline({
        agent: resumed,
        data,
        batchSize: options.batchSize,
        seed: 3,
        runInfo: { name },
        nextActions: options.nextActions ?? false,
        options: { ...common, outDir: dir },
      });
      expect(rest.resumedFrom).toBeGreaterThan(0);
      expect(bytes(resumed)).toEqual(bytes(whole));
      for (const x of [whole, first, resumed]) x.dispose();
    });

    it('dispose returns all engine memory', () => {
      const e = engine();
      const before = e.allocatedFloats();
      const agent = make(e, 0);
      const sampler = new UniformSampler(data, options.batchSize, 4, sampling);
      for (let i = 0; i < 3; i++) agent.update(sampler.sample());
      agent.policy();
      expect(e.allocatedFloats()).toBeGreaterThan(before);
      agent.dispose();
      expect(e.allocatedFloats()).toBe(before);
    });
  });
}
