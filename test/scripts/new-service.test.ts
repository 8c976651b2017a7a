import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '../..');

/** A temporary copy of the project (sources only, node_modules linked), as a user's clone would be. */
function copyProject(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shipshape-new-'));
  for (const entry of ['main.ts', 'package.json', 'tsconfig.json', 'lib', 'apps', 'imports', 'schemas', 'scripts', 'test', 'docs']) {
    fs.cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

const run = (cwd: string, ...args: string[]) => spawnSync('node', ['--require', 'tsx/cjs', ...args], { cwd, encoding: 'utf8' });

describe('npm run new', () => {
  const dir = copyProject();
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('creates the app, its README and test, registers it, and the synth validates it as generated', () => {
    const r = run(dir, 'scripts/new-service.ts', 'billing-api', '--image', 'ghcr.io/acme/billing:2.0.1', '--port', '8080', '--uid', '1000');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    for (const f of ['apps/billing-api/app.ts', 'apps/billing-api/README.md', 'test/apps/billing-api.test.ts']) expect(fs.existsSync(path.join(dir, f))).toBe(true);
    expect(r.stdout).toContain('docs/graph.svg (redrawn)');
    expect(fs.readFileSync(path.join(dir, 'docs', 'graph.svg'), 'utf8')).toContain('Deployment billing&#45;api');
    expect(fs.readFileSync(path.join(dir, 'apps', 'catalogue.ts'), 'utf8')).toMatch(/import \{ billingApi \} from '.\/billing-api\/app';[\s\S]*= \[.*, billingApi\];/);
    for (const env of ['local', 'production']) {
      const synth = run(dir, 'main.ts', '--only', 'billing-api', '--env', env, '--outdir', path.join(dir, `dist-${env}`));
      expect(synth.stderr).toBe('');
      expect(synth.stdout).toContain("synthesised 1 app(s) for env '" + env + "': billing-api");
    }
  });

  test('refuses to overwrite, and rejects bad names, ports and images with a clear message', () => {
    const again = run(dir, 'scripts/new-service.ts', 'billing-api', '--image', 'ghcr.io/acme/billing:2.0.1', '--port', '8080');
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('new service: apps/billing-api already exists; choose another name or remove it first');
    const bad = run(dir, 'scripts/new-service.ts', 'Billing_API', '--image', 'ghcr.io/acme/billing:2.0.1', '--port', '8080');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("new service: name 'Billing_API'");
    expect(run(dir, 'scripts/new-service.ts', 'x', '--image', 'ghcr.io/acme/billing:latest', '--port', '8080').stderr).toContain("uses the 'latest' tag");
    expect(run(dir, 'scripts/new-service.ts', 'x', '--image', 'ghcr.io/acme/billing:1.0.0', '--port', '99999').stderr).toContain('port');
    expect(fs.existsSync(path.join(dir, 'apps', 'x'))).toBe(false);
  });
});
