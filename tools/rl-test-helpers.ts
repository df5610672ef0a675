// Shared by the algorithm packages' tests: an independent float64 MLP forward (to check losses by hand) and a
// one-step task whose optimal action is known.
import { Dataset, Rng } from '@orl/core';

/** Float64 forward of an MLP parameter block ([in×out] weights then bias per layer), relu hidden layers. */
export function refForward(params: Float32Array, sizes: number[], x: number[], outAct: 'linear' | 'tanh'): number[] {
  let h = x,
    off = 0;
  for (let l = 0; l < sizes.length - 1; l++) {
    const [i, o] = [sizes[l]!, sizes[l + 1]!];
    const y = new Array(o).fill(0);
    for (let k = 0; k < o; k++) {
      let s = params[off + i * o + k]!;
      for (let j = 0; j < i; j++) s += h[j]! * params[off + j * o + k]!;
      y[k] = l === sizes.length - 2 ? (outAct === 'tanh' ? Math.tanh(s) : s) : Math.max(0, s);
    }
    off += i * o + o;
    h = y;
  }
  return h;
}

/** a*(s) = 0.8·tanh(2 s0 − s1). */
export const optimal = (s0: number, s1: number) => 0.8 * Math.tanh(2 * s0 - s1);

/** One-step task: s ~ U(−1,1)², behaviour a ~ U(−1,1), r = −(a − a*(s))², every step terminal. */
export function banditData(n: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const obs = new Float32Array(n * 2),
    act = new Float32Array(n),
    rew = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    obs[2 * i] = rng.uniform(-1, 1);
    obs[2 * i + 1] = rng.uniform(-1, 1);
    act[i] = rng.uniform(-1, 1);
    rew[i] = -((act[i]! - optimal(obs[2 * i]!, obs[2 * i + 1]!)) ** 2);
  }
  return new Dataset(
    {
      observations: obs,
      actions: act,
      rewards: rew,
      terminals: new Uint8Array(n).fill(1),
      timeouts: new Uint8Array(n),
      nextObservations: new Float32Array(n * 2),
    },
    { obsDim: 2, actDim: 1 },
  );
}

/**
 * Mean squared error of a policy's action to the one-step task's optimal action over 500 seeded states, and the same
 * for behaviour cloning of its uniform behaviour (which converges to the behaviour mean, 0).
 */
export function banditError(policy: { act(obs: Float32Array): Float32Array }): { err: number; bcErr: number } {
  const rng = new Rng(9);
  let err = 0,
    bcErr = 0;
  for (let k = 0; k < 500; k++) {
    const s = Float32Array.from([rng.uniform(-1, 1), rng.uniform(-1, 1)]);
    err += (policy.act(s)[0]! - optimal(s[0]!, s[1]!)) ** 2 / 500;
    bcErr += optimal(s[0]!, s[1]!) ** 2 / 500;
  }
  return { err, bcErr };
}
