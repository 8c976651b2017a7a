/**
 * `npm run check:scaffold` (CI, see .ci/run): follows the README in a temporary copy of the project, as a new user
 * would: `npm run new -- billing-api ...`, then grows apps/billing-api/app.ts into the README's worked example (a
 * sidecar, two ports, an existing Secret, a bundled MongoDB), then runs the whole suite there (`tsc` and jest). Any
 * test that hard-codes the catalogue, clashes with the README's names or needs a helper edited for a new MongoDB
 * fails here. The copy is a git checkout (the plan's --against test needs one); node_modules is linked, not copied.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..');
const ENTRIES = ['main.ts', 'environments.ts', 'package.json', 'package-lock.json', 'tsconfig.json', 'jest.config.js', 'cdk8s.yaml', 'README.md', '.gitignore', 'lib', 'apps', 'imports', 'schemas', 'scripts', 'test', 'docs', 'bench'];

function step(cwd: string, command: string, args: string[]): void {
  console.log(`$ ${command} ${args.join(' ')}`);
  const r = spawnSync(command, args, { cwd, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.status ?? r.signal}`);
}

function main(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shipshape-scaffold-'));
  try {
    for (const e of ENTRIES) if (fs.existsSync(path.join(ROOT, e))) fs.cpSync(path.join(ROOT, e), path.join(dir, e), { recursive: true });
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    const git = ['-c', 'user.name=ci', '-c', 'user.email=ci@localhost'];
    step(dir, 'git', ['init', '-q']);
    step(dir, 'git', [...git, 'add', '-A']);
    step(dir, 'git', [...git, 'commit', '-qm', 'the project as cloned']);
    // The README's command, word for word.
    step(dir, process.execPath, ['--require', 'tsx/cjs', 'scripts/new-service.ts', 'billing-api', '--image', 'ghcr.io/acme/billing:2.0.1', '--port', '8080', '--uid', '1000']);
    const example = fs.readFileSync(path.join(dir, 'test', 'examples', 'billing-api.ts'), 'utf8');
    const code = /\/\/ README:start\n([\s\S]*?)\/\/ README:end/.exec(example)?.[1];
    if (!code) throw new Error('test/examples/billing-api.ts has no README:start/README:end block');
    fs.writeFileSync(path.join(dir, 'apps', 'billing-api', 'app.ts'), code);
    step(dir, process.execPath, ['--require', 'tsx/cjs', 'scripts/draw-graph.ts']);
    step(dir, process.execPath, [path.join('node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', '.']);
    step(dir, process.execPath, [path.join('node_modules', 'jest', 'bin', 'jest.js'), '--ci']);
    console.log('the scaffolded path is green: npm run new, the worked example, and the whole suite');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

try {
  main();
} catch (err) {
  console.error(`scaffold check failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
