import * as fs from 'fs';
import * as path from 'path';
import { copyProject, ROOT, runTs } from '../support/project-copy';

/**
 * A name no app of this checkout has: after following the README (`npm run new -- billing-api ...`), a user's clone
 * holds apps/billing-api, and the test must not clash with it.
 */
function freshName(): string {
  for (let i = 1; ; i++) if (!fs.existsSync(path.join(ROOT, 'apps', `scaffold-check-${i}`))) return `scaffold-check-${i}`;
}

const run = runTs;
const NAME = freshName();
const VARIABLE = NAME.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

describe('npm run new', () => {
  const dir = copyProject('new');

  test('creates the app, its README and test, registers it, and the synth validates it as generated', () => {
    const r = run(dir, 'scripts/new-service.ts', NAME, '--image', 'ghcr.io/acme/billing:2.0.1', '--port', '8080', '--uid', '1000');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    for (const f of [`apps/${NAME}/app.ts`, `apps/${NAME}/README.md`, `test/apps/${NAME}.test.ts`]) expect(fs.existsSync(path.join(dir, f))).toBe(true);
    expect(r.stdout).toContain('docs/graph.svg (redrawn)');
    expect(fs.readFileSync(path.join(dir, 'docs', 'graph.svg'), 'utf8')).toContain(`Deployment ${NAME.replace(/-/g, '&#45;')}`);
    expect(fs.readFileSync(path.join(dir, 'apps', 'catalogue.ts'), 'utf8')).toMatch(new RegExp(`import \\{ ${VARIABLE} \\} from './${NAME}/app';[\\s\\S]*= \\[.*, ${VARIABLE}\\];`));
    for (const env of ['local', 'production']) {
      const synth = run(dir, 'main.ts', '--only', NAME, '--env', env, '--outdir', path.join(dir, `dist-${env}`));
      expect(synth.stderr).toBe('');
      expect(synth.stdout).toContain(`synthesised 1 app(s) for env '${env}': ${NAME}`);
    }
  });

  test('refuses to overwrite, and rejects bad names, ports and images with a clear message', () => {
    const again = run(dir, 'scripts/new-service.ts', NAME, '--image', 'ghcr.io/acme/billing:2.0.1', '--port', '8080');
    expect(again.status).toBe(1);
    expect(again.stderr).toContain(`new service: apps/${NAME} already exists; choose another name or remove it first`);
    const bad = run(dir, 'scripts/new-service.ts', 'Billing_API', '--image', 'ghcr.io/acme/billing:2.0.1', '--port', '8080');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("new service: name 'Billing_API'");
    expect(run(dir, 'scripts/new-service.ts', 'x', '--image', 'ghcr.io/acme/billing:latest', '--port', '8080').stderr).toContain("uses the 'latest' tag");
    expect(run(dir, 'scripts/new-service.ts', 'x', '--image', 'ghcr.io/acme/billing:1.0.0', '--port', '99999').stderr).toContain('port');
    expect(fs.existsSync(path.join(dir, 'apps', 'x'))).toBe(false);
  });
});
