import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packAndRun } from '../../../tools/pack-check.js';

describe('package files', () => {
  it('embedded model XMLs are the shipped files', () => {
    expect(execFileSync(process.execPath, [join(import.meta.dirname, '..', 'scripts', 'embed-models.mjs'), '--check'], { encoding: 'utf8' })).toContain(
      'current',
    );
  });

  it('installs alone and runs an episode from ESM and CommonJS', () => {
    const esm = packAndRun(
      '@orl/mujoco-env',
      `import { makeEnv, shippedPolicy } from '@orl/mujoco-env';
      const env = await makeEnv('hopper'); const p = await shippedPolicy('hopper-ppo');
      let { observation } = env.reset({ seed: 0 }); let ret = 0;
      for (let t = 0; t < 100; t++) { const r = env.step(p.act(observation)); ret += r.reward; observation = r.observation; }
      console.log(ret.toFixed(3));`,
    );
    expect(Number(esm.trim())).toBeGreaterThan(100);
    const cjs = packAndRun(
      '@orl/mujoco-env',
      `const { makeEnv } = require('@orl/mujoco-env');
      makeEnv('halfcheetah').then((e) => { console.log(e.reset().observation.length); e.close(); });`,
      'commonjs',
    );
    expect(cjs.trim()).toBe('17');
  }, 240_000);
});
