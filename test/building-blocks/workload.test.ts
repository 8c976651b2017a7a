import { Environment } from '../../lib/building-blocks/environment';
import { ConfigFiles } from '../../lib/building-blocks/config-files';
import { EnvValue } from '../../lib/building-blocks/env-value';
import { ContainerImage } from '../../lib/building-blocks/image';
import { LABEL } from '../../lib/vocabulary/labels';
import { Probe } from '../../lib/building-blocks/probes';
import { ResourcePreset } from '../../lib/building-blocks/resources';
import { SecretSource } from '../../lib/building-blocks/secrets';
import { MemcachedCluster } from '../../lib/workloads/memcached-cluster';
import { Volume } from '../../lib/building-blocks/volumes';
import { Workload, WorkloadKind, WorkloadProps } from '../../lib/building-blocks/workload';
import { AppChart } from '../../lib/building-blocks/app-chart';
import { find, findAll, findingsOf, selects, synthChart } from '../helpers';

const image = ContainerImage.of('nginxinc/nginx-unprivileged:1.27.3', { uid: 101 });

function web(chart: AppChart, overrides: Partial<WorkloadProps> = {}): Workload {
  return new Workload(chart, 'web', {
    identity: { name: 'nginx', instance: 'web', component: 'frontend' },
    replicas: chart.env.pick({ local: 1, production: 3 }),
    containers: [
      {
        name: 'nginx',
        image,
        ports: [{ name: 'http', port: 8080 }],
        resources: ResourcePreset.SMALL,
        probes: { readiness: Probe.http('/', 'http'), liveness: Probe.tcp('http') },
        writablePaths: ['/tmp'],
      },
    ],
    ...overrides,
  });
}

