/**
 * Apache Kafka in KRaft mode (no ZooKeeper, which Kafka 4 removed) on the
 * official `apache/kafka` image. Identity is stable by construction: a node's
 * `node.id` is its StatefulSet ordinal (brokers offset from controllers), its
 * advertised address is its own stable DNS name, the controller quorum is the
 * fixed list of controller names, and the cluster id is fixed at synth. The
 * volume is formatted on first start only (`--ignore-formatted`), so a
 * restarted or rescheduled pod comes back with its data and its identity.
 */
import { Construct } from 'constructs';
import { AppChart } from '../../building-blocks/app-chart';
import { ConfigFiles } from '../../building-blocks/config-files';
import { ConnectOptions, prefixed } from '../../building-blocks/connection';
import { EnvValue } from '../../building-blocks/env-value';
import { ContainerImage } from '../../building-blocks/image';
import { recommendedLabels } from '../../building-blocks/labels';
import { checkCount, checkDnsLabel } from '../../building-blocks/names';
import { NetworkPeer } from '../../building-blocks/network-policy';
import { Probe } from '../../building-blocks/probes';
import { resolveResources, ResourcePreset, Resources } from '../../building-blocks/resources';
import { statefulPodHosts, WorkloadService } from '../../building-blocks/service';
import { ShutdownPolicy } from '../../building-blocks/shutdown';
import { Volume } from '../../building-blocks/volumes';
import { Connectable, Workload, WorkloadKind } from '../../building-blocks/workload';
import { checkClusterId, developmentClusterId, heapMiB, renderProperties, ReplicationSettings, RESERVED_SETTINGS, resolveReplication, ResolvedReplication } from './kafka-settings';
import { KafkaTopology } from './kafka-topology';
import { Check, checkProps } from '../../building-blocks/check-props';
import { Shapes } from '../../building-blocks/prop-shapes';

export const KAFKA_PORTS = { client: 9092, controller: 9093, internal: 9094 } as const;
// log.dirs is a folder inside the volume: a fresh filesystem's lost+found at its root is not a partition.
const VOLUME_PATH = '/var/lib/kafka';
const DATA_DIR = `${VOLUME_PATH}/data`;

export interface KafkaClusterProps {
  /** @default apache/kafka:4.1.0 (runs as appuser, uid 1000) */
  readonly image?: ContainerImage;
  /** @default KafkaTopology.combined(1) in local, KafkaTopology.separate({ controllers: 3, brokers: 3 }) in production */
  readonly topology?: KafkaTopology;
  /**
   * The KRaft cluster id, 22 base64url characters; it must never change for a cluster's life.
   * @default the environment variable `<INSTANCE>_CLUSTER_ID`; where unset, a stable id derived from namespace and name in
   * environments with development values, else an error
   */
  readonly clusterId?: string;
  /** @default replication factor min(3, brokers), min.insync.replicas one less (1 for a single broker) */
  readonly replication?: ReplicationSettings;
  /** Partitions of auto-sized topics (`num.partitions`). @default 3 */
  readonly defaultPartitions?: number;
  /** More server.properties settings; the topology's own (node.id, listeners, quorum, log.dirs) are refused. @default - none */
  readonly settings?: Readonly<Record<string, string | number | boolean>>;
  /** @default 1Gi memory limit in local; ResourcePreset.XLARGE in production */
  readonly brokerResources?: ResourcePreset | Resources;
  /** For dedicated controllers. @default 1Gi memory limit (ResourcePreset.MEDIUM.with) */
  readonly controllerResources?: ResourcePreset | Resources;
  /** Data volume per broker. @default 2Gi in local, 50Gi in production */
  readonly storageSize?: string;
  /** Metadata volume per dedicated controller. @default 1Gi in local, 10Gi in production */
  readonly controllerStorageSize?: string;
  /** @default the environment's StorageClass */
  readonly storageClassName?: string;
  /** node.id of the first dedicated broker; controllers take 0, 1, 2, ... @default 100 */
  readonly brokerNodeIdOffset?: number;
}

type Role = 'combined' | 'controller' | 'broker';

