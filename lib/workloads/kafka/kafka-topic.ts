/**
 * A topic, provisioned by a Job that waits for the brokers, creates the topic
 * if it is missing and raises its partition count if it is below the spec.
 * The Job's name carries a hash of its spec (see WorkloadKind.JOB): a changed
 * topic is a new Job, the same topic the same Job, so `kubectl apply` never
 * edits an immutable Job template.
 */
import { Construct } from 'constructs';
import { checkCount } from '../../building-blocks/names';
import { ResourcePreset } from '../../building-blocks/resources';
import { EnvValue } from '../../building-blocks/env-value';
import { ShutdownPolicy } from '../../building-blocks/shutdown';
import { Workload, WorkloadKind } from '../../building-blocks/workload';
import { KafkaCluster } from './kafka-cluster';
import { Check, checkProps } from '../../building-blocks/check-props';

export interface KafkaTopicProps {
  readonly cluster: KafkaCluster;
  /** Topic name: letters, digits, '.', '_' and '-', at most 249 characters. */
  readonly name: string;
  /** Partitions; can be raised later, never lowered. @default 3 */
  readonly partitions?: number;
  /** @default the cluster's default.replication.factor */
  readonly replicationFactor?: number;
  /** Topic-level settings, e.g. `{ 'retention.ms': 604800000, 'cleanup.policy': 'compact' }`. @default - none */
  readonly settings?: Readonly<Record<string, string | number>>;
}

export class KafkaTopic extends Construct {
  public readonly topicName: string;
  public readonly partitions: number;
  public readonly replicationFactor: number;
  public readonly job: Workload;

  public constructor(scope: Construct, id: string, props: KafkaTopicProps) {
    super(scope, id);
    checkProps<KafkaTopicProps>(`kafka topic '${typeof props?.name === 'string' ? props.name : id}'`, props, {
      cluster: Check.required(Check.instance(KafkaCluster, 'a KafkaCluster, e.g. context.use(kafka).cluster')),
      name: Check.required(Check.nonEmptyString),
      partitions: Check.integer(1),
      replicationFactor: Check.integer(1),
      settings: Check.record(Check.either(Check.string, Check.number)),
    });
    const cluster = props.cluster;
    const owner = `kafka topic '${props.name}'`;
    if (!/^[A-Za-z0-9._-]{1,249}$/.test(props.name) || props.name === '.' || props.name === '..') {
      throw new Error(`${owner}: name must be 1-249 letters, digits, '.', '_' or '-'`);
    }
    this.topicName = props.name;
    this.partitions = checkCount(owner, 'partitions', props.partitions ?? 3, 1, 100000);
    this.replicationFactor = checkCount(owner, 'replicationFactor', props.replicationFactor ?? cluster.replication.defaultReplicationFactor, 1, 100);
    const brokers = cluster.topology.brokers;
    if (this.replicationFactor > brokers) {
      throw new Error(`${owner}: replicationFactor ${this.replicationFactor} is larger than the ${brokers} broker(s) of kafka '${cluster.node.id}'; lower it to ${brokers} or add brokers`);
    }
    const minIsr = Number(props.settings?.['min.insync.replicas'] ?? cluster.replication.minInsyncReplicas);
    if (this.replicationFactor > 1 ? minIsr >= this.replicationFactor : minIsr > 1) {
      throw new Error(`${owner}: min.insync.replicas ${minIsr} is not smaller than replicationFactor ${this.replicationFactor}; raise replicationFactor or set min.insync.replicas lower in settings`);
    }
    for (const [k, v] of Object.entries(props.settings ?? {})) {
      if (!/^[a-z0-9.]+$/.test(k) || !/^[A-Za-z0-9.,:_-]*$/.test(String(v))) {
        throw new Error(`${owner}: setting ${k}=${v} is not a Kafka topic setting; use a dotted lowercase name and a plain value`);
      }
    }
    const configArgs = Object.entries(props.settings ?? {}).map(([k, v]) => `--config '${k}=${v}'`).join(' ');
    const topics = '/opt/kafka/bin/kafka-topics.sh --bootstrap-server "$KAFKA_BOOTSTRAP_SERVERS"';
    const script = [
      'set -eu',
      `until ${topics} --list >/dev/null 2>&1; do echo "waiting for the brokers"; sleep 5; done`,
      `${topics} --create --if-not-exists --topic '${this.topicName}' --partitions ${this.partitions} --replication-factor ${this.replicationFactor} ${configArgs}`.trimEnd(),
      `current=$(${topics} --describe --topic '${this.topicName}' | sed -n 's/.*PartitionCount: *\\([0-9]*\\).*/\\1/p' | head -n 1)`,
      `if [ "$current" -lt ${this.partitions} ]; then ${topics} --alter --topic '${this.topicName}' --partitions ${this.partitions}; fi`,
      `exec ${topics} --describe --topic '${this.topicName}'`,
    ].join('\n');
    this.job = new Workload(this, 'job', {
      identity: { name: 'kafka', instance: `${cluster.node.id}-topic-${this.topicName.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`.slice(0, 50).replace(/-+$/, ''), component: 'topic' },
      kind: WorkloadKind.JOB,
      job: { backoffLimit: 10, activeDeadlineSeconds: 1200 },
      shutdown: ShutdownPolicy.worker({ shutdownSeconds: 5 }),
      containers: [
        {
          name: 'create-topic',
          image: cluster.image,
          command: ['bash', '-c', script],
          env: {
            KAFKA_BOOTSTRAP_SERVERS: EnvValue.value(cluster.bootstrapServers),
            KAFKA_HEAP_OPTS: EnvValue.value('-Xms128m -Xmx128m'),
            LOG_DIR: EnvValue.value('/tmp'),
          },
          resources: ResourcePreset.SMALL,
          writablePaths: ['/tmp', '/opt/kafka/logs'],
        },
      ],
    });
    cluster.allowFrom(this.job);
  }
}
