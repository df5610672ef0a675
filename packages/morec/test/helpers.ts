import { Dataset, Rng } from '@orl/core';

/** A seeded 3-D system with 2-D actions (smooth, slightly nonlinear dynamics); `labelled` of the rewards are known. */
export function system(n: number, seed: number, labelled = 1, noise = 0.002) {
  const rng = new Rng(seed);
  const S = 3,
    A = 2;
  const obs = rng.fillUniform(new Float32Array(n * S), -1, 1) as Float32Array;
  const act = rng.fillUniform(new Float32Array(n * A), -1, 1) as Float32Array;
  const next = new Float32Array(n * S),
    rew = new Float32Array(n),
    mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const [x, y, z] = [obs[i * 3]!, obs[i * 3 + 1]!, obs[i * 3 + 2]!];
    const [u, v] = [act[i * 2]!, act[i * 2 + 1]!];
    next[i * 3] = x + 0.1 * (0.5 * y + u) + noise * rng.normal();
    next[i * 3 + 1] = y + 0.1 * (-0.5 * x + v) + noise * rng.normal();
    next[i * 3 + 2] = z + 0.1 * (x * y) + noise * rng.normal();
    mask[i] = rng.float() < labelled ? 1 : 0;
    rew[i] = mask[i] ? u - 0.5 * y : NaN;
  }
  return new Dataset(
    { observations: obs, actions: act, rewards: rew, terminals: new Uint8Array(n), timeouts: new Uint8Array(n), nextObservations: next, rewardMask: mask },
    { obsDim: S, actDim: A },
  );
}
