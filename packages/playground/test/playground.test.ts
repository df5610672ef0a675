import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { describe, expect, it } from 'vitest';
import { makeEnv, renderEpisodeSvg, shippedPolicy } from '@orl/mujoco-env';
import { openChromium, serveIsolated } from '../../../tools/browser.js';

// The playground as a user gets it: `vite build`, served as static files, driven in headless Chromium.
describe('playground', () => {
  it("builds to static files; in Chromium an episode plays with Node's return and TD3+BC trains on a dropped CSV", async () => {
    const root = join(import.meta.dirname, '..');
    const outDir = mkdtempSync(join(tmpdir(), 'orl-playground-'));
    await build({ root, configFile: join(root, 'vite.config.ts'), logLevel: 'silent', build: { outDir, emptyOutDir: true } });
    const site = await serveIsolated(outDir);
    const { page, errors, close } = await openChromium();
    try {
      await page.goto(site.url);
      await page.select('#task', 'hopper');
      await page.select('#policy', 'hopper-sac');
      await page.$eval('#seed', (el) => ((el as HTMLInputElement).value = '3'));
      await page.click('#run');
      await page.waitForFunction(
        () =>
          document.querySelector<HTMLElement>('#episode')?.dataset.return !== undefined || document.querySelector('#episode')?.textContent?.startsWith('error'),
        { timeout: 120_000 },
      );
      const text = await page.$eval('#episode', (el) => el.textContent);
      const pageReturn = Number(await page.$eval('#episode', (el) => (el as HTMLElement).dataset.return));
      expect(text).toMatch(/^return .* normalized score .* steps$/);
      expect(await page.$eval('#stage', (el) => el.innerHTML.startsWith('<svg'))).toBe(true);
      const env = await makeEnv('hopper');
      const node = renderEpisodeSvg(env, await shippedPolicy('hopper-sac'), { seed: 3 });
      env.close();
      expect(Math.abs(pageReturn - node.return)).toBeLessThan(1e-6 * Math.abs(node.return));

      // Training on a dropped CSV (pandas-written, 1 reward in 4 known: imputed first), in the training worker.
      const input = await page.$('#dataFile');
      await (input as unknown as { uploadFile(p: string): Promise<void> }).uploadFile(join(root, '..', 'data-import', 'test', 'fixtures', 'logged.csv'));
      await page.$eval('#steps', (el) => ((el as HTMLInputElement).value = '400'));
      await page.click('#train');
      await page.waitForFunction(
        () =>
          document.querySelector<HTMLElement>('#training')?.dataset.losses !== undefined ||
          document.querySelector('#training')?.textContent?.startsWith('error'),
        { timeout: 120_000 },
      );
      const losses = JSON.parse((await page.$eval('#training', (el) => (el as HTMLElement).dataset.losses)) ?? '[]') as number[];
      expect(losses).toHaveLength(4);
      expect(losses.every(Number.isFinite)).toBe(true);
      expect(await page.$eval('#download', (el) => (el as HTMLButtonElement).disabled)).toBe(false);
      expect(errors).toEqual([]);
    } finally {
      await close();
      site.close();
    }
  }, 300_000);
});
