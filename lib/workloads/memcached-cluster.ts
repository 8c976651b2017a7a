/**
 * memcached as a cluster that clients hash across. A normal ClusterIP
 * Service load-balances connections, so each client sees a different subset
 * of keys; consistent-hashing clients (spymemcached, pymemcache's HashClient,
 * mcrouter) need the members. So: a StatefulSet for stable member names, a
 * headless Service that lists them, and server flags derived from resources.
 */
import { Construct } from 'constructs';
import { AppChart } from '../building-blocks/app-chart';
import { ConnectOptions, prefixed } from '../building-blocks/connection';
import { EnvValue } from '../building-blocks/env-value';
import { ContainerImage } from '../building-blocks/image';
import { checkCount } from '../building-blocks/names';
import { NetworkPeer, NetworkPeers } from '../building-blocks/network-policy';
import { Probe } from '../building-blocks/probes';
import { parseQuantity, toMebibytes, toMillicores } from '../vocabulary/quantity';
import { largestCache, memoryBudget, MemoryBudget } from './memcached-sizing';
import { resolveResources, ResourcePreset, Resources } from '../building-blocks/resources';
import { WorkloadService } from '../building-blocks/service';
import { ShutdownPolicy } from '../building-blocks/shutdown';
import { Connectable, Workload, WorkloadKind } from '../building-blocks/workload';
import { Check, checkProps, PropsSpec } from '../building-blocks/check-props';
import { Shapes } from '../building-blocks/prop-shapes';

export const MEMCACHED_PORT = 11211;
export const MEMCACHED_EXPORTER_PORT = 9150;

/** How a MemcachedCluster is sized and run; every prop has a safe default. */
export interface MemcachedClusterProps {
  /**
   * The memcached image; the official image runs as user memcache (11211).
   * @default memcached:1.6.39
   */
  readonly image?: ContainerImage;
  /**
   * How many memcached members the clients hash over.
   * @default 1 in local, 3 in production
   */
  readonly members?: number;
  /**
   * The memory request is the limit (a full cache uses it all, and a pod above its request is evicted first): a
   * preset's request is raised to its limit; explicit resources must state them equal. No cpu limit (throttling
   * hurts a cache's latency); `-t` follows the cpu request.
   * @default ResourcePreset.SMALL (256Mi memory)
   */
  readonly resources?: ResourcePreset | Resources;
  /**
   * Cache memory (`-m`), e.g. `128Mi`.
   * @default the largest -m whose hash table, slab pages past -m, connections, threads and kernel sockets fit the limit
   */
  readonly cacheSize?: string;
  /** Maximum simultaneous connections (`-c`). @default 1024 */
  readonly maxConnections?: number;
  /** Largest item (`-I`): a multiple of 512k, e.g. `1m`; at most half the cache. @default '1m' */
  readonly maxItemSize?: string;
  /**
   * Also create a ClusterIP Service for a client that does not hash. Only with one member: with more, kube-proxy
   * spreads one client's connections over all members, so gets miss and deletes leave stale copies elsewhere.
   * @default false
   */
  readonly loadBalancedService?: boolean;
  /** Run the Prometheus exporter sidecar. @default true */
  readonly metrics?: boolean;
  /**
   * The Prometheus exporter sidecar's image.
   * @default prom/memcached-exporter:v0.15.3
   */
  readonly exporterImage?: ContainerImage;
}

/** What the derived server flags are, for tests and docs. */
export interface MemcachedSettings extends MemoryBudget {
  /** `-m`. */
  readonly cacheMiB: number;
  /** The memory limit minus -m. */
  readonly headroomMiB: number;
  /** The container's memory limit (and request). */
  readonly memoryLimitMiB: number;
  /** `-c`. */
  readonly maxConnections: number;
  /** `-t`: the cpu request rounded up. */
  readonly threads: number;
  /** `-I`. */
  readonly maxItemSize: string;
}

const MEMCACHED_CLUSTER_PROPS: PropsSpec<MemcachedClusterProps> = {
  image: Shapes.image,
  members: Check.integer(1, 100),
  resources: Shapes.resources,
  cacheSize: Check.quantity,
  maxConnections: Check.integer(1),
  maxItemSize: Check.quantity,
  loadBalancedService: Check.boolean,
  metrics: Check.boolean,
  exporterImage: Shapes.image,
};

/** memcached members behind a headless Service, for clients that hash keys over them; sized to fit its limit when full. */
export class MemcachedCluster extends Construct implements Connectable {
  public readonly workload: Workload;
  public readonly headlessService: WorkloadService;
  public readonly service?: WorkloadService;
  public readonly settings: MemcachedSettings;
  public readonly members: number;

