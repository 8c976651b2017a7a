import { memcached } from '../../apps/memcached/app';
import { Environment } from '../../lib/building-blocks/environment';
import { deriveSettings, MemcachedCluster, MemcachedClusterProps } from '../../lib/workloads/memcached-cluster';
import { hashPowerFor, slabClassSizes, SMALLEST_CHUNK_BYTES } from '../../lib/workloads/memcached-sizing';
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
    const { records, construct } = cache({ resources: ResourcePreset.MEDIUM.with({ cpuRequest: '2', memoryRequest: '512Mi' }) });
    const args = find(records, 'StatefulSet', 'cache').spec.template.spec.containers[0].args;
    expect(Number(flag(args, '-m'))).toBe(construct.settings.cacheMiB);
    expect(Number(flag(args, '-m'))).toBeLessThan(512);
    expect(flag(args, '-t')).toBe('2');
    expect(flag(args, '-U')).toBe('0');
    expect(flag(args, '-c')).toBe('1024');
    expect(flag(args, '-o')).toBe(`hashpower=${construct.settings.hashPower}`);
  });

  test('the hash table is presized: the smallest power that never doubles for the most items -m can hold', () => {
    for (const preset of [ResourcePreset.SMALL, ResourcePreset.MEDIUM, ResourcePreset.LARGE, ResourcePreset.XLARGE, ResourcePreset.XXLARGE]) {
      const s = deriveSettings('x', preset.resources, {});
      const maxItems = (s.cacheMiB * 2 ** 20) / SMALLEST_CHUNK_BYTES;
      // memcached doubles the table when items > 1.5 x 2^hashpower (assoc.c assoc_start_expand).
      expect(1.5 * 2 ** s.hashPower).toBeGreaterThanOrEqual(maxItems);
      expect(s.hashPower === 16 || 1.5 * 2 ** (s.hashPower - 1) < maxItems).toBe(true);
      expect(s.hashTableMiB).toBe(2 ** s.hashPower * 8 / 2 ** 20);
      // Everything the budget counts fits in the limit, and -m is the largest that does.
      expect(s.cacheMiB + s.hashTableMiB + s.slabOvershootMiB + s.processMiB + s.kernelMiB).toBeLessThanOrEqual(s.memoryLimitMiB);
      expect(() => deriveSettings('x', preset.resources, { cacheSize: `${s.cacheMiB + 1}Mi` })).toThrow(/raise memoryLimit/);
    }
    expect(hashPowerFor(1)).toBe(16);
  });

  test('slab classes are computed as memcached 1.6 computes them (-vv lists 39 classes for -I 1m)', () => {
    const sizes = slabClassSizes();
    expect(sizes.slice(0, 8)).toEqual([96, 120, 152, 192, 240, 304, 384, 480]);
    expect(sizes).toHaveLength(39);
    expect(sizes[sizes.length - 1]).toBe(524288);
    expect(sizes.every((size) => size % 8 === 0)).toBe(true);
  });

  test('the memory request is the limit (a full cache uses it all); cpu has no limit', () => {
    const { records } = cache({ resources: ResourcePreset.LARGE });
    const containers = find(records, 'StatefulSet', 'cache').spec.template.spec.containers;
    for (const c of containers) expect(c.resources.requests.memory).toBe(c.resources.limits.memory);
    expect(containers[0].resources).toEqual({ requests: { cpu: '500m', memory: '1536Mi' }, limits: { memory: '1536Mi' } });
    expect(() => cache({ resources: ResourcePreset.SMALL.with({ memoryRequest: '128Mi' }) })).toThrow(
      "memcached 'cache': resources.memoryRequest 128Mi differs from memoryLimit 256Mi; a full cache uses its whole limit, so set memoryRequest to 256Mi",
    );
    expect(() => cache({ resources: { cpuRequest: '1', memoryRequest: '1Gi', memoryLimit: '1024Mi' } })).not.toThrow();
  });

  test('no load-balanced Service for more than one member: it breaks client-side hashing', () => {
    expect(findAll(cache({ loadBalancedService: true }).records, 'Service').map((s) => s.metadata.name).sort()).toEqual(['cache', 'cache-headless']);
    expect(() => cache({ loadBalancedService: true, members: 2 })).toThrow(
      "memcached 'cache': loadBalancedService with 2 members spreads a client's keys over every member",
    );
    for (const env of [Environment.LOCAL, Environment.PRODUCTION]) {
      expect(findAll(synthApps([memcached], env), 'Service').map((s) => s.metadata.name)).toEqual(['memcached-headless']);
    }
  });

  test('item sizes memcached accepts: multiples of its 512k slab_chunk_max', () => {
    const args = (maxItemSize: string) => find(cache({ maxItemSize }).records, 'StatefulSet', 'cache').spec.template.spec.containers[0].args;
    expect(flag(args('1536k'), '-I')).toBe('1536k');
    expect(flag(args('512k'), '-I')).toBe('512k');
    expect(() => cache({ maxItemSize: '256k' })).toThrow("memcached 'cache': maxItemSize 256k is refused by memcached; use a multiple of 512k");
    expect(() => cache({ maxItemSize: '1500k' })).toThrow('maxItemSize 1500k is refused by memcached');
  });

  test('impossible sizes fail with what to change', () => {
    expect(() => cache({ resources: ResourcePreset.SMALL.with({ memoryRequest: '64Mi', memoryLimit: '64Mi' }), cacheSize: '128Mi' })).toThrow(
      /memcached 'cache': memoryLimit 64Mi is below cacheSize 128Mi plus \d+Mi headroom \(hash table \d+Mi, 39 slab pages past -m, \d+Mi process and 1024 connections, \d+Mi kernel sockets\); raise memoryLimit to at least \d+Mi or lower cacheSize/,
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
