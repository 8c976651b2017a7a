/**
 * Environments: every knob that differs between a laptop cluster and production. A project defines its own
 * list in one place (the root `environments.ts`, which main.ts passes to the CLIs); the library only knows
 * two tiers. Constructs read the settings instead of branching on a name, and per-workload values use
 * `env.pick({ local, production })`, which picks by tier, so an added `staging` needs no change elsewhere.
 */

/** What kind of cluster an environment is: the defaults of its settings and what `env.pick` picks. */
export class EnvironmentTier {
  /** A laptop cluster (kind, minikube): one replica each, no TLS, generated development credentials. */
  public static readonly LOCAL = new EnvironmentTier('local');
  /** Highly available: replicas, disruption budgets, spread across nodes and zones, TLS, real credentials. */
  public static readonly PRODUCTION = new EnvironmentTier('production');
  private constructor(public readonly name: 'local' | 'production') {}
}

/**
 * One value per tier, and optionally one per environment name that overrides its tier's
 * (`{ local: 1, production: 3, staging: 2 }`).
 */
export type PerEnvironment<T> = { readonly local: T; readonly production: T; readonly [environment: string]: T };

/** Where the cluster's own addresses are, for egress rules such as "the internet, but not the cluster". */
export interface ClusterNetwork {
  /** Pod addresses (the CNI's cluster CIDR). */
  readonly podCidrs: readonly string[];
  /** Service cluster IPs (kube-apiserver's --service-cluster-ip-range). */
  readonly serviceCidrs: readonly string[];
  /** Node addresses (where host-network pods and the control plane live). */
  readonly nodeCidrs: readonly string[];
}

/** The Kubernetes API as NetworkPolicy sees it: the API server's real endpoints, after the Service is resolved. */
export interface ApiServerEndpoints {
  /** Find them with `kubectl get endpoints kubernetes -n default -o yaml` (subsets[].addresses[].ip, as /32). */
  readonly cidrs: readonly string[];
  /** The endpoints' ports (subsets[].ports[].port), not the Service's 443. */
  readonly ports: readonly number[];
}

/** The settings a project gives; everything but the name and tier has a default of the tier. */
export interface EnvironmentSettings {
  /** The name `--env` takes, a DNS label. */
  readonly name: string;
  /** Local-like or production-like: the defaults of the other settings, and what `env.pick` picks. */
  readonly tier: EnvironmentTier;
  /** One line for `--help`. @default the tier's */
  readonly description?: string;
  /** Ingress hosts are `<app>.<baseDomain>`. @default 'localtest.me' locally; required for production */
  readonly baseDomain?: string;
  /** StorageClass for volume claims. @default - the cluster's default StorageClass */
  readonly storageClassName?: string;
  /**
   * The oldest Kubernetes minor the environment's clusters run, e.g. '1.30'; constructs use newer API fields only
   * where it allows them.
   * @default '1.31' locally (kind 0.24, the first kind that enforces NetworkPolicies, runs 1.31), '1.30' for
   * production (the first minor where the preStop sleep action is on by default)
   */
  readonly minKubernetesVersion?: string;
  /**
   * The API server's endpoints, for the pods that call it (migration waiters, the log shipper).
   * @default kind's and minikube's node networks (docker's private pools) on 6443 and 8443 locally; required for production
   */
  readonly apiServer?: ApiServerEndpoints;
  /**
   * The cluster's own address ranges.
   * @default kind's (pods 10.244.0.0/16, services 10.96.0.0/12, nodes on docker's pools) locally; every private range for production
   */
  readonly clusterNetwork?: ClusterNetwork;
  /** Several replicas, disruption budgets and spread. @default true for the production tier */
  readonly highAvailability?: boolean;
  /** Topology spread across zones too. @default true for the production tier */
  readonly spreadAcrossZones?: boolean;
  /** Ingresses get a TLS section. @default true for the production tier */
  readonly tls?: boolean;
  /** The IngressClass that routes the Ingresses. @default 'nginx' */
  readonly ingressClassName?: string;
  /** Allowed in by NetworkPolicy to workloads behind an Ingress. @default 'ingress-nginx' */
  readonly ingressControllerNamespace?: string;
  /** Prometheus's namespace, allowed in to metrics ports. @default 'monitoring' */
  readonly monitoringNamespace?: string;
  /** The cluster DNS domain, in stable member addresses. @default 'cluster.local' */
  readonly clusterDomain?: string;
  /** May generate clearly-labelled development credentials. @default true for the local tier only */
  readonly developmentSecrets?: boolean;
}

