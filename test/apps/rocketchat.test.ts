import { RegistrationForm, rocketChatApp, rocketchat } from '../../apps/rocketchat/app';
import { SecretSource } from '../../lib/building-blocks/secrets';
import { Environment } from '../../lib/building-blocks/environment';
import { assertConnectionAllowed } from '../../lib/testing';
import { find, findAll, findingsOf, manifests, PRODUCTION_SECRETS, selects, synthApps, synthCatalogue, testGateAndSnapshot } from '../helpers';

const SECRET_VAR = 'ROCKETCHAT_MONGODB_SECRET';

function synthProduction(app = rocketchat) {
  return synthCatalogue([app], Environment.PRODUCTION);
}

describe('rocketchat app', () => {
  const local = synthApps([rocketchat], Environment.LOCAL);
  const prod = synthProduction();

  testGateAndSnapshot(local, prod);

  test('a restore stops the writers: Rocket.Chat runs no pods and the backup CronJob is suspended until restore is removed', () => {
    const restoring = synthProduction(rocketChatApp({ backup: { restore: 'rs0-20261122T020000Z.archive.gz' } }));
    expect(find(restoring, 'Deployment', 'rocketchat').spec.replicas).toBe(0);
    expect(find(restoring, 'CronJob', 'rocketchat-mongodb-backup').spec.suspend).toBe(true);
    const job = findAll(restoring, 'Job').find((j) => j.metadata.labels['app.kubernetes.io/component'] === 'restore');
    expect(job.spec.template.spec.containers[0].env).toContainEqual({ name: 'RESTORE_ARCHIVE', value: 'rs0-20261122T020000Z.archive.gz' });
    expect(findingsOf(restoring, Environment.PRODUCTION)).toEqual([]);
    // Without restore: the replicas and the schedule as always.
    expect(find(prod, 'Deployment', 'rocketchat').spec.replicas).toBe(1);
    expect(find(prod, 'CronJob', 'rocketchat-mongodb-backup').spec.suspend).toBe(false);
    expect(findAll(prod, 'Job').some((j) => j.metadata.labels['app.kubernetes.io/component'] === 'restore')).toBe(false);
  });

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

  test('one replica and its members per environment; a PDB for the members only, since one Rocket.Chat has none', () => {
    expect(find(local, 'Deployment', 'rocketchat').spec.replicas).toBe(1);
    expect(find(local, 'StatefulSet', 'rocketchat-mongodb').spec.replicas).toBe(1);
    expect(find(prod, 'Deployment', 'rocketchat').spec.replicas).toBe(1);
    expect(find(prod, 'StatefulSet', 'rocketchat-mongodb').spec.replicas).toBe(3);
    expect(findAll(local, 'PodDisruptionBudget')).toEqual([]);
    expect(findAll(prod, 'PodDisruptionBudget').map((p) => p.metadata.name).sort()).toEqual(['rocketchat-mongodb']);
    const web = find(prod, 'Deployment', 'rocketchat').spec.template.spec.containers[0];
    expect(web.env.map((e: any) => e.name)).not.toContain('TCP_PORT');
    expect(web.ports.map((p: any) => p.name)).toEqual(['http']);
  });

  test('more than one replica without a licence is refused, naming the module and the fix', () => {
    expect(() => synthProduction(rocketChatApp({ replicas: 3 }))).toThrow(
      "rocketchat 'rocketchat': replicas 3 needs a licence; Rocket.Chat instances pass events to each other only with the Enterprise 'scalability' module. Pass license: SecretSource.existing(name) (key rocketchat-license), or use replicas 1",
    );
    expect(() => synthApps([rocketChatApp({ replicas: { local: 1, production: 2 } })])).not.toThrow();
  });

  describe('licensed, with three replicas', () => {
    const licensed = synthProduction(rocketChatApp({ replicas: 3, license: SecretSource.existing('rocketchat-license') }));
    const pod = find(licensed, 'Deployment', 'rocketchat').spec.template.spec;
    const env = pod.containers[0].env;

    test('the licence comes from the Secret, the transporter port is fixed and declared', () => {
      expect(env.find((e: any) => e.name === 'ROCKETCHAT_LICENSE').valueFrom.secretKeyRef).toEqual({ name: 'rocketchat-license', key: 'rocketchat-license' });
      expect(env.find((e: any) => e.name === 'TCP_PORT').value).toBe('3001');
      expect(pod.containers[0].ports).toContainEqual({ name: 'cluster', containerPort: 3001, protocol: 'TCP' });
      expect(find(licensed, 'Deployment', 'rocketchat').spec.template.metadata.annotations['shipshape.dev/external-refs']).toContain('Secret/rocketchat-license');
    });

    test('instances reach each other on the transporter port only; a PDB keeps one serving', () => {
      const policy = find(licensed, 'NetworkPolicy', 'rocketchat').spec;
      const self = (r: any, side: string) => r[side].some((p: any) => p.podSelector?.matchLabels['app.kubernetes.io/instance'] === 'rocketchat');
      expect(policy.ingress.filter((r: any) => self(r, 'from')).map((r: any) => r.ports)).toEqual([[{ port: 3001, protocol: 'TCP' }]]);
      expect(policy.egress.filter((r: any) => self(r, 'to')).map((r: any) => r.ports)).toEqual([[{ port: 3001, protocol: 'TCP' }]]);
      expect(find(licensed, 'PodDisruptionBudget', 'rocketchat').spec.maxUnavailable).toBe(1);
      expect(findingsOf(licensed, Environment.PRODUCTION)).toEqual([]);
    });
  });

  test('egress to Rocket.Chat Cloud: 443 to the internet except the cluster ranges, in both environments', () => {
    for (const [records, env] of [[local, Environment.LOCAL], [prod, Environment.PRODUCTION]] as const) {
      const egress = find(records, 'NetworkPolicy', 'rocketchat').spec.egress;
      const internet = egress.filter((r: any) => r.to.some((t: any) => t.ipBlock));
      expect(internet).toEqual([{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: [...env.config.clusterCidrs] } }], ports: [{ port: 443, protocol: 'TCP' }] }]);
    }
    // The except list covers kind's pod, Service and node ranges.
    for (const ip of ['10.244.1.7', '10.96.0.10', '172.18.0.2']) expect(Environment.LOCAL.config.clusterCidrs.some((c) => inCidr(ip, c))).toBe(true);
  });

  test('airGapped takes the licence instead and opens nothing beyond the cluster; without a licence it is refused', () => {
    const gapped = synthProduction(rocketChatApp({ airGapped: true, license: SecretSource.existing('rocketchat-license') }));
    expect(JSON.stringify(find(gapped, 'NetworkPolicy', 'rocketchat').spec.egress)).not.toContain('ipBlock');
    expect(find(gapped, 'Deployment', 'rocketchat').spec.template.spec.containers[0].env.map((e: any) => e.name)).toContain('ROCKETCHAT_LICENSE');
    expect(() => synthProduction(rocketChatApp({ airGapped: true }))).toThrow(
      "rocketchat 'rocketchat': airGapped needs a licence; an unlicensed workspace that cannot report to Rocket.Chat Cloud turns read-only (restricted-workspace).",
    );
  });

  test('the first admin comes from a Secret, the wizard is completed, registration is disabled unless chosen', () => {
    const env = (records: any) => Object.fromEntries(find(records, 'Deployment', 'rocketchat').spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    const e = env(prod);
    expect(e.ADMIN_PASS).toEqual({ secretKeyRef: { name: 'rocketchat-admin', key: 'admin-password' } });
    expect(e).toMatchObject({ ADMIN_USERNAME: 'admin', ADMIN_EMAIL: 'admin@chat.example.com', ADMIN_EMAIL_VERIFIED: 'true', OVERWRITE_SETTING_Show_Setup_Wizard: 'completed', OVERWRITE_SETTING_Accounts_RegistrationForm: 'Disabled' });
    expect(find(local, 'Secret', 'rocketchat-admin').metadata.annotations['shipshape.dev/development-only']).toBeDefined();
    expect(env(synthProduction(rocketChatApp({ registration: RegistrationForm.PUBLIC }))).OVERWRITE_SETTING_Accounts_RegistrationForm).toBe('Public');
    const withoutAdmin = { ...PRODUCTION_SECRETS, ROCKETCHAT_ADMIN_SECRET: '' };
    Object.assign(process.env, withoutAdmin);
    try {
      expect(() => synthApps([rocketchat], Environment.PRODUCTION)).toThrow("rocketchat 'rocketchat': environment 'production' needs credentials (admin-password); set ROCKETCHAT_ADMIN_SECRET");
    } finally {
      for (const name of Object.keys(withoutAdmin)) delete process.env[name];
    }
  });

  test('the amd64-only image is scheduled on amd64 nodes only', () => {
    for (const records of [local, prod]) expect(find(records, 'Deployment', 'rocketchat').spec.template.spec.nodeSelector).toEqual({ 'kubernetes.io/arch': 'amd64' });
    expect(find(prod, 'StatefulSet', 'rocketchat-mongodb').spec.template.spec.nodeSelector).toBeUndefined();
  });

  test('metrics, when asked for, on 9458 from the monitoring namespace only', () => {
    const records = synthProduction(rocketChatApp({ metrics: true }));
    const c = find(records, 'Deployment', 'rocketchat').spec.template.spec.containers[0];
    expect(c.ports).toContainEqual({ name: 'metrics', containerPort: 9458, protocol: 'TCP' });
    expect(c.env.find((e: any) => e.name === 'OVERWRITE_SETTING_Prometheus_Enabled').value).toBe('true');
    const from = find(records, 'NetworkPolicy', 'rocketchat').spec.ingress.filter((r: any) => r.ports.some((p: any) => p.port === 9458));
    expect(from).toEqual([{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ port: 9458, protocol: 'TCP' }] }]);
    expect(JSON.stringify(find(prod, 'NetworkPolicy', 'rocketchat'))).not.toContain('9458');
  });

  test('only Rocket.Chat, the init and reconcile Jobs, the backup and the members reach MongoDB; the ingress controller reaches Rocket.Chat in production', () => {
    const mongoIngress = find(prod, 'NetworkPolicy', 'rocketchat-mongodb').spec.ingress;
    const instances = mongoIngress.flatMap((r: any) => r.from.map((f: any) => f.podSelector.matchLabels['app.kubernetes.io/instance'])).sort();
    expect(instances).toEqual(['rocketchat', 'rocketchat-mongodb', 'rocketchat-mongodb-backup', 'rocketchat-mongodb-init', 'rocketchat-mongodb-reconcile']);
    for (const r of mongoIngress) expect(r.ports).toEqual([{ port: 27017, protocol: 'TCP' }]);
    const webIngress = find(prod, 'NetworkPolicy', 'rocketchat').spec.ingress;
    expect(webIngress.some((r: any) => r.from[0].namespaceSelector?.matchLabels['kubernetes.io/metadata.name'] === 'ingress-nginx' && !r.from[0].podSelector)).toBe(true);
  });

  test('Ingress with class and TLS in production; none locally', () => {
    const ingress = find(prod, 'Ingress', 'rocketchat');
    expect(ingress.spec.ingressClassName).toBe('nginx');
    expect(ingress.spec.tls).toEqual([{ hosts: ['chat.example.com'], secretName: 'rocketchat-tls' }]);
    // ingress-nginx's default body limit is 1m; Rocket.Chat accepts uploads up to FileUpload_MaxFileSize, 100 MiB.
    expect(ingress.metadata.annotations['nginx.ingress.kubernetes.io/proxy-body-size']).toBe('100m');
    // Nothing in dist creates the certificate: the synth lists it among the Secrets to create out of band.
    expect(find(prod, 'Deployment', 'rocketchat').spec.template.metadata.annotations['shipshape.dev/external-refs'].split(',')).toContain('Secret/rocketchat-tls');
    expect(findAll(local, 'Ingress')).toEqual([]);
    const rootUrl = (records: any) => find(records, 'Deployment', 'rocketchat').spec.template.spec.containers[0].env.find((e: any) => e.name === 'ROOT_URL').value;
    expect(rootUrl(prod)).toBe('https://chat.example.com');
    expect(rootUrl(local)).toBe('http://localhost:3000');
  });

  describe('with an external MongoDB', () => {
    const external = rocketChatApp({ externalDatabase: { secret: SecretSource.existing('chat-db'), cidrs: ['10.20.0.0/16'] } });
    const records = synthProduction(external);

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
      expect(deployment.spec.template.metadata.annotations['shipshape.dev/external-refs']).toBe('Secret/chat-db,Secret/rocketchat-admin,Secret/rocketchat-tls');
      expect(findAll(records, 'Secret')).toEqual([]);
    });

    test('egress is open to the database network on 27017 only (and to the cloud on 443)', () => {
      const egress = find(records, 'NetworkPolicy', 'rocketchat').spec.egress;
      expect(egress).toContainEqual({ to: [{ ipBlock: { cidr: '10.20.0.0/16' } }], ports: [{ port: 27017, protocol: 'TCP' }] });
      expect(egress.filter((r: any) => r.ports.some((p: any) => p.port === 27017))).toHaveLength(1);
    });

    test('bad networks and generated connection strings are refused with the fix', () => {
      const bad = rocketChatApp({ externalDatabase: { secret: SecretSource.existing('chat-db'), cidrs: ['10.20.0.0'] } });
      expect(() => synthApps([bad])).toThrow("external mongodb 'rocketchat-mongodb': cidr '10.20.0.0' is not an IPv4 or IPv6 CIDR; use a form like 10.20.0.0/16");
      const generated = rocketChatApp({ externalDatabase: { secret: SecretSource.development(), cidrs: ['10.20.0.0/16'] } });
      expect(() => synthApps([generated])).toThrow('mongodb-uri (mongodb://user:password@host1,host2/db?replicaSet=rs0&authSource=db) cannot be generated; use SecretSource.existing(name)');
    });
  });

  test('a nightly backup dumps the replica set as the backup user from the same Secret, to a claim, keeping N days', () => {
    const cron = find(prod, 'CronJob', 'rocketchat-mongodb-backup');
    expect(cron.spec).toMatchObject({ schedule: '0 2 * * *', timeZone: 'Etc/UTC', concurrencyPolicy: 'Forbid', startingDeadlineSeconds: 300 });
    const pod = cron.spec.jobTemplate.spec.template.spec;
    const container = pod.containers[0];
    const env = Object.fromEntries(container.env.map((e: any) => [e.name, e.value ?? e.valueFrom.secretKeyRef]));
    expect(container.command).toEqual(['bash', '/scripts/backup.sh']);
    expect(env.MONGODB_URI).toContain('replicaSet=rs0&authSource=admin&readPreference=secondaryPreferred');
    for (let i = 0; i < 3; i++) expect(env.MONGODB_URI).toContain(`rocketchat-mongodb-${i}.rocketchat-mongodb-headless.rocketchat.svc.cluster.local:27017`);
    expect(env.KEEP_MINUTES).toBe(String(14 * 24 * 60));
    expect(env.MONGODB_BACKUP_PASSWORD).toEqual({ name: 'rocketchat-mongodb-credentials', key: 'mongodb-password-backup' });
    const claim = pod.volumes.find((v: any) => v.name === 'backup').persistentVolumeClaim.claimName;
    expect(find(prod, 'PersistentVolumeClaim', claim).spec.resources.requests.storage).toBe('100Gi');
    expect(cron.spec.jobTemplate.spec).toMatchObject({ backoffLimit: 2, activeDeadlineSeconds: 14400 });
    expect(cron.spec.jobTemplate.spec.ttlSecondsAfterFinished).toBeUndefined(); // failedJobsHistoryLimit prunes
  });
});

function inCidr(ip: string, cidr: string): boolean {
  const toInt = (a: string) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
  const [base, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return Math.floor(toInt(ip) / size) === Math.floor(toInt(base) / size);
}
