#!/usr/bin/env node
// Writes grid/project.json: the paper grid as nx targets (3 tasks × 3 dataset kinds × 2 algorithms × 3 conditions ×
// seeds). Each cell is one cached, resumable `orl train` run; `paper-grid:all` runs every cell, `paper-grid:report`
// renders runs/grid/report.html. Steps per run: ORL_GRID_STEPS (default 1 000 000, the paper's budget).
import { writeFileSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const tasks = ['hopper', 'walker2d', 'halfcheetah'];
const kinds = ['medium', 'medium-replay', 'medium-expert'];
const algos = ['td3bc', 'iql'];
const conditions = ['all', 'labelled', 'imputed'];
const seeds = (process.env.ORL_GRID_SEEDS ?? '0,1,2').split(',').map(Number);
const orl = 'node packages/cli/bin/orl.mjs';
const targets = {};
const cells = [];
for (const t of tasks) {
  for (const k of kinds) {
    const ds = `${t}-${k}`;
    targets[`data-${ds}`] = {
      command: `${orl} datasets generate ${ds}`,
      cache: false,
      dependsOn: [{ projects: ['cli'], target: 'build' }],
    };
    for (const a of algos) {
      for (const c of conditions) {
        for (const s of seeds) {
          const name = `cell-${ds}-${a}-${c}-s${s}`;
          const out = `runs/grid/${ds}/${a}/${c}-s${s}`;
          targets[name] = {
            command: `${orl} train ${a} --dataset ${ds} --condition ${c} --seed ${s} --label-fraction 0.01 --steps \${ORL_GRID_STEPS:-1000000} --eval-every 10000 --eval-episodes 10 --out ${out}`,
            cache: true,
            inputs: [{ env: 'ORL_GRID_STEPS' }, { externalDependencies: [] }, '{workspaceRoot}/packages/*/src/**/*'],
            outputs: [`{workspaceRoot}/${out}/result.json`, `{workspaceRoot}/${out}/metrics.jsonl`, `{workspaceRoot}/${out}/policy.orl`],
            dependsOn: [`data-${ds}`],
          };
          cells.push(name);
        }
      }
    }
  }
}
targets.all = { executor: 'nx:noop', dependsOn: cells };
targets.report = { command: `${orl} report runs/grid`, dependsOn: ['all'], cache: false };
const text = JSON.stringify({ name: 'paper-grid', $schema: '../node_modules/nx/schemas/project-schema.json', targets }, null, 2) + '\n';
if (process.argv.includes('--check')) {
  const { readFileSync } = await import('node:fs');
  if (readFileSync(join(root, 'grid', 'project.json'), 'utf8') !== text) {
    console.error('grid/project.json is stale: run node packages/cli/scripts/gen-grid.mjs');
    process.exit(1);
  }
  console.log('grid/project.json is current');
  process.exit(0);
}
mkdirSync(join(root, 'grid'), { recursive: true });
writeFileSync(join(root, 'grid', 'project.json'), text);
console.log(`grid/project.json: ${cells.length} cells (${tasks.length} tasks × ${kinds.length} kinds × ${algos.length} algorithms × ${conditions.length} conditions × ${seeds.length} seeds)`);
