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
import { toMebibytes, toMillicores } from '../vocabulary/quantity';
import { resolveResources, ResourcePreset, Resources } from '../building-blocks/resources';
import { WorkloadService } from '../building-blocks/service';
import { ShutdownPolicy } from '../building-blocks/shutdown';
import { Connectable, Workload, WorkloadKind } from '../building-blocks/workload';
import { Check, checkProps } from '../building-blocks/check-props';
import { Shapes } from '../building-blocks/prop-shapes';

export const MEMCACHED_PORT = 11211;
export const MEMCACHED_EXPORTER_PORT = 9150;

export interface MemcachedClusterProps {
  /**
   * The memcached image; the official image runs as user memcache (11211).
   * @default memcached:1.6.39
   */
  readonly image?: ContainerImage;
  /** @default 1 in local, 3 in production */
  readonly members?: number;
  /** @default ResourcePreset.SMALL (256Mi memory limit) */
  readonly resources?: ResourcePreset | Resources;
  /**
   * Cache memory (`-m`), e.g. `128Mi`.
   * @default the memory limit minus headroom for connections and overhead
   */
  readonly cacheSize?: string;
  /** Maximum simultaneous connections (`-c`). @default 1024 */
  readonly maxConnections?: number;
  /** Largest item (`-I`), e.g. `1m`; at most half the cache. @default '1m' */
  readonly maxItemSize?: string;
  /** Also create a ClusterIP Service for clients that do not hash. @default false */
  readonly loadBalancedService?: boolean;
  /** Run the Prometheus exporter sidecar. @default true */
  readonly metrics?: boolean;
  /** @default prom/memcached-exporter:v0.15.3 */
  readonly exporterImage?: ContainerImage;
}

/** What the derived server flags are, for tests and docs. */
export interface MemcachedSettings {
  readonly cacheMiB: number;
  readonly headroomMiB: number;
  readonly memoryLimitMiB: number;
  readonly maxConnections: number;
  readonly threads: number;
  readonly maxItemSize: string;
}

export class MemcachedCluster extends Construct implements Connectable {
  public readonly workload: Workload;
  public readonly headlessService: WorkloadService;
  public readonly service?: WorkloadService;
  public readonly settings: MemcachedSettings;
  public readonly members: number;

  public constructor(scope: Construct, id: string, props: MemcachedClusterProps = {}) {
    super(scope, id);
    checkProps<MemcachedClusterProps>(`memcached '${id}'`, props, {
      image: Shapes.image,
      members: Check.integer(1, 100),
      resources: Shapes.resources,
      cacheSize: Check.quantity,
      maxConnections: Check.integer(1),
      maxItemSize: Check.quantity,
      loadBalancedService: Check.boolean,
      metrics: Check.boolean,
      exporterImage: Shapes.image,
    });
    const chart = AppChart.of(this);
    const env = chart.env;
    const instance = id;
    const owner = `memcached '${instance}'`;
    const image = props.image ?? ContainerImage.of('memcached:1.6.39', { uid: 11211 });
    this.members = checkCount(owner, 'members', props.members ?? env.pick({ local: 1, production: 3 }), 1, 100);
    const resources = resolveResources(owner, props.resources ?? ResourcePreset.SMALL);
    this.settings = deriveSettings(owner, resources, props);
    const s = this.settings;
    const exporterImage = props.exporterImage ?? ContainerImage.of('prom/memcached-exporter:v0.15.3', { uid: 65534 });
    const metrics = props.metrics ?? true;
    const headlessName = `${instance}-headless`;

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
          args: ['-p', String(MEMCACHED_PORT), '-U', '0', '-m', String(s.cacheMiB), '-c', String(s.maxConnections), '-t', String(s.threads), '-I', s.maxItemSize],
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
                resources: ResourcePreset.NANO,
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

/** Server flags from the resources, so sizes are stated once. */
export function deriveSettings(owner: string, resources: Resources, props: Pick<MemcachedClusterProps, 'cacheSize' | 'maxConnections' | 'maxItemSize'>): MemcachedSettings {
  const memoryLimitMiB = toMebibytes(owner, 'memoryLimit', resources.memoryLimit);
  const maxConnections = checkCount(owner, 'maxConnections', props.maxConnections ?? 1024, 16, 65536);
  // Beyond -m memcached needs its hash table, thread stacks and about 16 KiB per connection.
  const headroomMiB = Math.ceil(Math.max(16, memoryLimitMiB * 0.1) + (maxConnections * 16) / 1024);
  const cacheMiB = props.cacheSize !== undefined ? toMebibytes(owner, 'cacheSize', props.cacheSize) : memoryLimitMiB - headroomMiB;
  if (props.cacheSize !== undefined && cacheMiB + headroomMiB > memoryLimitMiB) {
    throw new Error(
      `${owner}: memoryLimit ${resources.memoryLimit} is below cacheSize ${props.cacheSize} plus ${headroomMiB}Mi headroom for ${maxConnections} connections; ` +
        `raise memoryLimit to at least ${cacheMiB + headroomMiB}Mi or lower cacheSize`,
    );
  }
  if (cacheMiB < 16) {
    throw new Error(`${owner}: memoryLimit ${resources.memoryLimit} leaves ${cacheMiB}Mi of cache after ${headroomMiB}Mi headroom; raise memoryLimit to at least ${16 + headroomMiB}Mi`);
  }
  const maxItemSize = props.maxItemSize ?? '1m';
  const itemMatch = /^([0-9]+)([kmKM])$/.exec(maxItemSize);
  if (!itemMatch) throw new Error(`${owner}: maxItemSize '${maxItemSize}' is not a memcached size; use a form like 512k or 1m`);
  const itemKiB = Number(itemMatch[1]) * (itemMatch[2].toLowerCase() === 'm' ? 1024 : 1);
  if (itemKiB < 1 || itemKiB > 1024 * 1024) throw new Error(`${owner}: maxItemSize ${maxItemSize} must be between 1k and 1024m`);
  if (itemKiB * 2 > cacheMiB * 1024) {
    throw new Error(`${owner}: maxItemSize ${maxItemSize} is more than half the ${cacheMiB}Mi cache, which memcached refuses; lower maxItemSize or raise the cache`);
  }
  const threads = Math.max(1, Math.ceil(toMillicores(owner, 'cpuRequest', resources.cpuRequest) / 1000));
  return { cacheMiB, headroomMiB, memoryLimitMiB, maxConnections, threads, maxItemSize };
}
