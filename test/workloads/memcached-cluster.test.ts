import { memcached } from '../../apps/memcached/app';
import { Environment } from '../../lib/building-blocks/environment';
import { MemcachedCluster, MemcachedClusterProps } from '../../lib/workloads/memcached-cluster';
import { ResourcePreset } from '../../lib/building-blocks/resources';
import { find, findAll, findingsOf, manifests, selects, synthApps, synthChart } from '../helpers';

function cache(props: MemcachedClusterProps = {}, env = Environment.LOCAL) {
  let construct!: MemcachedCluster;
  const records = synthChart((c) => {
    construct = new MemcachedCluster(c, 'cache', props);
  }, env);
  return { records, construct };
}

function flag(args: string[], name: string): string {
  return args[args.indexOf(name) + 1];
}

describe('MemcachedCluster', () => {
  test.each([
    ['local', Environment.LOCAL],
    ['production', Environment.PRODUCTION],
  ])('%s app passes the gate and matches its snapshot', (_n, env) => {
    const records = synthApps([memcached], env);
    expect(findingsOf(records, env)).toEqual([]);
    expect(manifests(records)).toMatchSnapshot();
  });

  test('the headless Service selects exactly the members and lists them while they restart', () => {
    const { records, construct } = cache({}, Environment.PRODUCTION);
    const sts = find(records, 'StatefulSet', 'cache');
    const headless = find(records, 'Service', 'cache-headless');
    expect(headless.spec.clusterIp ?? headless.spec.clusterIP).toBe('None');
    expect(headless.spec.selector).toEqual(sts.spec.selector.matchLabels);
    expect(selects(headless.spec.selector, sts.spec.template.metadata.labels)).toBe(true);
    expect(sts.spec.serviceName).toBe('cache-headless');
    expect(construct.memberAddresses).toEqual([0, 1, 2].map((i) => `cache-${i}.cache-headless.test.svc.cluster.local:11211`));
    expect(construct.headlessHost).toBe('cache-headless.test.svc.cluster.local');
  });

  test('server flags are derived: -m below the memory limit, threads from cpu, UDP off', () => {
    const { records, construct } = cache({ resources: ResourcePreset.MEDIUM.with({ cpuRequest: '2' }) });
    const args = find(records, 'StatefulSet', 'cache').spec.template.spec.containers[0].args;
    expect(Number(flag(args, '-m'))).toBe(construct.settings.cacheMiB);
    expect(Number(flag(args, '-m'))).toBeLessThan(512);
    expect(flag(args, '-t')).toBe('2');
    expect(flag(args, '-U')).toBe('0');
    expect(flag(args, '-c')).toBe('1024');
  });

  test('impossible sizes fail with what to change', () => {
    expect(() => cache({ resources: ResourcePreset.SMALL.with({ memoryRequest: '64Mi', memoryLimit: '64Mi' }), cacheSize: '128Mi' })).toThrow(
      /memcached 'cache': memoryLimit 64Mi is below cacheSize 128Mi plus \d+Mi headroom for 1024 connections; raise memoryLimit to at least \d+Mi or lower cacheSize/,
    );
    expect(() => cache({ cacheSize: '64Mi', maxItemSize: '64m' })).toThrow("memcached 'cache': maxItemSize 64m is more than half the 64Mi cache");
  });

  test('the exporter sidecar has its own resources and security context, and scrape annotations', () => {
    const { records } = cache();
    const tpl = find(records, 'StatefulSet', 'cache').spec.template;
    const exporter = tpl.spec.containers.find((c: any) => c.name === 'exporter');
    expect(exporter.image).toMatch(/^prom\/memcached-exporter:v/);
    expect(exporter.ports).toEqual([{ name: 'metrics', containerPort: 9150, protocol: 'TCP' }]);
    expect(exporter.resources.limits.memory).toBe('64Mi');
    expect(exporter.securityContext).toMatchObject({ runAsUser: 65534, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(tpl.metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9150' });
  });

  test('the NetworkPolicy admits only declared clients on 11211 (and monitoring on 9150)', () => {
    const { records } = cache();
    expect(find(records, 'NetworkPolicy', 'cache').spec.ingress.map((r: any) => r.ports[0].port)).toEqual([9150]);
    const app = synthApps([memcached]);
    const rules = find(app, 'NetworkPolicy', 'memcached').spec.ingress;
    const client = rules.find((r: any) => r.ports[0].port === 11211);
    expect(client.from).toEqual([{ namespaceSelector: {}, podSelector: { matchLabels: { 'shipshape.dev/memcached-client': 'true' } } }]);
  });

  test('members per environment', () => {
    expect(find(cache().records, 'StatefulSet', 'cache').spec.replicas).toBe(1);
    expect(find(cache({}, Environment.PRODUCTION).records, 'StatefulSet', 'cache').spec.replicas).toBe(3);
    expect(findAll(cache({}, Environment.PRODUCTION).records, 'PodDisruptionBudget')).toHaveLength(1);
  });
});
