/**
 * Apache Kafka in KRaft mode (no ZooKeeper, which Kafka 4 removed) on the
 * official `apache/kafka` image. Identity is stable by construction: a node's
 * `node.id` is its StatefulSet ordinal (brokers offset from controllers), its
 * advertised address is its own stable DNS name, the controller quorum is the
 * fixed list of controller names, and the cluster id is fixed at synth. An
 * empty volume is formatted on first install only: a controller whose volume
 * was lost refuses to rejoin a running quorum until an operator approves it.
 * Clients authenticate with SASL/SCRAM and are authorised by ACLs (KafkaUser);
 * the brokers admit client namespaces by a label the client's app sets, so
 * neither app's file depends on the other being synthesised.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { AppChart } from '../../building-blocks/app-chart';
import { ConfigFiles } from '../../building-blocks/config-files';
import { ConnectOptions, prefixed } from '../../building-blocks/connection';
import { EnvValue } from '../../building-blocks/env-value';
import { ContainerImage } from '../../building-blocks/image';
import { recommendedLabels } from '../../building-blocks/labels';
import { checkCount, checkDnsLabel } from '../../building-blocks/names';
import { NetworkPeers } from '../../building-blocks/network-policy';
import { Probe } from '../../building-blocks/probes';
import { resolveResources, ResourcePreset, Resources } from '../../building-blocks/resources';
import { SecretRef, SecretSource } from '../../building-blocks/secrets';
import { statefulPodHosts, WorkloadService } from '../../building-blocks/service';
import { ShutdownPolicy } from '../../building-blocks/shutdown';
import { Volume } from '../../building-blocks/volumes';
import { Connectable, Workload, WorkloadKind } from '../../building-blocks/workload';
import { ANNOTATION } from '../../vocabulary/annotations';
import { toMebibytes } from '../../vocabulary/quantity';
import { ADMIN_USER, BROKER_USER, brokerReadyScript, controllerReadyScript, LOG4J2_YAML, SCRAM_LOGIN, SCRAM_MECHANISM, startScript } from './kafka-scripts';
import { checkClusterId, developmentClusterId, heapMiB, jvmOptions, renderProperties, ReplicationSettings, RESERVED_SETTINGS, resolveReplication, ResolvedReplication } from './kafka-settings';
import { KafkaTopology } from './kafka-topology';
import { Check, checkProps, PropsSpec } from '../../building-blocks/check-props';
import { Shapes } from '../../building-blocks/prop-shapes';

export const KAFKA_PORTS = { client: 9092, controller: 9093, internal: 9094 } as const;
// log.dirs is a folder inside the volume: a fresh filesystem's lost+found at its root is not a partition.
const VOLUME_PATH = '/var/lib/kafka';
const DATA_DIR = `${VOLUME_PATH}/data`;
/** The node label Kubernetes 1.35+ copies onto pods at binding (KEP-4742, PodTopologyLabelsAdmission). */
const ZONE_LABEL = 'topology.kubernetes.io/zone';
/** Zones a production cluster has: with minDomains 3 no zone ever holds two of three voters or replicas. */
const ZONES = 3;

/** The keys of the cluster's own credentials Secret. */
export const CLUSTER_CREDENTIAL_KEYS = [
  { key: 'broker-password', description: `SCRAM password of the brokers' own user ${BROKER_USER} (letters and digits)`, generate: 'password' },
  { key: 'admin-password', description: `SCRAM password of the operator user ${ADMIN_USER} (letters and digits)`, generate: 'password' },
] as const;