  public constructor(scope: Construct, id: string, props: MemcachedClusterProps = {}) {
    super(scope, id);
    checkProps<MemcachedClusterProps>(`memcached '${id}'`, props, MEMCACHED_CLUSTER_PROPS);
    const chart = AppChart.of(this);
    const env = chart.env;
    const instance = id;
    const owner = `memcached '${instance}'`;
    const image = props.image ?? ContainerImage.of('memcached:1.6.39', { uid: 11211 });
    this.members = checkCount(owner, 'members', props.members ?? env.pick({ local: 1, production: 3 }), 1, 100);
    const resources = guaranteedMemory(owner, props.resources ?? ResourcePreset.SMALL);
    this.settings = deriveSettings(owner, resources, props);
    const s = this.settings;
    const exporterImage = props.exporterImage ?? ContainerImage.of('prom/memcached-exporter:v0.15.3', { uid: 65534 });
    const metrics = props.metrics ?? true;
    const headlessName = `${instance}-headless`;
    if (props.loadBalancedService && this.members > 1) {
      throw new Error(
        `${owner}: loadBalancedService with ${this.members} members spreads a client's keys over every member (misses, and deletes that leave stale copies); ` +
          'hash over memberAddresses or the headless Service, or drop loadBalancedService',
      );
    }

    this.workload = new Workload(this, 'workload', {
      identity: { name: 'memcached', instance, component: 'cache' },
      kind: WorkloadKind.STATEFUL_SET,
      replicas: this.members,
      // Members are independent: no reason to start them one by one.
      stateful: { serviceName: headlessName, podManagementPolicy: 'Parallel' },
      shutdown: ShutdownPolicy.worker({ shutdownSeconds: 10 }),
      podAnnotations: metrics ? { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(MEMCACHED_EXPORTER_PORT), 'prometheus.io/path': '/metrics' } : undefined,
      containers: [
        {
          name: 'memcached',
          image,
          command: ['memcached'],
          args: memcachedArgs(s),
          ports: [{ name: 'memcached', port: MEMCACHED_PORT }],
          resources,
          probes: {
            liveness: Probe.tcp('memcached', { periodSeconds: 10, failureThreshold: 6 }),
            readiness: Probe.tcp('memcached', { periodSeconds: 5 }),
          },
        },
        ...(metrics
          ? [
              {
                name: 'exporter',
                image: exporterImage,
                args: [`--memcached.address=localhost:${MEMCACHED_PORT}`, `--web.listen-address=:${MEMCACHED_EXPORTER_PORT}`],
                ports: [{ name: 'metrics', port: MEMCACHED_EXPORTER_PORT }],
                // Request = limit, as for memcached, so the pod never uses more than it requests.
                resources: ResourcePreset.NANO.with({ memoryRequest: ResourcePreset.NANO.resources.memoryLimit }),
                probes: { liveness: Probe.tcp('metrics'), readiness: Probe.tcp('metrics') },
              },
            ]
          : []),
      ],
    });
    if (metrics) this.workload.allowIngressFrom(NetworkPeers.namespace(env.config.monitoringNamespace), [{ port: MEMCACHED_EXPORTER_PORT }]);
    this.headlessService = new WorkloadService(this, 'headless', this.workload, {
      name: headlessName,
      ports: [{ name: 'memcached', port: MEMCACHED_PORT }],
      headless: true,
      // Keep every member's DNS name resolvable while it restarts, so that the
      // clients' hash ring does not reshuffle keys during a rolling update.
      publishNotReadyAddresses: true,
    });
    if (props.loadBalancedService) {
      this.service = new WorkloadService(this, 'service', this.workload, { name: instance, ports: [{ name: 'memcached', port: MEMCACHED_PORT }] });
    }
  }

  /** The headless Service's DNS name: resolves to every member. */
  public get headlessHost(): string {
    return this.headlessService.host;
  }

  /** `host:port` of every member, in ordinal order, for client-side hashing. */
  public get memberAddresses(): string[] {
    return this.headlessService.podHosts().map((host) => `${host}:${MEMCACHED_PORT}`);
  }

  public allowClient(client: Workload): void {
    this.allowFrom(client);
  }

  /** Lets a workload of ours connect. */
  public allowFrom(client: Workload): void {
    this.workload.allowFrom(client, [{ port: MEMCACHED_PORT }]);
  }

  /** `MEMCACHED_SERVERS`: every member's `host:port`, comma-separated, for a hashing client. */
  public connectionEnv(options?: ConnectOptions): Record<string, EnvValue> {
    return { [prefixed(options, 'MEMCACHED_SERVERS')]: EnvValue.value(this.memberAddresses.join(',')) };
  }

  /** Lets in pods that are not our constructs (e.g. pods labelled as clients in other namespaces). */
  public allowFromPeer(peer: NetworkPeer): void {
    this.workload.allowIngressFrom(peer, [{ port: MEMCACHED_PORT }]);
  }
}

