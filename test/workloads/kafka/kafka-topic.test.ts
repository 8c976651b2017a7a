/**
 * The topic and user Jobs' real scripts, run by bash against stub Kafka admin
 * tools (stubs/kafka-admin-tools.sh) that keep a small cluster state.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Environment } from '../../../lib/building-blocks/environment';
import { SecretSource } from '../../../lib/building-blocks/secrets';
import { KafkaCluster } from '../../../lib/workloads/kafka/kafka-cluster';
import { KafkaTopic, KafkaTopicProps, PartitionIncrease } from '../../../lib/workloads/kafka/kafka-topic';
import { ADMIN_ARGS } from '../../../lib/workloads/kafka/kafka-admin-job';
import { KafkaAcl, KafkaUser } from '../../../lib/workloads/kafka/kafka-user';
import { find, findAll, findingsOf, synthChart, tempDir } from '../../helpers';

const TOOLS = ['kafka-topics.sh', 'kafka-configs.sh', 'kafka-acls.sh', 'kafka-broker-api-versions.sh'];

function synthTopic(topic: Omit<KafkaTopicProps, 'cluster'>, env = Environment.PRODUCTION) {
  return synthChart((c) => {
    const cluster = new KafkaCluster(c, 'kafka', { clusterId: 'hYkeba0EvH7rJmaYnj0Hgw', credentials: env.pick<SecretSource>({ local: SecretSource.development(), production: SecretSource.existing('kafka-credentials') }) });
    new KafkaTopic(c, 'topic', { cluster, ...topic });
  }, env, { namespace: 'kafka' });
}

interface ClusterState {
  readonly topics?: string;
  readonly configs?: string;
  /** Brokers registered at the end; they come up one per check. */
  readonly brokers?: number;
  /** ACL bindings, `TYPE|NAME|PATTERN|PRINCIPAL|HOST|OPERATION|PERMISSION` per line. */
  readonly acls?: string;
  /** More env for the run (e.g. the stub's STUB_ACLS_LIST_EXTRA). */
  readonly env?: Record<string, string>;
}

