import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Environment } from '../../../lib/building-blocks/environment';
import { KafkaCluster, KafkaClusterProps } from '../../../lib/workloads/kafka/kafka-cluster';
import { checkClusterId, resolveReplication } from '../../../lib/workloads/kafka/kafka-settings';
import { KafkaTopic, KafkaTopicProps } from '../../../lib/workloads/kafka/kafka-topic';
import { KafkaTopology } from '../../../lib/workloads/kafka/kafka-topology';
import { find, findAll, findingsOf, synthChart, tempDir } from '../../helpers';

const CLUSTER_ID = 'hYkeba0EvH7rJmaYnj0Hgw';

function synthKafka(env: Environment, props: KafkaClusterProps = {}, topics: Omit<KafkaTopicProps, 'cluster'>[] = []) {
  return synthChart((c) => {
    const cluster = new KafkaCluster(c, 'kafka', { clusterId: CLUSTER_ID, ...props });
    topics.forEach((t, i) => new KafkaTopic(c, `topic-${i}`, { cluster, ...t }));
  }, env, { namespace: 'events' });
}

function properties(records: any, name: string): Record<string, string> {
  const text: string = find(records, 'ConfigMap', name).data['server.properties'];
  return Object.fromEntries(text.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

/** Runs a node's real start script with stub Kafka binaries, as pod `hostname` would. */
function runStartScript(records: any, statefulSet: string, ordinal: number): { config: Record<string, string>; format: string } {
  const sts = find(records, 'StatefulSet', statefulSet);
  const container = sts.spec.template.spec.containers[0];
  const configMap = sts.spec.template.spec.volumes.find((v: any) => v.name === 'config').configMap.name;
  const dir = tempDir('kafka-start');
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.writeFileSync(path.join(dir, 'server.properties'), find(records, 'ConfigMap', configMap).data['server.properties']);
  fs.writeFileSync(path.join(dir, 'bin', 'kafka-storage.sh'), `#!/bin/sh\necho "$@" > ${dir}/format-args\n`, { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'bin', 'kafka-server-start.sh'), '#!/bin/sh\ncat "$1"\n', { mode: 0o755 });
  const script = (container.command[2] as string)
    .replaceAll('/etc/kafka/server.properties', `${dir}/server.properties`)
    .replaceAll('/tmp/server.properties', `${dir}/out.properties`)
    .replaceAll('/opt/kafka/bin/', `${dir}/bin/`);
  const clusterId = container.env.find((e: any) => e.name === 'KAFKA_CLUSTER_ID').value;
  const out = execFileSync('bash', ['--norc', '--noprofile', '-c', script], { env: { PATH: process.env.PATH, HOSTNAME: `${statefulSet}-${ordinal}`, KAFKA_CLUSTER_ID: clusterId }, encoding: 'utf8' });
  const config = Object.fromEntries(out.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  return { config, format: fs.readFileSync(path.join(dir, 'format-args'), 'utf8').trim() };
}

describe('KafkaCluster', () => {
  const local = synthKafka(Environment.LOCAL, { clusterId: undefined });
  const prod = synthKafka(Environment.PRODUCTION);

  test('both environments pass the validation gate', () => {
    expect(findingsOf(local, Environment.LOCAL)).toEqual([]);
    expect(findingsOf(prod, Environment.PRODUCTION)).toEqual([]);
  });

  test('local is one combined node; production has 3 controllers and 3 brokers in separate StatefulSets', () => {
    expect(findAll(local, 'StatefulSet').map((s) => [s.metadata.name, s.spec.replicas])).toEqual([['kafka', 1]]);
    expect(properties(local, 'kafka-config')['process.roles']).toBe('broker,controller');
    expect(findAll(prod, 'StatefulSet').map((s) => [s.metadata.name, s.spec.replicas]).sort()).toEqual([['kafka-broker', 3], ['kafka-controller', 3]]);
    expect(properties(prod, 'kafka-controller-config')['process.roles']).toBe('controller');
    expect(properties(prod, 'kafka-broker-config')['process.roles']).toBe('broker');
  });

  test('node ids come from the ordinal, brokers offset from controllers: unique and the same on every synth', () => {
    const ids = (records: any) => [0, 1, 2].flatMap((i) => ['kafka-controller', 'kafka-broker'].map((s) => runStartScript(records, s, i).config['node.id']));
    const first = ids(prod);
    expect(first.sort()).toEqual(['0', '1', '100', '101', '102', '2']);
    expect(ids(synthKafka(Environment.PRODUCTION)).sort()).toEqual(first);
  });

  test('each pod advertises its own stable DNS name, and the StatefulSet serves through that headless Service', () => {
    const broker = runStartScript(prod, 'kafka-broker', 2).config;
    const host = 'kafka-broker-2.kafka-broker-headless.events.svc.cluster.local';
    expect(broker['advertised.listeners']).toBe(`CLIENT://${host}:9092,INTERNAL://${host}:9094`);
    expect(find(prod, 'StatefulSet', 'kafka-broker').spec.serviceName).toBe('kafka-broker-headless');
    expect(find(prod, 'Service', 'kafka-broker-headless').spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    const combined = runStartScript(local, 'kafka', 0).config;
    expect(combined['advertised.listeners']).toBe('CLIENT://kafka-0.kafka-headless.events.svc.cluster.local:9092,INTERNAL://kafka-0.kafka-headless.events.svc.cluster.local:9094');
  });

  test('the quorum lists every controller by node id and DNS name, the same for brokers and controllers', () => {
    const voters = properties(prod, 'kafka-broker-config')['controller.quorum.voters'];
    expect(voters).toBe([0, 1, 2].map((i) => `${i}@kafka-controller-${i}.kafka-controller-headless.events.svc.cluster.local:9093`).join(','));
    expect(properties(prod, 'kafka-controller-config')['controller.quorum.voters']).toBe(voters);
  });

  test('storage is formatted with the fixed cluster id only when empty, on a folder inside the volume', () => {
    const { format, config } = runStartScript(prod, 'kafka-broker', 0);
    expect(format).toContain(`--cluster-id ${CLUSTER_ID} --ignore-formatted`);
    expect(config['log.dirs']).toBe('/var/lib/kafka/data');
    const mounts = find(prod, 'StatefulSet', 'kafka-broker').spec.template.spec.containers[0].volumeMounts;
    expect(mounts).toContainEqual({ name: 'data', mountPath: '/var/lib/kafka', readOnly: false });
  });

  test('replication defaults fit each environment; heap is half the memory limit; grace covers a controlled shutdown', () => {
    expect(properties(local, 'kafka-config')).toMatchObject({ 'default.replication.factor': '1', 'min.insync.replicas': '1', 'offsets.topic.replication.factor': '1' });
    expect(properties(prod, 'kafka-broker-config')).toMatchObject({ 'default.replication.factor': '3', 'min.insync.replicas': '2', 'transaction.state.log.min.isr': '2' });
    const broker = find(prod, 'StatefulSet', 'kafka-broker').spec.template.spec;
    expect(broker.containers[0].resources.limits.memory).toBe('3Gi');
    expect(broker.containers[0].env.find((e: any) => e.name === 'KAFKA_HEAP_OPTS').value).toBe('-Xms1536m -Xmx1536m');
    expect(broker.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(120);
  });

  test('a changed server.properties rolls the pods through the config hash', () => {
    const hash = (records: any) => find(records, 'StatefulSet', 'kafka-broker').spec.template.metadata.annotations['shipshape.dev/config-hash'];
    expect(hash(synthKafka(Environment.PRODUCTION, { settings: { 'log.retention.hours': 72 } }))).not.toBe(hash(prod));
  });

  test('PDBs allow one node down; production spreads; the policy admits clients on 9092 and the cluster on its own ports', () => {
    for (const name of ['kafka-broker', 'kafka-controller']) expect(find(prod, 'PodDisruptionBudget', name).spec.maxUnavailable).toBe(1);
    expect(find(prod, 'StatefulSet', 'kafka-broker').spec.template.spec.topologySpreadConstraints).toHaveLength(2);
    const controllerIngress = find(prod, 'NetworkPolicy', 'kafka-controller').spec.ingress;
    const from = (r: any) => r.from[0].podSelector?.matchLabels['app.kubernetes.io/instance'];
    expect(controllerIngress.map((r: any) => [from(r), r.ports[0].port]).sort()).toEqual([['kafka-broker', 9093], ['kafka-controller', 9093]]);
    const brokerIngress = find(prod, 'NetworkPolicy', 'kafka-broker').spec.ingress;
    expect(brokerIngress.map((r: any) => [from(r), r.ports[0].port])).toEqual([['kafka-broker', 9094]]);
  });

  test('the cluster id is validated, and production without one says what to set', () => {
    expect(() => checkClusterId('kafka', 'too-short')).toThrow("kafka: clusterId 'too-short' is not a 22-character base64url UUID (16 bytes)");
    expect(() => checkClusterId('kafka', 'AAAAAAAAAAAAAAAAAAAAAA')).toThrow('is reserved by Kafka');
    expect(checkClusterId('kafka', 'MkU3OEVBNTcwNTJENDM2Qk')).toBe('MkU3OEVBNTcwNTJENDM2Qk');
    expect(() => synthKafka(Environment.PRODUCTION, { clusterId: undefined })).toThrow(
      "kafka 'kafka': environment 'production' needs a fixed cluster id; pass clusterId in the props or set KAFKA_CLUSTER_ID",
    );
  });

  test('replication settings that do not fit the brokers fail with their messages', () => {
    expect(() => resolveReplication('kafka', 1, { defaultReplicationFactor: 3 })).toThrow(
      'kafka: default.replication.factor 3 is larger than the 1 broker(s), so the topics cannot be created; lower it to 1 or add brokers',
    );
    expect(() => resolveReplication('kafka', 3, { offsetsTopicReplicationFactor: 4 })).toThrow('offsets.topic.replication.factor 4 is larger than the 3 broker(s)');
    expect(() => resolveReplication('kafka', 3, { minInsyncReplicas: 3 })).toThrow(
      'kafka: min.insync.replicas 3 is not smaller than default.replication.factor 3, so one broker down stops every acks=all producer; lower min.insync.replicas to 2 or raise default.replication.factor',
    );
    expect(() => synthKafka(Environment.PRODUCTION, { topology: KafkaTopology.separate({ controllers: 3, brokers: 2 }), replication: { defaultReplicationFactor: 3 } })).toThrow(
      "kafka 'kafka': default.replication.factor 3 is larger than the 2 broker(s)",
    );
    expect(() => KafkaTopology.separate({ controllers: 2, brokers: 3 })).toThrow('2 controllers is even');
    expect(() => synthKafka(Environment.LOCAL, { settings: { 'node.id': 5 } })).toThrow('settings node.id follow from the topology and cannot be set');
  });
});

describe('KafkaTopic', () => {
  const jobName = (topic: Omit<KafkaTopicProps, 'cluster'>) => findAll(synthKafka(Environment.PRODUCTION, {}, [topic]), 'Job')[0].metadata.name;

  test('the Job name changes with the topic spec and not otherwise', () => {
    const base = { name: 'orders', partitions: 6 };
    expect(jobName(base)).toBe(jobName({ ...base }));
    expect(jobName(base)).toMatch(/^kafka-topic-orders-[0-9a-f]{8}$/);
    expect(jobName({ ...base, partitions: 12 })).not.toBe(jobName(base));
    expect(jobName({ ...base, settings: { 'retention.ms': 1000 } })).not.toBe(jobName(base));
  });

  test('waits for the brokers, creates if missing, raises partitions, with backoff, deadline and TTL', () => {
    const records = synthKafka(Environment.PRODUCTION, {}, [{ name: 'orders', partitions: 6, settings: { 'cleanup.policy': 'compact' } }]);
    const job = findAll(records, 'Job')[0];
    const script: string = job.spec.template.spec.containers[0].command[2];
    expect(script).toContain('--list >/dev/null 2>&1; do echo "waiting for the brokers"');
    expect(script).toContain("--create --if-not-exists --topic 'orders' --partitions 6 --replication-factor 3 --config 'cleanup.policy=compact'");
    expect(script).toContain("--alter --topic 'orders' --partitions 6");
    expect(job.spec).toMatchObject({ backoffLimit: 10, activeDeadlineSeconds: 1200 });
    expect(job.spec.ttlSecondsAfterFinished).toBeUndefined(); // a TTL would make the next apply re-run it
    expect(findingsOf(records, Environment.PRODUCTION)).toEqual([]);
  });

  test('partitions and replication are checked against the cluster', () => {
    expect(() => synthKafka(Environment.LOCAL, {}, [{ name: 'orders', replicationFactor: 2 }])).toThrow(
      "kafka topic 'orders': replicationFactor 2 is larger than the 1 broker(s) of kafka 'kafka'; lower it to 1 or add brokers",
    );
    expect(() => synthKafka(Environment.PRODUCTION, {}, [{ name: 'orders', partitions: 0 }])).toThrow("kafka topic 'orders'");
    expect(() => synthKafka(Environment.PRODUCTION, {}, [{ name: 'orders', replicationFactor: 2, settings: { 'min.insync.replicas': 2 } }])).toThrow(
      'min.insync.replicas 2 is not smaller than replicationFactor 2',
    );
  });
});
