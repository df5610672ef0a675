import { OrlError } from './errors.js';

/**
 * A state dict: nested records of typed arrays and JSON values. Used for checkpoints and saved models.
 *
 * Binary layout (little-endian), `orl-state/1`:
 *   bytes 0..7   magic "ORLSTAT1"
 *   bytes 8..11  uint32 header length H
 *   bytes 12..   H bytes of UTF-8 JSON: { format, tree, tensors: [{ dtype, byteOffset, length }] }
 *   then zero padding to a multiple of 8, then the tensor data (each tensor 8-byte aligned, offsets relative to it).
 * In `tree`, a typed array is replaced by `{ "$tensor": index }`.
 */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array | Int8Array | Uint16Array | Int16Array;
export type StateValue = TypedArray | number | string | boolean | null | StateValue[] | { [key: string]: StateValue };
export type StateDict = { [key: string]: StateValue };

const MAGIC = 'ORLSTAT1';
const DTYPES = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  uint32: Uint32Array,
  uint8: Uint8Array,
  int8: Int8Array,
  uint16: Uint16Array,
  int16: Int16Array,
} as const;
type DType = keyof typeof DTYPES;

function dtypeOf(a: TypedArray): DType {
  for (const [name, ctor] of Object.entries(DTYPES)) if (a instanceof ctor) return name as DType;
  throw new OrlError('UNSUPPORTED', `unsupported typed array ${a.constructor.name}`);
}

function isTyped(x: unknown): x is TypedArray {
  return ArrayBuffer.isView(x) && !(x instanceof DataView);
}

export function encodeState(state: StateDict): Uint8Array {
  const tensors: { dtype: DType; byteOffset: number; length: number }[] = [];
  const arrays: TypedArray[] = [];
  let offset = 0;
  const walk = (v: unknown, path: string): unknown => {
    if (isTyped(v)) {
      const dtype = dtypeOf(v);
      tensors.push({ dtype, byteOffset: offset, length: v.length });
      arrays.push(v);
      offset += Math.ceil(v.byteLength / 8) * 8;
      return { $tensor: tensors.length - 1 };
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${path}[${i}]`));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x, path ? `${path}.${k}` : k);
      return out;
    }
    if (typeof v === 'number' && !Number.isFinite(v)) return { $number: String(v) };
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint') {
      throw new OrlError('UNSUPPORTED', `state value at '${path}' has unsupported type ${typeof v}`);
    }
    return v;
  };
  const tree = walk(state, '');
  const header = new TextEncoder().encode(JSON.stringify({ format: 'orl-state/1', tree, tensors }));
  const dataStart = Math.ceil((12 + header.length) / 8) * 8;
  const out = new Uint8Array(dataStart + offset);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(8, header.length, true);
  out.set(header, 12);
  for (let i = 0; i < arrays.length; i++) {
    const a = arrays[i]!;
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), dataStart + tensors[i]!.byteOffset);
  }
  return out;
}

/** Limits of the decoder: a file may be hostile, so nothing it declares is trusted before it is checked. */
const MAX_HEADER_BYTES = 64 << 20;
const MAX_DEPTH = 64;
const MAX_NODES = 1_000_000;

export function decodeState(bytes: Uint8Array, source = 'state'): StateDict {
  const fail = (m: string, cause?: unknown): never => {
    throw new OrlError('FORMAT', `${source}: ${m}`, { source }, cause === undefined ? undefined : { cause });
  };
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) fail('not an orl-state file (bad magic)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = view.getUint32(8, true);
  if (hlen > MAX_HEADER_BYTES) fail(`header of ${hlen} bytes is larger than the ${MAX_HEADER_BYTES >> 20} MiB limit`);
  if (12 + hlen > bytes.length) fail(`truncated header (${hlen} bytes declared, ${bytes.length - 12} present)`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(12, 12 + hlen)));
  } catch (cause) {
    fail('header is not valid UTF-8 JSON', cause);
  }
  const h = header as { format?: unknown; tree?: unknown; tensors?: unknown };
  if (h === null || typeof h !== 'object' || Array.isArray(h)) fail('header is not a JSON object');
  if (h.format !== 'orl-state/1') fail(`unknown format '${String(h.format).slice(0, 40)}'`);
  if (!Array.isArray(h.tensors)) fail('header has no tensor table');
  const dataStart = Math.ceil((12 + hlen) / 8) * 8;
  const arrays = (h.tensors as unknown[]).map((t, i) => {
    const d = t as { dtype?: unknown; byteOffset?: unknown; length?: unknown };
    if (d === null || typeof d !== 'object') return fail(`tensor ${i} is not an object`);
    if (typeof d.dtype !== 'string' || !Object.hasOwn(DTYPES, d.dtype)) return fail(`tensor ${i} has unknown dtype '${String(d.dtype).slice(0, 20)}'`);
    if (!Number.isSafeInteger(d.byteOffset) || (d.byteOffset as number) < 0 || (d.byteOffset as number) % 8 !== 0)
      return fail(`tensor ${i} has a bad byte offset`);
    if (!Number.isSafeInteger(d.length) || (d.length as number) < 0) return fail(`tensor ${i} has a bad length`);
    const ctor = DTYPES[d.dtype as DType];
    const start = dataStart + (d.byteOffset as number);
    const end = start + (d.length as number) * ctor.BYTES_PER_ELEMENT;
    if (end > bytes.length) return fail(`tensor ${i} runs past the end of the data (truncated file?)`);
    // Copy so the result owns aligned memory independent of `bytes` (bounded by the file's own size).
    const copy = new Uint8Array(end - start);
    copy.set(bytes.subarray(start, end));
    return new ctor(copy.buffer);
  });
  let nodes = 0;
  const revive = (v: unknown, depth: number): StateValue => {
    if (++nodes > MAX_NODES) fail(`more than ${MAX_NODES} values in the header`);
    if (depth > MAX_DEPTH) fail(`nested deeper than ${MAX_DEPTH} levels`);
    if (Array.isArray(v)) return v.map((x) => revive(x, depth + 1));
    if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if ('$tensor' in o) {
        const i = o.$tensor;
        if (!Number.isInteger(i) || (i as number) < 0 || (i as number) >= arrays.length) fail(`reference to tensor ${String(i)} of ${arrays.length}`);
        return arrays[i as number]!;
      }
      if ('$number' in o) {
        if (o.$number !== 'NaN' && o.$number !== 'Infinity' && o.$number !== '-Infinity') fail(`bad special number '${String(o.$number).slice(0, 20)}'`);
        return Number(o.$number);
      }
      const out: Record<string, StateValue> = {};
      for (const [k, x] of Object.entries(o)) {
        if (k === '__proto__') fail("a key named '__proto__'");
        out[k] = revive(x, depth + 1);
      }
      return out;
    }
    return v as StateValue;
  };
  const tree = revive(h.tree, 0);
  if (tree === null || typeof tree !== 'object' || Array.isArray(tree) || ArrayBuffer.isView(tree)) fail('the state is not an object');
  return tree as StateDict;
}

/** Reads a typed array of the expected kind from a state dict, with a FORMAT error naming the key otherwise. */
export function stateTensor<T extends TypedArray>(state: StateDict, key: string, ctor: new (n: number) => T, length?: number): T {
  const v = state[key];
  if (!(v instanceof (ctor as unknown as Function))) throw new OrlError('FORMAT', `state key '${key}' is missing or not a ${ctor.name}`, { key });
  const t = v as T;
  if (length !== undefined && t.length !== length)
    throw new OrlError('SHAPE_MISMATCH', `state key '${key}' has ${t.length} values, expected ${length}`, { key });
  return t;
}