describe('Workload', () => {
  test('pods meet PSS restricted, with resources, probes, and a read-only root', () => {
    const records = synthChart((c) => web(c));
    const pod = find(records, 'Deployment', 'web').spec.template.spec;
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true, runAsUser: 101, runAsGroup: 101, fsGroup: 101, fsGroupChangePolicy: 'OnRootMismatch', seccompProfile: { type: 'RuntimeDefault' },
    });
    const c = pod.containers[0];
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] }, runAsNonRoot: true });
    expect(c.imagePullPolicy).toBe('IfNotPresent');
    expect(c.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } });
    expect(c.volumeMounts).toEqual([{ name: 'nginx-tmp', mountPath: '/tmp' }]);
    expect(pod.volumes).toEqual([{ name: 'nginx-tmp', emptyDir: {} }]);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(find(records, 'ServiceAccount', 'web').automountServiceAccountToken).toBe(false);
    expect(findingsOf(records)).toEqual([]);
  });

  test('selector uses the stable labels only and matches the pod labels', () => {
    const records = synthChart((c) => web(c));
    const dep = find(records, 'Deployment', 'web');
    expect(Object.keys(dep.spec.selector.matchLabels).sort()).toEqual([LABEL.component, LABEL.instance, LABEL.name].sort());
    expect(selects(dep.spec.selector.matchLabels, dep.spec.template.metadata.labels)).toBe(true);
    for (const r of records) expect(Object.keys(r.manifest.metadata.labels ?? {})).toEqual(expect.arrayContaining(Object.values(LABEL)));
  });

  test('production: PDB selects the pods, spread across nodes and zones; local: neither', () => {
    const prod = synthChart((c) => web(c), Environment.PRODUCTION);
    const dep = find(prod, 'Deployment', 'web');
    const pdb = find(prod, 'PodDisruptionBudget', 'web');
    expect(pdb.spec.maxUnavailable).toBe(1);
    expect(selects(pdb.spec.selector.matchLabels, dep.spec.template.metadata.labels)).toBe(true);
    expect(dep.spec.template.spec.topologySpreadConstraints.map((t: any) => t.topologyKey)).toEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
    expect(findingsOf(prod, Environment.PRODUCTION)).toEqual([]);
    const local = synthChart((c) => web(c));
    expect(findAll(local, 'PodDisruptionBudget')).toEqual([]);
    expect(find(local, 'Deployment', 'web').spec.template.spec.topologySpreadConstraints).toBeUndefined();
  });

  test('a long-running container without probes is refused', () => {
    expect(() => synthChart((c) => web(c, { containers: [{ name: 'nginx', image, resources: ResourcePreset.SMALL }] }))).toThrow(
      "nginx 'web' container 'nginx': a long-running container needs a probe",
    );
  });

  test('a mount of an unknown volume is refused', () => {
    expect(() =>
      synthChart((c) => web(c, { containers: [{ name: 'nginx', image, resources: ResourcePreset.SMALL, probes: { liveness: Probe.tcp(8080) }, mounts: [{ volume: 'config', path: '/etc/x' }] }] })),
    ).toThrow(/mount of 'config' at \/etc\/x names no volume/);
  });

  test('the config hash changes with mounted config content, and only then', () => {
    const hashOf = (content: string) => {
      const records = synthChart((c) => {
        const config = new ConfigFiles(c, 'config', { name: 'web-config', namespace: c.namespaceName, labels: c.labelsFor('config'), data: { 'nginx.conf': content } });
        web(c, {
          volumes: [Volume.fromConfigMap('config', config)],
          containers: [{ name: 'nginx', image, resources: ResourcePreset.SMALL, probes: { liveness: Probe.tcp(8080) }, mounts: [{ volume: 'config', path: '/etc/nginx/conf.d' }] }],
        });
      });
      return find(records, 'Deployment', 'web').spec.template.metadata.annotations['shipshape.dev/config-hash'];
    };
    expect(hashOf('a')).toMatch(/^[0-9a-f]{16}$/);
    expect(hashOf('a')).toBe(hashOf('a'));
    expect(hashOf('a')).not.toBe(hashOf('b'));
  });

  test('secret env values are references; an existing Secret is declared external', () => {
    const records = synthChart((c) => {
      const secret = SecretSource.existing('web-credentials').bind(c, {
        owner: 'web', defaultName: 'web-credentials', namespace: c.namespaceName, env: c.env, labels: {},
        keys: [{ key: 'api-token', description: 'token', generate: 'password' }],
      });
      web(c, {
        containers: [{ name: 'nginx', image, resources: ResourcePreset.SMALL, probes: { liveness: Probe.tcp(8080) }, env: { TOKEN: EnvValue.fromSecret(secret, 'api-token') } }],
      });
    });
    const dep = find(records, 'Deployment', 'web');
    expect(dep.spec.template.spec.containers[0].env).toEqual([{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'web-credentials', key: 'api-token' } } }]);
    expect(dep.spec.template.metadata.annotations['shipshape.dev/external-refs']).toBe('Secret/web-credentials');
    expect(findAll(records, 'Secret')).toEqual([]);
    expect(findingsOf(records)).toEqual([]);
  });

  test('every namespace denies by default and allows DNS', () => {
    const records = synthChart((c) => web(c));
    expect(find(records, 'NetworkPolicy', 'default-deny').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    expect(find(records, 'NetworkPolicy', 'allow-dns').spec.egress[0].ports).toEqual([{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }]);
    expect(find(records, 'Namespace', 'test').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(find(records, 'Namespace', 'test').metadata.namespace).toBeUndefined();
  });

  test('allowFrom adds the rule on both sides', () => {
    const records = synthChart((c) => {
      const server = web(c);
      const client = new Workload(c, 'client', {
        identity: { name: 'curl', instance: 'client', component: 'worker' },
        containers: [{ name: 'curl', image: ContainerImage.of('curlimages/curl:8.11.1', { uid: 100 }), resources: ResourcePreset.NANO, probes: { liveness: Probe.exec(['true']) } }],
      });
      server.allowFrom(client, [{ port: 8080 }]);
    });
    const ingress = find(records, 'NetworkPolicy', 'web').spec.ingress;
    expect(ingress).toEqual([{ from: [expect.objectContaining({ podSelector: { matchLabels: expect.objectContaining({ [LABEL.instance]: 'client' }) } })], ports: [{ port: 8080, protocol: 'TCP' }] }]);
    const egress = find(records, 'NetworkPolicy', 'client').spec.egress;
    expect(egress[0].to[0].podSelector.matchLabels[LABEL.instance]).toBe('web');
  });
});

describe('secrets', () => {
  const keys = [{ key: 'password', description: 'the password', generate: 'password' as const }];
  test('development values only where the environment allows them', () => {
    const records = synthChart((c) => {
      SecretSource.development().bind(c, { owner: 'db', defaultName: 'db-credentials', namespace: c.namespaceName, env: c.env, labels: {}, keys });
    });
    const secret = find(records, 'Secret', 'db-credentials');
    expect(secret.metadata.annotations['shipshape.dev/development-only']).toMatch(/not secret/);
    expect(secret.stringData.password).toMatch(/^[0-9a-f]{32}$/);
    expect(() =>
      synthChart((c) => SecretSource.development().bind(c, { owner: 'db', defaultName: 'x', namespace: c.namespaceName, env: c.env, labels: {}, keys }), Environment.PRODUCTION),
    ).toThrow("db: development credentials are not allowed in environment 'production'");
  });
  test('fromEnvironment in production without the variable names it and shows the command', () => {
    delete process.env.TEST_DB_SECRET;
    expect(() =>
      synthChart((c) => SecretSource.fromEnvironment('TEST_DB_SECRET').bind(c, { owner: 'db', defaultName: 'db-credentials', namespace: c.namespaceName, env: c.env, labels: {}, keys }), Environment.PRODUCTION),
    ).toThrow(/set TEST_DB_SECRET to the name of an existing Secret[\s\S]*kubectl create secret generic db-credentials -n test/);
  });
  test('external secret maps every key and validates against its package schema', () => {
    const records = synthChart((c) =>
      SecretSource.external({ storeName: 'vault', remoteKeys: { password: { key: 'db/password' } } }).bind(c, { owner: 'db', defaultName: 'db-credentials', namespace: c.namespaceName, env: c.env, labels: c.labelsFor('credentials'), keys }),
    );
    expect(find(records, 'ExternalSecret', 'db-credentials').spec.data).toEqual([{ secretKey: 'password', remoteRef: { key: 'db/password' } }]);
    expect(findingsOf(records)).toEqual([]);
    expect(() => synthChart((c) => SecretSource.external({ storeName: 'vault', remoteKeys: {} }).bind(c, { owner: 'db', defaultName: 'x', namespace: c.namespaceName, env: c.env, labels: {}, keys }))).toThrow(
      "db: external secret 'x' maps no remote key for password; add them to remoteKeys",
    );
  });
});

