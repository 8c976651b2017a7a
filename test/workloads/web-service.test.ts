import { ContainerImage } from '../../lib/building-blocks/image';
import { MemcachedCluster } from '../../lib/workloads/memcached-cluster';
import { Migration } from '../../lib/workloads/migration/migration';
import { Probe } from '../../lib/building-blocks/probes';
import { ShutdownPolicy } from '../../lib/building-blocks/shutdown';
import { WebService, WebServiceProps } from '../../lib/workloads/web-service';
import { Worker } from '../../lib/workloads/worker';
import { Environment } from '../../lib/building-blocks/environment';
import { AppChart } from '../../lib/building-blocks/app-chart';
import { find, findAll, findingsOf, selects, synthChart } from '../helpers';

const image = ContainerImage.of('ghcr.io/example/api:1.2.3', { uid: 1001 });

function api(chart: AppChart, overrides: Partial<WebServiceProps> = {}): WebService {
  return new WebService(chart, 'api', { image, port: 8080, ...overrides });
}

describe('WebService', () => {
  test('Deployment, Service and probes on the health path; replicas per environment; passes the gate', () => {
    for (const env of Environment.all()) {
      const records = synthChart((c) => api(c), env);
      const deployment = find(records, 'Deployment', 'api');
      const container = deployment.spec.template.spec.containers[0];
      expect(container.readinessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(container.startupProbe.httpGet.path).toBe('/healthz');
      expect(deployment.spec.replicas).toBe(env.pick({ local: 1, production: 3 }));
      const service = find(records, 'Service', 'api');
      expect(selects(service.spec.selector, deployment.spec.template.metadata.labels)).toBe(true);
      expect(service.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
      expect(findingsOf(records, env)).toEqual([]);
    }
  });

  test('config files are mounted and hashed; an Ingress only with a host', () => {
    const hash = (text: string) => find(synthChart((c) => api(c, { configFiles: { 'app.yaml': text } })), 'Deployment', 'api').spec.template.metadata.annotations['shipshape.dev/config-hash'];
    expect(hash('a: 1')).not.toBe(hash('a: 2'));
    const records = synthChart((c) => api(c, { configFiles: { 'app.yaml': 'a: 1' }, ingressHost: { local: 'api.localtest.me', production: 'api.example.com' } }), Environment.PRODUCTION);
    expect(find(records, 'Deployment', 'api').spec.template.spec.containers[0].volumeMounts).toContainEqual({ name: 'config', mountPath: '/etc/api', readOnly: true });
    expect(find(records, 'Ingress', 'api').spec.rules[0].host).toBe('api.example.com');
    expect(findAll(synthChart((c) => api(c)), 'Ingress')).toEqual([]);
  });

  test('autoscaling: an HPA on cpu, and the Deployment leaves replicas to it', () => {
    const records = synthChart((c) => api(c, { autoscaling: { minReplicas: 2, maxReplicas: 6 } }), Environment.PRODUCTION);
    expect(find(records, 'Deployment', 'api').spec.replicas).toBeUndefined();
    const hpa = find(records, 'HorizontalPodAutoscaler', 'api').spec;
    expect(hpa).toMatchObject({ minReplicas: 2, maxReplicas: 6, scaleTargetRef: { kind: 'Deployment', name: 'api' } });
    expect(hpa.metrics[0].resource.target.averageUtilization).toBe(70);
    expect(find(records, 'PodDisruptionBudget', 'api')).toBeDefined();
    expect(() => synthChart((c) => api(c, { autoscaling: { minReplicas: 4, maxReplicas: 2 } }))).toThrow("web service 'api': autoscaling.maxReplicas 2");
  });
});

describe('Worker', () => {
  test('no Service, the worker shutdown policy, and the probes it is given', () => {
    const records = synthChart((c) => new Worker(c, 'consumer', { image, command: ['consume'], probes: { liveness: Probe.exec(['true']) } }));
    expect(findAll(records, 'Service')).toEqual([]);
    const pod = find(records, 'Deployment', 'consumer').spec.template.spec;
    expect(pod.terminationGracePeriodSeconds).toBe(35);
    expect(pod.containers[0].lifecycle).toBeUndefined();
    expect(pod.containers[0].livenessProbe.exec.command).toEqual(['true']);
  });

  test('grace periods shorter than drain plus shutdown are refused', () => {
    expect(() => ShutdownPolicy.server({ drainSeconds: 10, shutdownSeconds: 30, terminationGracePeriodSeconds: 20 })).toThrow(
      'shutdown policy: terminationGracePeriodSeconds 20 is shorter than drainSeconds 10 plus shutdownSeconds 30; raise it to at least 40 or the process is killed mid-shutdown',
    );
  });
});

describe('Migration', () => {
  function withMigration(tag: string, command = ['migrate', 'up']) {
    return synthChart((c) => {
      const web = api(c, { image: ContainerImage.of(`ghcr.io/example/api:${tag}`, { uid: 1001 }) });
      web.connectTo(new MemcachedCluster(c, 'cache'));
      new Migration(c, 'migration', { service: web.workload, command });
    });
  }
  const jobOf = (records: any) => findAll(records, 'Job')[0];

  test('runs the service image, env and connections; named by their hash: stable for the same input, new for a new image', () => {
    const first = withMigration('1.2.3');
    const job = jobOf(first);
    const container = job.spec.template.spec.containers[0];
    expect(container.image).toBe('ghcr.io/example/api:1.2.3');
    expect(container.command).toEqual(['migrate', 'up']);
    expect(container.env.map((e: any) => e.name)).toEqual(['MEMCACHED_SERVERS']);
    expect(job.metadata.name).toMatch(/^api-migrate-[0-9a-f]{8}$/);
    expect(jobOf(withMigration('1.2.3')).metadata.name).toBe(job.metadata.name);
    expect(jobOf(withMigration('1.2.4')).metadata.name).not.toBe(job.metadata.name);
    expect(jobOf(withMigration('1.2.3', ['migrate', 'up', '--all'])).metadata.name).not.toBe(job.metadata.name);
    expect(job.spec).toMatchObject({ backoffLimit: 3, activeDeadlineSeconds: 1800 });
    expect(job.spec.ttlSecondsAfterFinished).toBeUndefined();
    const cacheIngress = find(first, 'NetworkPolicy', 'cache').spec.ingress;
    expect(cacheIngress.some((r: any) => r.from[0].podSelector?.matchLabels['app.kubernetes.io/instance'] === 'api-migrate')).toBe(true);
    expect(findingsOf(first)).toEqual([]);
  });

  test('new pods wait for the Job of their release, with a Role that reads Jobs and its record, and a token only the waiter sees', () => {
    const records = withMigration('1.2.3');
    const jobName = jobOf(records).metadata.name;
    const pod = find(records, 'Deployment', 'api').spec.template.spec;
    const waiter = pod.initContainers.find((c: any) => c.name === 'wait-for-migration');
    expect(waiter.env.find((e: any) => e.name === 'JOB_NAME').value).toBe(jobName);
    expect(waiter.env.find((e: any) => e.name === 'RECORD').value).toBe('api-migrations');
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(waiter.volumeMounts.map((m: any) => m.mountPath)).toContain('/var/run/secrets/kubernetes.io/serviceaccount');
    expect(pod.containers[0].volumeMounts.some((m: any) => m.name === 'migration-api-token')).toBe(false);
    const volumes = pod.volumes.map((v: any) => v.name);
    for (const m of waiter.volumeMounts) expect(volumes).toContain(m.name);
    expect(findingsOf(records)).toEqual([]);
    // Any Job name, so that pods of an older ReplicaSet (a drain, a rollout undo) can read their own release's Job.
    expect(find(records, 'Role', 'api-migration-wait').rules).toEqual([
      { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get'] },
      { apiGroups: [''], resources: ['configmaps'], resourceNames: ['api-migrations'], verbs: ['get', 'patch'] },
    ]);
    // The record is declared empty: the waiters add keys, which apply keeps because it never applied them.
    expect(find(records, 'ConfigMap', 'api-migrations').data).toBeUndefined();
    const binding = find(records, 'RoleBinding', 'api-migration-wait');
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: pod.serviceAccountName, namespace: 'test' }]);
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'api-migration-wait' });
  });

  test('the Job first waits for older migrations, with its own Role and a token only that init container sees', () => {
    const records = withMigration('1.2.3');
    const pod = jobOf(records).spec.template.spec;
    const order = pod.initContainers.find((c: any) => c.name === 'wait-for-older-migrations');
    expect(order.command).toEqual(['sh', '/scripts/wait-for-older.sh']);
    expect(order.env.find((e: any) => e.name === 'JOB_NAME').valueFrom.fieldRef.fieldPath).toBe("metadata.labels['job-name']");
    expect(order.env.find((e: any) => e.name === 'INSTANCE').value).toBe(jobOf(records).metadata.labels['app.kubernetes.io/instance']);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.containers[0].volumeMounts.some((m: any) => m.name === 'migration-api-token')).toBe(false);
    expect(find(records, 'Role', 'api-migrate').rules).toEqual([{ apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list'] }]);
    expect(find(records, 'RoleBinding', 'api-migrate').subjects[0].name).toBe(pod.serviceAccountName);
    expect(find(records, 'NetworkPolicy', 'api-migrate').spec.egress.some((r: any) => r.to?.some((t: any) => t.ipBlock))).toBe(true);
  });

  test('the rollout is not reported stalled while the migration may still run', () => {
    const deployment = find(withMigration('1.2.3'), 'Deployment', 'api');
    expect(deployment.spec.progressDeadlineSeconds).toBe(1800 + 600);
  });

  test('env or connections added after the Migration are refused: they could never reach its Job', () => {
    expect(() => synthChart((c) => {
      const web = api(c);
      new Migration(c, 'migration', { service: web.workload, command: ['migrate'] });
      web.connectTo(new MemcachedCluster(c, 'cache'));
    })).toThrow("api 'api': env MEMCACHED_SERVERS comes after migration 'migration' (which copied the env and connections of 'api') was created, so it would never see it; connect and add env before creating it");
  });
});