/** The settings of a KafkaCluster. */
export interface KafkaClusterProps {
  /** The Kafka image. @default apache/kafka:4.1.0 (runs as appuser, uid 1000) */
  readonly image?: ContainerImage;
  /**
   * How the nodes are split between the controller and broker roles.
   * @default KafkaTopology.combined(1) in local, KafkaTopology.separate({ controllers: 3, brokers: 3 }) in production.
   * The controller count is fixed for a cluster's life (a static quorum): see the README before changing it.
   */
  readonly topology?: KafkaTopology;
  /**
   * The KRaft cluster id, 22 base64url characters; it must never change for a cluster's life.
   * @default the environment variable `<INSTANCE>_CLUSTER_ID`; where unset, a stable id derived from namespace and name in
   * environments with development values, else an error
   */
  readonly clusterId?: string;
  /**
   * Where the SCRAM passwords of the brokers' user and the admin user come from (keys `broker-password`, `admin-password`).
   * @default SecretSource.fromEnvironment('<INSTANCE>_CREDENTIALS_SECRET')
   */
  readonly credentials?: SecretSource;
  /**
   * Replication. Where the environment is highly available the factor is 3 whatever the broker count, so removing a
   * broker never silently lowers it: fewer brokers than the factor is an error, and a lower factor must be written here.
   * @default replication factor 3 (min(3, brokers) where the environment is not highly available), min.insync.replicas one less (1 for a single broker)
   */
  readonly replication?: ReplicationSettings;
  /** Partitions of auto-sized topics (`num.partitions`). @default 3 */
  readonly defaultPartitions?: number;
  /** More server.properties settings; the topology's and security's own (node.id, listeners, quorum, log.dirs, SASL, authorizer) are refused. @default - none */
  readonly settings?: Readonly<Record<string, string | number | boolean>>;
  /** Memory request = limit (see README). @default 1Gi memory limit in local; ResourcePreset.XLARGE in production */
  readonly brokerResources?: ResourcePreset | Resources;
  /** For dedicated controllers. @default 1Gi memory limit (ResourcePreset.MEDIUM.with) */
  readonly controllerResources?: ResourcePreset | Resources;
  /** Data volume per broker. @default 2Gi in local, 50Gi in production */
  readonly storageSize?: string;
  /** Metadata volume per dedicated controller. @default 1Gi in local, 10Gi in production */
  readonly controllerStorageSize?: string;
  /** StorageClass for the nodes' volumes. @default the environment's StorageClass */
  readonly storageClassName?: string;
  /** node.id of the first dedicated broker; controllers take 0, 1, 2, ... @default 100 */
  readonly brokerNodeIdOffset?: number;
  /**
   * `broker.rack` from the pod's zone label and rack-aware follower fetching; brokers refuse to start without the label.
   * Pods carry the zone label only from Kubernetes 1.35 (PodTopologyLabelsAdmission, beta and on by default), so it
   * needs an environment whose minKubernetesVersion is 1.35 or later. With 3 brokers spread one per zone, every
   * partition of replication 3 has a replica in each zone without it.
   * @default the environment's spreadAcrossZones, where its minKubernetesVersion is 1.35 or later
   */
  readonly rackAware?: boolean;
}

/** A client identity of the cluster (KafkaUser): its SCRAM user name and its Secret, copied into a client's namespace. */
export interface KafkaClientIdentity {
  /** The SCRAM user name (principal `User:<name>`). */
  readonly userName: string;
  /** The user's Secret (key `password`) in `chart`'s namespace. */
  secretIn(chart: AppChart): SecretRef;
}

type Role = 'combined' | 'controller' | 'broker';

interface Pool {
  readonly role: Role;
  readonly workload: Workload;
  readonly headless: WorkloadService;
}

const KAFKA_CLUSTER_PROPS: PropsSpec<KafkaClusterProps> = {
  image: Shapes.image,
  topology: Check.instance(KafkaTopology, 'KafkaTopology.combined(n) or KafkaTopology.separate({ controllers, brokers })'),
  clusterId: Check.nonEmptyString,
  replication: Check.object<ReplicationSettings>({ defaultReplicationFactor: Check.integer(1), minInsyncReplicas: Check.integer(1), offsetsTopicReplicationFactor: Check.integer(1), transactionStateLogReplicationFactor: Check.integer(1) }),
  defaultPartitions: Check.integer(1),
  settings: Check.record(Check.either(Check.string, Check.number, Check.boolean)),
  brokerResources: Shapes.resources,
  controllerResources: Shapes.resources,
  storageSize: Check.quantity,
  controllerStorageSize: Check.quantity,
  storageClassName: Check.nonEmptyString,
  brokerNodeIdOffset: Check.integer(0),
  credentials: Shapes.secretSource,
  rackAware: Check.boolean,
};