/** memcached's command line; `hashpower` is presized so the table never doubles (memcached-sizing.ts). */
export function memcachedArgs(s: MemcachedSettings): string[] {
  return ['-p', String(MEMCACHED_PORT), '-U', '0', '-m', String(s.cacheMiB), '-c', String(s.maxConnections), '-t', String(s.threads), '-I', s.maxItemSize, '-o', `hashpower=${s.hashPower}`];
}

/** A preset with its memory request raised to its limit; explicit resources must already have them equal. */
function guaranteedMemory(owner: string, value: ResourcePreset | Resources): Resources {
  const r = resolveResources(owner, value instanceof ResourcePreset ? value.with({ memoryRequest: value.resources.memoryLimit }) : value);
  if (parseQuantity(owner, 'resources.memoryRequest', r.memoryRequest) !== parseQuantity(owner, 'resources.memoryLimit', r.memoryLimit)) {
    throw new Error(
      `${owner}: resources.memoryRequest ${r.memoryRequest} differs from memoryLimit ${r.memoryLimit}; a full cache uses its whole limit, so set memoryRequest to ${r.memoryLimit}`,
    );
  }
  return r;
}

/** Server flags from the resources, so sizes are stated once; the memory beyond -m is in memcached-sizing.ts. */
export function deriveSettings(owner: string, resources: Resources, props: Pick<MemcachedClusterProps, 'cacheSize' | 'maxConnections' | 'maxItemSize'>): MemcachedSettings {
  const memoryLimitMiB = toMebibytes(owner, 'memoryLimit', resources.memoryLimit);
  const maxConnections = checkCount(owner, 'maxConnections', props.maxConnections ?? 1024, 16, 65536);
  const threads = Math.max(1, Math.ceil(toMillicores(owner, 'cpuRequest', resources.cpuRequest) / 1000));
  const maxItemSize = props.maxItemSize ?? '1m';
  const itemKiB = parseItemSize(owner, maxItemSize);
  const cacheMiB = props.cacheSize !== undefined ? toMebibytes(owner, 'cacheSize', props.cacheSize) : largestCache(memoryLimitMiB, maxConnections, threads);
  const budget = memoryBudget(cacheMiB, maxConnections, threads);
  const why = `hash table ${budget.hashTableMiB}Mi, ${budget.slabClasses} slab pages past -m, ${budget.processMiB}Mi process and ${maxConnections} connections, ${budget.kernelMiB}Mi kernel sockets`;
  if (props.cacheSize !== undefined && cacheMiB + budget.headroomMiB > memoryLimitMiB) {
    throw new Error(
      `${owner}: memoryLimit ${resources.memoryLimit} is below cacheSize ${props.cacheSize} plus ${budget.headroomMiB}Mi headroom (${why}); ` +
        `raise memoryLimit to at least ${cacheMiB + budget.headroomMiB}Mi or lower cacheSize`,
    );
  }
  if (cacheMiB < 16) {
    const floor = 16 + memoryBudget(16, maxConnections, threads).headroomMiB;
    throw new Error(`${owner}: memoryLimit ${resources.memoryLimit} leaves ${Math.max(cacheMiB, 0)}Mi of cache after headroom (${why}); raise memoryLimit to at least ${floor}Mi`);
  }
  if (itemKiB * 2 > cacheMiB * 1024) {
    throw new Error(`${owner}: maxItemSize ${maxItemSize} is more than half the ${cacheMiB}Mi cache, which memcached refuses; lower maxItemSize or raise the cache`);
  }
  return { cacheMiB, ...budget, headroomMiB: memoryLimitMiB - cacheMiB, memoryLimitMiB, maxConnections, threads, maxItemSize };
}

/**
 * `-I` in KiB. memcached refuses an -I below its 512 KiB slab_chunk_max, or not a multiple of it (memcached.c; tried
 * with 1.6.18). Lowering slab_chunk_max too is left out: its unit changed from bytes to KiB in 1.6.24 (commit 1b3b855).
 */
function parseItemSize(owner: string, maxItemSize: string): number {
  const itemMatch = /^([0-9]+)([kmKM])$/.exec(maxItemSize);
  if (!itemMatch) throw new Error(`${owner}: maxItemSize '${maxItemSize}' is not a memcached size; use a form like 512k or 1m`);
  const itemKiB = Number(itemMatch[1]) * (itemMatch[2].toLowerCase() === 'm' ? 1024 : 1);
  if (itemKiB < 1 || itemKiB > 1024 * 1024) throw new Error(`${owner}: maxItemSize ${maxItemSize} must be between 512k and 1024m`);
  if (itemKiB % 512 !== 0) {
    throw new Error(`${owner}: maxItemSize ${maxItemSize} is refused by memcached; use a multiple of 512k (its slab_chunk_max), e.g. 512k, 1m or 1536k`);
  }
  return itemKiB;
}
