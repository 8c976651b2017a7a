/**
 * `npm run bench -- memcached [preset ...]`: runs the real memcached with the flags each preset synthesises, fills
 * it to eviction with the smallest items, one item per slab class and ~1000 connections mid-request (as
 * test/workloads/memcached-memory.test.ts does for SMALL), and prints the peak resident set against the limit.
 * Presets: small, medium, large (default), xlarge, 2xlarge (6 GiB of RAM and minutes). Needs `memcached` on PATH.
 */
import { ResourcePreset } from '../lib/building-blocks/resources';
import { deriveSettings, memcachedArgs } from '../lib/workloads/memcached-cluster';
import { slabClassSizes } from '../lib/workloads/memcached-sizing';
import { fillAndMeasure, memcachedBinary, memcachedVersion, startMemcached } from '../test/workloads/memcached-fill';

const PRESETS: Record<string, ResourcePreset> = {
  small: ResourcePreset.SMALL,
  medium: ResourcePreset.MEDIUM,
  large: ResourcePreset.LARGE,
  xlarge: ResourcePreset.XLARGE,
  '2xlarge': ResourcePreset.XXLARGE,
};

async function main(names: string[]): Promise<void> {
  const binary = memcachedBinary();
  if (!binary) {
    console.log('memcached is not on PATH: nothing measured (apt-get install -y memcached)');
    return;
  }
  console.log(`${memcachedVersion(binary)}; each run fills -m with 96-byte items, adds one item per slab class and ~960 connections`);
  console.log('| preset | limit MiB | -m | hashpower | items | evictions | peak RSS MiB | limit - kernel MiB | fits |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  let failed = false;
  for (const name of names) {
    const preset = PRESETS[name];
    if (!preset) throw new Error(`unknown preset '${name}'; use one of ${Object.keys(PRESETS).join(', ')}`);
    const s = deriveSettings(`memcached '${name}'`, preset.resources, {});
    const args = memcachedArgs(s);
    const running = await startMemcached(binary, args);
    try {
      const r = await fillAndMeasure(running, args, slabClassSizes(), s.maxConnections - 64);
      const budget = s.memoryLimitMiB - s.kernelMiB;
      const peak = Math.round((r.peakKiB / 1024) * 10) / 10;
      failed ||= peak > budget;
      console.log(`| ${name} | ${s.memoryLimitMiB} | ${s.cacheMiB} | ${r.hashPowerLevel}${r.hashExpanding ? ' (expanding)' : ''} | ${r.items} | ${r.evictions} | ${peak} | ${budget} | ${peak <= budget ? 'yes' : 'NO'} |`);
    } finally {
      running.stop();
    }
  }
  if (failed) process.exitCode = 1;
}

main(process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['large']).catch((err) => {
  console.error(`memcached bench failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