describe('Job workloads', () => {
  const jobWith = (script: string) =>
    synthChart((c) => {
      const config = new ConfigFiles(c, 'scripts', { name: 'task-scripts', namespace: c.namespaceName, labels: c.labelsFor('task'), data: { 'run.sh': script } });
      new Workload(c, 'task', {
        identity: { name: 'task', instance: 'task', component: 'batch' },
        kind: WorkloadKind.JOB,
        volumes: [Volume.fromConfigMap('scripts', config)],
        containers: [{ name: 'task', image, command: ['sh', '/scripts/run.sh'], resources: ResourcePreset.NANO, mounts: [{ volume: 'scripts', path: '/scripts' }] }],
      });
    });
  const job = (records: any) => findAll(records, 'Job')[0];

  test('the name changes with mounted config content, so apply never edits an immutable template', () => {
    expect(job(jobWith('echo a')).metadata.name).toBe(job(jobWith('echo a')).metadata.name);
    expect(job(jobWith('echo a')).metadata.name).not.toBe(job(jobWith('echo b')).metadata.name);
  });

  test('a Job needs no probes; it keeps failed pods (Never), does not count disruptions, and has no TTL', () => {
    const j = job(jobWith('echo a'));
    expect(j.metadata.name).toMatch(/^task-[0-9a-f]{8}$/);
    expect(j.spec).toMatchObject({ backoffLimit: 6, activeDeadlineSeconds: 600 });
    // A TTL would delete the Job, and the next apply of the same dist would create and run it again.
    expect(j.spec).not.toHaveProperty('ttlSecondsAfterFinished');
    expect(j.spec.template.spec.restartPolicy).toBe('Never');
    expect(j.spec.podFailurePolicy).toEqual({ rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }] });
    expect(findingsOf(jobWith('echo a'))).toEqual([]);
  });

  test('a Job in dist refuses a TTL', () => {
    expect(() => synthChart((c) => new Workload(c, 'task', {
      identity: { name: 'task', instance: 'task', component: 'batch' },
      kind: WorkloadKind.JOB,
      job: { ttlSecondsAfterFinished: 3600 },
      containers: [{ name: 'task', image, command: ['true'], resources: ResourcePreset.NANO }],
    }))).toThrow("task 'task': job.ttlSecondsAfterFinished 3600 on a Job that lives in dist makes the next apply create it again and re-run it; drop ttlSecondsAfterFinished");
  });

  describe('connectTo', () => {
    test('appends the service env to the containers and opens both policies', () => {
      const records = synthChart((c) => {
        const cache = new MemcachedCluster(c, 'cache');
        const w = web(c);
        w.connectTo(cache);
        w.connectTo(cache, { envPrefix: 'SESSIONS_' });
      });
      const env = find(records, 'Deployment', 'web').spec.template.spec.containers[0].env;
      expect(env.map((e: any) => e.name)).toEqual(['MEMCACHED_SERVERS', 'SESSIONS_MEMCACHED_SERVERS']);
      expect(env[0].value).toBe('cache-0.cache-headless.test.svc.cluster.local:11211');
      const cacheIngress = find(records, 'NetworkPolicy', 'cache').spec.ingress;
      expect(cacheIngress.some((r: any) => r.from[0].podSelector?.matchLabels['app.kubernetes.io/instance'] === 'web')).toBe(true);
      const webEgress = find(records, 'NetworkPolicy', 'web').spec.egress;
      expect(webEgress.some((r: any) => r.to[0].podSelector?.matchLabels['app.kubernetes.io/instance'] === 'cache' && r.ports[0].port === 11211)).toBe(true);
    });

    test('a variable set twice is refused with the fix; a Job cannot take env later', () => {
      expect(() => synthChart((c) => {
        const cache = new MemcachedCluster(c, 'cache');
        const w = web(c);
        w.connectTo(cache);
        w.connectTo(cache);
      })).toThrow("nginx 'web' container 'nginx': env MEMCACHED_SERVERS is already set; connect with another envPrefix or drop the variable");
      expect(() => synthChart((c) => {
        const job = web(c, { kind: WorkloadKind.JOB });
        job.connectTo(new MemcachedCluster(c, 'cache'));
      })).toThrow("nginx 'web': a Job's name is fixed when it is created; give its env in the container props instead");
    });
  });
});