/** A KRaft Kafka cluster (controllers and brokers as StatefulSets) with SCRAM users and network policies. */
export class KafkaCluster extends Construct implements Connectable {
  public readonly clusterId: string;
  public readonly topology: KafkaTopology;
  public readonly replication: ResolvedReplication;
  /** The StatefulSet of the nodes that act as brokers (combined nodes in a combined topology). */
  public readonly brokers: Workload;
  /** The StatefulSet of dedicated controllers; undefined in a combined topology. */
  public readonly controllers?: Workload;
  public readonly image: ContainerImage;
  /** `controller.quorum.voters`: `<node.id>@<pod DNS name>:9093` of every controller (node ids 0, 1, 2, ...). */
  public readonly quorumVoters: string;
  /** The Secret with the brokers' and the admin's SCRAM passwords. */
  public readonly credentials: SecretRef;
  public readonly rackAware: boolean;
  /** The namespace label a client's app sets to be let through to the brokers (authentication still applies). */
  public readonly clientNamespaceLabel: string;
  public readonly instance: string;
  public readonly namespace: string;
  private readonly users = new Map<string, KafkaClientIdentity>();
  private readonly pools: Pool[] = [];
  private readonly owner: string;

  public constructor(scope: Construct, id: string, props: KafkaClusterProps = {}) {
    super(scope, id);
    checkProps<KafkaClusterProps>(`kafka '${id}'`, props, KAFKA_CLUSTER_PROPS);
    const chart = AppChart.of(this);
    const env = chart.env;
    this.instance = checkDnsLabel('kafka', 'name', id);
    this.namespace = chart.namespaceName;
    const owner = `kafka '${this.instance}'`;
    this.owner = owner;
    this.image = props.image ?? ContainerImage.of('apache/kafka:4.1.0', { uid: 1000 });
    this.topology = props.topology ?? env.pick({ local: KafkaTopology.combined(1), production: KafkaTopology.separate({ controllers: 3, brokers: 3 }) });
    this.clusterId = resolveClusterId(owner, this.instance, chart, props.clusterId);
    this.replication = resolveReplication(owner, this.topology.brokers, props.replication, env.highAvailability);
    const zoneLabelled = minorOf(env.config.minKubernetesVersion) >= 35;
    if (props.rackAware && !zoneLabelled) {
      throw new Error(
        `${owner}: rackAware needs pods labelled with their zone, which Kubernetes sets from 1.35 on, but the environment's minKubernetesVersion is ${env.config.minKubernetesVersion}; ` +
          "raise minKubernetesVersion to '1.35' in environments.ts or drop rackAware",
      );
    }
    this.rackAware = props.rackAware ?? (env.config.spreadAcrossZones && zoneLabelled);
    this.clientNamespaceLabel = `kafka-client.shipshape.dev/${this.namespace}.${this.instance}`;
    const brokerOffset = checkCount(owner, 'brokerNodeIdOffset', props.brokerNodeIdOffset ?? 100, 1, 10000);
    if (!this.topology.combinedNodes && brokerOffset < this.topology.controllers) {
      throw new Error(`${owner}: brokerNodeIdOffset ${brokerOffset} overlaps the controllers' node ids 0-${this.topology.controllers - 1}; raise it`);
    }
    const reserved = Object.keys(props.settings ?? {}).filter((k) => (RESERVED_SETTINGS as readonly string[]).includes(k) || k.startsWith('listener.name.'));
    if (reserved.length > 0) throw new Error(`${owner}: settings ${reserved.join(', ')} follow from the topology and security and cannot be set; remove them`);
    const variable = `${this.instance.toUpperCase().replace(/-/g, '_')}_CREDENTIALS_SECRET`;
    this.credentials = (props.credentials ?? SecretSource.fromEnvironment(variable)).bind(this, {
      owner,
      defaultName: `${this.instance}-credentials`,
      namespace: this.namespace,
      keys: CLUSTER_CREDENTIAL_KEYS,
      env,
      labels: chart.labelsFor('kafka'),
    });

    const brokerResources = guaranteedMemory(resolveResources(owner, props.brokerResources ?? env.pick({ local: ResourcePreset.MEDIUM.with({ memoryLimit: '1Gi' }), production: ResourcePreset.XLARGE })));
    const controllerResources = guaranteedMemory(resolveResources(owner, props.controllerResources ?? ResourcePreset.MEDIUM.with({ memoryLimit: '1Gi' })));
    const brokerStorage = props.storageSize ?? env.pick({ local: '2Gi', production: '50Gi' });
    const common = {
      'num.partitions': checkCount(owner, 'defaultPartitions', props.defaultPartitions ?? 3, 1, 10000),
      'default.replication.factor': this.replication.defaultReplicationFactor,
      'min.insync.replicas': this.replication.minInsyncReplicas,
      'offsets.topic.replication.factor': this.replication.offsetsTopicReplicationFactor,
      'transaction.state.log.replication.factor': this.replication.transactionStateLogReplicationFactor,
      'transaction.state.log.min.isr': Math.min(this.replication.minInsyncReplicas, this.replication.transactionStateLogReplicationFactor),
      // Topics are declared (KafkaTopic), so a typo in a producer never creates one.
      'auto.create.topics.enable': false,
      'unclean.leader.election.enable': false,
      // Consumers with client.rack fetch from a replica in their own zone (KIP-392).
      ...(this.rackAware ? { 'replica.selector.class': 'org.apache.kafka.common.replica.RackAwareReplicaSelector' } : {}),
      ...props.settings,
    };
    const storageClassName = props.storageClassName;
    const quorumName = this.poolName(this.topology.combinedNodes ? 'combined' : 'controller');
    const voterHosts = statefulPodHosts(quorumName, `${quorumName}-headless`, this.namespace, env.config.clusterDomain, this.topology.controllers);
    this.quorumVoters = voterHosts.map((host, i) => `${i}@${host}:${KAFKA_PORTS.controller}`).join(',');
    if (this.topology.combinedNodes) {
      this.addPool(chart, 'combined', this.topology.controllers, 0, brokerResources, brokerStorage, storageClassName, common, voterHosts);
    } else {
      this.addPool(chart, 'controller', this.topology.controllers, 0, controllerResources, props.controllerStorageSize ?? env.pick({ local: '1Gi', production: '10Gi' }), storageClassName, {}, voterHosts);
      this.addPool(chart, 'broker', this.topology.brokers, brokerOffset, brokerResources, brokerStorage, storageClassName, common, voterHosts);
    }
    const quorum = this.pools.find((p) => p.role !== 'broker')!;
    // A static quorum's voters are fixed for the cluster's life: npm run plan refuses a change (see README).
    const quorumObject = quorum.workload.node.findChild('resource') as ApiObject;
    quorumObject.metadata.addAnnotation(ANNOTATION.fixedForLife, `controller.quorum.voters=${this.quorumVoters}`);
    quorumObject.metadata.addAnnotation(
      ANNOTATION.fixedForLifeSteps,
      'keep the controllers as they are: a static KRaft quorum cannot change its voters; to change them, build a new cluster and mirror the topics, or move to a dynamic quorum (KIP-853) first (apps/kafka/README.md, "Controller quorum safety")',
    );
    this.brokers = this.pools.find((p) => p.role !== 'controller')!.workload;
    this.controllers = this.topology.combinedNodes ? undefined : quorum.workload;
    // Quorum traffic among controllers and from brokers; replication among brokers. The controller listener is
    // PLAINTEXT (SCRAM cannot authenticate controllers, whose credentials live in the log they serve), so these rules
    // are all that guard it: nothing else may reach 9093.
    quorum.workload.allowFrom(quorum.workload, [{ port: KAFKA_PORTS.controller }]);
    if (this.controllers) this.controllers.allowFrom(this.brokers, [{ port: KAFKA_PORTS.controller }]);
    this.brokers.allowFrom(this.brokers, [{ port: KAFKA_PORTS.internal }]);
    // Clients of other apps: namespaces that carry the label (set by their app's connectTo). They still need a user.
    this.brokers.allowIngressFrom(NetworkPeers.labelledNamespaces(this.clientNamespaceLabel), [{ port: KAFKA_PORTS.client }]);
  }

