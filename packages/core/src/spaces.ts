import { OrlError } from './errors.js';

/** A box in R^n (Gymnasium's `Box`), the only space the locomotion tasks need. */
export interface BoxSpace {
  readonly kind: 'box';
  readonly shape: readonly number[];
  readonly low: Float32Array;
  readonly high: Float32Array;
}

export function box(low: number | ArrayLike<number>, high: number | ArrayLike<number>, size?: number): BoxSpace {
  const n = size ?? (typeof low === 'number' ? (typeof high === 'number' ? 1 : high.length) : low.length);
  const lo = typeof low === 'number' ? new Float32Array(n).fill(low) : Float32Array.from(low);
  const hi = typeof high === 'number' ? new Float32Array(n).fill(high) : Float32Array.from(high);
  if (lo.length !== n || hi.length !== n) throw new OrlError('SHAPE_MISMATCH', `box: low/high must have ${n} values`);
  for (let i = 0; i < n; i++) {
    if (!(lo[i]! <= hi[i]!)) throw new OrlError('INVALID_ARGUMENT', `box: low[${i}]=${lo[i]} > high[${i}]=${hi[i]}`);
  }
  return { kind: 'box', shape: [n], low: lo, high: hi };
}

export function boxSize(space: BoxSpace): number {
  return space.shape.reduce((a, b) => a * b, 1);
}

export function contains(space: BoxSpace, x: ArrayLike<number>): boolean {
  if (x.length !== boxSize(space)) return false;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (!(v >= space.low[i]! && v <= space.high[i]!)) return false;
  }
  return true;
}
