// While an algorithm's pre-tape update is kept beside its tape rewrite (bench/legacy-*.ts), its test runs both on the
// same batches: parameters, optimizer and RNG states must match bit for bit; reported losses within 1e-6 relative (the
// tape keeps per-row intermediates such as w·log π in float32 where the old code summed float64s — the gradients, which
// drive training, are the same bits).
import { expect } from 'vitest';
import { Rng, StateNormalizer, type Agent, type Batch, type StateDict } from '@orl/core';
import { createEngine, type BackendName, type Engine } from '@orl/nn';

export function randomBatches(obsDim: number, actDim: number, B: number, n: number, seed = 11): Batch[] {
  const rng = new Rng(seed);
  const f = (k: number) => Float32Array.from({ length: k }, () => rng.normal());
  return Array.from({ length: n }, () => ({
    size: B,
    obsDim,
    actDim,
    indices: new Uint32Array(B),
    observations: f(B * obsDim),
    actions: f(B * actDim).map((x) => Math.tanh(x)),
    rewards: f(B),
    nextObservations: f(B * obsDim),
    dones: Float32Array.from({ length: B }, () => (rng.uniform(0, 1) < 0.05 ? 1 : 0)),
  }));
}

type Stateful = Agent & { stateDict(): StateDict };

export function expectSameAsLegacy(
  backend: BackendName,
  make: (e: Engine, n: StateNormalizer) => { tape: Stateful; legacy: Stateful },
  dims: { obsDim: number; actDim: number; batchSize: number; updates?: number },
  /** Compare network parameters within this absolute tolerance instead of bit for bit; returns the largest difference. */
  tolerance?: number,
): number {
  const e = createEngine({ backend, notice: false });
  const { tape, legacy } = make(e, StateNormalizer.identity(dims.obsDim));
  for (const batch of randomBatches(dims.obsDim, dims.actDim, dims.batchSize, dims.updates ?? 30)) {
    const a = tape.update(batch),
      b = legacy.update(batch);
    expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
    for (const k of Object.keys(a)) expect(Math.abs(a[k]! - b[k]!), k).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(b[k]!)));
  }
  const sa = tape.stateDict(),
    sb = legacy.stateDict();
  const { config: _ca, ...restA } = sa;
  const { config: _cb, ...restB } = sb;
  if (tolerance === undefined) {
    expect(restA).toEqual(restB);
    return 0;
  }
  let worst = 0;
  const netsA = sa.nets as Record<string, StateDict>,
    netsB = sb.nets as Record<string, StateDict>;
  for (const k of Object.keys(netsB)) {
    const pa = netsA[k]!.params as Float32Array,
      pb = netsB[k]!.params as Float32Array;
    for (let i = 0; i < pb.length; i++) worst = Math.max(worst, Math.abs(pa[i]! - pb[i]!));
  }
  expect(worst).toBeLessThanOrEqual(tolerance);
  return worst;
}