  /** Every broker's `host:9092`, for clients' `bootstrap.servers`. */
  public get bootstrapServers(): string {
    return this.pools.find((p) => p.role !== 'controller')!.headless.podHosts().map((host) => `${host}:${KAFKA_PORTS.client}`).join(',');
  }

  /** Registers a user; KafkaUser calls this. */
  public registerUser(user: KafkaClientIdentity): void {
    if (this.users.has(user.userName)) throw new Error(`${this.owner}: user '${user.userName}' is declared twice; declare each user once`);
    if ([BROKER_USER, ADMIN_USER].includes(user.userName)) throw new Error(`${this.owner}: user '${user.userName}' is the cluster's own; choose another name`);
    this.users.set(user.userName, user);
  }

  /** A declared user, by name. */
  public user(name: string): KafkaClientIdentity {
    const user = this.users.get(name);
    if (!user) {
      const known = [...this.users.keys()].join(', ') || 'none';
      throw new Error(`${this.owner}: no user '${name}'; declare it with new KafkaUser(...) in the cluster's app (known: ${known})`);
    }
    return user;
  }

  /**
   * The network rules for a client: a workload of this app reaches the brokers directly; a workload of another app
   * gets its egress rule and labels its own namespace, which the brokers admit.
   */
  public allowClient(client: Workload): void {
    if (client.namespace === this.namespace) {
      this.brokers.allowFrom(client, [{ port: KAFKA_PORTS.client }]);
      return;
    }
    AppChart.of(client).labelNamespace(this.clientNamespaceLabel, 'true');
    client.allowEgressTo(this.brokers.peer, [{ port: KAFKA_PORTS.client }]);
  }

