import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Environment } from '../../../lib/building-blocks/environment';
import { KEYFILE_SCRIPT, MongoReplicaSet, MongoReplicaSetProps } from '../../../lib/workloads/mongodb/mongo-replica-set';
import { SecretSource } from '../../../lib/building-blocks/secrets';
import { find, findAll, findingsOf, synthChart, tempDir } from '../../helpers';
import { FakeReplicaSet, runInitScript } from './fake-mongosh';

function mongo(props: MongoReplicaSetProps = {}, env = Environment.LOCAL) {
  return synthChart((c) => new MongoReplicaSet(c, 'db', { users: [{ username: 'app', database: 'app' }], ...props }), env);
}

const host = (i: number) => `db-${i}.db-headless.test.svc.cluster.local:27017`;

/** The init Job's script and env as synthesised; Secret values come from `secrets`. */
function initRun(records: any, secrets: Record<string, string>) {
  const job = findAll(records, 'Job')[0];
  const container = job.spec.template.spec.containers[0];
  const script = find(records, 'ConfigMap', 'db-scripts').data['init-replica-set.js'];
  const env: Record<string, string> = { MONGODB_WAIT_SECONDS: '60' };
  for (const e of container.env) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (secrets[e.valueFrom.secretKeyRef.key] !== undefined) env[e.name] = secrets[e.valueFrom.secretKeyRef.key];
    else if (!e.valueFrom.secretKeyRef.optional) throw new Error(`no value for ${e.name}`);
  }
  return (set: FakeReplicaSet, overrides: Record<string, string> = {}) => runInitScript(script, set, { ...env, ...overrides });
}

const SECRETS = { 'mongodb-root-password': 'root-1', 'mongodb-password-app': 'app-1', 'mongodb-password-backup': 'backup-1' };

