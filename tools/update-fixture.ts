// Regression fixtures for agents' updates: a fixed stream of random batches and a checksum of everything a checkpoint
// holds afterwards. A test pins an agent's checksum after N updates on the JS backend (deterministic on any x86-64
// machine), so a refactor that changes a single bit of training is caught — how the tape rewrite of TD3+BC, IQL and
// SAC was shown to reproduce the hand-written updates it replaced (benchmarked side by side before those were deleted).
import { Rng, type Batch, type StateDict, type StateValue } from '@orl/core';

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

/** FNV-1a (32-bit) over a state dict's typed arrays and numbers, keys in sorted order; `config` is skipped. */
export function stateChecksum(state: StateDict): string {
  let h = 0x811c9dc5;
  const byte = (b: number) => {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  };
  const visit = (v: StateValue | undefined, key: string): void => {
    for (let i = 0; i < key.length; i++) byte(key.charCodeAt(i) & 0xff);
    if (ArrayBuffer.isView(v)) {
      const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      for (let i = 0; i < bytes.length; i++) byte(bytes[i]!);
    } else if (typeof v === 'number') {
      const bytes = new Uint8Array(Float64Array.of(v).buffer);
      for (let i = 0; i < 8; i++) byte(bytes[i]!);
    } else if (Array.isArray(v)) v.forEach((x, i) => visit(x as StateValue, String(i)));
    else if (v && typeof v === 'object') {
      for (const k of Object.keys(v).sort()) if (k !== 'config') visit((v as StateDict)[k], k);
    } else byte(String(v).length);
  };
  visit(state, '');
  return h.toString(16).padStart(8, '0');
}

/** Runs `updates` fixed batches through the agent and returns the checksum of its state. */
export function checksumAfter(
  agent: { update(b: Batch): Record<string, number>; stateDict(): StateDict },
  dims: { obsDim: number; actDim: number; batchSize: number },
  updates = 30,
): string {
  for (const b of randomBatches(dims.obsDim, dims.actDim, dims.batchSize, updates)) agent.update(b);
  return stateChecksum(agent.stateDict());
}
