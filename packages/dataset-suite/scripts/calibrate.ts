// Measures the average normalized return of candidate behaviour (policy, noise) pairs, to choose recipes (halfcheetah:
// also the fraction of rows on its back). Usage: calibrate.ts ['[["halfcheetah","halfcheetah-sac",2.5]]'] [transitions]
import { collect } from '../src/collect.js';

const candidates: [string, string, number][] = (process.argv[2] ?? '').length
  ? JSON.parse(process.argv[2]!)
  : [
      ['hopper', 'hopper-sac', 1],
      ['hopper', 'hopper-ppo', 1],
      ['hopper', 'hopper-ppo', 0.5],
      ['hopper', 'hopper-a2c', 1],
      ['walker2d', 'walker2d-ppo', 1],
      ['walker2d', 'walker2d-sac', 1],
      ['walker2d', 'walker2d-a2c', 1],
      ['halfcheetah', 'halfcheetah-ppo', 1],
      ['halfcheetah', 'halfcheetah-a2c', 1],
      ['halfcheetah', 'halfcheetah-sac', 1],
      ['hopper', 'hopper-tqc', 1],
      ['walker2d', 'walker2d-tqc', 1],
      ['halfcheetah', 'halfcheetah-tqc', 1],
    ];
for (const [task, policy, noise] of candidates) {
  const t0 = performance.now();
  const c = await collect({ task, policy, noise, transitions: Number(process.argv[3] ?? 20_000), seed: 0 });
  console.log(
    JSON.stringify({
      task,
      policy,
      noise,
      episodes: c.metadata.episodes,
      meanReturn: Math.round(c.metadata.mean_return as number),
      normalized: Number((c.metadata.mean_normalized_return as number).toFixed(1)),
      ...(task === 'halfcheetah' ? { rowsOnItsBack: Number((c.metadata.fraction_on_its_back as number).toFixed(4)) } : {}),
      seconds: Number(((performance.now() - t0) / 1000).toFixed(1)),
    }),
  );
}
