/**
 * Environments: every knob that differs between a laptop cluster and
 * production, in one place. Constructs read these instead of branching on a
 * name, and per-workload values that differ use `env.pick({ local, production })`.
 */

export type EnvironmentName = 'local' | 'production';

/** One value per environment; adding an environment makes the compiler list every place that needs a value. */
export type PerEnvironment<T> = { readonly [K in EnvironmentName]: T };

export interface EnvironmentConfig {
  readonly name: EnvironmentName;
  /** One line for `--help` and the README. */
  readonly description: string;
  /** Several replicas, disruption budgets and spread across nodes and zones. */
  readonly highAvailability: boolean;
  /** Require topology spread across zones (hard for nodes is never used: a node loss must not block scheduling). */
  readonly spreadAcrossZones: boolean;
  /** Ingresses get a TLS section. */
  readonly tls: boolean;
  /** Ingress hosts are `<app>.<baseDomain>`. */
  readonly baseDomain: string;
  /** The IngressClass that routes our Ingresses. */
  readonly ingressClassName: string;
  /** Namespace of the ingress controller, allowed in by NetworkPolicy to workloads behind an Ingress. */
  readonly ingressControllerNamespace: string;
  /** Namespace of Prometheus, allowed in to metrics ports by NetworkPolicy. */
  readonly monitoringNamespace: string;
  /** StorageClass for volume claims; undefined uses the cluster's default (kind's `standard`, minikube's `standard`). */
  readonly storageClassName?: string;
  /** The cluster DNS domain used in stable member addresses. */
  readonly clusterDomain: string;
  /** May generate clearly-labelled development credentials, so that `kubectl apply -f dist` works on a fresh cluster. */
  readonly developmentSecrets: boolean;
  /**
   * Where pods that call the Kubernetes API (log shipper, migration waiters) may connect. NetworkPolicy sees the API
   * server's real addresses, which differ per cluster; narrow the CIDRs to your control plane where you know them.
   */
  readonly apiServer: { readonly cidrs: readonly string[]; readonly ports: readonly number[] };
  /**
   * Every range the cluster's pods, Services and nodes use. Egress to "the internet" (e.g. Rocket.Chat to its cloud)
   * is `0.0.0.0/0` except these, so such a rule never opens a path to another workload. Narrow or extend them to
   * your cluster's ranges.
   */
  readonly clusterCidrs: readonly string[];
}

/**
 * The private (RFC 1918) and shared (RFC 6598, used by some CNIs for pods) ranges: they hold the pod, Service and
 * node ranges of kind (pods 10.244.0.0/16, Services 10.96.0.0/16, nodes on a Docker network from 172.16.0.0/12),
 * minikube (nodes 192.168.49.0/24) and the defaults of the managed clouds.
 */
const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'];

export class Environment {
  public static readonly LOCAL = new Environment({
    name: 'local',
    description: 'kind or minikube: one replica each, small resources, no TLS, default StorageClass',
    highAvailability: false,
    spreadAcrossZones: false,
    tls: false,
    baseDomain: 'localtest.me',
    ingressClassName: 'nginx',
    ingressControllerNamespace: 'ingress-nginx',
    monitoringNamespace: 'monitoring',
    clusterDomain: 'cluster.local',
    developmentSecrets: true,
    apiServer: { cidrs: ['0.0.0.0/0'], ports: [443, 6443] },
    clusterCidrs: PRIVATE_RANGES,
  });

  public static readonly PRODUCTION = new Environment({
    name: 'production',
    description: 'highly available: replicas, disruption budgets, spread across nodes and zones, TLS',
    highAvailability: true,
    spreadAcrossZones: true,
    tls: true,
    baseDomain: 'example.com',
    ingressClassName: 'nginx',
    ingressControllerNamespace: 'ingress-nginx',
    monitoringNamespace: 'monitoring',
    clusterDomain: 'cluster.local',
    developmentSecrets: false,
    apiServer: { cidrs: ['0.0.0.0/0'], ports: [443, 6443] },
    clusterCidrs: PRIVATE_RANGES,
  });

  public static readonly DEFAULT = Environment.LOCAL;

  public static all(): readonly Environment[] {
    return [Environment.LOCAL, Environment.PRODUCTION];
  }

  public static byName(name: string): Environment {
    const found = Environment.all().find((e) => e.name === name);
    if (!found) {
      const known = Environment.all().map((e) => e.name).join(', ');
      throw new Error(`unknown environment '${name}'; use one of: ${known}`);
    }
    return found;
  }

  private constructor(public readonly config: EnvironmentConfig) {}

  public get name(): EnvironmentName {
    return this.config.name;
  }

  public get highAvailability(): boolean {
    return this.config.highAvailability;
  }

  /** The value for this environment. */
  public pick<T>(values: PerEnvironment<T>): T {
    return values[this.name];
  }
}
