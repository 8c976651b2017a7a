/**
 * The public testing helpers (lib/testing): each assertion passes on the catalogue's real connections and throws,
 * with a message naming the objects, on manifests that break what it checks.
 */
import { orders } from '../../apps/orders/app';
import { Environment } from '../../lib/building-blocks/environment';
import {
  assertConnectionAllowed,
  assertConnectionRefused,
  assertGatePasses,
  assertRestricted,
  assertSelectorsMatch,
  find,
  synthApp,
} from '../../lib/testing';
import { ManifestRecord } from '../../lib/tooling/manifest/manifest';

const records = synthApp(orders, Environment.PRODUCTION);

/** A copy of the records with one object replaced by `change(copy of it)`. */
function changed(kind: string, name: string, change: (m: any) => void): ManifestRecord[] {
  return records.map((r) => {
    if (r.manifest.kind !== kind || r.manifest.metadata.name !== name) return r;
    const copy = structuredClone(r.manifest);
    change(copy);
    return { ...r, manifest: copy };
  });
}

describe('synthApp and find', () => {
  test('builds the app and the apps it uses, found by kind and name', () => {
    expect(find(records, 'Deployment', 'orders-api').spec.template.spec.containers[0].name).toBe('orders-api');
    expect(find(records, 'StatefulSet', 'kafka-broker', 'kafka').metadata.namespace).toBe('kafka');
    expect(() => find(records, 'Deployment', 'nope')).toThrow(/expected one Deployment\/nope, found 0/);
  });
});

describe('assertions hold on the catalogue and fail on broken manifests', () => {
  test('the gate', () => {
    expect(() => assertGatePasses(records, Environment.PRODUCTION)).not.toThrow();
    const unpinned = changed('Deployment', 'orders-api', (d) => (d.spec.template.spec.containers[0].image = 'podinfo:latest'));
    expect(() => assertGatePasses(unpinned, Environment.PRODUCTION)).toThrow(/the validation gate refuses these manifests/);
  });

  test('restricted pods', () => {
    expect(() => assertRestricted(records, { requireRestricted: true })).not.toThrow();
    const escalating = changed('Deployment', 'orders-api', (d) => (d.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation = true));
    expect(() => assertRestricted(escalating)).toThrow(/Deployment\/orders\/orders-api .*allowPrivilegeEscalation/);
  });

  test('selectors', () => {
    expect(() => assertSelectorsMatch(records)).not.toThrow();
    const relabelled = changed('Deployment', 'orders-api', (d) => (d.spec.template.metadata.labels['app.kubernetes.io/instance'] = 'other'));
    expect(() => assertSelectorsMatch(relabelled)).toThrow(/Service\/orders\/orders-api selects no pod/);
  });

  test('connections, both ways and by port name', () => {
    const api = { kind: 'Deployment', name: 'orders-api' };
    const cache = { kind: 'StatefulSet', name: 'orders-cache' };
    expect(() => assertConnectionAllowed(records, api, cache, 'memcached')).not.toThrow();
    expect(() => assertConnectionAllowed(records, api, cache, 11211)).not.toThrow();
    // Nothing lets the cache dial the API, and nothing lets the API reach the cache on another port.
    expect(() => assertConnectionAllowed(records, cache, api, 'http')).toThrow(/StatefulSet\/orders-cache's egress does not allow Deployment\/orders-api/);
    assertConnectionRefused(records, api, cache, 22);
    // Across namespaces: the API produces to the brokers of the kafka app, matched by namespace labels.
    expect(() => assertConnectionAllowed(records, api, { kind: 'StatefulSet', name: 'kafka-broker', namespace: 'kafka' }, 'client')).not.toThrow();
    assertConnectionRefused(records, cache, { kind: 'StatefulSet', name: 'kafka-broker', namespace: 'kafka' }, 'client');
    // Egress alone is not enough: without the cache's own policy the namespace's default deny refuses it at the cache.
    const closed = records.filter((r) => !(r.manifest.kind === 'NetworkPolicy' && r.manifest.metadata.name === 'orders-cache'));
    expect(closed.length).toBe(records.length - 1);
    expect(() => assertConnectionAllowed(closed, api, cache, 'memcached')).toThrow(/StatefulSet\/orders-cache's ingress does not allow Deployment\/orders-api on memcached/);
  });
});
