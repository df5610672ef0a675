import { describe, expect, it } from 'vitest';
import { type OrlError, Rng, StateNormalizer, decodeState, encodeState, isOrlError, type StateDict } from '@orl/core';
import { MLP, MlpPolicy, createEngine } from '../src/index.js';

// Files a user hands us may be hostile: every case below must end in a typed OrlError (or a valid policy), fast.
const engine = createEngine({ backend: 'js', notice: false });

function validPolicy(task = 'hopper'): MlpPolicy {
  const actor = new MLP(engine, { sizes: [11, 8, 3], output: 'tanh', seed: 1 });
  return new MlpPolicy(actor, new StateNormalizer(new Float32Array(11), new Float32Array(11).fill(1)), 1, task);
}

/** Rewrites the JSON header of an orl-state file (keeping its tensors) through `edit`. */
function withHeader(bytes: Uint8Array, edit: (h: Record<string, unknown>) => unknown): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = view.getUint32(8, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + hlen)));
  const oldStart = Math.ceil((12 + hlen) / 8) * 8;
  const edited = edit(header) ?? header;
  const text = new TextEncoder().encode(typeof edited === 'string' ? edited : JSON.stringify(edited));
  const start = Math.ceil((12 + text.length) / 8) * 8;
  const out = new Uint8Array(start + bytes.length - oldStart);
  out.set(bytes.subarray(0, 8));
  new DataView(out.buffer).setUint32(8, text.length, true);
  out.set(text, 12);
  out.set(bytes.subarray(oldStart), start);
  return out;
}

const decode = (bytes: Uint8Array) => MlpPolicy.decode(engine, bytes);
const codeOf = (f: () => unknown): string => {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (!isOrlError(e)) throw e; // an untyped error fails the test with its own message
    return (e as OrlError).code;
  }
};

