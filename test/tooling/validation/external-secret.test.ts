/**
 * ExternalSecret is checked against the v1 CRD schema kept in schemas/ (the version current External Secrets
 * Operators serve); v1beta1 is refused with the reason.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CUSTOM_RESOURCES } from '../../../lib/tooling/validation/custom-resources';
import { compileCached, strictify } from '../../../lib/tooling/validation/schema';

const validate = CUSTOM_RESOURCES.get('external-secrets.io/v1/ExternalSecret')!;

const valid = {
  apiVersion: 'external-secrets.io/v1',
  kind: 'ExternalSecret',
  metadata: { name: 'db', namespace: 'shop', labels: { a: 'b' } },
  spec: {
    refreshInterval: '1h',
    secretStoreRef: { name: 'vault', kind: 'ClusterSecretStore' },
    target: { name: 'db', creationPolicy: 'Owner', template: { metadata: { annotations: { 'shipshape.dev/rotation': '1' } } } },
    data: [{ secretKey: 'password', remoteRef: { key: 'db', property: 'password' } }],
  },
};

function withSpec(spec: Record<string, unknown>) {
  return { ...valid, spec: { ...valid.spec, ...spec } };
}

describe('ExternalSecret v1 schema', () => {
  test('what SecretSource.external emits is valid', () => {
    expect(validate(valid)).toEqual([]);
  });

  test('the kept schema is the v1 CRD: its fields and enums are enforced', () => {
    const [kind] = validate(withSpec({ secretStoreRef: { name: 'vault', kind: 'Vault' } }));
    expect(kind.instancePath).toBe('/spec/secretStoreRef/kind');
    expect(kind.message).toMatch(/^must be equal to one of the allowed values: SecretStore, ClusterSecretStore/);
    expect(validate(withSpec({ data: [{ secretKey: 'password' }] }))).toContainEqual({ instancePath: '/spec/data/0', message: "must have required property 'remoteRef'" });
    expect(validate(withSpec({ target: { name: 'db', creationPolicy: 'Sometimes' } }))[0].instancePath).toBe('/spec/target/creationPolicy');
    expect(validate(withSpec({ refreshIntervall: '1h' }))).toContainEqual({ instancePath: '/spec', message: "unknown field 'refreshIntervall'" });
    expect(validate(withSpec({ data: [{ secretKey: 5, remoteRef: { key: 'k' } }] }))).toContainEqual({ instancePath: '/spec/data/0/secretKey', message: 'must be string' });
  });

  test('v1beta1, no longer served since ESO 0.17, is refused with the fix', () => {
    const old = CUSTOM_RESOURCES.get('external-secrets.io/v1beta1/ExternalSecret')!;
    expect(old({ ...valid, apiVersion: 'external-secrets.io/v1beta1' })).toEqual([
      { instancePath: '/apiVersion', message: 'external-secrets.io/v1beta1 is not served since External Secrets Operator 0.17; use external-secrets.io/v1 (same fields)' },
    ]);
  });

  test('the validator kept as standalone code gives the same verdicts and errors as a fresh compile', () => {
    const schema = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'schemas', 'external-secrets-v1-externalsecret.json'), 'utf8')).openAPIV3Schema;
    strictify(schema);
    const docs = [valid, withSpec({ secretStoreRef: { name: 'vault', kind: 'Vault' } }), withSpec({ data: [{ secretKey: 5 }] }), withSpec({ refreshIntervall: '1h' })];
    const verdicts = (validate: ReturnType<typeof compileCached>) => docs.map((d) => [validate(d), validate.errors ?? null]);
    const previous = process.env.SHIPSHAPE_SCHEMA_CACHE;
    process.env.SHIPSHAPE_SCHEMA_CACHE = 'off';
    const fresh = verdicts(compileCached(schema));
    if (previous === undefined) delete process.env.SHIPSHAPE_SCHEMA_CACHE;
    else process.env.SHIPSHAPE_SCHEMA_CACHE = previous;
    compileCached(schema); // written to the cache if it was not there
    const kept = verdicts(compileCached(schema));
    expect(fresh.map(([ok]) => ok)).toEqual([true, false, false, false]);
    expect(kept).toEqual(fresh);
  });
});
