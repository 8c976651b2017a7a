/**
 * `npm run validate` through the real CLI: an empty folder is an error; rules switched off per object with a reason
 * are listed, and a skip without a reason is itself a finding.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { dump } from 'js-yaml';
import { Environment } from '../../lib/building-blocks/environment';
import { tempDir } from '../helpers';

const root = path.join(__dirname, '..', '..');
const run = (...args: string[]) => spawnSync(process.execPath, ['--require', 'tsx/cjs', 'scripts/validate.ts', ...args], { cwd: root, encoding: 'utf8' });

const LABELS = {
  'app.kubernetes.io/name': 'web',
  'app.kubernetes.io/instance': 'web',
  'app.kubernetes.io/version': '1.0.0',
  'app.kubernetes.io/component': 'tls',
  'app.kubernetes.io/part-of': 'shop',
  'app.kubernetes.io/managed-by': 'shipshape',
};

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
  test("our own dist validates with the environment's minimum, as the synth did; 1.27's schema does not know the native sleep hook", () => {
    const dist = path.join(tempDir('validate-dist'), 'dist');
    const synth = spawnSync(process.execPath, ['--require', 'tsx/cjs', 'main.ts', '--quiet', '--only', 'orders', '--outdir', dist], { cwd: root, encoding: 'utf8' });
    expect(synth.status).toBe(0);
    const ok = run('--min-k8s', Environment.LOCAL.config.minKubernetesVersion, dist);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    const all = run(dist);
    expect(all.status).toBe(1);
    expect(all.stderr).toContain("[schema-1.27] orders.yaml: Deployment/orders/orders-api\n    spec.template.spec.containers[0].lifecycle.preStop: unknown field 'sleep'");
    expect(run('--min-k8s', '130', dist).stderr).toContain("--min-k8s '130' is not a Kubernetes minor; write it like 1.30");
  });

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

  test('a custom resource is declared with --crd and then validated against its schema; undeclared, it is reported with the way to declare it', () => {
    const dir = tempDir('validate-crd');
    // A CRD shaped as cert-manager publishes its Certificate (a small part of the schema).
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'certificates.cert-manager.io' },
      spec: {
        group: 'cert-manager.io',
        names: { kind: 'Certificate', plural: 'certificates' },
        scope: 'Namespaced',
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: {
          apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' },
          spec: { type: 'object', required: ['secretName', 'issuerRef'], properties: { secretName: { type: 'string' }, dnsNames: { type: 'array', items: { type: 'string' } }, issuerRef: { type: 'object', properties: { name: { type: 'string' }, kind: { type: 'string' } } } } },
        } } } }],
      },
    };
    fs.writeFileSync(path.join(dir, 'crd.yaml'), dump(crd));
    const manifests = path.join(dir, 'manifests');
    fs.mkdirSync(manifests);
    const certificate = (spec: object) => dump({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'web', namespace: 'shop', labels: LABELS }, spec });
    fs.writeFileSync(path.join(manifests, 'cert.yaml'), certificate({ secretName: 'web-tls', dnsNames: ['web.example.com'], issuerRef: { name: 'letsencrypt', kind: 'ClusterIssuer' } }));
    const undeclared = run(manifests);
    expect(undeclared.status).toBe(1);
    expect(undeclared.stderr).toContain('cert-manager.io/v1/Certificate is not a Kubernetes 1.27 kind and not a declared custom resource; check apiVersion and kind, or declare its CRD (npm run validate -- --crd <crd.yaml>)');
    const declared = run('--crd', path.join(dir, 'crd.yaml'), '--', manifests);
    expect(declared.stderr).toBe('');
    expect(declared.status).toBe(0);
    fs.writeFileSync(path.join(manifests, 'cert.yaml'), certificate({ secretName: 'web-tls', dnsName: ['web.example.com'], issuerRef: { name: 'letsencrypt' } }));
    const misspelt = run('--crd', path.join(dir, 'crd.yaml'), '--', manifests);
    expect(misspelt.status).toBe(1);
    expect(misspelt.stderr).toContain("unknown field 'dnsName'");
    expect(run('--crd', path.join(manifests, 'cert.yaml'), '--', manifests).stderr).toContain('holds no CustomResourceDefinition');
  });
});