/** Runs the Job's script against the stub tools; returns its output and the state after. */
function runJob(job: any, state: ClusterState) {
  const dir = tempDir('kafka-job');
  for (const d of ['bin', 'state', 'tmp', 'path']) fs.mkdirSync(path.join(dir, d));
  for (const t of TOOLS) fs.symlinkSync(path.join(__dirname, 'stubs', 'kafka-admin-tools.sh'), path.join(dir, 'bin', t));
  fs.writeFileSync(path.join(dir, 'path', 'sleep'), '#!/bin/sh\n', { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'state', 'brokers-max'), String(state.brokers ?? 3));
  if (state.topics) fs.writeFileSync(path.join(dir, 'state', 'topics'), state.topics);
  if (state.configs) fs.writeFileSync(path.join(dir, 'state', 'configs'), state.configs);
  if (state.acls) fs.writeFileSync(path.join(dir, 'state', 'acls'), state.acls);
  const container = job.spec.template.spec.containers[0];
  const script = (container.command[2] as string).replace(/\/opt\/kafka\/bin\/|\/tmp\//g, (m) => (m === '/tmp/' ? `${dir}/tmp/` : `${dir}/bin/`));
  const env = Object.fromEntries(container.env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
  const r = spawnSync('bash', ['-c', script], { env: { ...env, KAFKA_ADMIN_PASSWORD: 'adminpw', KAFKA_USER_PASSWORD: 'userpw', STUB_STATE: `${dir}/state`, PATH: `${dir}/path:${process.env.PATH}`, ...state.env }, encoding: 'utf8', timeout: 60_000 });
  const read = (f: string) => (fs.existsSync(path.join(dir, 'state', f)) ? fs.readFileSync(path.join(dir, 'state', f), 'utf8') : '');
  return { status: r.status, out: r.stdout + r.stderr, topics: read('topics'), configs: read('configs').trim().split('\n').filter(Boolean).sort(), calls: read('calls'), acls: read('acls'), users: read('users'), dir };
}

const topicJob = (topic: Omit<KafkaTopicProps, 'cluster'>) => findAll(synthTopic(topic), 'Job')[0];

describe('KafkaTopic Job converges the topic', () => {
  const spec = { name: 'orders', partitions: 6, settings: { 'retention.ms': 604800000, 'cleanup.policy': 'compact,delete' } };

  test('waits for as many brokers as the replication factor, saying why, then creates the topic with its configs', () => {
    const run = runJob(topicJob(spec), { brokers: 3 });
    expect(run.status).toBe(0);
    expect(run.out).toContain('waiting: the brokers do not answer yet; last error:\norg.apache.kafka.common.errors.TimeoutException');
    expect(run.out).toContain('waiting: 1 of the 3 broker(s) this needs are registered and unfenced');
    expect(run.out).toContain('waiting: 2 of the 3 broker(s)');
    expect(run.topics).toBe('orders 6 3\n');
    expect(run.configs).toEqual(['cleanup.policy=compact,delete', 'retention.ms=604800000']);
    expect(fs.readFileSync(path.join(run.dir, 'tmp', 'admin.properties'), 'utf8')).toContain('username="admin" password="adminpw";');
  });

  test('changed configs are altered in place and configs that left the spec are deleted', () => {
    const run = runJob(topicJob(spec), { topics: 'orders 6 3\n', configs: 'retention.ms=1000\nmax.message.bytes=2000000\n' });
    expect(run.status).toBe(0);
    expect(run.configs).toEqual(['cleanup.policy=compact,delete', 'retention.ms=604800000']);
    expect(run.calls).toContain("--alter --add-config cleanup.policy=[compact,delete],retention.ms=604800000");
    expect(run.out).toContain('removing configs no longer in the code: max.message.bytes');
    const none = runJob(topicJob({ name: 'orders', partitions: 6 }), { topics: 'orders 6 3\n', configs: 'retention.ms=1000\n' });
    expect(none.configs).toEqual([]);
  });

  test('raising partitions works and warns that keys move; REFUSE refuses it', () => {
    const run = runJob(topicJob(spec), { topics: 'orders 3 3\n' });
    expect(run.status).toBe(0);
    expect(run.topics).toBe('orders 6 3\n');
    expect(run.out).toContain('WARNING: raising topic orders from 3 to 6 partitions: keys now hash to other partitions');
    const refused = runJob(topicJob({ ...spec, partitionIncrease: PartitionIncrease.REFUSE }), { topics: 'orders 3 3\n' });
    expect(refused.status).toBe(1);
    expect(refused.topics).toBe('orders 3 3\n');
    expect(refused.out).toContain('REFUSED: topic orders has 3 partitions, the code says 6, and partitionIncrease is REFUSE');
  });

  test('lowering partitions or changing the replication factor is refused clearly, and nothing is changed', () => {
    const lower = runJob(topicJob(spec), { topics: 'orders 12 3\n', configs: 'retention.ms=1\n' });
    expect(lower.status).toBe(1);
    expect(lower.out).toContain('REFUSED: topic orders has 12 partitions, the code says 6; Kafka cannot lower a partition count');
    expect(lower.configs).toEqual(['retention.ms=1']);
    const rf = runJob(topicJob(spec), { topics: 'orders 6 2\n' });
    expect(rf.status).toBe(1);
    expect(rf.out).toContain('REFUSED: topic orders has replication factor 2, the code says 3; Kafka changes it only by reassigning replicas');
  });

  test('a failing tool fails the Job with its error (pipefail), never a silent skip', () => {
    const job = topicJob(spec);
    const script: string = job.spec.template.spec.containers[0].command[2];
    expect(script.startsWith('set -eu -o pipefail\n')).toBe(true);
    // A describe that fails (the stub has no such topic after a create that "succeeded" elsewhere) stops the Job.
    const run = runJob({ spec: { template: { spec: { containers: [{ ...job.spec.template.spec.containers[0], command: ['bash', '-c', script.replace("--create --topic 'orders'", "--create --topic 'other'")] }] } } } }, {});
    expect(run.status).not.toBe(0);
    expect(run.out).toContain("Topic 'orders' does not exist");
  });

  test('the Job name changes with the spec; the Job runs in the cluster namespace as admin and passes the gate', () => {
    const name = (t: Omit<KafkaTopicProps, 'cluster'>) => topicJob(t).metadata.name;
    expect(name(spec)).toBe(name({ ...spec }));
    expect(name(spec)).toMatch(/^kafka-topic-orders-[0-9a-f]{8}$/);
    expect(name({ ...spec, partitions: 12 })).not.toBe(name(spec));
    expect(name({ ...spec, settings: { 'retention.ms': 1000 } })).not.toBe(name(spec));
    expect(findingsOf(synthTopic(spec), Environment.PRODUCTION)).toEqual([]);
    expect(() => synthTopic({ name: 'orders', replicationFactor: 2 }, Environment.LOCAL)).toThrow(
      "kafka topic 'orders': replicationFactor 2 is larger than the 1 broker(s) of kafka 'kafka'; lower it to 1 or add brokers",
    );
    expect(() => synthTopic({ name: 'orders', replicationFactor: 2, settings: { 'min.insync.replicas': 2 } })).toThrow('min.insync.replicas 2 is not smaller than replicationFactor 2');
  });
});

describe('KafkaUser', () => {
  const records = synthChart((c) => {
    const cluster = new KafkaCluster(c, 'kafka', {});
    new KafkaUser(c, 'orders-audit', { cluster, acls: [KafkaAcl.consume('orders', 'orders-audit')], credentials: SecretSource.development() });
  }, Environment.LOCAL, { namespace: 'kafka' });

  const userJob = () => findAll(records, 'Job').find((j) => j.metadata.name.startsWith('kafka-user-orders-audit-'));
  const DECLARED = ['GROUP|orders-audit|LITERAL|User:orders-audit|*|READ|ALLOW', 'TOPIC|orders|LITERAL|User:orders-audit|*|DESCRIBE|ALLOW', 'TOPIC|orders|LITERAL|User:orders-audit|*|READ|ALLOW'];
  const bindings = (acls: string) => acls.trim().split('\n').filter(Boolean).sort();

  test('its Job sets the SCRAM credential from the Secret and adds exactly the declared ACLs', () => {
    const job = userJob();
    const run = runJob(job, { brokers: 1 });
    expect(run.status).toBe(0);
    expect(run.users).toBe('SCRAM-SHA-512=[password=userpw]\n');
    expect(bindings(run.acls)).toEqual(DECLARED);
    expect(run.out).toContain('Current ACLs for resource `ResourcePattern(resourceType=TOPIC, name=orders, patternType=LITERAL)`:\n\t(principal=User:orders-audit, host=*, operation=');
    const env = job.spec.template.spec.containers[0].env;
    expect(env.find((e: any) => e.name === 'KAFKA_USER_PASSWORD').valueFrom.secretKeyRef).toEqual({ name: 'kafka-user-orders-audit', key: 'password' });
    expect(findingsOf(records)).toEqual([]);
  });

  test('ACLs of the user that the code does not declare are removed, whatever their kind; other principals keep theirs', () => {
    const extra = [
      'TOPIC|orders|LITERAL|User:orders-audit|*|WRITE|ALLOW', // an operation taken out of the code
      'TOPIC|payments|LITERAL|User:orders-audit|*|READ|ALLOW', // a topic taken out of the code
      'GROUP|audit-|PREFIXED|User:orders-audit|*|READ|ALLOW', // a prefix
      'TOPIC|orders|LITERAL|User:orders-audit|10.0.0.7|READ|ALLOW', // one host only
      'TOPIC|orders|LITERAL|User:orders-audit|*|DELETE|DENY', // a deny
      'CLUSTER|kafka-cluster|LITERAL|User:orders-audit|*|DESCRIBE_CONFIGS|ALLOW', // the cluster, a two-word operation
      'TRANSACTIONAL_ID|tx group, with spaces|LITERAL|User:orders-audit|*|WRITE|ALLOW', // a name with spaces and a comma
    ];
    const others = ['TOPIC|orders|LITERAL|User:orders-api|*|WRITE|ALLOW', 'TOPIC|payments|LITERAL|User:orders-auditor|*|READ|ALLOW'];
    const run = runJob(userJob(), { brokers: 1, acls: [...DECLARED.slice(1), ...extra, ...others].join('\n') + '\n' });
    expect(run.status).toBe(0);
    expect(bindings(run.acls)).toEqual([...DECLARED, ...others].sort());
    expect(run.out).toContain("removing ALLOW WRITE on TOPIC 'orders' (LITERAL, host *) of User:orders-audit: not in the code");
    expect(run.out).toContain("removing DENY DELETE on TOPIC 'orders' (LITERAL, host *) of User:orders-audit: not in the code");
    expect(run.calls).toContain('--remove --force --allow-principal User:orders-audit --allow-host * --operation DESCRIBECONFIGS --cluster --resource-pattern-type literal');
    expect(run.calls).toContain('--remove --force --allow-principal User:orders-audit --allow-host 10.0.0.7 --operation READ --topic orders --resource-pattern-type literal');

    // A second run finds nothing to remove and changes nothing.
    const again = runJob(userJob(), { brokers: 1, acls: run.acls });
    expect(again.status).toBe(0);
    expect(again.calls).not.toContain('--remove');
    expect(bindings(again.acls)).toEqual(bindings(run.acls));
  });

  test('converge-acls.sh talks to the cluster as the other admin steps do', () => {
    const script = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'lib', 'workloads', 'kafka', 'converge-acls.sh'), 'utf8');
    expect(script).toContain(`/opt/kafka/bin/kafka-acls.sh ${ADMIN_ARGS} "$@"`);
  });

  test('a listing it cannot read fails the Job before any ACL is removed', () => {
    const acls = [...DECLARED, 'TOPIC|payments|LITERAL|User:orders-audit|*|READ|ALLOW'].join('\n') + '\n';
    const run = runJob(userJob(), { brokers: 1, acls, env: { STUB_ACLS_LIST_EXTRA: '\t(principal=User:orders-audit, host=*, operation=READ, permissionType=ALLOW, aggregatedOperation=x)' } });
    expect(run.status).not.toBe(0);
    expect(run.out).toContain('cannot read this line of kafka-acls.sh --list, so no ACL was removed:');
    expect(run.calls).not.toContain('--remove');
    expect(bindings(run.acls)).toEqual(bindings(acls));
  });

  test('declarations are checked', () => {
    const build = (f: (cluster: KafkaCluster, c: any) => void) => () => synthChart((c) => f(new KafkaCluster(c, 'kafka', {}), c), Environment.LOCAL, { namespace: 'kafka' });
    expect(build((cluster, c) => new KafkaUser(c, 'x', { cluster, acls: [] }))).toThrow("kafka user 'x': acls is empty");
    expect(build((cluster, c) => new KafkaUser(c, 'x', { cluster, acls: [KafkaAcl.of('topic', 'a', ['Fly'])] }))).toThrow("kafka user 'x': operation 'Fly' on topic 'a' is not one of");
    expect(build((cluster, c) => new KafkaUser(c, 'admin', { cluster, acls: KafkaAcl.produce('a') }))).toThrow("user 'admin' is the cluster's own");
    expect(build((cluster, c) => [1, 2].forEach((i) => new KafkaUser(c, `u${i}`, { cluster, name: 'same', acls: KafkaAcl.produce('a') })))).toThrow("user 'same' is declared twice");
    expect(build((cluster) => cluster.user('nobody'))).toThrow("kafka 'kafka': no user 'nobody'; declare it with new KafkaUser(...) in the cluster's app (known: none)");
    const prod = () => synthChart((c) => new KafkaUser(c, 'u', { cluster: new KafkaCluster(c, 'kafka', { clusterId: 'hYkeba0EvH7rJmaYnj0Hgw', credentials: SecretSource.existing('k') }), acls: KafkaAcl.produce('a') }), Environment.PRODUCTION);
    expect(prod).toThrow("kafka user 'u': environment 'production' needs credentials (password); set KAFKA_USER_U_SECRET to the name of an existing Secret");
    expect(find(records, 'Secret', 'kafka-user-orders-audit').metadata.annotations['shipshape.dev/development-only']).toBeDefined();
  });
});