/** Every setting, resolved. */
export interface EnvironmentConfig extends Required<Omit<EnvironmentSettings, 'storageClassName'>> {
  /** StorageClass for volume claims; undefined uses the cluster's default. @default - the cluster's default StorageClass */
  readonly storageClassName?: string;
  /**
   * Every IPv4 range of the cluster (pods, Services, nodes, from clusterNetwork). Egress to "the internet" (e.g.
   * Rocket.Chat to its cloud) is `0.0.0.0/0` except these, so such a rule never opens a path to another workload.
   */
  readonly clusterCidrs: readonly string[];
}

/** Docker's default address pools, where kind and minikube put their nodes (minikube: 192.168.49.0/24). */
const DOCKER_POOLS = ['172.16.0.0/12', '192.168.0.0/16'];
/** RFC 1918 and the shared range (RFC 6598) that some CNIs use for pods: the managed clouds' clusters live in these. */
const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'];

const IPV4_CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(3[0-2]|[12]?\d)$/;
const IPV6_CIDR = /^[0-9a-f:]+:[0-9a-f:]*\/(12[0-8]|1[01]\d|\d?\d)$/i;

/** Every name defined so far, so that `pick` refuses a misspelt environment. */
const definedNames = new Set<string>();

/** A target environment (cluster) and its resolved settings. */
export class Environment {
  /**
   * A project's environment from its settings; the tier fills in what is not given.
   * A production-tier environment must say its domain and its API server's endpoints.
   */
  public static define(settings: EnvironmentSettings): Environment {
    const owner = `environment '${settings.name}'`;
    if (!/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(settings.name)) throw new Error(`${owner}: name must be a DNS label (lowercase letters, digits, dashes)`);
    const local = settings.tier === EnvironmentTier.LOCAL;
    const required = (prop: 'baseDomain' | 'apiServer', how: string): never => {
      throw new Error(`${owner}: a production-tier environment needs ${prop}; ${how}`);
    };
    const clusterNetwork = settings.clusterNetwork ?? (local ? { podCidrs: ['10.244.0.0/16'], serviceCidrs: ['10.96.0.0/12'], nodeCidrs: DOCKER_POOLS } : { podCidrs: PRIVATE_RANGES, serviceCidrs: PRIVATE_RANGES, nodeCidrs: PRIVATE_RANGES });
    const config: EnvironmentConfig = {
      name: settings.name,
      tier: settings.tier,
      description: settings.description ?? (local ? 'a laptop cluster: one replica each, small resources, no TLS' : 'highly available: replicas, disruption budgets, spread, TLS'),
      baseDomain: settings.baseDomain ?? (local ? 'localtest.me' : required('baseDomain', "give the domain its Ingress hosts end in, e.g. baseDomain: 'apps.acme.dev'")),
      storageClassName: settings.storageClassName,
      minKubernetesVersion: settings.minKubernetesVersion ?? (local ? '1.31' : '1.30'),
      apiServer: settings.apiServer ?? (local ? { cidrs: DOCKER_POOLS, ports: [6443, 8443] } : required('apiServer', 'list its endpoints, from `kubectl get endpoints kubernetes -n default -o yaml`: cidrs (each address as /32) and ports')),
      clusterNetwork,
      clusterCidrs: [...new Set([...clusterNetwork.podCidrs, ...clusterNetwork.serviceCidrs, ...clusterNetwork.nodeCidrs])].filter((c) => !c.includes(':')),
      highAvailability: settings.highAvailability ?? !local,
      spreadAcrossZones: settings.spreadAcrossZones ?? !local,
      tls: settings.tls ?? !local,
      ingressClassName: settings.ingressClassName ?? 'nginx',
      ingressControllerNamespace: settings.ingressControllerNamespace ?? 'ingress-nginx',
      monitoringNamespace: settings.monitoringNamespace ?? 'monitoring',
      clusterDomain: settings.clusterDomain ?? 'cluster.local',
      developmentSecrets: settings.developmentSecrets ?? local,
    };
    if (!/^1\.\d{1,2}$/.test(config.minKubernetesVersion)) {
      throw new Error(`${owner}: minKubernetesVersion '${config.minKubernetesVersion}' is not a Kubernetes minor; write it like '1.30'`);
    }
    const cidrs: [string, readonly string[]][] = [
      ['apiServer.cidrs', config.apiServer.cidrs],
      ['clusterNetwork.podCidrs', config.clusterNetwork.podCidrs],
      ['clusterNetwork.serviceCidrs', config.clusterNetwork.serviceCidrs],
      ['clusterNetwork.nodeCidrs', config.clusterNetwork.nodeCidrs],
    ];
    for (const [prop, list] of cidrs) {
      if (list.length === 0) throw new Error(`${owner}: ${prop} is empty; give at least one CIDR`);
      const bad = list.find((c) => !IPV4_CIDR.test(c) && !IPV6_CIDR.test(c));
      if (bad) throw new Error(`${owner}: ${prop} '${bad}' is not a CIDR; write an address with its prefix length, e.g. 10.0.0.1/32`);
    }
    if (config.apiServer.cidrs.some((c) => /\/0$/.test(c))) {
      throw new Error(`${owner}: apiServer.cidrs ${config.apiServer.cidrs.join(', ')} opens the whole internet; list the API server's endpoints (kubectl get endpoints kubernetes -n default -o yaml)`);
    }
    const badPort = config.apiServer.ports.find((p) => !Number.isInteger(p) || p < 1 || p > 65535);
    if (badPort !== undefined || config.apiServer.ports.length === 0) throw new Error(`${owner}: apiServer.ports must be 1 to 65535, at least one; got ${config.apiServer.ports.join(', ') || 'none'}`);
    definedNames.add(settings.name);
    return new Environment(config);
  }