describe('policy files', () => {
  it('record the task and spaces; a policy refuses another task', () => {
    const p = decode(validPolicy('walker2d').encode());
    expect(p.task).toBe('walker2d');
    expect(codeOf(() => p.checkTask('halfcheetah', 11, 3))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => p.checkTask('walker2d', 17, 6))).toBe('SHAPE_MISMATCH');
    expect(codeOf(() => p.checkTask('walker2d', 11, 3))).toBe('ok');
  });

  it.each([
    ['non-finite weights', (h: any) => h, (b: Uint8Array) => b, 'NON_FINITE'],
    ['a network declaring 10⁹ × 10⁹ weights', (h: any) => ((h.tree.actor.sizes = [1e9, 1e9]), h), null, 'FORMAT'],
    ['sizes that do not match the parameters', (h: any) => ((h.tree.actor.sizes = [11, 9, 3]), h), null, 'SHAPE_MISMATCH'],
    ['fractional sizes', (h: any) => ((h.tree.actor.sizes = [11, 8.5, 3]), h), null, 'FORMAT'],
    ['a tensor past the end of the file', (h: any) => ((h.tensors[0].byteOffset = 1 << 30), h), null, 'FORMAT'],
    ['a misaligned tensor offset', (h: any) => ((h.tensors[0].byteOffset = 3), h), null, 'FORMAT'],
    ['a negative tensor length', (h: any) => ((h.tensors[0].length = -1), h), null, 'FORMAT'],
    ["dtype '__proto__'", (h: any) => ((h.tensors[0].dtype = '__proto__'), h), null, 'FORMAT'],
    ["dtype 'constructor'", (h: any) => ((h.tensors[0].dtype = 'constructor'), h), null, 'FORMAT'],
    ['a reference to a missing tensor', (h: any) => ((h.tree.actor.params = { $tensor: 99 }), h), null, 'FORMAT'],
    ['a fractional tensor reference', (h: any) => ((h.tree.actor.params = { $tensor: 0.5 }), h), null, 'FORMAT'],
    ['a __proto__ key', (h: any) => JSON.parse(JSON.stringify(h).replace('"maxAction"', '"__proto__":{"polluted":1},"maxAction"')), null, 'FORMAT'],
    [
      'nesting 100 levels deep',
      (h: any) => JSON.stringify(h).replace('"maxAction"', `"deep":${'['.repeat(100)}${']'.repeat(100)},"maxAction"`),
      null,
      'FORMAT',
    ],
    [
      'nesting 1 000 000 levels deep',
      (h: any) => JSON.stringify(h).replace('"maxAction"', `"deep":${'['.repeat(1e6)}${']'.repeat(1e6)},"maxAction"`),
      null,
      'FORMAT',
    ],
    ['a bad special number', (h: any) => ((h.tree.maxAction = { $number: '1e999' }), h), null, 'FORMAT'],
    ['maxAction = 0', (h: any) => ((h.tree.maxAction = 0), h), null, 'FORMAT'],
    ['a normalizer of the wrong size', (h: any) => ((h.tree.normalizer.mean = [0, 0]), (h.tree.normalizer.std = [1, 1]), h), null, 'SHAPE_MISMATCH'],
    ['a NaN normalizer', (h: any) => ((h.tree.normalizer.std = Array(11).fill({ $number: 'NaN' })), h), null, 'NON_FINITE'],
    ['declared spaces that lie', (h: any) => ((h.tree.spaces = { observation: 17, action: 6 }), h), null, 'SHAPE_MISMATCH'],
    ['an unknown format', (h: any) => ((h.tree.format = 'orl-policy/9'), h), null, 'FORMAT'],
    ['a task name with a path in it', (h: any) => ((h.tree.task = '../../etc'), h), null, 'FORMAT'],
    ['a header that is an array', () => [1, 2], null, 'FORMAT'],
    ['a tree that is a tensor', (h: any) => ((h.tree = { $tensor: 0 }), h), null, 'FORMAT'],
  ] as const)('refuses %s', (_name, edit, raw, code) => {
    let bytes = validPolicy().encode();
    if (raw) {
      // Overwrite the first parameter with NaN: find the params tensor and poke its first float.
      const view = new DataView(bytes.buffer);
      const hlen = view.getUint32(8, true);
      const h = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + hlen)));
      const t = h.tensors[h.tree.actor.params.$tensor];
      view.setFloat32(Math.ceil((12 + hlen) / 8) * 8 + t.byteOffset, NaN, true);
    } else bytes = withHeader(bytes, edit);
    // Refused before allocating what the header declares (a huge allocation would take seconds or fail outright); the
    // bound is loose so a loaded machine does not fail it.
    const t0 = performance.now();
    expect(codeOf(() => decode(bytes))).toBe(code);
    expect(performance.now() - t0).toBeLessThan(30_000);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a declared header length beyond the file or above the limit is refused', () => {
    const bytes = validPolicy().encode();
    const big = bytes.slice();
    new DataView(big.buffer).setUint32(8, 0xffffffff, true);
    expect(codeOf(() => decodeState(big))).toBe('FORMAT');
    expect(codeOf(() => decodeState(bytes.subarray(0, 20)))).toBe('FORMAT');
    expect(codeOf(() => decodeState(new Uint8Array(0)))).toBe('FORMAT');
  });

  it('fuzz: 12 000 mutated policy and checkpoint files end in a valid object or a typed error, never a crash or hang', () => {
    const rng = new Rng(42);
    const policyBytes = validPolicy().encode();
    const checkpoint = encodeState({
      format: 'orl-checkpoint/1',
      step: 100,
      agent: { nets: { a: new Float32Array(64) }, totalIt: 3 },
      sampler: { s: new Uint32Array(4) },
    } as StateDict);
    const t0 = performance.now();
    const counts: Record<string, number> = {};
    for (let i = 0; i < 12_000; i++) {
      const base = i % 2 === 0 ? policyBytes : checkpoint;
      const b = base.slice();
      const view = new DataView(b.buffer);
      const hlen = view.getUint32(8, true);
      const kind = rng.int(4);
      if (kind === 0) {
        // Flip 1–4 bytes inside the header (JSON) — the decoder's most exposed part.
        for (let k = 0; k <= rng.int(4); k++) b[12 + rng.int(hlen)] = rng.int(256);
      } else if (kind === 1) {
        // Replace a digit or structural character of the header with another one.
        const chars = '0123456789-.,:{}[]"e';
        const pos = 12 + rng.int(hlen);
        b[pos] = chars.charCodeAt(rng.int(chars.length));
      } else if (kind === 2) {
        // Truncate anywhere.
        const cut = rng.int(b.length);
        const code = codeOf(() => (i % 2 === 0 ? decode(b.subarray(0, cut)) : decodeState(b.subarray(0, cut))));
        counts[code] = (counts[code] ?? 0) + 1;
        continue;
      } else {
        // Random bytes anywhere, including the length field.
        for (let k = 0; k <= rng.int(8); k++) b[rng.int(b.length)] = rng.int(256);
      }
      const code = codeOf(() => (i % 2 === 0 ? decode(b) : decodeState(b)));
      counts[code] = (counts[code] ?? 0) + 1;
    }
    expect(performance.now() - t0).toBeLessThan(60_000);
    // Most mutations are caught; some leave a still-valid file (e.g. a changed weight) — both are fine.
    expect(counts.FORMAT).toBeGreaterThan(3000);
    expect(Object.keys(counts).every((c) => ['ok', 'FORMAT', 'SHAPE_MISMATCH', 'NON_FINITE', 'INVALID_CONFIG'].includes(c))).toBe(true);
  });
});
