/**
 * `npm run validate` through the real CLI: an empty folder is an error; rules switched off per object with a reason
 * are listed, and a skip without a reason is itself a finding.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { dump } from 'js-yaml';
import { tempDir } from '../helpers';

const root = path.join(__dirname, '..', '..');
const run = (...args: string[]) => spawnSync(process.execPath, ['--require', 'tsx/cjs', 'scripts/validate.ts', ...args], { cwd: root, encoding: 'utf8' });

/** The privileged fixture with an annotation on its Deployment. */
function privileged(annotation: string): string {
  const docs = parseAllDocuments(fs.readFileSync(path.join(root, 'test/fixtures/validation/fail/pss-privileged.yaml'), 'utf8')).map((d) => d.toJS());
  const deployment = docs.find((d) => d.kind === 'Deployment');
  deployment.metadata.annotations = { ...(deployment.metadata.annotations ?? {}), 'shipshape.dev/skip-rules': annotation };
  const dir = tempDir('validate');
  fs.writeFileSync(path.join(dir, 'shop.yaml'), docs.map((d) => dump(d)).join('---\n'));
  return dir;
}

describe('validate CLI', () => {
  test('an empty folder is an error, not a pass', () => {
    const dir = tempDir('validate-empty');
    const r = run(dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`validate failed: ${dir} holds no Kubernetes objects`);
  });

  test('a rule switched off on an object with its reason is listed, and only that rule on that object', () => {
    const r = run(privileged('pss-baseline/privileged: the vendor agent needs the host network stack; reviewed in SEC-123'));
    expect(r.stdout).toMatch(/skipped for Deployment\/shop\/web: pss-baseline\/privileged \(1 finding\(s\)\): the vendor agent needs/);
    expect(r.stderr).not.toContain('[pss-baseline/privileged]');
    const family = run(privileged('pss-baseline/*, pss-restricted/*: the vendor agent needs the host network stack'));
    expect(family.stdout).toMatch(/skipped for Deployment\/shop\/web: pss-baseline\/\*, pss-restricted\/\* \(\d+ finding\(s\)\)/);
  });

  test('a skip without a reason is a finding, and skips nothing', () => {
    const r = run(privileged('pss-baseline/privileged'));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('[skip-rules/format]');
    expect(r.stderr).toContain('[pss-baseline/privileged]');
  });
});
