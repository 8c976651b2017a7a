/**
 * memcached's memory beyond `-m`, from its source (memcached/memcached, same rules in 1.6.18 and 1.6.39), so that a
 * full cache never passes the container's memory limit:
 * - hash table: 8 B per bucket, `2^hashpower` buckets. Left to itself memcached doubles the table once it holds more
 *   than 1.5 x 2^hashpower items (assoc.c assoc_start_expand, checked every second from memcached.c clock_handler)
 *   and holds the old and the new table while it moves items (assoc_expand / assoc_maintenance_thread): up to 16 B
 *   per item, 17% of -m with 96 B items. We presize `-o hashpower` for the most items -m can hold, so it never grows.
 * - slab pages past -m: a slab class with no page always gets its first 1 MiB page, even above the limit (slabs.c
 *   do_slabs_newslab refuses only when `p->slabs > 0`), so every class can add one page once memory is full.
 * - malloc: each 1 MiB page is its own mmap with a 4 KiB header page (measured: 0.4% of -m).
 * - per connection: a 16 KiB read buffer (memcached.h READ_BUFFER_SIZE) and its conn struct; threads; the process.
 * - kernel socket memory, which the memory cgroup charges to the container and VmHWM does not show.
 * The real binary checks these numbers: test/workloads/memcached-memory.test.ts and `npm run bench -- memcached`.
 */

const KiB = 1024;
const MiB = 1024 * KiB;
/** memcached's slab page (memcached.c settings.slab_page_size). */
const PAGE_BYTES = MiB;
/** The smallest chunk on 64-bit: sizeof(item) 48 B + the default `-n` 48 B (slabs.c slabs_init). */
export const SMALLEST_CHUNK_BYTES = 96;
/** memcached's default growth factor `-f` between slab classes (memcached.c settings.factor). */
const FACTOR = 1.25;
/** glibc serves each 1 MiB slab page with its own mmap, one 4 KiB page larger (its chunk header). */
const PAGE_MALLOC_KIB = 4;
/** The process without cache, table and connections (measured 4.6 MiB at start, 5.3 MiB full with 1.6.18). */
const PROCESS_MIB = 8;
const THREAD_MIB = 1;
/** A full read buffer and the conn struct per connection (measured 2 to 7 KiB per held connection). */
const CONNECTION_KIB = 16;
/** Kernel memory for sockets the cgroup charges: a TCP socket with its file and epoll entry is about 4 KiB. */
const KERNEL_MIB = 4;
const KERNEL_CONNECTION_KIB = 8;

/** The largest chunk (memcached.c settings.slab_chunk_size_max): half a page; larger items are chained chunks. */
export const SLAB_CHUNK_MAX_BYTES = PAGE_BYTES / 2;

/** Every slab class's chunk size, as slabs.c slabs_init computes them with the default -n, -f and slab_chunk_max. */
export function slabClassSizes(chunkMaxBytes = SLAB_CHUNK_MAX_BYTES): number[] {
  const sizes: number[] = [];
  let size = SMALLEST_CHUNK_BYTES;
  // slabs_init: stop once the next size reaches chunk max / factor; sizes are 8-byte aligned, then truncated to int.
  while (size < chunkMaxBytes / FACTOR && sizes.length < 62) {
    if (size % 8) size += 8 - (size % 8);
    sizes.push(size);
    size = Math.floor(size * FACTOR);
  }
  return [...sizes, chunkMaxBytes];
}

/** The smallest hashpower (at least memcached's default 16) whose table never grows for a cache of `cacheMiB`. */
export function hashPowerFor(cacheMiB: number): number {
  const maxItems = Math.ceil((cacheMiB * MiB) / SMALLEST_CHUNK_BYTES);
  let power = 16;
  while ((2 ** power * 3) / 2 < maxItems) power++;
  return power;
}

/** What memcached needs beyond -m, in whole MiB, and the hashpower that keeps its table from doubling. */
export interface MemoryBudget {
  /** `-o hashpower`: 1.5 x 2^hashpower covers the most items -m can hold. */
  readonly hashPower: number;
  /** 2^hashpower x 8 B. */
  readonly hashTableMiB: number;
  /** How many slab classes memcached makes (39 with the defaults). */
  readonly slabClasses: number;
  /** Slab pages the classes can take beyond -m, and malloc's header page for every slab page. */
  readonly slabOvershootMiB: number;
  /** Process, threads and connections. */
  readonly processMiB: number;
  /** Kernel socket memory the cgroup charges: what the resident set must leave free below the limit. */
  readonly kernelMiB: number;
  /** Everything beyond -m: hash table, slab overshoot, process and kernel. */
  readonly headroomMiB: number;
}

/** What a memcached with this cache, connection and thread count needs beyond -m, in whole MiB. */
export function memoryBudget(cacheMiB: number, maxConnections: number, threads: number): MemoryBudget {
  const hashPower = hashPowerFor(cacheMiB);
  const hashTableMiB = Math.ceil((2 ** hashPower * 8) / MiB);
  const slabClasses = slabClassSizes().length;
  const slabOvershootMiB = Math.ceil((slabClasses * PAGE_BYTES + (cacheMiB + slabClasses) * PAGE_MALLOC_KIB * KiB) / MiB);
  const processMiB = Math.ceil(PROCESS_MIB + THREAD_MIB * threads + (CONNECTION_KIB * maxConnections) / KiB);
  const kernelMiB = Math.ceil(KERNEL_MIB + (KERNEL_CONNECTION_KIB * maxConnections) / KiB);
  return { hashPower, hashTableMiB, slabClasses, slabOvershootMiB, processMiB, kernelMiB, headroomMiB: hashTableMiB + slabOvershootMiB + processMiB + kernelMiB };
}

/** The largest -m (whole MiB) whose budget fits in `limitMiB`. The table grows in steps with -m: step down, then up. */
export function largestCache(limitMiB: number, maxConnections: number, threads: number): number {
  const fits = (cache: number) => cache + memoryBudget(cache, maxConnections, threads).headroomMiB <= limitMiB;
  let cache = limitMiB - memoryBudget(1, maxConnections, threads).headroomMiB;
  while (cache > 0 && !fits(cache)) cache = limitMiB - memoryBudget(cache, maxConnections, threads).headroomMiB;
  while (cache > 0 && fits(cache + 1)) cache++;
  return cache;
}
