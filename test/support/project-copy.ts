/**
 * A temporary copy of the project as a user's clone holds it (sources, tests, docs; node_modules linked, not
 * copied), for tests that run the real commands where they may write or break things.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync, SpawnSyncReturns } from 'child_process';

export const ROOT = path.resolve(__dirname, '../..');

const ENTRIES = ['main.ts', 'environments.ts', 'package.json', 'tsconfig.json', 'jest.config.js', 'cdk8s.yaml', 'README.md', 'lib', 'apps', 'imports', 'schemas', 'scripts', 'test', 'docs'];

export function copyProject(prefix: string, entries: readonly string[] = ENTRIES): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `shipshape-${prefix}-`));
  for (const entry of entries) {
    if (fs.existsSync(path.join(ROOT, entry))) fs.cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

/** Runs a TypeScript entry point the way the npm scripts do (`node --require tsx/cjs`). */
export function runTs(cwd: string, ...args: string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['--require', 'tsx/cjs', ...args], { cwd, encoding: 'utf8' });
}
