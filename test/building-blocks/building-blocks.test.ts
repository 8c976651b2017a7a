import { Environment } from '../../lib/building-blocks/environment';
import { ContainerImage } from '../../lib/building-blocks/image';
import { checkDnsLabel, checkPort, checkCount } from '../../lib/building-blocks/names';
import { parseQuantity, toMebibytes } from '../../lib/vocabulary/quantity';
import { resolveResources, ResourcePreset } from '../../lib/building-blocks/resources';
import { ShutdownPolicy } from '../../lib/building-blocks/shutdown';
import { checkSignalPropagation } from '../../lib/building-blocks/signals';

describe('names', () => {
  test('DNS labels: valid, too long, uppercase', () => {
    expect(checkDnsLabel('x', 'name', 'rocketchat-mongodb')).toBe('rocketchat-mongodb');
    expect(() => checkDnsLabel('app', 'name', 'a'.repeat(64))).toThrow(/at most 63 characters/);
    expect(() => checkDnsLabel("app 'Bad'", 'name', 'Bad_Name')).toThrow("app 'Bad': name 'Bad_Name' is not a DNS-1123 label");
  });
  test('ports and counts', () => {
    expect(() => checkPort('svc', 'port', 70000)).toThrow('svc: port 70000 is not a port; use a whole number from 1 to 65535');
    expect(() => checkCount('db', 'replicas', -1)).toThrow('db: replicas -1 is out of range');
  });
});

describe('quantities', () => {
  test.each([
    ['128Mi', 128 * 2 ** 20],
    ['1Gi', 2 ** 30],
    ['250m', 0.25],
    ['1.5', 1.5],
    ['1G', 1e9],
    ['2e3', 2000],
  ])('%s parses', (q, expected) => expect(parseQuantity('x', 'f', q)).toBeCloseTo(expected));
  test('bad quantity names the field', () => {
    expect(() => parseQuantity("memcached 'cache'", 'memoryLimit', '12 MB')).toThrow("memcached 'cache': memoryLimit '12 MB' is not a Kubernetes quantity");
  });
  test('MiB rounding', () => expect(toMebibytes('x', 'f', '1Gi')).toBe(1024));
});

describe('resource presets', () => {
  test('an explicit value overrides the preset field by field', () => {
    const r = ResourcePreset.SMALL.with({ memoryLimit: '1Gi' });
    expect(r).toEqual({ cpuRequest: '100m', memoryRequest: '128Mi', memoryLimit: '1Gi' });
  });
  test('limit below request is refused', () => {
    expect(() => resolveResources('web', { cpuRequest: '100m', memoryRequest: '512Mi', memoryLimit: '256Mi' })).toThrow('web: memoryLimit 256Mi is below memoryRequest 512Mi');
  });
});

describe('images', () => {
  test('pinned tags and digests are accepted', () => {
    expect(ContainerImage.of('mongo:8.0.4').version).toBe('8.0.4');
    expect(ContainerImage.of(`repo/app@sha256:${'a'.repeat(64)}`).version).toBe('aaaaaaaaaaaa');
  });
  test('latest and untagged images are refused with the fix', () => {
    expect(() => ContainerImage.of('mongo:latest')).toThrow(/uses the 'latest' tag; pin a version/);
    expect(() => ContainerImage.of('mongo')).toThrow(/has no tag; pin a version/);
  });
  test('root is refused', () => expect(() => ContainerImage.of('x:1', { uid: 0 })).toThrow(/forbids root/));
});

describe('environments', () => {
  test('default is local; unknown names list the known ones', () => {
    expect(Environment.DEFAULT).toBe(Environment.LOCAL);
    expect(Environment.byName('production').highAvailability).toBe(true);
    expect(() => Environment.byName('staging')).toThrow("unknown environment 'staging'; use one of: local, production");
  });
  test('pick returns the value of the environment', () => {
    expect(Environment.PRODUCTION.pick({ local: 1, production: 3 })).toBe(3);
    expect(Environment.LOCAL.pick({ local: 1, production: 3 })).toBe(1);
  });
});

describe('shutdown and signals', () => {
  test('grace period covers drain plus shutdown by default', () => {
    const p = ShutdownPolicy.server({ drainSeconds: 10, shutdownSeconds: 30 });
    expect(p.terminationGracePeriodSeconds).toBe(45);
    expect(p.lifecycle('web', ContainerImage.of('x:1'), '1.30')).toEqual({ preStop: { sleep: { seconds: 10 } } });
    expect(ShutdownPolicy.worker().lifecycle('web', ContainerImage.of('x:1'), '1.27')).toBeUndefined();
  });
  test('a grace period shorter than drain plus shutdown is refused', () => {
    expect(() => ShutdownPolicy.server({ drainSeconds: 10, shutdownSeconds: 30, terminationGracePeriodSeconds: 20 })).toThrow(
      'shutdown policy: terminationGracePeriodSeconds 20 is shorter than drainSeconds 10 plus shutdownSeconds 30; raise it to at least 40',
    );
  });
  test('sh -c without exec is refused; with exec or exec form it passes', () => {
    expect(() => checkSignalPropagation('web', ['sh', '-c', 'node server.js'])).toThrow(/whose last command is not 'exec <program>', so the shell stays PID 1/);
    expect(() => checkSignalPropagation('web', ['/bin/bash', '-ec', 'migrate && node server.js'])).toThrow(/whose last command is not/);
    expect(() => checkSignalPropagation('web', ['sh', '-c', 'cd /app && exec node server.js'])).not.toThrow();
    expect(() => checkSignalPropagation('web', ['node', 'server.js'])).not.toThrow();
  });
});

describe('image references', () => {
  test.each([
    ['x:1', 'x', '1'],
    ['registry.local:5000/team/app:2.0', 'registry.local:5000/team/app', '2.0'],
    ['apache/kafka:4.0.0', 'apache/kafka', '4.0.0'],
  ])('%s', (ref, repository, tag) => {
    const img = ContainerImage.of(ref);
    expect([img.repository, img.tag]).toEqual([repository, tag]);
  });
  test('a registry port is not a tag', () => expect(() => ContainerImage.of('registry.local:5000/app')).toThrow(/has no tag/));
});
