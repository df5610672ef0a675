import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');

function workspaceDeps(pkgDir: string, seen = new Set<string>()): string[] {
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  for (const dep of Object.keys(pkg.dependencies ?? {})) {
    if (dep.startsWith('@orl/') && !seen.has(dep)) {
      seen.add(dep);
      workspaceDeps(join(root, 'packages', dep.slice(5)), seen);
    }
  }
  return [...seen];
}

/**
 * Packs a workspace package (and the workspace packages it depends on) with `npm pack`, installs the tarballs into a
 * scratch folder and runs `script` there with node. Returns stdout. This is what a user installing from npm gets.
 */
export function packAndRun(pkgName: string, script: string, type: 'module' | 'commonjs' = 'module'): string {
  return packInstallRun(pkgName, script, type).stdout;
}

/** Bytes of every file under `dir` (links not followed): what an install puts on disk. */
export function diskBytes(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isDirectory()) total += diskBytes(p);
    else if (st.isFile()) total += st.size;
  }
  return total;
}

/** Scratch projects already installed in this process, by package: a pack test's ESM and CommonJS checks share one. */
const installs = new Map<string, { scratch: string; installedBytes: number }>();

function install(pkgName: string): { scratch: string; installedBytes: number } {
  const done = installs.get(pkgName);
  if (done) return done;
  const scratch = mkdtempSync(join(tmpdir(), 'orl-pack-'));
  const names = [pkgName, ...workspaceDeps(join(root, 'packages', pkgName.slice(5)))];
  const tarballs = names.map((n) => {
    const dir = join(root, 'packages', n.slice(5));
    if (!existsSync(join(dir, 'dist', 'index.js'))) throw new Error(`${n} has no dist/: run \`npm run build\` first (npm test does it)`);
    const out = execFileSync('npm', ['pack', '--silent', '--pack-destination', scratch], { cwd: dir, encoding: 'utf8' });
    return join(scratch, out.trim().split('\n').at(-1)!);
  });
  // No "type": each check's file says what it is (.mjs or .cjs), so one install serves both.
  writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', private: true }));
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts=false', ...tarballs], { cwd: scratch, stdio: 'pipe' });
  const result = { scratch, installedBytes: diskBytes(join(scratch, 'node_modules')) };
  installs.set(pkgName, result);
  return result;
}

/**
 * As packAndRun, and also the installed size of the package with all its dependencies (node_modules, bytes). The
 * install is made once per package and process; `type` picks the script's module system (main.mjs or main.cjs).
 */
export function packInstallRun(pkgName: string, script: string, type: 'module' | 'commonjs' = 'module'): { stdout: string; installedBytes: number } {
  const { scratch, installedBytes } = install(pkgName);
  const file = join(scratch, type === 'module' ? 'main.mjs' : 'main.cjs');
  writeFileSync(file, script);
  const stdout = execFileSync(process.execPath, [file], { cwd: scratch, encoding: 'utf8' });
  return { stdout, installedBytes };
}
