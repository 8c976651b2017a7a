/**
 * The derived parts of a Kafka cluster's configuration, as plain functions:
 * cluster id, replication settings that fit the broker count, heap from the
 * memory limit, and server.properties. Checked at synth, so a cluster that
 * cannot form or cannot accept writes is never applied.
 */
import { createHash } from 'crypto';
import { parseQuantity, toMebibytes } from '../../vocabulary/quantity';
import type { Resources } from '../../building-blocks/resources';

/** The cluster's replication settings for new and internal topics. */
export interface ReplicationSettings {
  /** `default.replication.factor` for new topics. @default 3 where pinned (highly available), else min(3, brokers) */
  readonly defaultReplicationFactor?: number;
  /** `min.insync.replicas`. @default replication factor - 1, or 1 for a single broker */
  readonly minInsyncReplicas?: number;
  /** `offsets.topic.replication.factor` (consumer offsets). @default the default replication factor */
  readonly offsetsTopicReplicationFactor?: number;
  /** `transaction.state.log.replication.factor`. @default the default replication factor */
  readonly transactionStateLogReplicationFactor?: number;
}

/** Replication settings with every value resolved. */
export type ResolvedReplication = Required<ReplicationSettings>;

/**
 * Replication settings, refused where they cannot work. `pinned` (highly available environments): the default factor
 * is 3 whatever the broker count, so shrinking the brokers never silently lowers durability; it fails with the steps.
 */
export function resolveReplication(owner: string, brokers: number, props: ReplicationSettings = {}, pinned = false): ResolvedReplication {
  if (pinned && props.defaultReplicationFactor === undefined && brokers < 3) {
    throw new Error(
      `${owner}: ${brokers} broker(s) cannot hold the replication factor 3 this environment keeps; lowering replication must be explicit: ` +
        'move the replicas off the brokers you remove first (kafka-reassign-partitions.sh, see the Kafka README), then set replication.defaultReplicationFactor ' +
        'and replication.minInsyncReplicas, or keep 3 brokers',
    );
  }
  const rf = props.defaultReplicationFactor ?? (pinned ? 3 : Math.min(3, brokers));
  const r: ResolvedReplication = {
    defaultReplicationFactor: rf,
    minInsyncReplicas: props.minInsyncReplicas ?? Math.max(1, rf - 1),
    offsetsTopicReplicationFactor: props.offsetsTopicReplicationFactor ?? rf,
    transactionStateLogReplicationFactor: props.transactionStateLogReplicationFactor ?? rf,
  };
  const factors = [
    ['default.replication.factor', r.defaultReplicationFactor],
    ['offsets.topic.replication.factor', r.offsetsTopicReplicationFactor],
    ['transaction.state.log.replication.factor', r.transactionStateLogReplicationFactor],
  ] as const;
  for (const [name, value] of factors) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`${owner}: ${name} ${value} must be a whole number of 1 or more`);
    if (value > brokers) {
      throw new Error(`${owner}: ${name} ${value} is larger than the ${brokers} broker(s), so the topics cannot be created; lower it to ${brokers} or add brokers`);
    }
  }
  const minIsr = r.minInsyncReplicas;
  if (!Number.isInteger(minIsr) || minIsr < 1) throw new Error(`${owner}: min.insync.replicas ${minIsr} must be a whole number of 1 or more`);
  for (const [name, value] of factors) {
    if (value > 1 && minIsr >= value) {
      throw new Error(
        `${owner}: min.insync.replicas ${minIsr} is not smaller than ${name} ${value}, so one broker down stops every acks=all producer; ` +
          `lower min.insync.replicas to ${value - 1} or raise ${name}`,
      );
    }
    if (value === 1 && minIsr > 1) throw new Error(`${owner}: min.insync.replicas ${minIsr} is larger than ${name} 1; set min.insync.replicas to 1`);
  }
  return r;
}

/**
 * A KRaft cluster id is a UUID in base64url without padding: 22 characters.
 * Kafka's own generator (`kafka-storage.sh random-uuid`) never starts one with '-'.
 */
export function checkClusterId(owner: string, id: string): string {
  const hint = "generate one with 'kafka-storage.sh random-uuid' or node -e \"console.log(require('crypto').randomBytes(16).toString('base64url'))\"";
  if (!/^[A-Za-z0-9_-]{22}$/.test(id)) {
    throw new Error(`${owner}: clusterId '${id}' is not a 22-character base64url UUID (16 bytes); ${hint}`);
  }
  if (id.startsWith('-') || Buffer.from(id, 'base64url').every((b) => b === 0)) {
    throw new Error(`${owner}: clusterId '${id}' is reserved by Kafka; ${hint}`);
  }
  return id;
}

/** A stable id for development clusters, derived from where the cluster lives. */
export function developmentClusterId(namespace: string, instance: string): string {
  const bytes = createHash('sha256').update(`shipshape-kafka/${namespace}/${instance}`).digest().subarray(0, 16);
  bytes[0] &= 0x7f; // the first character is then A-Z or a-f, never '-'
  return bytes.toString('base64url');
}

/** Half the memory limit for the heap; the rest is for the page cache's neighbours (metaspace, direct buffers, threads). */
export function heapMiB(owner: string, memoryLimit: string): number {
  const limit = toMebibytes(owner, 'memoryLimit', memoryLimit);
  const heap = Math.min(6144, Math.floor(limit / 2));
  if (heap < 256) throw new Error(`${owner}: memoryLimit ${memoryLimit} leaves a heap of ${heap}Mi, below Kafka's 256Mi; raise memoryLimit to at least 512Mi`);
  return heap;
}

/**
 * JVM options beside the heap: direct memory bounded (it defaults to -Xmx, so heap plus network buffers could pass the
 * limit), and the processor count the JVM sizes GC and JIT threads by set from the CPU request instead of the node's cores.
 */
export function jvmOptions(owner: string, resources: Resources, heap: number): string {
  const limit = toMebibytes(owner, 'memoryLimit', resources.memoryLimit);
  const direct = Math.max(64, Math.floor(limit / 8));
  const cpus = Math.max(2, Math.ceil(parseQuantity(owner, 'resources.cpuRequest', resources.cpuRequest)));
  return `-Xms${heap}m -Xmx${heap}m -XX:MaxDirectMemorySize=${direct}m -XX:ActiveProcessorCount=${cpus}`;
}

/** Settings that shipshape owns: they follow from the topology and security and may not be overridden (nor any `listener.name.*`). */
export const RESERVED_SETTINGS = [
  'node.id', 'process.roles', 'listeners', 'advertised.listeners', 'listener.security.protocol.map', 'controller.listener.names',
  'inter.broker.listener.name', 'controller.quorum.voters', 'controller.quorum.bootstrap.servers', 'log.dirs', 'metadata.log.dir',
  'authorizer.class.name', 'super.users', 'allow.everyone.if.no.acl.found', 'sasl.enabled.mechanisms', 'sasl.mechanism.inter.broker.protocol', 'broker.rack',
] as const;

/** Renders settings as a Java properties file, one `key=value` a line. */
export function renderProperties(settings: Readonly<Record<string, string | number | boolean>>): string {
  return Object.entries(settings).map(([k, v]) => `${k}=${v}`).join('\n') + '\n';
}
