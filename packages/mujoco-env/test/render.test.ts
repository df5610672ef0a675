import { describe, expect, it } from 'vitest';
import { makeEnv, renderEpisodeSvg, shippedPolicy } from '../src/index.js';

describe('renderEpisodeSvg', () => {
  it('renders an episode of each body as an animated SVG whose frames follow the simulation', async () => {
    for (const [task, policy] of [
      ['hopper', 'hopper-tqc'],
      ['walker2d', 'walker2d-tqc'],
      ['halfcheetah', 'halfcheetah-tqc'],
    ] as const) {
      const env = await makeEnv(task);
      const r = renderEpisodeSvg(env, await shippedPolicy(policy), { maxSteps: 60, every: 3 });
      expect(r.steps).toBe(60);
      expect(r.svg.startsWith('<svg')).toBe(true);
      expect((r.svg.match(/<line stroke=/g) ?? []).length).toBeGreaterThanOrEqual(4); // the body's capsules
      const values = /attributeName="y1"[^>]*values="([^"]+)"/.exec(r.svg)![1]!.split(';');
      expect(values.length).toBe(21); // first frame + 60 / 3
      expect(new Set(values).size).toBeGreaterThan(1); // the body moves
      env.close();
    }
  });
});