  /** kind or minikube: one replica each, small resources, no TLS, the default StorageClass, development credentials. */
  public static readonly LOCAL = Environment.define({
    name: 'local',
    tier: EnvironmentTier.LOCAL,
    description: 'kind or minikube: one replica each, small resources, no TLS, default StorageClass',
  });

  /**
   * The example project's production: its domain (example.com) and API server address (192.0.2.10, TEST-NET-1)
   * are reserved documentation values. Define your own in environments.ts.
   */
  public static readonly PRODUCTION = Environment.define({
    name: 'production',
    tier: EnvironmentTier.PRODUCTION,
    description: 'highly available: replicas, disruption budgets, spread across nodes and zones, TLS',
    baseDomain: 'example.com',
    apiServer: { cidrs: ['192.0.2.10/32'], ports: [443] },
  });

  public static readonly DEFAULT = Environment.LOCAL;

  /** The library's two presets; a project's own list is an `Environments`. */
  public static all(): readonly Environment[] {
    return Environments.DEFAULT.all();
  }

  public static byName(name: string): Environment {
    return Environments.DEFAULT.byName(name);
  }

  private constructor(public readonly config: EnvironmentConfig) {}

  public get name(): string {
    return this.config.name;
  }

  public get tier(): EnvironmentTier {
    return this.config.tier;
  }

  public get highAvailability(): boolean {
    return this.config.highAvailability;
  }

  /** A copy with some settings changed, e.g. `Environment.PRODUCTION.with({ baseDomain: 'acme.dev', apiServer })`. */
  public with(settings: Partial<EnvironmentSettings>): Environment {
    const { clusterCidrs: _derived, ...config } = this.config;
    return Environment.define({ ...config, ...settings });
  }

  /**
   * The value for this environment: the one under its name where given, else its tier's. The result is the union
   * of the values' types, so presets and explicit values mix without a type annotation.
   */
  public pick<V extends PerEnvironment<unknown>>(values: V): V[keyof V];
  /** As above, with the type given: `env.pick<ResourcePreset | Resources>({ ... })`. */
  public pick<T>(values: PerEnvironment<T>): T;
  public pick(values: PerEnvironment<unknown>): unknown {
    const unknown = Object.keys(values).filter((k) => k !== 'local' && k !== 'production' && !definedNames.has(k));
    if (unknown.length > 0) {
      throw new Error(`env.pick: ${unknown.map((k) => `'${k}'`).join(', ')} is no environment; known: ${[...definedNames].sort().join(', ')}`);
    }
    return Object.prototype.hasOwnProperty.call(values, this.name) ? values[this.name] : values[this.tier.name];
  }
}

/** A project's environments, in the order `--help` lists them; the first is the default. */
export class Environments {
  /** The library's presets: local (the default) and production. */
  public static readonly DEFAULT = new Environments([Environment.LOCAL, Environment.PRODUCTION]);

  public constructor(private readonly list: readonly Environment[]) {
    if (list.length === 0) throw new Error('environments: the list is empty; give at least one Environment');
    const seen = new Set<string>();
    for (const e of list) {
      if (seen.has(e.name)) throw new Error(`environments: '${e.name}' is defined twice; give each environment its own name`);
      seen.add(e.name);
    }
  }

  public all(): readonly Environment[] {
    return this.list;
  }

  public get default(): Environment {
    return this.list[0];
  }

  public byName(name: string): Environment {
    const found = this.list.find((e) => e.name === name);
    if (!found) throw new Error(`unknown environment '${name}'; use one of: ${this.list.map((e) => e.name).join(', ')}`);
    return found;
  }
}
