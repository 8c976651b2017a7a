import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Environment } from '../../../lib/building-blocks/environment';
import { SecretSource } from '../../../lib/building-blocks/secrets';
import { KafkaCluster, KafkaClusterProps } from '../../../lib/workloads/kafka/kafka-cluster';
import { checkClusterId, resolveReplication } from '../../../lib/workloads/kafka/kafka-settings';
import { KafkaTopic, KafkaTopicProps } from '../../../lib/workloads/kafka/kafka-topic';
import { KafkaTopology } from '../../../lib/workloads/kafka/kafka-topology';
import { makePlan, planExitCode } from '../../../lib/tooling/plan/plan';
import { find, findAll, findingsOf, synthChart, tempDir } from '../../helpers';

const CLUSTER_ID = 'hYkeba0EvH7rJmaYnj0Hgw';

function synthKafka(env: Environment, props: KafkaClusterProps = {}, topics: Omit<KafkaTopicProps, 'cluster'>[] = []) {
  return synthChart((c) => {
    const cluster = new KafkaCluster(c, 'kafka', { clusterId: CLUSTER_ID, credentials: env.pick<SecretSource>({ local: SecretSource.development(), production: SecretSource.existing('kafka-credentials') }), ...props });
    topics.forEach((t, i) => new KafkaTopic(c, `topic-${i}`, { cluster, ...t }));
  }, env, { namespace: 'events' });
}

