/**
 * The nodes' real start and readiness scripts, run by bash with stub Kafka
 * binaries and a stub `sleep`, as the pod would run them.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Environment } from '../../../lib/building-blocks/environment';
import { SecretSource } from '../../../lib/building-blocks/secrets';
import { KafkaCluster } from '../../../lib/workloads/kafka/kafka-cluster';
import { find, synthChart, tempDir } from '../../helpers';

const prod = synthChart((c) => new KafkaCluster(c, 'kafka', { clusterId: 'hYkeba0EvH7rJmaYnj0Hgw', credentials: SecretSource.existing('kafka-credentials') }), Environment.PRODUCTION, { namespace: 'events' });
const local = synthChart((c) => new KafkaCluster(c, 'kafka', {}), Environment.LOCAL, { namespace: 'events' });

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly dir: string;
  readonly calls: string[];
  readonly properties: string;
}

/**
 * Runs the start script of `<sts>-<ordinal>` with stubs: `quorum` is what kafka-metadata-quorum.sh does, `sleep`
 * what the stub sleep does on its n-th call (it may approve the format or stop the script).
 */
function start(records: any, sts: string, ordinal: number, opts: { formatted?: boolean; quorum?: 'answers' | 'silent'; sleep?: (dir: string) => string; env?: Record<string, string> } = {}): Run {
  const container = find(records, 'StatefulSet', sts).spec.template.spec.containers[0];
  const configMap = find(records, 'StatefulSet', sts).spec.template.spec.volumes.find((v: any) => v.name === 'config').configMap.name;
  const dir = tempDir('kafka-start');
  for (const d of ['bin', 'etc', 'volume/data', 'tmp', 'path']) fs.mkdirSync(path.join(dir, d), { recursive: true });
  fs.writeFileSync(path.join(dir, 'etc', 'server.properties'), find(records, 'ConfigMap', configMap).data['server.properties']);
  if (opts.formatted) fs.writeFileSync(path.join(dir, 'volume/data/meta.properties'), 'node.id=0\n');
  const stub = (name: string, body: string) => fs.writeFileSync(path.join(dir, 'bin', name), `#!/bin/bash\necho "${name} $*" >> ${dir}/calls\n${body}\n`, { mode: 0o755 });
  stub('kafka-storage.sh', '');
  stub('kafka-server-start.sh', 'echo started');
  stub('kafka-metadata-quorum.sh', opts.quorum === 'answers' ? 'printf "ClusterId: hYkeba0EvH7rJmaYnj0Hgw\\nLeaderId: 1\\n"' : 'echo "org.apache.kafka.common.errors.TimeoutException: Timed out waiting for a node assignment" >&2; exit 1');
  fs.writeFileSync(path.join(dir, 'path', 'sleep'), `#!/bin/bash\necho "sleep $*" >> ${dir}/calls\nn=$(grep -c '^sleep' ${dir}/calls)\n${opts.sleep?.(dir) ?? ''}\n`, { mode: 0o755 });
  const paths: Record<string, string> = { '/etc/kafka/': `${dir}/etc/`, '/tmp/': `${dir}/tmp/`, '/opt/kafka/bin/': `${dir}/bin/`, '/var/lib/kafka': `${dir}/volume` };
  const script = (container.command[2] as string).replace(/\/etc\/kafka\/|\/tmp\/|\/opt\/kafka\/bin\/|\/var\/lib\/kafka/g, (m) => paths[m]);
  const env = Object.fromEntries(container.env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
  const result = spawnSync('bash', ['--norc', '--noprofile', '-c', script], {
    env: { ...env, PATH: `${dir}/path:${process.env.PATH}`, HOSTNAME: `${sts}-${ordinal}`, KAFKA_BROKER_PASSWORD: 'brokerpw', KAFKA_ADMIN_PASSWORD: 'adminpw', ...opts.env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const calls = fs.existsSync(path.join(dir, 'calls')) ? fs.readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n') : [];
  const out = path.join(dir, 'tmp', 'server.properties');
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, dir, calls, properties: fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '' };
}

describe('controller start: a lost volume never silently rejoins the static quorum', () => {
  test('first install: the other voters do not answer, so the empty volume is formatted with the first SCRAM users', () => {
    const run = start(prod, 'kafka-controller', 1, { quorum: 'silent' });
    expect(run.status).toBe(0);
    const asked = run.calls.filter((c) => c.startsWith('kafka-metadata-quorum.sh'));
    expect(asked.length).toBe(24);
    // It asks the two others, never itself.
    expect(asked[0]).toBe(
      'kafka-metadata-quorum.sh --bootstrap-controller kafka-controller-0.kafka-controller-headless.events.svc.cluster.local:9093,kafka-controller-2.kafka-controller-headless.events.svc.cluster.local:9093 describe --status',
    );
    const format = run.calls.find((c) => c.startsWith('kafka-storage.sh'))!;
    expect(format).toBe(
      `kafka-storage.sh format --config ${run.dir}/tmp/server.properties --cluster-id hYkeba0EvH7rJmaYnj0Hgw --add-scram SCRAM-SHA-512=[name=kafka-broker,password=brokerpw] --add-scram SCRAM-SHA-512=[name=admin,password=adminpw]`,
    );
    expect(run.calls[run.calls.length - 1]).toBe(`kafka-server-start.sh ${run.dir}/tmp/server.properties`);
    expect(run.stderr).toContain('no quorum answers yet (first install?)');
  });

  test('restart with data: no quorum question, no format', () => {
    const run = start(prod, 'kafka-controller', 1, { formatted: true, quorum: 'answers' });
    expect(run.status).toBe(0);
    expect(run.calls).toEqual([`kafka-server-start.sh ${run.dir}/tmp/server.properties`]);
  });

  test('empty volume while the quorum answers: refuses with a clear log and never formats', () => {
    // The stub sleep stops the script on its third wait: it would otherwise refuse forever.
    const run = start(prod, 'kafka-controller', 2, { quorum: 'answers', sleep: () => 'if [ "$n" -ge 3 ]; then kill -TERM $PPID; fi' });
    expect(run.status).not.toBe(0);
    expect(run.calls.some((c) => c.startsWith('kafka-storage.sh') || c.startsWith('kafka-server-start.sh'))).toBe(false);
    expect(run.stderr).toContain('kafka: REFUSING TO FORMAT: node 2 has an empty metadata volume, but the controller quorum is running:');
    expect(run.stderr).toContain('LeaderId: 1');
    expect(run.stderr).toContain(`then run: kubectl exec kafka-controller-2 -- touch ${run.dir}/volume/format-approved`);
  });

  test('an operator approves the format after checking the others: it formats once and removes the approval', () => {
    // The stub sleep plays the operator: on the second wait it approves.
    const run = start(prod, 'kafka-controller', 2, { quorum: 'answers', sleep: (dir) => `if [ "$n" -ge 2 ]; then touch ${dir}/volume/format-approved; fi` });
    expect(run.status).toBe(0);
    expect(run.stderr.split('REFUSING TO FORMAT').length - 1).toBe(2);
    expect(run.calls.filter((c) => c.startsWith('kafka-storage.sh format'))).toHaveLength(1);
    expect(fs.existsSync(path.join(run.dir, 'volume', 'format-approved'))).toBe(false);
    expect(run.calls[run.calls.length - 1]).toContain('kafka-server-start.sh');
  });

  test('brokers and single-voter clusters format an empty volume without asking; brokers get no SCRAM seed', () => {
    const broker = start(prod, 'kafka-broker', 0, { quorum: 'answers', env: { KAFKA_RACK: 'eu-west-1b' } });
    expect(broker.status).toBe(0);
    expect(broker.calls.some((c) => c.startsWith('kafka-metadata-quorum.sh'))).toBe(false);
    expect(broker.calls.find((c) => c.startsWith('kafka-storage.sh'))).not.toContain('--add-scram');
    const single = start(local, 'kafka', 0, { quorum: 'answers' });
    expect(single.calls.some((c) => c.startsWith('kafka-metadata-quorum.sh'))).toBe(false);
    expect(single.calls.find((c) => c.startsWith('kafka-storage.sh'))).toContain('--add-scram SCRAM-SHA-512=[name=admin,password=adminpw]');
  });
});

describe('broker start: identity, rack, credentials, logs', () => {
  test('broker.rack is the zone label of the pod where Kubernetes sets it (1.35+); production then refuses to start without it, local runs without', () => {
    const zoned = Environment.PRODUCTION.with({ minKubernetesVersion: '1.35' });
    const rackProd = synthChart((c) => new KafkaCluster(c, 'kafka', { clusterId: 'hYkeba0EvH7rJmaYnj0Hgw', credentials: SecretSource.existing('kafka-credentials') }), zoned, { namespace: 'events' });
    const broker = start(rackProd, 'kafka-broker', 2, { env: { KAFKA_RACK: 'eu-west-1b' } });
    expect(broker.properties).toContain('\nbroker.rack=eu-west-1b\n');
    expect(broker.properties).toContain('replica.selector.class=org.apache.kafka.common.replica.RackAwareReplicaSelector');
    const container = find(rackProd, 'StatefulSet', 'kafka-broker').spec.template.spec.containers[0];
    expect(container.env.find((e: any) => e.name === 'KAFKA_RACK').valueFrom).toEqual({ fieldRef: { fieldPath: "metadata.labels['topology.kubernetes.io/zone']" } });
    const missing = start(rackProd, 'kafka-broker', 2);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('kafka: the pod has no topology.kubernetes.io/zone label, so broker.rack cannot be set');
    expect(missing.calls).toEqual([]);
    // The production preset's minimum (1.30) has no zone label on pods: no rack, and brokers start without the label.
    const unzoned = start(prod, 'kafka-broker', 2);
    expect(unzoned.status).toBe(0);
    expect(unzoned.properties).not.toContain('broker.rack');
    expect(find(prod, 'StatefulSet', 'kafka-broker').spec.template.spec.containers[0].env.some((e: any) => e.name === 'KAFKA_RACK')).toBe(false);
    expect(() =>
      synthChart((c) => new KafkaCluster(c, 'kafka', { clusterId: 'hYkeba0EvH7rJmaYnj0Hgw', credentials: SecretSource.existing('kafka-credentials'), rackAware: true }), Environment.PRODUCTION, { namespace: 'events' }),
    ).toThrow(/rackAware needs pods labelled with their zone, which Kubernetes sets from 1.35 on, but the environment's minKubernetesVersion is 1.30/);
    const single = start(local, 'kafka', 0);
    expect(single.status).toBe(0);
    expect(single.properties).not.toContain('broker.rack');
  });

  test('SASL/SCRAM on CLIENT and INTERNAL with the broker user from the Secret; the admin settings for probes; logs to stdout only', () => {
    const run = start(prod, 'kafka-broker', 0, { env: { KAFKA_RACK: 'a' } });
    const props = Object.fromEntries(run.properties.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    expect(props).toMatchObject({
      'listener.security.protocol.map': 'CLIENT:SASL_PLAINTEXT,INTERNAL:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT',
      'sasl.enabled.mechanisms': 'SCRAM-SHA-512',
      'sasl.mechanism.inter.broker.protocol': 'SCRAM-SHA-512',
      'listener.name.client.scram-sha-512.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
      'listener.name.internal.scram-sha-512.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required username="kafka-broker" password="brokerpw";',
      'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      'allow.everyone.if.no.acl.found': 'false',
      'super.users': 'User:ANONYMOUS;User:kafka-broker;User:admin',
      'node.id': '100',
    });
    expect(fs.readFileSync(path.join(run.dir, 'tmp', 'admin.properties'), 'utf8')).toBe(
      'security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-512\nsasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="adminpw";\n',
    );
    // The password is never in the ConfigMap.
    expect(find(prod, 'ConfigMap', 'kafka-broker-config').data['server.properties']).not.toContain('password');
    const log4j = find(prod, 'ConfigMap', 'kafka-broker-config').data['log4j2.yaml'];
    expect(log4j).toContain('target: SYSTEM_OUT');
    expect(log4j).not.toMatch(/RollingFile|additivity/);
    expect(find(prod, 'StatefulSet', 'kafka-broker').spec.template.spec.containers[0].command[2]).toContain('export KAFKA_LOG4J_OPTS="-Dlog4j2.configurationFile=/etc/kafka/log4j2.yaml"');
  });

  test('combined nodes advertise their controller listener too', () => {
    const run = start(local, 'kafka', 0);
    const host = 'kafka-0.kafka-headless.events.svc.cluster.local';
    expect(run.properties).toContain(`advertised.listeners=CLIENT://${host}:9092,INTERNAL://${host}:9094,CONTROLLER://${host}:9093`);
  });
});

/** Runs a readiness script with a stub tool that prints `output` and exits `rc`. */
function ready(records: any, configMap: string, hostname: string, tool: string, output: string, rc = 0): { status: number | null; stdout: string } {
  const dir = tempDir('kafka-ready');
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.writeFileSync(path.join(dir, 'out'), output);
  fs.writeFileSync(path.join(dir, 'bin', tool), `#!/bin/bash\necho "$*" > ${dir}/args\ncat ${dir}/out\nexit ${rc}\n`, { mode: 0o755 });
  const script = (find(records, 'ConfigMap', configMap).data['ready.sh'] as string).replaceAll('/opt/kafka/bin/', `${dir}/bin/`);
  const r = spawnSync('bash', ['-c', script], { env: { PATH: process.env.PATH, HOSTNAME: hostname }, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout };
}

describe('readiness: a node is Ready only once it has caught up', () => {
  // TopicCommand's --under-replicated-partitions lines (tools/.../TopicCommand.java).
  const urp = (replicas: string, isr: string) => `\tTopic: orders\tPartition: 0\tLeader: 100\tReplicas: ${replicas}\tIsr: ${isr}\tElr: \tLastKnownElr: \n`;

  test('a broker outside the ISR of a partition it replicates is not Ready; other brokers behind do not matter', () => {
    const behind = ready(prod, 'kafka-broker-config', 'kafka-broker-1', 'kafka-topics.sh', urp('100,101,102', '100,102'));
    expect(behind.status).toBe(1);
    expect(behind.stdout).toContain('node 101 is not yet in the ISR of 1 partition(s)');
    expect(ready(prod, 'kafka-broker-config', 'kafka-broker-0', 'kafka-topics.sh', urp('100,101,102', '100,102')).status).toBe(0);
    expect(ready(prod, 'kafka-broker-config', 'kafka-broker-1', 'kafka-topics.sh', urp('1010,102,100', '102,100')).status).toBe(0);
    expect(ready(prod, 'kafka-broker-config', 'kafka-broker-1', 'kafka-topics.sh', '').status).toBe(0);
    const failed = ready(prod, 'kafka-broker-config', 'kafka-broker-1', 'kafka-topics.sh', 'Error while executing topic command', 1);
    expect(failed.status).toBe(1);
    expect(failed.stdout).toContain('not ready: kafka-topics failed: Error while executing topic command');
  });

  test('a controller is Ready when its metadata log is close to the leader', () => {
    // MetadataQuorumCommand's describe --replication columns (tools/.../MetadataQuorumCommand.java).
    const table = (lag: number) => `NodeId\tDirectoryId\tLogEndOffset\tLag\tLastFetchTimestamp\tLastCaughtUpTimestamp\tStatus\n0\tAAA\t500000\t0\t1\t1\tLeader\n1\tBBB\t${500000 - lag}\t${lag}\t1\t1\tFollower\n`;
    expect(ready(prod, 'kafka-controller-config', 'kafka-controller-1', 'kafka-metadata-quorum.sh', table(5)).status).toBe(0);
    const behind = ready(prod, 'kafka-controller-config', 'kafka-controller-1', 'kafka-metadata-quorum.sh', table(50000));
    expect(behind.status).toBe(1);
    expect(behind.stdout).toContain('node 1 is 50000 records behind');
    expect(ready(prod, 'kafka-controller-config', 'kafka-controller-2', 'kafka-metadata-quorum.sh', table(5)).stdout).toContain('node 2 is not in the quorum yet');
  });

  test('probes: the startup budget covers log recovery of the volume; rollouts wait minReadySeconds', () => {
    const broker = find(prod, 'StatefulSet', 'kafka-broker');
    const c = broker.spec.template.spec.containers[0];
    expect(c.startupProbe.failureThreshold * c.startupProbe.periodSeconds).toBe(3000);
    expect(c.readinessProbe.exec.command).toEqual(['bash', '/etc/kafka/ready.sh']);
    expect(broker.spec.minReadySeconds).toBe(60);
    expect(find(prod, 'StatefulSet', 'kafka-controller').spec.minReadySeconds).toBe(30);
  });
});
