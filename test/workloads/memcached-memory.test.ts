/**
 * The real memcached binary, run with the flags the constructs synthesise: every flag set starts and takes effect,
 * and a full SMALL member stays under its memory limit. Needs `memcached` on PATH (`apt-get install -y memcached`);
 * without it these tests are skipped, and their names say so. Larger presets: `npm run bench -- memcached`.
 */
import { Environment } from '../../lib/building-blocks/environment';
import { ResourcePreset } from '../../lib/building-blocks/resources';
import { MemcachedCluster, MemcachedClusterProps } from '../../lib/workloads/memcached-cluster';
import { SLAB_CHUNK_MAX_BYTES, slabClassSizes } from '../../lib/workloads/memcached-sizing';
import { find, synthChart } from '../helpers';
import { fillAndMeasure, memcachedBinary, Running, startMemcached, statsSettings } from './memcached-fill';

const binary = memcachedBinary();
const suite = binary ? describe : describe.skip;
const title = binary ? 'memcached binary' : 'memcached binary (SKIPPED: no memcached on PATH; apt-get install -y memcached)';

/** The synthesised memcached args and settings of one MemcachedCluster. */
function synthesised(props: MemcachedClusterProps, env = Environment.LOCAL) {
  let construct!: MemcachedCluster;
  const records = synthChart((c) => {
    construct = new MemcachedCluster(c, 'cache', props);
  }, env);
  const args: string[] = find(records, 'StatefulSet', 'cache').spec.template.spec.containers[0].args;
  return { args, settings: construct.settings };
}

suite(title, () => {
  const running: Running[] = [];
  afterAll(() => running.forEach((r) => r.stop()));

  test.each([
    ['the default (SMALL)', {}],
    ['LARGE with 2 threads', { resources: ResourcePreset.LARGE.with({ cpuRequest: '2', memoryRequest: '1536Mi' }) }],
    ['maxItemSize 512k', { maxItemSize: '512k' }],
    ['maxItemSize 2m, 4096 connections', { maxItemSize: '2m', maxConnections: 4096 }],
  ])('%s: memcached starts with the synthesised flags and they take effect', async (_name, props: MemcachedClusterProps) => {
    const { args, settings } = synthesised(props);
    const r = await startMemcached(binary!, args);
    running.push(r);
    const s = await statsSettings(r);
    r.stop();
    expect(Number(s.maxbytes)).toBe(settings.cacheMiB * 2 ** 20);
    expect(Number(s.hashpower_init)).toBe(settings.hashPower);
    expect(Number(s.maxconns)).toBe(settings.maxConnections);
    expect(Number(s.num_threads)).toBe(settings.threads);
    expect(Number(s.slab_chunk_max)).toBe(SLAB_CHUNK_MAX_BYTES);
    expect(Number(s.udpport)).toBe(0);
  });

  test('a full SMALL member, with one item in every slab class and ~1000 connections mid-request, stays under its limit', async () => {
    const { args, settings } = synthesised({});
    const r = await startMemcached(binary!, args);
    running.push(r);
    const report = await fillAndMeasure(r, args, slabClassSizes(), settings.maxConnections - 64);
    r.stop();
    // It really filled: it evicted, and the item count is what -m holds in 96-byte chunks.
    expect(report.evictions).toBeGreaterThan(0);
    expect(report.items).toBeGreaterThan(0.95 * ((settings.cacheMiB * 2 ** 20) / 96));
    // The presized table never doubled, and every slab class took its page past -m (our class list is memcached's).
    expect({ power: report.hashPowerLevel, expanding: report.hashExpanding }).toEqual({ power: settings.hashPower, expanding: false });
    expect(report.activeSlabClasses).toBe(settings.slabClasses);
    expect(report.totalMallocedBytes).toBeGreaterThan(settings.cacheMiB * 2 ** 20);
    expect(report.heldConnections).toBeGreaterThanOrEqual(settings.maxConnections - 64);
    // The peak resident set leaves the kernel's socket memory room under the container limit.
    expect(report.peakKiB).toBeLessThanOrEqual((settings.memoryLimitMiB - settings.kernelMiB) * 1024);
  }, 120_000);
});