describe('MongoReplicaSet', () => {
  test('the keyfile reaches mongod owned by its user with mode 0400, from the Secret through env', () => {
    const pod = find(mongo(), 'StatefulSet', 'db').spec.template.spec;
    expect(pod.securityContext.runAsUser).toBe(999);
    const init = pod.initContainers[0];
    expect(init.command).toEqual(['bash', '-c', KEYFILE_SCRIPT]);
    expect(init.env.map((e: any) => [e.name, e.valueFrom.secretKeyRef])).toEqual([
      ['MONGODB_KEYFILE', { name: 'db-credentials', key: 'mongodb-replica-set-key' }],
      ['MONGODB_KEYFILE_PREVIOUS', { name: 'db-credentials', key: 'mongodb-replica-set-key-previous', optional: true }],
    ]);
    const args = pod.containers[0].args;
    expect(args.slice(args.indexOf('--keyFile'), args.indexOf('--keyFile') + 2)).toEqual(['--keyFile', '/etc/mongodb/keyfile/keyfile']);
    expect(args.slice(args.indexOf('--replSet'), args.indexOf('--replSet') + 2)).toEqual(['--replSet', 'rs0']);
  });

  test('the keyfile script writes one key, or previous and current as a YAML list during a rotation, mode 0400', () => {
    const dir = tempDir('keyfile');
    const run = (env: Record<string, string>) => {
      const script = KEYFILE_SCRIPT.replaceAll('/etc/mongodb/keyfile/keyfile', `${dir}/keyfile`);
      execFileSync('bash', ['--norc', '--noprofile', '-c', script], { env: { PATH: process.env.PATH, ...env } });
      const file = path.join(dir, 'keyfile');
      return { text: fs.readFileSync(file, 'utf8'), mode: fs.statSync(file).mode & 0o777 };
    };
    expect(run({ MONGODB_KEYFILE: 'bmV3a2V5' })).toEqual({ text: 'bmV3a2V5\n', mode: 0o400 });
    expect(run({ MONGODB_KEYFILE: 'bmV3a2V5', MONGODB_KEYFILE_PREVIOUS: 'b2xka2V5' })).toEqual({ text: '- b2xka2V5\n- bmV3a2V5\n', mode: 0o400 });
    expect(run({ MONGODB_KEYFILE: 'bmV3a2V5', MONGODB_KEYFILE_PREVIOUS: 'bmV3a2V5' })).toEqual({ text: 'bmV3a2V5\n', mode: 0o400 });
  });

  test('only member 0 creates the root user, and the wrapper execs so mongod receives SIGTERM', () => {
    const c = find(mongo(), 'StatefulSet', 'db').spec.template.spec.containers[0];
    expect(c.command[0]).toBe('bash');
    expect(c.command[2]).toContain('if [ "${HOSTNAME##*-}" != "0" ]; then unset MONGO_INITDB_ROOT_USERNAME MONGO_INITDB_ROOT_PASSWORD; fi');
    expect(c.command[2]).toMatch(/\nexec docker-entrypoint.sh "\$@"$/);
  });

  test('mongod: no zlib compressor, rseq for glibc unless per-CPU caches are asked for, TCP liveness and startup, mongosh readiness', () => {
    const c = find(mongo(), 'StatefulSet', 'db').spec.template.spec.containers[0];
    expect(c.image).toBe('mongo:8.0.26');
    expect(c.args).toContain('--networkMessageCompressors=snappy,zstd');
    expect(c.env.find((e: any) => e.name === 'GLIBC_TUNABLES').value).toBe('glibc.pthread.rseq=1');
    const fast = find(mongo({ perCpuAllocatorCaches: true }), 'StatefulSet', 'db').spec.template.spec.containers[0];
    expect(fast.env.find((e: any) => e.name === 'GLIBC_TUNABLES').value).toBe('glibc.pthread.rseq=0');
    expect(c.livenessProbe.tcpSocket).toEqual({ port: 'mongodb' });
    expect(c.startupProbe.tcpSocket).toEqual({ port: 'mongodb' });
    expect(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold).toBe(1800);
    expect(c.readinessProbe.exec.command.join(' ')).toContain('h.isWritablePrimary || h.secondary');
  });

  test('locally mongod has 1Gi for a 0.25 GB cache, so a mongosh readiness probe fits beside it', () => {
    const c = find(mongo(), 'StatefulSet', 'db').spec.template.spec.containers[0];
    expect(c.resources.limits.memory).toBe('1Gi');
    expect(c.args.slice(c.args.indexOf('--wiredTigerCacheSizeGB'), c.args.indexOf('--wiredTigerCacheSizeGB') + 2)).toEqual(['--wiredTigerCacheSizeGB', '0.25']);
  });

  test('storage per environment through volumeClaimTemplates', () => {
    const claim = (env: Environment) => find(mongo({ credentials: SecretSource.existing('x') }, env), 'StatefulSet', 'db').spec.volumeClaimTemplates[0];
    expect(claim(Environment.LOCAL).spec.resources.requests.storage).toBe('2Gi');
    expect(claim(Environment.PRODUCTION).spec.resources.requests.storage).toBe('50Gi');
    expect(claim(Environment.LOCAL).spec.storageClassName).toBeUndefined();
  });

  test('the init Job is named by its spec; a CronJob runs the same container every 5 minutes, never overlapping', () => {
    const jobName = (records: any) => findAll(records, 'Job')[0].metadata.name;
    const a = jobName(mongo({ credentials: SecretSource.existing('x'), members: 3 }));
    expect(a).toMatch(/^db-init-[0-9a-f]{8}$/);
    expect(jobName(mongo({ credentials: SecretSource.existing('x'), members: 3 }))).toBe(a);
    expect(jobName(mongo({ credentials: SecretSource.existing('x'), members: 5 }))).not.toBe(a);
    const records = mongo();
    const job = findAll(records, 'Job')[0];
    const cron = find(records, 'CronJob', 'db-reconcile');
    expect(cron.spec).toMatchObject({ schedule: '*/5 * * * *', concurrencyPolicy: 'Forbid' });
    const strip = (c: any) => ({ ...c, env: c.env.map((e: any) => e.name) });
    expect(strip(cron.spec.jobTemplate.spec.template.spec.containers[0])).toEqual(strip(job.spec.template.spec.containers[0]));
    const mongoIngress = find(records, 'NetworkPolicy', 'db').spec.ingress.flatMap((r: any) => r.from.map((f: any) => f.podSelector.matchLabels['app.kubernetes.io/instance']));
    expect(mongoIngress).toEqual(expect.arrayContaining(['db-init', 'db-reconcile']));
  });

  describe('init-replica-set.js, run with a stub mongosh', () => {
    const three = initRun(mongo({ credentials: SecretSource.existing('db-credentials'), members: 3 }), SECRETS);

    test('a fresh set: initiated once on member 0, members added one at a time, users created with their roles', () => {
      const set = new FakeReplicaSet([host(0), host(1), host(2)], 'root-1');
      expect(three(set).code).toBe(0);
      expect(set.commands).toEqual([`initiate ${host(0)}`, `add ${host(1)}`, `add ${host(2)}`, 'createUser app.app', 'createUser admin.backup']);
      expect(set.users.get('admin.backup')).toEqual({ pwd: 'backup-1', roles: [{ role: 'backup', db: 'admin' }] });
      expect(set.users.get('app.app')).toEqual({ pwd: 'app-1', roles: [{ role: 'readWrite', db: 'app' }] });
      const again = three(set);
      expect(again.code).toBe(0);
      expect(set.commands.filter((c) => /initiate|add|remove/.test(c))).toHaveLength(3);
    });

    test('a member that comes up late: this run exits 1 without giving up the others, a later run adds it', () => {
      const set = new FakeReplicaSet([host(0), host(1), host(2)], 'root-1');
      set.config = { _id: 'rs0', version: 1, members: [{ _id: 0, host: host(0) }] };
      set.members.get(host(2))!.up = false;
      const first = three(set);
      expect(first.code).toBe(1);
      expect(first.output.join('\n')).toContain(`members ${host(2)} do not answer or have not joined yet; a later run continues`);
      expect(set.commands).toEqual([`add ${host(1)}`, 'createUser app.app', 'createUser admin.backup']);
      set.members.get(host(2))!.up = true;
      expect(three(set).code).toBe(0);
      expect(set.config.members.map((m) => m.host)).toEqual([host(0), host(1), host(2)]);
    });

    test('a member that answers within the wait is waited for, not skipped', () => {
      const set = new FakeReplicaSet([host(0), host(1), host(2)], 'root-1');
      set.members.get(host(1))!.up = false;
      set.onSleep = (elapsed) => { if (elapsed >= 30) set.members.get(host(1))!.up = true; };
      expect(three(set).code).toBe(0);
      expect(set.commands.slice(0, 3)).toEqual([`initiate ${host(0)}`, `add ${host(1)}`, `add ${host(2)}`]);
    });

    test('no set is initiated while a member is down and none knows the set', () => {
      const set = new FakeReplicaSet([host(0), host(1), host(2)], 'root-1');
      set.members.get(host(2))!.up = false;
      expect(three(set).code).toBe(1);
      expect(set.commands).toEqual([]);
    });

    test('scale-down that keeps a majority (5 to 3): the gone members are removed one at a time through the primary', () => {
      const set = new FakeReplicaSet([0, 1, 2, 3, 4].map(host), 'root-1');
      set.config = { _id: 'rs0', version: 7, members: [0, 1, 2, 3, 4].map((i) => ({ _id: i, host: host(i) })) };
      set.members.get(host(3))!.up = false;
      set.members.get(host(4))!.up = false;
      expect(three(set).code).toBe(0);
      expect(set.commands.slice(0, 2)).toEqual([`remove ${host(3)}`, `remove ${host(4)}`]);
      expect(set.config.version).toBe(9);
    });

    test('scale-down that loses the majority (3 to 1): no forced reconfig, the recovery steps, exit 1', () => {
      const one = initRun(mongo({ credentials: SecretSource.existing('db-credentials'), members: 1 }), SECRETS);
      const set = new FakeReplicaSet([0, 1, 2].map(host), 'root-1');
      set.config = { _id: 'rs0', version: 3, members: [0, 1, 2].map((i) => ({ _id: i, host: host(i) })) };
      set.members.get(host(1))!.up = false;
      set.members.get(host(2))!.up = false;
      const r = one(set);
      expect(r.code).toBe(1);
      expect(set.commands).toEqual([]);
      const out = r.output.join('\n');
      expect(out).toContain(`the configuration still lists ${host(1)}, ${host(2)}, which left the desired members`);
      expect(out).toContain('set members back to its previous value and apply');
      expect(out).toContain('retiringMembers first');
    });

    test('retiringMembers: the members leave the configuration while their pods run, the primary steps down first', () => {
      const retiring = initRun(mongo({ credentials: SecretSource.existing('db-credentials'), members: 3, retiringMembers: 2 }), SECRETS);
      const set = new FakeReplicaSet([0, 1, 2].map(host), 'root-1');
      set.config = { _id: 'rs0', version: 3, members: [2, 1, 0].map((i) => ({ _id: i, host: host(i) })) };
      expect(set.primary).toBe(host(2));
      expect(retiring(set).code).toBe(0);
      expect(set.commands[0]).toBe(`stepDown ${host(2)}`);
      // A primary cannot remove itself (the stub refuses it, as mongod does): each leaving one elected is stepped down first.
      expect(set.commands.filter((c) => c.startsWith('remove'))).toEqual([`remove ${host(2)}`, `remove ${host(1)}`]);
      expect(set.config.members.map((m) => m.host)).toEqual([host(0)]);
    });

    test('root password rotation: authenticates with the previous password and sets the current one', () => {
      const rotated = initRun(mongo({ credentials: SecretSource.existing('db-credentials'), members: 3 }), { ...SECRETS, 'mongodb-root-password': 'root-2', 'mongodb-root-password-previous': 'root-1' });
      const set = new FakeReplicaSet([0, 1, 2].map(host), 'root-1');
      set.config = { _id: 'rs0', version: 3, members: [0, 1, 2].map((i) => ({ _id: i, host: host(i) })) };
      expect(rotated(set).code).toBe(0);
      expect(set.rootPassword).toBe('root-2');
      expect(set.commands[0]).toBe('rotate root');
      const withoutPrevious = initRun(mongo({ credentials: SecretSource.existing('db-credentials'), members: 3 }), { ...SECRETS, 'mongodb-root-password': 'root-3' });
      const r = withoutPrevious(set);
      expect(r.code).toBe(1);
      expect(r.error).toBe('Authentication failed.');
    });

    test('a changed user password reaches MongoDB on the next run', () => {
      const set = new FakeReplicaSet([0, 1, 2].map(host), 'root-1');
      expect(three(set).code).toBe(0);
      const next = initRun(mongo({ credentials: SecretSource.existing('db-credentials'), members: 3 }), { ...SECRETS, 'mongodb-password-app': 'app-2' });
      expect(next(set).code).toBe(0);
      expect(set.users.get('app.app')!.pwd).toBe('app-2');
    });
  });

  test('a rotation stamp on an existing Secret renames the init Job and rolls every client', () => {
    const records = (stamp?: string) => synthChart((c) => {
      const source = SecretSource.existing('db-credentials');
      const db = new MongoReplicaSet(c, 'db', { users: [{ username: 'app', database: 'app' }], credentials: stamp ? source.withRotationStamp(stamp) : source });
      return db;
    }, Environment.PRODUCTION);
    const hashOf = (r: any) => find(r, 'StatefulSet', 'db').spec.template.metadata.annotations['shipshape.dev/config-hash'];
    const a = records();
    const b = records('2026-11-22');
    expect(findAll(b, 'Job')[0].metadata.name).not.toBe(findAll(a, 'Job')[0].metadata.name);
    expect(hashOf(b)).not.toBe(hashOf(a));
    expect(hashOf(records('2026-11-22'))).toBe(hashOf(b));
    expect(() => SecretSource.existing('x').withRotationStamp('not a stamp')).toThrow("rotation stamp 'not a stamp' must be 1-63 letters");
  });

  test('metrics: an exporter beside each member on 9216, from the monitoring namespace only, as a clusterMonitor user', () => {
    const records = mongo({ metrics: true });
    const pod = find(records, 'StatefulSet', 'db').spec.template.spec;
    const exporter = pod.containers.find((c: any) => c.name === 'exporter');
    expect(exporter.image).toBe('percona/mongodb_exporter:0.53.0');
    expect(exporter.securityContext.runAsUser).toBe(65535);
    expect(exporter.env.find((e: any) => e.name === 'MONGODB_PASSWORD').valueFrom.secretKeyRef.key).toBe('mongodb-password-exporter');
    expect(JSON.stringify(exporter.args)).not.toContain('password');
    const rule = find(records, 'NetworkPolicy', 'db').spec.ingress.find((r: any) => r.ports.some((p: any) => p.port === 9216));
    expect(rule).toEqual({ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ port: 9216, protocol: 'TCP' }] });
    const users = JSON.parse(findAll(records, 'Job')[0].spec.template.spec.containers[0].env.find((e: any) => e.name === 'MONGODB_USERS').value);
    expect(users.find((u: any) => u.username === 'exporter').roles).toEqual([{ role: 'clusterMonitor', db: 'admin' }, { role: 'read', db: 'local' }]);
    expect(findingsOf(records)).toEqual([]);
  });

  test('bad props fail with the value and the fix', () => {
    expect(() => mongo({ members: 2 })).toThrow("mongodb 'db': members 2, an even number; use an odd number");
    expect(() => mongo({ members: 3, retiringMembers: 1 })).toThrow("mongodb 'db': members 3 minus retiringMembers 1 leaves 2, an even number");
    expect(() => mongo({ members: 3, retiringMembers: 3 })).toThrow("retiringMembers");
    expect(() => mongo({ replicaSetName: 'rs 0' })).toThrow("mongodb 'db': replicaSetName 'rs 0' must be 1-64 letters");
    expect(() => mongo({ users: [{ username: 'x', database: 'admin' }] })).toThrow("database 'admin' for user 'x' is not allowed");
  });

  test('clientEnv refuses an unknown user', () => {
    expect(() => synthChart((c) => new MongoReplicaSet(c, 'db').clientEnv('nobody'))).toThrow("mongodb 'db': no user 'nobody'; declare it in users");
  });

  test('passes the gate in both environments', () => {
    expect(findingsOf(mongo())).toEqual([]);
    expect(findingsOf(mongo({ credentials: SecretSource.existing('db-credentials') }, Environment.PRODUCTION), Environment.PRODUCTION)).toEqual([]);
  });
});