interface Pool {
  readonly role: Role;
  readonly workload: Workload;
  readonly headless: WorkloadService;
}

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
  private readonly pools: Pool[] = [];
  private readonly instance: string;

  public constructor(scope: Construct, id: string, props: KafkaClusterProps = {}) {
    super(scope, id);
    checkProps<KafkaClusterProps>(`kafka '${id}'`, props, {
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
    });
    const chart = AppChart.of(this);
    const env = chart.env;
    this.instance = checkDnsLabel('kafka', 'name', id);
    const owner = `kafka '${this.instance}'`;
    this.image = props.image ?? ContainerImage.of('apache/kafka:4.1.0', { uid: 1000 });
    this.topology = props.topology ?? env.pick({ local: KafkaTopology.combined(1), production: KafkaTopology.separate({ controllers: 3, brokers: 3 }) });
    this.clusterId = resolveClusterId(owner, this.instance, chart, props.clusterId);
    this.replication = resolveReplication(owner, this.topology.brokers, props.replication);
    const brokerOffset = checkCount(owner, 'brokerNodeIdOffset', props.brokerNodeIdOffset ?? 100, 1, 10000);
    if (!this.topology.combinedNodes && brokerOffset < this.topology.controllers) {
      throw new Error(`${owner}: brokerNodeIdOffset ${brokerOffset} overlaps the controllers' node ids 0-${this.topology.controllers - 1}; raise it`);
    }
    const reserved = Object.keys(props.settings ?? {}).filter((k) => (RESERVED_SETTINGS as readonly string[]).includes(k));
    if (reserved.length > 0) throw new Error(`${owner}: settings ${reserved.join(', ')} follow from the topology and cannot be set; remove them`);

    const brokerResources = resolveResources(owner, props.brokerResources ?? env.pick({ local: ResourcePreset.MEDIUM.with({ memoryLimit: '1Gi' }), production: ResourcePreset.XLARGE }));
    const controllerResources = resolveResources(owner, props.controllerResources ?? ResourcePreset.MEDIUM.with({ memoryLimit: '1Gi' }));
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
      ...props.settings,
    };
    const storageClassName = props.storageClassName;
    const quorumName = this.poolName(this.topology.combinedNodes ? 'combined' : 'controller');
    this.quorumVoters = statefulPodHosts(quorumName, `${quorumName}-headless`, chart.namespaceName, env.config.clusterDomain, this.topology.controllers)
      .map((host, i) => `${i}@${host}:${KAFKA_PORTS.controller}`)
      .join(',');
    if (this.topology.combinedNodes) {
      this.addPool(chart, 'combined', this.topology.controllers, 0, brokerResources, brokerStorage, storageClassName, common);
    } else {
      this.addPool(chart, 'controller', this.topology.controllers, 0, controllerResources, props.controllerStorageSize ?? env.pick({ local: '1Gi', production: '10Gi' }), storageClassName, {});
      this.addPool(chart, 'broker', this.topology.brokers, brokerOffset, brokerResources, brokerStorage, storageClassName, common);
    }
    const quorum = this.pools.find((p) => p.role !== 'broker')!;
    this.brokers = this.pools.find((p) => p.role !== 'controller')!.workload;
    this.controllers = this.topology.combinedNodes ? undefined : quorum.workload;
    // Quorum traffic among controllers and from brokers; replication among brokers.
    quorum.workload.allowFrom(quorum.workload, [{ port: KAFKA_PORTS.controller }]);
    if (this.controllers) this.controllers.allowFrom(this.brokers, [{ port: KAFKA_PORTS.controller }]);
    this.brokers.allowFrom(this.brokers, [{ port: KAFKA_PORTS.internal }]);
  }

  /** Every broker's `host:9092`, for clients' `bootstrap.servers`. */
  public get bootstrapServers(): string {
    return this.pools.find((p) => p.role !== 'controller')!.headless.podHosts().map((host) => `${host}:${KAFKA_PORTS.client}`).join(',');
  }

  public allowClient(client: Workload): void {
    this.allowFrom(client);
  }

  /** Lets a workload of ours produce and consume. */
  public allowFrom(client: Workload): void {
    this.brokers.allowFrom(client, [{ port: KAFKA_PORTS.client }]);
  }

  /** Lets in clients that are not our constructs, e.g. labelled pods in other namespaces. */
  public allowFromPeer(peer: NetworkPeer): void {
    this.brokers.allowIngressFrom(peer, [{ port: KAFKA_PORTS.client }]);
  }

  /** `KAFKA_BOOTSTRAP_SERVERS`, and the network rules. */
  public connectionEnv(options?: ConnectOptions): Record<string, EnvValue> {
    return { [prefixed(options, 'KAFKA_BOOTSTRAP_SERVERS')]: EnvValue.value(this.bootstrapServers) };
  }

  private poolName(role: Role): string {
    return role === 'combined' ? this.instance : `${this.instance}-${role}`;
  }

  private addPool(chart: AppChart, role: Role, count: number, nodeIdOffset: number, resources: Resources, storageSize: string, storageClassName: string | undefined, settings: Record<string, string | number | boolean>): void {
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
      'listener.security.protocol.map': 'CLIENT:PLAINTEXT,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT',
      ...(serves.broker ? { 'inter.broker.listener.name': 'INTERNAL' } : {}),
      'log.dirs': DATA_DIR,
      ...settings,
    });
    const config = new ConfigFiles(this, `${role}-config`, {
      name: `${name}-config`,
      namespace: chart.namespaceName,
      labels: recommendedLabels({ name: 'kafka', instance: name, component: role, partOf: chart.appName, version: this.image.version }),
      data: { 'server.properties': properties },
    });
    const advertise = serves.broker ? `CLIENT://\${host}:${KAFKA_PORTS.client},INTERNAL://\${host}:${KAFKA_PORTS.internal}` : `CONTROLLER://\${host}:${KAFKA_PORTS.controller}`;
    const start = [
      'set -eu',
      '# node.id and the advertised address follow from the pod name, so they survive restarts and rescheduling.',
      `node_id=$(( \${HOSTNAME##*-} + ${nodeIdOffset} ))`,
      `host="\${HOSTNAME}.${domain}"`,
      'cp /etc/kafka/server.properties /tmp/server.properties',
      `printf 'node.id=%s\\nadvertised.listeners=%s\\n' "$node_id" "${advertise}" >> /tmp/server.properties`,
      '# Formats an empty volume once; a formatted one is left as it is.',
      '/opt/kafka/bin/kafka-storage.sh format --config /tmp/server.properties --cluster-id "$KAFKA_CLUSTER_ID" --ignore-formatted',
      'exec /opt/kafka/bin/kafka-server-start.sh /tmp/server.properties',
    ].join('\n');
    const heap = heapMiB(`kafka '${name}'`, resources.memoryLimit);
    const probePort = serves.broker ? 'client' : 'controller';
    const workload = new Workload(this, role, {
      identity: { name: 'kafka', instance: name, component: role },
      kind: WorkloadKind.STATEFUL_SET,
      replicas: count,
      // Parallel: controllers must all start to elect a leader, and no node is ready before there is one.
      stateful: { serviceName: headlessName, podManagementPolicy: 'Parallel', volumeClaims: [{ name: 'data', size: storageSize, storageClassName }] },
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
            KAFKA_HEAP_OPTS: EnvValue.value(`-Xms${heap}m -Xmx${heap}m`),
            LOG_DIR: EnvValue.value('/opt/kafka/logs'),
          },
          ports: [
            ...(serves.broker ? [{ name: 'client', port: KAFKA_PORTS.client }, { name: 'internal', port: KAFKA_PORTS.internal }] : []),
            ...(serves.controller ? [{ name: 'controller', port: KAFKA_PORTS.controller }] : []),
          ],
          resources,
          probes: {
            startup: Probe.tcp(probePort, { periodSeconds: 10, failureThreshold: 30 }),
            liveness: Probe.tcp(probePort, { periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 }),
            readiness: Probe.tcp(probePort, { periodSeconds: 10, timeoutSeconds: 5 }),
          },
          mounts: [
            { volume: 'config', path: '/etc/kafka' },
            { volume: 'data', path: VOLUME_PATH, readOnly: false },
          ],
          writablePaths: ['/tmp', '/opt/kafka/logs'],
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
