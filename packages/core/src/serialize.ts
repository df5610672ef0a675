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

export function decodeState(bytes: Uint8Array, source = 'state'): StateDict {
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) {
    throw new OrlError('FORMAT', `${source}: not an orl-state file (bad magic)`, { source });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = view.getUint32(8, true);
  if (12 + hlen > bytes.length) throw new OrlError('FORMAT', `${source}: truncated header (${hlen} bytes declared, ${bytes.length - 12} present)`, { source });
  let header: { format: string; tree: unknown; tensors: { dtype: DType; byteOffset: number; length: number }[] };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + hlen)));
  } catch (cause) {
    throw new OrlError('FORMAT', `${source}: header is not valid JSON`, { source }, { cause });
  }
  if (header.format !== 'orl-state/1') throw new OrlError('FORMAT', `${source}: unknown format '${header.format}'`, { source });
  const dataStart = Math.ceil((12 + hlen) / 8) * 8;
  const arrays = header.tensors.map((t, i) => {
    const ctor = DTYPES[t.dtype];
    if (!ctor) throw new OrlError('FORMAT', `${source}: tensor ${i} has unknown dtype '${t.dtype}'`, { source });
    const start = dataStart + t.byteOffset;
    const end = start + t.length * ctor.BYTES_PER_ELEMENT;
    if (end > bytes.length) throw new OrlError('FORMAT', `${source}: tensor ${i} runs past the end of the data (truncated file?)`, { source });
    // Copy so the result owns aligned memory independent of `bytes`.
    const copy = new Uint8Array(end - start);
    copy.set(bytes.subarray(start, end));
    return new ctor(copy.buffer);
  });
  const revive = (v: unknown): StateValue => {
    if (Array.isArray(v)) return v.map(revive);
    if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.$tensor === 'number') return arrays[o.$tensor]!;
      if (typeof o.$number === 'string') return Number(o.$number);
      const out: Record<string, StateValue> = {};
      for (const [k, x] of Object.entries(o)) out[k] = revive(x);
      return out;
    }
    return v as StateValue;
  };
  return revive(header.tree) as StateDict;
}

/** Reads a typed array of the expected kind from a state dict, with a FORMAT error naming the key otherwise. */
export function stateTensor<T extends TypedArray>(state: StateDict, key: string, ctor: new (n: number) => T, length?: number): T {
  const v = state[key];
  if (!(v instanceof (ctor as unknown as Function))) throw new OrlError('FORMAT', `state key '${key}' is missing or not a ${ctor.name}`, { key });
  const t = v as T;
  if (length !== undefined && t.length !== length) throw new OrlError('SHAPE_MISMATCH', `state key '${key}' has ${t.length} values, expected ${length}`, { key });
  return t;
}