function properties(records: any, name: string): Record<string, string> {
  const text: string = find(records, 'ConfigMap', name).data['server.properties'];
  return Object.fromEntries(text.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

/** Runs a node's real start script with stub Kafka binaries, as pod `hostname` would. */
function runStartScript(records: any, statefulSet: string, ordinal: number, extraEnv: Record<string, string> = {}): { config: Record<string, string>; format: string } {
  const sts = find(records, 'StatefulSet', statefulSet);
  const container = sts.spec.template.spec.containers[0];
  const configMap = sts.spec.template.spec.volumes.find((v: any) => v.name === 'config').configMap.name;
  const dir = tempDir('kafka-start');
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.writeFileSync(path.join(dir, 'server.properties'), find(records, 'ConfigMap', configMap).data['server.properties']);
  fs.writeFileSync(path.join(dir, 'bin', 'kafka-storage.sh'), `#!/bin/sh\necho "$@" > ${dir}/format-args\n`, { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'bin', 'kafka-server-start.sh'), '#!/bin/sh\ncat "$1"\n', { mode: 0o755 });
  // No other controller answers and waits are instant: a first install (kafka-start.test.ts runs the other cases).
  fs.writeFileSync(path.join(dir, 'bin', 'kafka-metadata-quorum.sh'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'bin', 'sleep'), '#!/bin/sh\n', { mode: 0o755 });
  const script = (container.command[2] as string)
    .replaceAll('/etc/kafka/server.properties', `${dir}/server.properties`)
    .replaceAll('/tmp/server.properties', `${dir}/out.properties`)
    .replaceAll('/opt/kafka/bin/', `${dir}/bin/`)
    .replaceAll('/var/lib/kafka', `${dir}/volume`)
    .replaceAll('/tmp/admin.properties', `${dir}/admin.properties`)
    .replaceAll('/etc/kafka/log4j2.yaml', `${dir}/log4j2.yaml`);
  const clusterId = container.env.find((e: any) => e.name === 'KAFKA_CLUSTER_ID').value;
  const out = execFileSync('bash', ['--norc', '--noprofile', '-c', script], {
    env: { PATH: `${dir}/bin:${process.env.PATH}`, HOSTNAME: `${statefulSet}-${ordinal}`, KAFKA_CLUSTER_ID: clusterId, KAFKA_BROKER_PASSWORD: 'b1', KAFKA_ADMIN_PASSWORD: 'a1', KAFKA_RACK: 'zone-a', ...extraEnv },
    encoding: 'utf8',
  });
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
    expect(combined['advertised.listeners']).toBe(
      'CLIENT://kafka-0.kafka-headless.events.svc.cluster.local:9092,INTERNAL://kafka-0.kafka-headless.events.svc.cluster.local:9094,CONTROLLER://kafka-0.kafka-headless.events.svc.cluster.local:9093',
    );
  });

  test('the quorum lists every controller by node id and DNS name, the same for brokers and controllers', () => {
    const voters = properties(prod, 'kafka-broker-config')['controller.quorum.voters'];
    expect(voters).toBe([0, 1, 2].map((i) => `${i}@kafka-controller-${i}.kafka-controller-headless.events.svc.cluster.local:9093`).join(','));
    expect(properties(prod, 'kafka-controller-config')['controller.quorum.voters']).toBe(voters);
  });

  test('storage is formatted with the fixed cluster id when empty, never with --ignore-formatted, on a folder inside the volume', () => {
    const { format, config } = runStartScript(prod, 'kafka-broker', 0);
    expect(format).toMatch(new RegExp(`^format --config \\S+/out.properties --cluster-id ${CLUSTER_ID}$`));
    expect(format).not.toContain('--ignore-formatted');
    expect(config['log.dirs']).toBe('/var/lib/kafka/data');
    const mounts = find(prod, 'StatefulSet', 'kafka-broker').spec.template.spec.containers[0].volumeMounts;
    expect(mounts).toContainEqual({ name: 'data', mountPath: '/var/lib/kafka', readOnly: false });
  });

  test('replication defaults fit each environment; heap is half the memory limit; grace covers a controlled shutdown', () => {
    expect(properties(local, 'kafka-config')).toMatchObject({ 'default.replication.factor': '1', 'min.insync.replicas': '1', 'offsets.topic.replication.factor': '1' });
    expect(properties(prod, 'kafka-broker-config')).toMatchObject({ 'default.replication.factor': '3', 'min.insync.replicas': '2', 'transaction.state.log.min.isr': '2' });
    const broker = find(prod, 'StatefulSet', 'kafka-broker').spec.template.spec;
    expect(broker.containers[0].resources.limits.memory).toBe('3Gi');
    expect(broker.containers[0].resources.requests.memory).toBe('3Gi');
    expect(broker.containers[0].env.find((e: any) => e.name === 'KAFKA_HEAP_OPTS').value).toBe('-Xms1536m -Xmx1536m -XX:MaxDirectMemorySize=384m -XX:ActiveProcessorCount=2');
    const controller = find(prod, 'StatefulSet', 'kafka-controller').spec.template.spec.containers[0];
    expect(controller.resources.requests.memory).toBe(controller.resources.limits.memory);
    expect(broker.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(120);
  });

  test('a changed server.properties rolls the pods through the config hash', () => {
    const hash = (records: any) => find(records, 'StatefulSet', 'kafka-broker').spec.template.metadata.annotations['shipshape.dev/config-hash'];
    expect(hash(synthKafka(Environment.PRODUCTION, { settings: { 'log.retention.hours': 72 } }))).not.toBe(hash(prod));
  });

  test('PDBs allow one node down; production spreads; the policy admits clients on 9092 and the cluster on its own ports', () => {
    for (const name of ['kafka-broker', 'kafka-controller']) expect(find(prod, 'PodDisruptionBudget', name).spec.maxUnavailable).toBe(1);
    for (const name of ['kafka-broker', 'kafka-controller']) {
      const [node, zone] = find(prod, 'StatefulSet', name).spec.template.spec.topologySpreadConstraints;
      expect(node).toMatchObject({ topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule' });
      expect(zone).toMatchObject({ topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', minDomains: 3, maxSkew: 1 });
    }
    const controllerIngress = find(prod, 'NetworkPolicy', 'kafka-controller').spec.ingress;
    const from = (r: any) => r.from[0].podSelector?.matchLabels['app.kubernetes.io/instance'];
    expect(controllerIngress.map((r: any) => [from(r), r.ports[0].port]).sort()).toEqual([['kafka-broker', 9093], ['kafka-controller', 9093]]);
    const brokerIngress = find(prod, 'NetworkPolicy', 'kafka-broker').spec.ingress;
    expect(brokerIngress.map((r: any) => [from(r) ?? r.from[0].namespaceSelector.matchLabels, r.ports[0].port])).toEqual([
      ['kafka-broker', 9094],
      [{ 'kafka-client.shipshape.dev/events.kafka': 'true' }, 9092],
    ]);
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
    expect(() => synthKafka(Environment.LOCAL, { settings: { 'node.id': 5 } })).toThrow('settings node.id follow from the topology and security and cannot be set');
    expect(() => synthKafka(Environment.LOCAL, { settings: { 'super.users': 'User:x', 'listener.name.client.plain.sasl.jaas.config': 'x' } })).toThrow(
      'settings super.users, listener.name.client.plain.sasl.jaas.config follow from the topology and security',
    );
  });

  test('production keeps replication factor 3 when brokers shrink: fewer brokers fail with the steps, a lower factor must be explicit', () => {
    const two = KafkaTopology.separate({ controllers: 3, brokers: 2 });
    expect(() => synthKafka(Environment.PRODUCTION, { topology: two })).toThrow(
      "kafka 'kafka': 2 broker(s) cannot hold the replication factor 3 this environment keeps; lowering replication must be explicit: move the replicas off the brokers you remove first (kafka-reassign-partitions.sh",
    );
    const explicit = synthKafka(Environment.PRODUCTION, { topology: two, replication: { defaultReplicationFactor: 2, minInsyncReplicas: 1 } });
    expect(properties(explicit, 'kafka-broker-config')).toMatchObject({ 'default.replication.factor': '2', 'min.insync.replicas': '1' });
    expect(properties(synthKafka(Environment.PRODUCTION, { topology: KafkaTopology.separate({ controllers: 3, brokers: 5 }) }), 'kafka-broker-config')['default.replication.factor']).toBe('3');
  });
});

describe('the static quorum in the plan', () => {
  const synth = (controllers: number, brokers = 3) => synthKafka(Environment.PRODUCTION, { topology: KafkaTopology.separate({ controllers, brokers }) });

  test('a change of the controller count is refused by npm run plan, with the steps; more brokers are not', () => {
    const plan = makePlan(synth(3), synth(5));
    const refused = plan.refused.filter((r) => r.object.includes('kafka-controller'));
    expect(refused).toHaveLength(1);
    expect(refused[0].fields).toEqual(['metadata.annotations.shipshape.dev/fixed-for-life']);
    expect(refused[0].reason).toContain('StatefulSet kafka-controller declares this fixed for its life: controller.quorum.voters=0@kafka-controller-0');
    expect(refused[0].steps[0]).toContain('a static KRaft quorum cannot change its voters');
    expect(planExitCode(plan)).toBe(2);
    const more = makePlan(synth(3), synth(3, 4));
    expect(more.refused.filter((r) => r.fields.some((f) => f.includes('fixed-for-life')))).toEqual([]);
  });
});
