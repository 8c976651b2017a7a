import { rocketChatApp, rocketchat } from '../../apps/rocketchat/app';
import { SecretSource } from '../../lib/building-blocks/secrets';
import { Environment } from '../../lib/building-blocks/environment';
import { assertConnectionAllowed } from '../../lib/testing';
import { find, findAll, findingsOf, manifests, selects, synthApps, testGateAndSnapshot } from '../helpers';

const SECRET_VAR = 'ROCKETCHAT_MONGODB_SECRET';

function synthProduction() {
  process.env[SECRET_VAR] = 'rocketchat-mongodb-credentials';
  try {
    return synthApps([rocketchat], Environment.PRODUCTION);
  } finally {
    delete process.env[SECRET_VAR];
  }
}

describe('rocketchat app', () => {
  const local = synthApps([rocketchat], Environment.LOCAL);
  const prod = synthProduction();

  testGateAndSnapshot(local, prod);

  test.each([
    ['local', local],
    ['production', prod],
  ])('%s: Rocket.Chat, the init Job and the backup reach every MongoDB member, and members reach each other', (_name, records) => {
    const mongo = { kind: 'StatefulSet', name: 'rocketchat-mongodb' };
    assertConnectionAllowed(records, { kind: 'Deployment', name: 'rocketchat' }, mongo, 'mongodb');
    assertConnectionAllowed(records, mongo, mongo, 'mongodb');
    assertConnectionAllowed(records, { kind: 'CronJob', name: 'rocketchat-mongodb-backup' }, mongo, 'mongodb');
    const init = findAll(records, 'Job').find((j) => j.metadata.name.startsWith('rocketchat-mongodb-init'));
    assertConnectionAllowed(records, { kind: 'Job', name: init.metadata.name }, mongo, 'mongodb');
  });

  test('MONGO_URL names every member, the replica set and authSource; the password is a Secret reference', () => {
    const env = find(prod, 'Deployment', 'rocketchat').spec.template.spec.containers[0].env;
    const url = env.find((e: any) => e.name === 'MONGO_URL').value;
    for (let i = 0; i < 3; i++) expect(url).toContain(`rocketchat-mongodb-${i}.rocketchat-mongodb-headless.rocketchat.svc.cluster.local:27017`);
    expect(url).toMatch(/\/rocketchat\?replicaSet=rs0&authSource=rocketchat$/);
    expect(url).toContain(':$(MONGODB_PASSWORD)@');
    const names = env.map((e: any) => e.name);
    expect(names.indexOf('MONGODB_PASSWORD')).toBeLessThan(names.indexOf('MONGO_URL'));
    expect(env.find((e: any) => e.name === 'MONGODB_PASSWORD').valueFrom.secretKeyRef).toEqual({ name: 'rocketchat-mongodb-credentials', key: 'mongodb-password-rocketchat' });
  });

  test('the StatefulSet serves through its headless Service, which publishes not-ready members', () => {
    const sts = find(prod, 'StatefulSet', 'rocketchat-mongodb');
    const headless = find(prod, 'Service', sts.spec.serviceName);
    expect(headless.spec.clusterIp ?? headless.spec.clusterIP).toBe('None');
    expect(headless.spec.publishNotReadyAddresses).toBe(true);
    expect(selects(headless.spec.selector, sts.spec.template.metadata.labels)).toBe(true);
    expect(sts.spec.podManagementPolicy).toBe('Parallel');
  });

  test('every Service selects a pod template', () => {
    const templates = [...findAll(prod, 'Deployment'), ...findAll(prod, 'StatefulSet')].map((w) => w.spec.template.metadata.labels);
    for (const svc of findAll(prod, 'Service')) expect(templates.some((l) => selects(svc.spec.selector, l))).toBe(true);
  });

  test('with an existing Secret no secret value appears in the manifests', () => {
    expect(findAll(prod, 'Secret')).toEqual([]);
    const text = JSON.stringify(manifests(prod));
    expect(text).not.toMatch(/stringData|"data":\{"mongodb/);
    const localSecret = find(local, 'Secret', 'rocketchat-mongodb-credentials');
    expect(localSecret.metadata.annotations['shipshape.dev/development-only']).toBeDefined();
  });

  test('a production synth without credentials fails with the documented message', () => {
    delete process.env[SECRET_VAR];
    expect(() => synthApps([rocketchat], Environment.PRODUCTION)).toThrow(
      /^rocketchat\/rocketchat-mongodb \(MongoReplicaSet, apps\/rocketchat\/app.ts:\d+\): mongodb 'rocketchat-mongodb': environment 'production' needs credentials .*; set ROCKETCHAT_MONGODB_SECRET to the name of an existing Secret/,
    );
  });

  test('replicas and members per environment; PDBs and spread in production only', () => {
    expect(find(local, 'Deployment', 'rocketchat').spec.replicas).toBe(1);
    expect(find(local, 'StatefulSet', 'rocketchat-mongodb').spec.replicas).toBe(1);
    expect(find(prod, 'Deployment', 'rocketchat').spec.replicas).toBe(3);
    expect(find(prod, 'StatefulSet', 'rocketchat-mongodb').spec.replicas).toBe(3);
    expect(findAll(local, 'PodDisruptionBudget')).toEqual([]);
    expect(findAll(prod, 'PodDisruptionBudget').map((p) => p.metadata.name).sort()).toEqual(['rocketchat', 'rocketchat-mongodb']);
    expect(find(prod, 'Deployment', 'rocketchat').spec.template.spec.topologySpreadConstraints).toHaveLength(2);
  });

  test('probes on /health with a startup probe for the slow first boot; read-only root with writable emptyDirs', () => {
    const c = find(local, 'Deployment', 'rocketchat').spec.template.spec.containers[0];
    for (const p of ['startupProbe', 'livenessProbe', 'readinessProbe']) expect(c[p].httpGet).toEqual({ path: '/health', port: 'http' });
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(c.volumeMounts.map((m: any) => m.mountPath).sort()).toEqual(['/app/uploads', '/tmp']);
  });

  test('only Rocket.Chat, the init Job, the backup and the members reach MongoDB; the ingress controller reaches Rocket.Chat in production', () => {
    const mongoIngress = find(prod, 'NetworkPolicy', 'rocketchat-mongodb').spec.ingress;
    const instances = mongoIngress.flatMap((r: any) => r.from.map((f: any) => f.podSelector.matchLabels['app.kubernetes.io/instance'])).sort();
    expect(instances).toEqual(['rocketchat', 'rocketchat-mongodb', 'rocketchat-mongodb-backup', 'rocketchat-mongodb-init']);
    for (const r of mongoIngress) expect(r.ports).toEqual([{ port: 27017, protocol: 'TCP' }]);
    const webIngress = find(prod, 'NetworkPolicy', 'rocketchat').spec.ingress;
    expect(webIngress.some((r: any) => r.from[0].namespaceSelector?.matchLabels['kubernetes.io/metadata.name'] === 'ingress-nginx' && !r.from[0].podSelector)).toBe(true);
  });

  test('Ingress with class and TLS in production; none locally', () => {
    const ingress = find(prod, 'Ingress', 'rocketchat');
    expect(ingress.spec.ingressClassName).toBe('nginx');
    expect(ingress.spec.tls).toEqual([{ hosts: ['chat.example.com'], secretName: 'rocketchat-tls' }]);
    expect(findAll(local, 'Ingress')).toEqual([]);
    const rootUrl = (records: any) => find(records, 'Deployment', 'rocketchat').spec.template.spec.containers[0].env.find((e: any) => e.name === 'ROOT_URL').value;
    expect(rootUrl(prod)).toBe('https://chat.example.com');
    expect(rootUrl(local)).toBe('http://localhost:3000');
  });

  describe('with an external MongoDB', () => {
    const external = rocketChatApp({ externalDatabase: { secret: SecretSource.existing('chat-db'), cidrs: ['10.20.0.0/16'] } });
    const records = synthApps([external], Environment.PRODUCTION);

    test('runs no database of its own and still passes the gate', () => {
      expect(findAll(records, 'StatefulSet')).toEqual([]);
      expect(findAll(records, 'Job')).toEqual([]);
      expect(findingsOf(records, Environment.PRODUCTION)).toEqual([]);
    });

    test('MONGO_URL comes whole from the existing Secret, which is listed as external', () => {
      const deployment = find(records, 'Deployment', 'rocketchat');
      const env = deployment.spec.template.spec.containers[0].env;
      expect(env.find((e: any) => e.name === 'MONGO_URL').valueFrom.secretKeyRef).toEqual({ name: 'chat-db', key: 'mongodb-uri' });
      expect(env.some((e: any) => e.name === 'MONGODB_PASSWORD')).toBe(false);
      expect(deployment.spec.template.metadata.annotations['shipshape.dev/external-refs']).toBe('Secret/chat-db');
      expect(findAll(records, 'Secret')).toEqual([]);
    });

    test('egress is open to the database network on 27017 only', () => {
      const egress = find(records, 'NetworkPolicy', 'rocketchat').spec.egress;
      expect(egress).toContainEqual({ to: [{ ipBlock: { cidr: '10.20.0.0/16' } }], ports: [{ port: 27017, protocol: 'TCP' }] });
      expect(JSON.stringify(egress)).not.toContain('0.0.0.0/0');
    });

    test('bad networks and generated connection strings are refused with the fix', () => {
      const bad = rocketChatApp({ externalDatabase: { secret: SecretSource.existing('chat-db'), cidrs: ['10.20.0.0'] } });
      expect(() => synthApps([bad])).toThrow("external mongodb 'rocketchat-mongodb': cidr '10.20.0.0' is not an IPv4 or IPv6 CIDR; use a form like 10.20.0.0/16");
      const generated = rocketChatApp({ externalDatabase: { secret: SecretSource.development(), cidrs: ['10.20.0.0/16'] } });
      expect(() => synthApps([generated])).toThrow('mongodb-uri (mongodb://user:password@host1,host2/db?replicaSet=rs0&authSource=db) cannot be generated; use SecretSource.existing(name)');
    });
  });

  test('a nightly backup dumps the replica set with the root password from the same Secret, to a claim, keeping N days', () => {
    const cron = find(prod, 'CronJob', 'rocketchat-mongodb-backup');
    expect(cron.spec).toMatchObject({ schedule: '0 2 * * *', timeZone: 'Etc/UTC', concurrencyPolicy: 'Forbid', startingDeadlineSeconds: 300 });
    const pod = cron.spec.jobTemplate.spec.template.spec;
    const container = pod.containers[0];
    const script: string = container.command[2];
    expect(script).toContain('mongodump --config=/tmp/mongodump.yaml');
    expect(script).toContain('replicaSet=rs0&authSource=admin&readPreference=secondaryPreferred');
    for (let i = 0; i < 3; i++) expect(script).toContain(`rocketchat-mongodb-${i}.rocketchat-mongodb-headless.rocketchat.svc.cluster.local:27017`);
    expect(script).toContain(`-mmin +${14 * 24 * 60} -print -delete`);
    expect(container.env.find((e: any) => e.name === 'MONGODB_ROOT_PASSWORD').valueFrom.secretKeyRef).toEqual({ name: 'rocketchat-mongodb-credentials', key: 'mongodb-root-password' });
    const claim = pod.volumes.find((v: any) => v.name === 'backup').persistentVolumeClaim.claimName;
    expect(find(prod, 'PersistentVolumeClaim', claim).spec.resources.requests.storage).toBe('100Gi');
    expect(cron.spec.jobTemplate.spec).toMatchObject({ backoffLimit: 2, activeDeadlineSeconds: 14400 });
    expect(cron.spec.jobTemplate.spec.ttlSecondsAfterFinished).toBeUndefined(); // failedJobsHistoryLimit prunes
  });
});