  /**
   * What a client connects with: the bootstrap servers and the SASL/SCRAM settings of the user `options.user`, whose
   * password comes from that user's Secret, copied into the client's namespace. `KAFKA_SASL_JAAS_CONFIG` is ready for
   * `sasl.jaas.config`; `KAFKA_CLIENT_RACK` (rack-aware clusters) is the pod's zone, for `client.rack`.
   */
  public connectionEnv(options?: ConnectOptions, client?: Workload): Record<string, EnvValue> {
    if (!options?.user) {
      const known = [...this.users.keys()].join(', ') || 'none declared';
      throw new Error(`${this.owner}: a client must connect as a user; pass connectTo(cluster, { user }) with one of: ${known}`);
    }
    if (!client) throw new Error(`${this.owner}: connectionEnv needs the client workload, to put the user's credentials in its namespace`);
    const user = this.user(options.user);
    const secret = user.secretIn(AppChart.of(client));
    const name = (n: string) => prefixed(options, n);
    return {
      [name('KAFKA_BOOTSTRAP_SERVERS')]: EnvValue.value(this.bootstrapServers),
      [name('KAFKA_SECURITY_PROTOCOL')]: EnvValue.value('SASL_PLAINTEXT'),
      [name('KAFKA_SASL_MECHANISM')]: EnvValue.value(SCRAM_MECHANISM),
      [name('KAFKA_USERNAME')]: EnvValue.value(user.userName),
      [name('KAFKA_PASSWORD')]: EnvValue.fromSecret(secret, 'password'),
      [name('KAFKA_SASL_JAAS_CONFIG')]: EnvValue.value(`${SCRAM_LOGIN} username="${user.userName}" password="$(${name('KAFKA_PASSWORD')})";`),
      ...(this.rackAware ? { [name('KAFKA_CLIENT_RACK')]: EnvValue.fromField(`metadata.labels['${ZONE_LABEL}']`) } : {}),
    };
  }

