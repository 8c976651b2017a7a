import { kafka } from '../../apps/kafka/app';
import { orders } from '../../apps/orders/app';
import { Environment } from '../../lib/building-blocks/environment';
import { assertConnectionAllowed, assertRestricted, assertSelectorsMatch } from '../../lib/testing';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { find, findAll, findingsOf, manifests, synthApps, tempDir } from '../helpers';

describe('orders example app', () => {
  const local = synthApps([orders], Environment.LOCAL);
  const prod = synthApps([orders], Environment.PRODUCTION);
  const ofApp = (records: typeof local, app: string) => records.filter((r) => r.app === app);

  test.each([
    ['local', local, Environment.LOCAL],
    ['production', prod, Environment.PRODUCTION],
  ])('%s brings the Kafka app it uses, passes the gate and matches its snapshot', (_name, records, env) => {
    expect([...new Set(records.map((r) => r.app))].sort()).toEqual(['kafka', 'orders']);
    expect(findingsOf(records, env)).toEqual([]);
    assertRestricted(records);
    assertSelectorsMatch(records);
    expect(manifests(ofApp(records, 'orders'))).toMatchSnapshot();
  });

  test.each([
    ['local', local],
    ['production', prod],
  ])('%s: every connection the app declares is allowed by the policies of both sides', (_name, records) => {
    const api = { kind: 'Deployment', name: 'orders-api' };
    const brokers = find(records, 'StatefulSet', records === local ? 'kafka' : 'kafka-broker', 'kafka');
    const broker = { kind: 'StatefulSet', name: brokers.metadata.name, namespace: 'kafka' };
    assertConnectionAllowed(records, api, { kind: 'StatefulSet', name: 'orders-cache' }, 'memcached');
    assertConnectionAllowed(records, api, broker, 'client');
    assertConnectionAllowed(records, { kind: 'Deployment', name: 'orders-audit' }, broker, 'client');
    const topicJob = findAll(records, 'Job').find((j) => j.metadata.name.startsWith('kafka-topic-orders'));
    assertConnectionAllowed(records, { kind: 'Job', name: topicJob.metadata.name, namespace: 'kafka' }, broker, 'client');
    const migrate = findAll(records, 'Job').find((j) => j.metadata.name.startsWith('orders-api-migrate-'));
    assertConnectionAllowed(records, { kind: 'Job', name: migrate.metadata.name }, broker, 'client');
  });

  test('connectTo gives each client the bootstrap servers and exactly its own SCRAM user, from a Secret in its namespace', () => {
    const env = find(prod, 'Deployment', 'orders-api').spec.template.spec.containers[0].env;
    const byName = (list: any[], name: string) => list.find((e: any) => e.name === name);
    expect(byName(env, 'KAFKA_BOOTSTRAP_SERVERS').value.split(',')).toEqual([0, 1, 2].map((i) => `kafka-broker-${i}.kafka-broker-headless.kafka.svc.cluster.local:9092`));
    expect(byName(env, 'KAFKA_USERNAME').value).toBe('orders-api');
    expect(byName(env, 'KAFKA_PASSWORD').valueFrom.secretKeyRef).toEqual({ name: 'kafka-user-orders-api', key: 'password' });
    expect(byName(env, 'KAFKA_SASL_JAAS_CONFIG').value).toBe('org.apache.kafka.common.security.scram.ScramLoginModule required username="orders-api" password="$(KAFKA_PASSWORD)";');
    // No client rack: the production preset's minimum (1.30) puts no zone label on pods (see KafkaClusterProps.rackAware).
    expect(byName(env, 'KAFKA_CLIENT_RACK')).toBeUndefined();
    expect(byName(env, 'MEMCACHED_SERVERS').value.split(',')).toHaveLength(2);
    const audit = find(prod, 'Deployment', 'orders-audit').spec.template.spec.containers[0].env;
    expect(byName(audit, 'KAFKA_USERNAME').value).toBe('orders-audit');
    expect(byName(audit, 'KAFKA_PASSWORD').valueFrom.secretKeyRef.name).toBe('kafka-user-orders-audit');
    // The migration runs with the API's user.
    const migrate = findAll(prod, 'Job').find((j) => j.metadata.name.startsWith('orders-api-migrate-'));
    expect(byName(migrate.spec.template.spec.containers[0].env, 'KAFKA_USERNAME').value).toBe('orders-api');
  });

  test('locally, the client copy of each user Secret holds the same value as the kafka namespace copy', () => {
    for (const user of ['orders-api', 'orders-audit']) {
      const copies = findAll(local, 'Secret').filter((s) => s.metadata.name === `kafka-user-${user}`);
      expect(copies.map((s) => s.metadata.namespace).sort()).toEqual(['kafka', 'orders']);
      expect(copies[0].stringData).toEqual(copies[1].stringData);
    }
  });

  test('the brokers admit the orders namespace by its label, and each orders client may only egress to the brokers on 9092', () => {
    const label = 'kafka-client.shipshape.dev/kafka.kafka';
    expect(find(prod, 'Namespace', 'orders').metadata.labels[label]).toBe('true');
    const admitted = find(prod, 'NetworkPolicy', 'kafka-broker').spec.ingress.filter((r: any) => r.from[0].namespaceSelector.matchLabels[label]);
    expect(admitted).toEqual([{ from: [{ namespaceSelector: { matchLabels: { [label]: 'true' } } }], ports: [{ port: 9092, protocol: 'TCP' }] }]);
    for (const client of ['orders-api', 'orders-api-migrate', 'orders-audit']) {
      const egress = find(prod, 'NetworkPolicy', client).spec.egress.filter((r: any) => r.to[0].podSelector?.matchLabels?.['app.kubernetes.io/instance'] === 'kafka-broker');
      expect(egress).toEqual([{ to: [expect.objectContaining({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kafka' } } })], ports: [{ port: 9092, protocol: 'TCP' }] }]);
    }
    // Nothing of orders is in the kafka namespace, and the kafka file names no orders workload.
    expect(ofApp(prod, 'orders').filter((r) => r.manifest.metadata.namespace && r.manifest.metadata.namespace !== 'orders')).toEqual([]);
    expect(JSON.stringify(manifests(ofApp(prod, 'kafka')))).not.toContain('orders-api-migrate');
  });

  test('the gated migration is there; the topic is declared in the kafka app', () => {
    const jobs = findAll(prod, 'Job').map((j) => j.metadata.name);
    expect(ofApp(prod, 'kafka').some((r) => r.manifest.kind === 'Job' && /^kafka-topic-orders-[0-9a-f]{8}$/.test(r.manifest.metadata.name!))).toBe(true);
    const migrate = jobs.find((n) => n.startsWith('orders-api-migrate-'));
    const waiter = find(prod, 'Deployment', 'orders-api').spec.template.spec.initContainers[0];
    expect(waiter.env.find((e: any) => e.name === 'JOB_NAME').value).toBe(migrate);
    expect(find(prod, 'HorizontalPodAutoscaler', 'orders-api').spec.maxReplicas).toBe(10);
  });

  test('kafka synthesised alone is exactly the kafka that orders brings', () => {
    for (const env of [Environment.LOCAL, Environment.PRODUCTION]) {
      expect(manifests(synthApps([kafka], env))).toEqual(manifests(ofApp(env === Environment.LOCAL ? local : prod, 'kafka')));
    }
  });
});

/**
 * B1: the consumer's liveness check against the command line Kafka 4.1 really starts. The two launcher lines are
 * apache/kafka's, quoted: bin/kafka-console-consumer.sh ends with
 *   exec $(dirname $0)/kafka-run-class.sh org.apache.kafka.tools.consumer.ConsoleConsumer "$@"
 * and bin/kafka-run-class.sh builds CLASSPATH from libs/* and ends (not daemon mode) with
 *   exec "$JAVA" $KAFKA_HEAP_OPTS $KAFKA_JVM_PERFORMANCE_OPTS $KAFKA_GC_LOG_OPTS $KAFKA_JMX_OPTS $KAFKA_LOG4J_CMD_OPTS -cp "$CLASSPATH" $KAFKA_OPTS "$@"
 * `java` is a stub that stays alive, so /proc/<pid>/cmdline holds that whole line; pgrep (procps-ng) reads it.
 */
describe('orders-audit liveness (B1)', () => {
  const prod = synthApps([orders], Environment.PRODUCTION);
  const pgrep = spawnSync('pgrep', ['-V'], { encoding: 'utf8' });
  const itWithPgrep = pgrep.status === 0 ? test : test.skip;

  itWithPgrep('the probe finds the consumer the worker command starts, through the real launcher lines; the old pattern does not', () => {
    const dir = tempDir('console-consumer');
    for (const d of ['bin', 'libs', 'tmp']) fs.mkdirSync(path.join(dir, d));
    for (const jar of ['kafka-clients-4.1.0.jar', 'kafka-tools-4.1.0.jar', 'kafka-tools-api-4.1.0.jar']) fs.writeFileSync(path.join(dir, 'libs', jar), '');
    fs.writeFileSync(path.join(dir, 'bin', 'kafka-console-consumer.sh'), '#!/bin/bash\nexec $(dirname $0)/kafka-run-class.sh org.apache.kafka.tools.consumer.ConsoleConsumer "$@"\n', { mode: 0o755 });
    fs.writeFileSync(
      path.join(dir, 'bin', 'kafka-run-class.sh'),
      [
        '#!/bin/bash',
        'base_dir=$(dirname $0)/..',
        'for file in "$base_dir"/libs/*; do CLASSPATH="$CLASSPATH":"$file"; done',
        'CLASSPATH=${CLASSPATH#:}',
        'KAFKA_JVM_PERFORMANCE_OPTS="-server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true"',
        `KAFKA_LOG4J_CMD_OPTS="-Dlog4j2.configurationFile=$base_dir/config/tools-log4j2.yaml"`,
        `JAVA=${dir}/bin/java`,
        'exec "$JAVA" $KAFKA_HEAP_OPTS $KAFKA_JVM_PERFORMANCE_OPTS $KAFKA_GC_LOG_OPTS $KAFKA_JMX_OPTS $KAFKA_LOG4J_CMD_OPTS -cp "$CLASSPATH" $KAFKA_OPTS "$@"',
      ].join('\n'),
      { mode: 0o755 },
    );
    fs.writeFileSync(path.join(dir, 'bin', 'java'), '#!/bin/bash\nwhile :; do sleep 1; done\n', { mode: 0o755 });
    const container = find(prod, 'Deployment', 'orders-audit').spec.template.spec.containers[0];
    const script = (container.command[2] as string).replace(/\/opt\/kafka\/bin\/|\/tmp\//g, (m) => (m === '/tmp/' ? `${dir}/tmp/` : `${dir}/bin/`));
    const env = { KAFKA_HEAP_OPTS: '-Xms128m -Xmx128m', KAFKA_BOOTSTRAP_SERVERS: 'kafka-broker-0:9092', KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT', KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512', KAFKA_SASL_JAAS_CONFIG: 'x', PATH: process.env.PATH };
    const child = spawn('bash', ['-c', script], { env, detached: true, stdio: 'ignore' });
    try {
      const probe = container.livenessProbe.exec.command as string[];
      let found: ReturnType<typeof spawnSync> | undefined;
      let cmdline = '';
      const matched = () => {
        found = spawnSync(probe[0], probe.slice(1), { encoding: 'utf8' });
        if (found.status !== 0) return '';
        const pid = String(found.stdout).trim().split('\n')[0];
        try {
          return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
        } catch {
          return ''; // exec'd or gone meanwhile
        }
      };
      // The child execs bash -> kafka-run-class.sh -> java; the launcher's own bash line names the class too, for the
      // instant before its exec. Poll until the match is the java process (at most ~5 s).
      for (let i = 0; i < 50 && !cmdline.includes(`${dir}/bin/java `); i++) {
        spawnSync('sleep', ['0.1']);
        cmdline = matched();
      }
      expect(found!.status).toBe(0);
      expect(cmdline).toContain(`-cp ${dir}/bin/../libs/kafka-clients-4.1.0.jar:`);
      expect(cmdline).toContain('org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server kafka-broker-0:9092 --consumer.config');
      expect(cmdline).toContain('--topic orders --group orders-audit');
      // The pattern before the fix never matched Kafka 4's class name.
      expect(spawnSync('pgrep', ['-f', 'kafka.tools.ConsoleConsumer']).status).toBe(1);
      expect(fs.readFileSync(path.join(dir, 'tmp', 'client.properties'), 'utf8')).toBe('security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-512\nsasl.jaas.config=x\n');
    } finally {
      process.kill(-child.pid!, 'SIGKILL');
    }
  });
});
