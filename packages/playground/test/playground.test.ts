import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { describe, expect, it } from 'vitest';
import { StateNormalizer } from '@orl/core';
import { importTable } from '@orl/data-import';
import { writeD4rl } from '@orl/d4rl-loader';
import { makeEnv, renderEpisodeSvg, shippedPolicy } from '@orl/mujoco-env';
import { MLP, MlpPolicy, createEngine } from '@orl/nn';
import { openChromium, serveIsolated } from '../../../tools/browser.js';

// The playground as a user gets it: `vite build`, served as static files, driven in headless Chromium.
describe('playground', () => {
  it("builds to static files; in Chromium episodes play with Node's returns (shipped and TF.js policies) and TD3+BC trains on a dropped CSV and HDF5", async () => {
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

      // The same rows as a D4RL HDF5 file (reward mask kept): read by h5wasm in the worker, on two wasm threads.
      const files = mkdtempSync(join(tmpdir(), 'orl-playground-files-'));
      const csv = join(root, '..', 'data-import', 'test', 'fixtures', 'logged.csv');
      const table = await importTable(readFileSync(csv), {
        mapping: { observations: 'obs_*', actions: 'act_*', rewards: 'reward', terminals: 'done', episode: 'episode' },
      });
      await writeD4rl(join(files, 'logged.hdf5'), table);
      await page.$eval('#training', (el) => {
        el.textContent = '';
        delete (el as HTMLElement).dataset.losses;
        delete (el as HTMLElement).dataset.loaded;
      });
      await (input as unknown as { uploadFile(p: string): Promise<void> }).uploadFile(join(files, 'logged.hdf5'));
      await page.click('#train');
      await page.waitForFunction(
        () =>
          document.querySelector<HTMLElement>('#training')?.dataset.losses !== undefined ||
          document.querySelector('#training')?.textContent?.startsWith('error'),
        { timeout: 120_000 },
      );
      expect(await page.$eval('#training', (el) => el.textContent)).not.toMatch(/^error/);
      const loadedText = await page.$eval('#training', (el) => (el as HTMLElement).dataset.loaded);
      expect(loadedText).toMatch(new RegExp(`^${table.size} rows \\(D4RL HDF5\\) · engine: wasm wasm-simd128 kernels .* 2 threads$`));
      const hdf5Losses = JSON.parse((await page.$eval('#training', (el) => (el as HTMLElement).dataset.losses)) ?? '[]') as number[];
      expect(hdf5Losses).toHaveLength(4);
      expect(hdf5Losses.every(Number.isFinite)).toBe(true);

      // A TF.js model (model.json + weights.bin) dropped as the policy: the episode's return is Node's for the same model.
      const actor = new MLP(createEngine({ backend: 'wasm', notice: false }), { sizes: [11, 64, 64, 3], output: 'tanh', seed: 4 });
      const normalizer = new StateNormalizer(new Float32Array(11), new Float32Array(11).fill(2));
      const { modelJson, weights } = new MlpPolicy(actor, normalizer).exportTfjs();
      writeFileSync(join(files, 'model.json'), JSON.stringify(modelJson));
      writeFileSync(join(files, 'weights.bin'), weights);
      const policyInput = await page.$('#policyFile');
      await (policyInput as unknown as { uploadFile(...p: string[]): Promise<void> }).uploadFile(join(files, 'model.json'), join(files, 'weights.bin'));
      await page.$eval('#episode', (el) => delete (el as HTMLElement).dataset.return);
      await page.click('#run');
      await page.waitForFunction(
        () =>
          document.querySelector<HTMLElement>('#episode')?.dataset.return !== undefined || document.querySelector('#episode')?.textContent?.startsWith('error'),
        { timeout: 120_000 },
      );
      expect(await page.$eval('#episode', (el) => el.textContent)).toMatch(/^return /);
      const tfjsReturn = Number(await page.$eval('#episode', (el) => (el as HTMLElement).dataset.return));
      const tfjsPolicy = MlpPolicy.fromTfjs(createEngine({ backend: 'wasm', notice: false }), {
        modelJson: JSON.stringify(modelJson),
        weights: { 'weights.bin': weights },
      });
      const env2 = await makeEnv('hopper');
      const nodeTfjs = renderEpisodeSvg(env2, tfjsPolicy, { seed: 3 });
      env2.close();
      expect(Math.abs(tfjsReturn - nodeTfjs.return)).toBeLessThan(1e-6 * Math.abs(nodeTfjs.return));
      expect(errors).toEqual([]);
    } finally {
      await close();
      site.close();
    }
  }, 300_000);
});
