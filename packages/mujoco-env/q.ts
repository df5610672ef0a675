import { evaluate, loadBehaviorPolicy } from './src/index.js';
for (const f of ['hopper-tqc', 'hopper-ppo', 'walker2d-tqc', 'halfcheetah-tqc', 'walker2d-ppo']) {
  const p = await loadBehaviorPolicy(`/work/shared/behavior-policies/${f}.json`);
  const r = await evaluate(() => p.clone(), { task: f.split('-')[0]!, episodes: 5, seed: 0, numEnvs: 5 });
  console.log(f, r.returns.map((x) => x.toFixed(0)).join(' '), r.lengths.join(' '), r.seconds.toFixed(1) + 's');
}
