/**
 * A copy of the project in a temporary folder (sources, schemas and the runner; node_modules linked), so a test can
 * edit apps and lib as a user would without touching the checkout. Its bundle cache lives in the copy.
 */
import * as fs from 'fs';
import * as path from 'path';
import { catalogue } from '../../../apps/catalogue';
import { Environment } from '../../../lib/building-blocks/environment';
import { secretNamesFor, tempDir } from '../../helpers';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
const COPIED = ['main.ts', 'environments.ts', 'lib', 'apps', 'imports', 'schemas', 'scripts/run.js', 'package.json', 'package-lock.json', 'tsconfig.json'];

export function copyProject(prefix: string): string {
  const dir = path.join(tempDir(prefix), 'project');
  for (const entry of COPIED) fs.cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

let secretNames: Record<string, string> | undefined;

/**
 * The environment of a synth run in `dir`: its own bundle cache (outside the copy, as a user may set it), and the names of every production Secret the
 * catalogue asks for (found as synthCatalogue finds them, so an app added with `npm run new` is covered).
 */
export function runEnv(dir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  secretNames ??= secretNamesFor(catalogue, Environment.PRODUCTION);
  return { ...process.env, SHIPSHAPE_RUN_CACHE: path.join(dir, '..', 'run-cache'), ...secretNames, ...extra };
}

/** Every file of a folder with its bytes. */
export function readTree(dir: string): Record<string, Buffer> {
  return Object.fromEntries(fs.readdirSync(dir).sort().map((f) => [f, fs.readFileSync(path.join(dir, f))]));
}
