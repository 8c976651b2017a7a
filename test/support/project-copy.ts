/**
 * A temporary copy of the project as a user's clone holds it (sources, tests, docs, the runner; node_modules linked,
 * not copied), for tests that run the real commands, edit apps and lib as a user would, or may break things, without
 * touching the checkout. The copy is `<temporary folder>/project`; its siblings take outputs and the bundle cache, and
 * the folder is removed after the test file (test/helpers.ts tempDir).
 */
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync, SpawnSyncReturns } from 'child_process';
import { catalogue } from '../../apps/catalogue';
import { Environment } from '../../lib/building-blocks/environment';
import { secretNamesFor, tempDir } from '../helpers';

export const ROOT = path.resolve(__dirname, '../..');

const ENTRIES = ['main.ts', 'environments.ts', 'package.json', 'package-lock.json', 'tsconfig.json', 'jest.config.js', 'cdk8s.yaml', 'README.md', 'lib', 'apps', 'imports', 'schemas', 'scripts', 'test', 'docs'];

export function copyProject(prefix: string, entries: readonly string[] = ENTRIES): string {
  const dir = path.join(tempDir(prefix), 'project');
  for (const entry of entries) {
    if (fs.existsSync(path.join(ROOT, entry))) fs.cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

/** Runs a TypeScript entry point the way the npm scripts without the runner do (`node --require tsx/cjs`). */
export function runTs(cwd: string, ...args: string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['--require', 'tsx/cjs', ...args], { cwd, encoding: 'utf8' });
}

let secretNames: Record<string, string> | undefined;

/**
 * The environment of a synth run in the copy `dir`: its own bundle cache (outside the copy, as a user may set it), and
 * the names of every production Secret the catalogue asks for (found as synthCatalogue finds them, so an app added
 * with `npm run new` is covered).
 */
export function runEnv(dir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  secretNames ??= secretNamesFor(catalogue, Environment.PRODUCTION);
  return { ...process.env, SHIPSHAPE_RUN_CACHE: path.join(dir, '..', 'run-cache'), ...secretNames, ...extra };
}

/** Every file of a folder with its bytes. */
export function readTree(dir: string): Record<string, Buffer> {
  return Object.fromEntries(fs.readdirSync(dir).sort().map((f) => [f, fs.readFileSync(path.join(dir, f))]));
}