  private poolName(role: Role): string {
    return role === 'combined' ? this.instance : `${this.instance}-${role}`;
  }

  private addPool(chart: AppChart, role: Role, count: number, nodeIdOffset: number, resources: Resources, storageSize: string, storageClassName: string | undefined, settings: Record<string, string | number | boolean>, voterHosts: readonly string[]): void {
    const name = this.poolName(role);
    const headlessName = `${name}-headless`;
    const domain = `${headlessName}.${chart.namespaceName}.svc.${chart.env.config.clusterDomain}`;
    const serves = { broker: role !== 'controller', controller: role !== 'broker' };
    const listeners = [
      ...(serves.broker ? [`CLIENT://:${KAFKA_PORTS.client}`, `INTERNAL://:${KAFKA_PORTS.internal}`] : []),
      ...(serves.controller ? [`CONTROLLER://:${KAFKA_PORTS.controller}`] : []),
    ];
    const properties = renderProperties({
      'process.roles': [serves.broker && 'broker', serves.controller && 'controller'].filter(Boolean).join(','),
      'controller.quorum.voters': this.quorumVoters,
      'controller.listener.names': 'CONTROLLER',
      listeners: listeners.join(','),
      'listener.security.protocol.map': 'CLIENT:SASL_PLAINTEXT,INTERNAL:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT',
      ...(serves.broker
        ? {
            'inter.broker.listener.name': 'INTERNAL',
            'sasl.enabled.mechanisms': SCRAM_MECHANISM,
            'sasl.mechanism.inter.broker.protocol': SCRAM_MECHANISM,
            // Every SASL listener needs a JAAS entry; the server side of SCRAM needs no user (INTERNAL's, with the
            // broker's own user, is appended at start from the Secret).
            'listener.name.client.scram-sha-512.sasl.jaas.config': `${SCRAM_LOGIN};`,
          }
        : {}),
      // docs/security.html 7.5: the same authorizer on every KRaft node. ANONYMOUS is what the PLAINTEXT controller
      // listener authenticates as; brokers need ClusterAction there (ControllerApis), and only Kafka pods reach it.
      'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      'allow.everyone.if.no.acl.found': false,
      'super.users': `User:ANONYMOUS;User:${BROKER_USER};User:${ADMIN_USER}`,
      'log.dirs': DATA_DIR,
      ...settings,
    });
    const readyScript = serves.broker ? brokerReadyScript(nodeIdOffset) : controllerReadyScript(1000);
    const config = new ConfigFiles(this, `${role}-config`, {
      name: `${name}-config`,
      namespace: chart.namespaceName,
      labels: recommendedLabels({ name: 'kafka', instance: name, component: role, partOf: chart.appName, version: this.image.version }),
      data: { 'server.properties': properties, 'log4j2.yaml': LOG4J2_YAML, 'ready.sh': readyScript },
    });
    const start = startScript({
      nodeIdOffset,
      domain,
      serves,
      dataDir: DATA_DIR,
      volumePath: VOLUME_PATH,
      voters: voterHosts.map((h) => `${h}:${KAFKA_PORTS.controller}`),
      requireRack: this.rackAware && serves.broker,
      quorumProbeSeconds: 120,
    });
    const owner = `kafka '${name}'`;
    const heap = heapMiB(owner, resources.memoryLimit);
    const jvm = jvmOptions(owner, resources, heap);
    const storageGiB = toMebibytes(owner, 'storageSize', storageSize) / 1024;
    // Log recovery after an unclean stop runs before the port opens: about a minute per 10 GiB, at least 15 minutes.
    const startupChecks = Math.max(90, Math.ceil(storageGiB * 6));
    const probePort = serves.broker ? 'client' : 'controller';
    const workload = new Workload(this, role, {
      identity: { name: 'kafka', instance: name, component: role },
      kind: WorkloadKind.STATEFUL_SET,
      replicas: count,
      // Parallel: controllers must all start to elect a leader, and no node is ready before there is one.
      // minReadySeconds: a rollout waits this long after Ready before it stops the next member.
      stateful: { serviceName: headlessName, podManagementPolicy: 'Parallel', volumeClaims: [{ name: 'data', size: storageSize, storageClassName }], minReadySeconds: serves.broker ? 60 : 30 },
      // Two voters or two replicas in one zone are lost together: a hard rule where the environment spreads zones.
      zoneSpread: { minDomains: Math.min(count, ZONES) },
      // A broker moves its partition leadership away before it exits (controlled shutdown).
      shutdown: ShutdownPolicy.worker({ shutdownSeconds: serves.broker ? 120 : 30 }),
      volumes: [Volume.fromConfigMap('config', config)],
      containers: [
        {
          name: 'kafka',
          image: this.image,
          command: ['bash', '-c', start],
          env: {
            KAFKA_CLUSTER_ID: EnvValue.value(this.clusterId),
            KAFKA_HEAP_OPTS: EnvValue.value(jvm),
            LOG_DIR: EnvValue.value('/tmp/logs'),
            KAFKA_BROKER_PASSWORD: EnvValue.fromSecret(this.credentials, 'broker-password'),
            KAFKA_ADMIN_PASSWORD: EnvValue.fromSecret(this.credentials, 'admin-password'),
            ...(serves.broker && this.rackAware ? { KAFKA_RACK: EnvValue.fromField(`metadata.labels['${ZONE_LABEL}']`) } : {}),
          },
          ports: [
            ...(serves.broker ? [{ name: 'client', port: KAFKA_PORTS.client }, { name: 'internal', port: KAFKA_PORTS.internal }] : []),
            ...(serves.controller ? [{ name: 'controller', port: KAFKA_PORTS.controller }] : []),
          ],
          resources,
          probes: {
            startup: Probe.tcp(probePort, { periodSeconds: 10, failureThreshold: startupChecks }),
            liveness: Probe.tcp(probePort, { periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 }),
            readiness: Probe.exec(['bash', '/etc/kafka/ready.sh'], { periodSeconds: 30, timeoutSeconds: 30, failureThreshold: 2 }),
          },
          mounts: [
            { volume: 'config', path: '/etc/kafka' },
            { volume: 'data', path: VOLUME_PATH, readOnly: false },
          ],
          writablePaths: ['/tmp'],
        },
      ],
    });
    const headless = new WorkloadService(this, `${role}-headless`, workload, {
      name: headlessName,
      ports: workload.containers[0].ports!.map((p) => ({ name: p.name, port: p.port })),
      headless: true,
      publishNotReadyAddresses: true,
    });
    this.pools.push({ role, workload, headless });
  }
}

/**
 * Memory request = limit: a JVM's heap is committed up front and the page cache fills the rest, so usage never stays
 * below a lower request, and pods above their request are the first the kubelet evicts. No CPU limit (it throttles),
 * so the QoS class is Burstable, with the eviction rank of Guaranteed for memory.
 */
function guaranteedMemory(r: Resources): Resources {
  return { ...r, memoryRequest: r.memoryLimit };
}

function resolveClusterId(owner: string, instance: string, chart: AppChart, given: string | undefined): string {
  const variable = `${instance.toUpperCase().replace(/-/g, '_')}_CLUSTER_ID`;
  const id = given ?? process.env[variable];
  if (id !== undefined) return checkClusterId(owner, id);
  if (chart.env.config.developmentSecrets) return developmentClusterId(chart.namespaceName, instance);
  throw new Error(
    `${owner}: environment '${chart.env.name}' needs a fixed cluster id; pass clusterId in the props or set ${variable} ` +
      "(generate one with 'kafka-storage.sh random-uuid'), and keep it for the cluster's life",
  );
}

/** The minor of a `1.x` version. */
function minorOf(version: string): number {
  return Number(version.split('.')[1]);
}
