/**
 * The README's worked example, synthesised: a sidecar, two ports, volumes shared by init and app containers, Ingress
 * annotations, pod options, an existing Secret and a bundled MongoDB; and the extension points' refusals.
 */
import * as fs from 'fs';
import * as path from 'path';
import { memcached } from '../../apps/memcached/app';
import { rocketchat } from '../../apps/rocketchat/app';
import { AppChart } from '../../lib/building-blocks/app-chart';
import { AppDefinition } from '../../lib/building-blocks/app-definition';
import { Environment } from '../../lib/building-blocks/environment';
import { EnvValue } from '../../lib/building-blocks/env-value';
import { ContainerImage } from '../../lib/building-blocks/image';
import { Probe } from '../../lib/building-blocks/probes';
import { SecretSource } from '../../lib/building-blocks/secrets';
import { Worker } from '../../lib/workloads/worker';
import { WebService } from '../../lib/workloads/web-service';
import { find, findingsOf, synthApps, synthChart } from '../helpers';
import { billingApi } from './billing-api';

function synth(env: Environment) {
  process.env.BILLING_DB_SECRET = 'billing-db-credentials';
  try {
    return synthApps([billingApi], env);
  } finally {
    delete process.env.BILLING_DB_SECRET;
  }
}

describe('the worked example', () => {
  test('the README shows this code verbatim', () => {
    const source = fs.readFileSync(path.join(__dirname, 'billing-api.ts'), 'utf8');
    const code = /\/\/ README:start\n([\s\S]*?)\/\/ README:end/.exec(source)![1].replace(/\.\.\/\.\.\/lib\//g, './lib/');
    expect(fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8')).toContain(code.trim());
  });

  test.each([
    ['local', Environment.LOCAL],
    ['production', Environment.PRODUCTION],
  ])('%s passes the gate with a sidecar, two ports, shared volumes, an existing Secret and the MongoDB connected', (_name, env) => {
    const records = synth(env);
    expect(findingsOf(records, env)).toEqual([]);
    const pod = find(records, 'Deployment', 'billing-api').spec.template;
    expect(pod.spec.containers.map((c: any) => c.name)).toEqual(['billing-api', 'statsd-exporter']);
    const [app, sidecar] = pod.spec.containers;
    expect(app.ports.map((p: any) => `${p.name}:${p.containerPort}`)).toEqual(['http:8080', 'grpc:9090']);
    expect(sidecar.ports.map((p: any) => `${p.name}:${p.containerPort}/${p.protocol}`)).toEqual(['statsd:9125/UDP', 'metrics:9102/TCP']);
    expect(sidecar.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(find(records, 'Service', 'billing-api').spec.ports.map((p: any) => `${p.name}:${p.port}`)).toEqual(['http:80', 'grpc:9090']);
    // One volume, written by the init container and read by the app.
    expect(pod.spec.initContainers[0].volumeMounts).toContainEqual({ name: 'templates', mountPath: '/templates', readOnly: false });
    expect(app.volumeMounts).toContainEqual({ name: 'templates', mountPath: '/app/templates', readOnly: true });
    expect(pod.spec.volumes.filter((v: any) => v.name === 'templates')).toEqual([{ name: 'templates', emptyDir: {} }]);
    // The Secret of your own: read by key, listed as created out of band.
    expect(app.env).toContainEqual({ name: 'STRIPE_API_KEY', valueFrom: { secretKeyRef: { name: 'billing-stripe', key: 'api-key' } } });
    expect(pod.metadata.annotations['shipshape.dev/external-refs'].split(',')).toEqual(expect.arrayContaining(['Secret/billing-stripe', 'Secret/ghcr-pull']));
    // The bundled MongoDB: its URL in the env, and its policy lets the API in.
    expect(app.env.map((e: any) => e.name)).toContain('MONGO_URL');
    const dbPolicy = find(records, 'NetworkPolicy', 'billing-db');
    expect(JSON.stringify(dbPolicy.spec.ingress)).toContain('"app.kubernetes.io/instance":"billing-api"');
    // Pod options and the Ingress annotations.
    expect(pod.spec.imagePullSecrets).toEqual([{ name: 'ghcr-pull' }]);
    expect(pod.spec.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
    expect(pod.metadata.annotations['prometheus.io/port']).toBe('9102');
    expect(pod.spec.tolerations).toEqual(env.tier.name === 'production' ? [{ key: 'dedicated', value: 'billing', effect: 'NoSchedule' }] : []);
    expect(find(records, 'Ingress', 'billing-api').metadata.annotations).toEqual({ 'nginx.ingress.kubernetes.io/proxy-body-size': '10m' });
  });
});

describe('extension points refuse what cannot work', () => {
  const image = ContainerImage.of('ghcr.io/acme/api:1.2.3');

  test('an existing Secret refuses a key it was not declared with, and a construct that needs more keys', () => {
    const stripe = SecretSource.existing('billing-stripe', ['api-key']);
    expect(() => EnvValue.fromSecret(stripe.ref, 'apikey')).toThrow("secret 'billing-stripe' has no key 'apikey'; known keys: api-key");
    expect(() => SecretSource.existing('billing-stripe', [])).toThrow("SecretSource.existing('billing-stripe'): keys is empty");
    expect(() =>
      synthChart((c) => stripe.bind(c, { owner: 'db', defaultName: 'x', namespace: c.namespaceName, env: c.env, labels: {}, keys: [{ key: 'password', description: 'p', generate: 'password' }] })),
    ).toThrow("db: existing secret 'billing-stripe' was declared with keys api-key, but it needs password; add them to the keys");
  });

  test('pod labels may not replace the recommended ones; a sidecar may not take the main name; extra ports may not take http', () => {
    expect(() => synthChart((c) => new Worker(c, 'w', { image, probes: { liveness: Probe.exec(['true']) }, podLabels: { 'app.kubernetes.io/name': 'other' } }))).toThrow(
      "w 'w': podLabels sets app.kubernetes.io/name, which the workload sets itself",
    );
    expect(() =>
      synthChart((c) => new Worker(c, 'w', { image, probes: { liveness: Probe.exec(['true']) }, sidecars: [{ name: 'w', image, resources: { cpuRequest: '10m', memoryRequest: '16Mi', memoryLimit: '32Mi' } }] })),
    ).toThrow("w: sidecar 'w' has the main container's name");
    expect(() => synthChart((c) => new WebService(c, 'api', { image, port: 8080, ports: [{ name: 'http', port: 8081 }] }))).toThrow("web service 'api': ports names 'http'");
    const labelled = synthChart((c) => new Worker(c, 'w', { image, probes: { liveness: Probe.exec(['true']) }, podLabels: { 'shipshape.dev/memcached-client': 'true' } }));
    expect(find(labelled, 'Deployment', 'w').spec.template.metadata.labels['shipshape.dev/memcached-client']).toBe('true');
  });

  test("apps reach another app's bundled services by typed handles, not by findChild", () => {
    const shop: AppDefinition = {
      name: 'shop',
      description: 'uses the shared cache',
      uses: [memcached, rocketchat],
      build(scope, env, context) {
        const chart = new AppChart(scope, 'shop', { env, description: this.description });
        const worker = new Worker(chart, 'shop-worker', { image, probes: { liveness: Probe.exec(['true']) } });
        worker.connectTo(context.use(memcached).cache);
        expect(context.use(rocketchat).database.constructor.name).toBe('MongoReplicaSet');
        return chart;
      },
    };
    const records = synthApps([shop]);
    const policy = find(records, 'NetworkPolicy', 'memcached');
    expect(JSON.stringify(policy.spec.ingress)).toContain('"kubernetes.io/metadata.name":"shop"');
  });
});
