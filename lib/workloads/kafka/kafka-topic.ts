/**
 * A topic, declared in the cluster's app and converged by a Job that runs as
 * the admin user: it waits until as many brokers as the replication factor
 * are registered (saying so), creates the topic if it is missing, refuses a
 * replication factor or partition count that differs in a way Kafka cannot
 * change in place, raises partitions (warning that keys move), and sets the
 * topic's configs to exactly the spec (`kafka-configs.sh --alter --add-config`
 * and `--delete-config` for keys that left it). The Job's name carries a hash
 * of its spec (see WorkloadKind.JOB): a changed topic is a new Job.
 * Sources: apache/kafka tools/.../TopicCommand.java (describe output
 * `PartitionCount: N	ReplicationFactor: R`), core/.../admin/ConfigCommand.scala
 * (`--add-config 'k1=v1,k2=[v1,v2]'`, `--delete-config 'k1,k2'`, describe lines
 * `  key=value sensitive=... synonyms={...}`).
 */
import { Construct } from 'constructs';
import { checkCount } from '../../building-blocks/names';
import { Workload } from '../../building-blocks/workload';
import { ADMIN_ARGS, adminJob } from './kafka-admin-job';
import { KafkaCluster } from './kafka-cluster';
import { Check, checkProps } from '../../building-blocks/check-props';

/** What the Job does when the spec has more partitions than the topic. */
export class PartitionIncrease {
  /** Raise them, and print that keys now map to other partitions (per-key order breaks across the change). */
  public static readonly ALLOW = new PartitionIncrease('allow');
  /** Fail with the reason: for topics whose consumers rely on a key staying on its partition. */
  public static readonly REFUSE = new PartitionIncrease('refuse');
  private constructor(public readonly name: string) {}
}

/** A topic of a KafkaCluster and its settings. */
export interface KafkaTopicProps {
  /** The cluster the topic is in. */
  readonly cluster: KafkaCluster;
  /** Topic name: letters, digits, '.', '_' and '-', at most 249 characters. */
  readonly name: string;
  /** Partitions; can be raised later (see partitionIncrease), never lowered. @default 3 */
  readonly partitions?: number;
  /** Replicas per partition. @default the cluster's default.replication.factor */
  readonly replicationFactor?: number;
  /** Topic-level settings, e.g. `{ 'retention.ms': 604800000, 'cleanup.policy': 'compact' }`; the topic gets exactly these. @default - none */
  readonly settings?: Readonly<Record<string, string | number>>;
  /** What to do when the spec has more partitions than the topic. @default PartitionIncrease.ALLOW */
  readonly partitionIncrease?: PartitionIncrease;
}

/** A Kafka topic, created and kept to its spec by a Job. */
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
      partitionIncrease: Check.instance(PartitionIncrease, 'PartitionIncrease.ALLOW or PartitionIncrease.REFUSE'),
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
    const settings = Object.entries(props.settings ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
    for (const [k, v] of settings) {
      if (!/^[a-z0-9.]+$/.test(k) || !/^[A-Za-z0-9.,:_-]*$/.test(String(v))) {
        throw new Error(`${owner}: setting ${k}=${v} is not a Kafka topic setting; use a dotted lowercase name and a plain value`);
      }
    }
    const t = `'${this.topicName}'`;
    const topics = `/opt/kafka/bin/kafka-topics.sh ${ADMIN_ARGS}`;
    const configs = `/opt/kafka/bin/kafka-configs.sh ${ADMIN_ARGS} --entity-type topics --entity-name ${t}`;
    // ConfigCommand groups a value that has commas in square brackets.
    const addConfig = settings.map(([k, v]) => (String(v).includes(',') ? `${k}=[${v}]` : `${k}=${v}`)).join(',');
    const wanted = settings.map(([k]) => k).join(' ');
    const refuseIncrease = (props.partitionIncrease ?? PartitionIncrease.ALLOW) === PartitionIncrease.REFUSE;
    const script = [
      `if ! ${topics} --list | grep -Fxq ${t}; then`,
      `  echo "creating topic ${this.topicName}: ${this.partitions} partitions, replication factor ${this.replicationFactor}"`,
      `  ${topics} --create --topic ${t} --partitions ${this.partitions} --replication-factor ${this.replicationFactor}${settings.map(([k, v]) => ` --config '${k}=${v}'`).join('')}`,
      'fi',
      `described=$(${topics} --describe --topic ${t})`,
      `read -r current rf < <(printf '%s\\n' "$described" | awk -F'\\t' '/^Topic:/ { for (i = 1; i <= NF; i++) { split($i, a, ": "); if (a[1] == "PartitionCount") p = a[2]; if (a[1] == "ReplicationFactor") r = a[2] } } END { print p, r }')`,
      'if [ -z "$current" ] || [ -z "$rf" ]; then echo "cannot read the partition count and replication factor from:"; printf \'%s\\n\' "$described"; exit 1; fi',
      `if [ "$rf" -ne ${this.replicationFactor} ]; then echo "REFUSED: topic ${this.topicName} has replication factor $rf, the code says ${this.replicationFactor}; Kafka changes it only by reassigning replicas (kafka-reassign-partitions.sh, see the Kafka README), then re-run"; exit 1; fi`,
      `if [ "$current" -gt ${this.partitions} ]; then echo "REFUSED: topic ${this.topicName} has $current partitions, the code says ${this.partitions}; Kafka cannot lower a partition count: keep $current in the code, or create a new topic"; exit 1; fi`,
      `if [ "$current" -lt ${this.partitions} ]; then`,
      refuseIncrease
        ? `  echo "REFUSED: topic ${this.topicName} has $current partitions, the code says ${this.partitions}, and partitionIncrease is REFUSE: more partitions move keys to other partitions, so per-key order breaks; set PartitionIncrease.ALLOW to accept that"; exit 1`
        : `  echo "WARNING: raising topic ${this.topicName} from $current to ${this.partitions} partitions: keys now hash to other partitions, so messages of one key before and after are not ordered"`,
      ...(refuseIncrease ? [] : [`  ${topics} --alter --topic ${t} --partitions ${this.partitions}`]),
      'fi',
      '# Configs converge to the spec: set what it has, remove dynamic configs it no longer has.',
      `current_keys=$(${configs} --describe | awk '/^  [a-z0-9.]+=/ { sub(/^  /, ""); sub(/=.*/, ""); print }')`,
      `stale=""; for k in $current_keys; do case " ${wanted} " in *" $k "*) ;; *) stale="\${stale:+$stale,}$k" ;; esac; done`,
      ...(addConfig ? [`${configs} --alter --add-config '${addConfig}'`] : []),
      `if [ -n "$stale" ]; then echo "removing configs no longer in the code: $stale"; ${configs} --alter --delete-config "$stale"; fi`,
      `exec ${topics} --describe --topic ${t}`,
    ];
    this.job = adminJob(this, 'job', {
      cluster,
      owner,
      instance: `${cluster.node.id}-topic-${this.topicName.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`.slice(0, 50).replace(/-+$/, ''),
      component: 'topic',
      brokers: this.replicationFactor,
      script,
    });
  }
}
