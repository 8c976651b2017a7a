import { Environment } from '../../../lib/building-blocks/environment';
import { MongoReplicaSet, MongoReplicaSetProps } from '../../../lib/workloads/mongodb/mongo-replica-set';
import { SecretSource } from '../../../lib/building-blocks/secrets';
import { find, findAll, findingsOf, synthChart } from '../../helpers';

function mongo(props: MongoReplicaSetProps = {}, env = Environment.LOCAL) {
  return synthChart((c) => new MongoReplicaSet(c, 'db', { users: [{ username: 'app', database: 'app' }], ...props }), env);
}

describe('MongoReplicaSet', () => {
  test('the keyfile reaches mongod owned by its user with mode 0400', () => {
    const pod = find(mongo(), 'StatefulSet', 'db').spec.template.spec;
    expect(pod.securityContext.runAsUser).toBe(999);
    expect(pod.initContainers[0].command).toEqual(['install', '-m', '0400', '/etc/mongodb/keyfile-secret/keyfile', '/etc/mongodb/keyfile/keyfile']);
    const secretVolume = pod.volumes.find((v: any) => v.name === 'keyfile-secret');
    expect(secretVolume.secret).toEqual({ secretName: 'db-credentials', defaultMode: 0o440, items: [{ key: 'mongodb-replica-set-key', path: 'keyfile' }] });
    const args = pod.containers[0].args;
    expect(args.slice(args.indexOf('--keyFile'), args.indexOf('--keyFile') + 2)).toEqual(['--keyFile', '/etc/mongodb/keyfile/keyfile']);
    expect(args.slice(args.indexOf('--replSet'), args.indexOf('--replSet') + 2)).toEqual(['--replSet', 'rs0']);
  });

  test('only member 0 creates the root user, and the wrapper execs so mongod receives SIGTERM', () => {
    const c = find(mongo(), 'StatefulSet', 'db').spec.template.spec.containers[0];
    expect(c.command[0]).toBe('bash');
    expect(c.command[2]).toContain('if [ "${HOSTNAME##*-}" != "0" ]; then unset MONGO_INITDB_ROOT_USERNAME MONGO_INITDB_ROOT_PASSWORD; fi');
    expect(c.command[2]).toMatch(/\nexec docker-entrypoint.sh "\$@"$/);
  });

  test('probes: ping for liveness, writable primary or secondary for readiness', () => {
    const c = find(mongo(), 'StatefulSet', 'db').spec.template.spec.containers[0];
    expect(c.livenessProbe.exec.command.join(' ')).toContain("db.adminCommand('ping')");
    expect(c.readinessProbe.exec.command.join(' ')).toContain('h.isWritablePrimary || h.secondary');
  });

  test('storage per environment through volumeClaimTemplates', () => {
    const claim = (env: Environment) => find(mongo({ credentials: SecretSource.existing('x') }, env), 'StatefulSet', 'db').spec.volumeClaimTemplates[0];
    expect(claim(Environment.LOCAL).spec.resources.requests.storage).toBe('2Gi');
    expect(claim(Environment.PRODUCTION).spec.resources.requests.storage).toBe('50Gi');
    expect(claim(Environment.LOCAL).spec.storageClassName).toBeUndefined();
  });

  test('the init Job is named by its spec: stable for the same input, new when members change', () => {
    const jobName = (records: any) => findAll(records, 'Job')[0].metadata.name;
    const a = jobName(mongo({ credentials: SecretSource.existing('x'), members: 3 }));
    expect(a).toMatch(/^db-init-[0-9a-f]{8}$/);
    expect(jobName(mongo({ credentials: SecretSource.existing('x'), members: 3 }))).toBe(a);
    expect(jobName(mongo({ credentials: SecretSource.existing('x'), members: 5 }))).not.toBe(a);
    const job = findAll(mongo(), 'Job')[0];
    expect(job.spec.backoffLimit).toBe(10);
    expect(job.spec.activeDeadlineSeconds).toBeGreaterThan(0);
    expect(job.spec.ttlSecondsAfterFinished).toBeUndefined(); // a TTL would make the next apply re-run it
  });

  test('the init script initiates only an unknown set and adds missing members', () => {
    const script = find(mongo(), 'ConfigMap', 'db-scripts').data['init-replica-set.js'];
    expect(script).toContain("answers.find((a) => a.hello.setName === setName)");
    expect(script).toContain('replSetInitiate');
    expect(script).toContain('replSetReconfig');
    expect(script).toContain('db.updateUser(u.username, { pwd, roles })');
  });

  test('bad props fail with the value and the fix', () => {
    expect(() => mongo({ members: 2 })).toThrow("mongodb 'db': members 2 is even; use an odd number");
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
