/**
 * Bad inputs through the real synth CLI (runSynthCli, as main.ts runs it): the exit code is non-zero, the
 * message names the user's construct path (never the last construct created) and the prop, dist/ stays
 * byte-identical, and no secret value is printed.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { tempDir } from '../helpers';
import { EnvValue } from '../../lib/building-blocks/env-value';
import { ContainerImage } from '../../lib/building-blocks/image';
import { ResourcePreset } from '../../lib/building-blocks/resources';
import { SecretSource } from '../../lib/building-blocks/secrets';
import { Volume } from '../../lib/building-blocks/volumes';
import { Workload, WorkloadKind } from '../../lib/building-blocks/workload';
import { KafkaCluster } from '../../lib/workloads/kafka/kafka-cluster';
import { KafkaTopology } from '../../lib/workloads/kafka/kafka-topology';
import { Migration } from '../../lib/workloads/migration/migration';
import { MongoReplicaSet } from '../../lib/workloads/mongodb/mongo-replica-set';
import { ScheduledJob } from '../../lib/workloads/scheduled-job';
import { Probe } from '../../lib/building-blocks/probes';
import { WebService } from '../../lib/workloads/web-service';
import { Worker } from '../../lib/workloads/worker';
import { appOf, synthFails } from '../synth-cli';

describe('errors name the construct and prop that caused them', () => {
  const image = ContainerImage.of('ghcr.io/acme/api:1.2.3');

  test('a misspelt optional prop is refused with the nearest name', async () => {
    const app = appOf('shop', (chart) => {
      new Worker(chart, 'first', { image, probes: { liveness: Probe.exec(['true']) } });
      new WebService(chart, 'api', { image, port: 8080, ingresHost: 'api.example.com' } as never);
    });
    const r = await synthFails([app]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("synth failed: shop/api (WebService, test/tooling/synth-errors.test.ts:");
    expect(r.err).toContain("web service 'api': prop 'ingresHost' is unknown; did you mean 'ingressHost'?");
    expect(r.err).not.toContain('shop/first');
  });

  test('a missing required prop is refused at run time', async () => {
    const app = appOf('shop', (chart) => {
      new Worker(chart, 'first', { image, probes: { liveness: Probe.exec(['true']) } });
      new WebService(chart, 'api', { image } as never);
    });
    const r = await synthFails([app]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("shop/api (WebService");
    expect(r.err).toContain("web service 'api': port is required");
  });

  test('a wrong shape names the prop and the expected form, never the value', async () => {
    const app = appOf('shop', (chart) => {
      new WebService(chart, 'api', { image, port: 8080, env: { DB_PASSWORD: 's3cr3t-value' } } as never);
    });
    const r = await synthFails([app]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("web service 'api': env.DB_PASSWORD is a string; expected an EnvValue (EnvValue.value('...')");
    expect(r.err).not.toContain('s3cr3t-value');
  });

  test('a value checked before its construct exists names the app and the line, not the last construct', async () => {
    const app = appOf('shop', (chart) => {
      new Worker(chart, 'first', { image, probes: { liveness: Probe.exec(['true']) } });
      new WebService(chart, 'api', { image: ContainerImage.of('nginx'), port: 8080 });
    });
    const r = await synthFails([app]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/synth failed: app 'shop' \(test\/tooling\/synth-errors\.test\.ts:\d+\): image 'nginx' has no tag/);
    expect(r.err).not.toContain('shop/first');
  });
});

describe('containers refuse at the point of input what the API server or the kubelet would refuse later', () => {
  const image = ContainerImage.of('ghcr.io/acme/api:1.2.3');
  const probes = { liveness: Probe.exec(['true']) };
  const container = (extra: object) => ({ name: 'main', image, resources: ResourcePreset.SMALL, probes, ...extra });
  const workload = (extra: object) =>
    appOf('shop', (chart) => {
      new Worker(chart, 'first', { image, probes });
      new Workload(chart, 'pods', { identity: { name: 'pods', instance: 'pods', component: 'server' }, containers: [container(extra)] });
    });

  test.each([
    ['the same port number under two names', { ports: [{ name: 'http', port: 8080 }, { name: 'web', port: 8080 }] }, "port 8080/TCP is declared twice, as 'http' and 'web'"],
    ['a port name used twice', { ports: [{ name: 'http', port: 8080 }, { name: 'http', port: 8081 }] }, "port name 'http' is used twice"],
    ['a probe on a port the container does not declare', { ports: [{ name: 'http', port: 8080 }], probes: { readiness: Probe.http('/ready', 'metrics') } }, "probes.readiness uses port 'metrics', which the container does not declare; declared ports: http"],
    ['a relative writable path', { writablePaths: ['tmp'] }, "writablePaths entry 'tmp' must be an absolute path"],
    ['the same path mounted twice', { writablePaths: ['/tmp'], mounts: [{ volume: 'main-tmp', path: '/tmp/' }] }, '/tmp is mounted twice'],
    ['an env name with a space', { env: { 'LOG LEVEL': EnvValue.value('info') } }, "env name 'LOG LEVEL' must consist of letters, digits, '_', '-' or '.'"],
  ])('%s', async (_what, extra, message) => {
    const r = await synthFails([workload(extra)]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`synth failed: shop/pods (Workload, test/tooling/synth-errors.test.ts:`);
    expect(r.err).toContain(`pods 'pods' container 'main': ${message}`);
  });

  test('a config path equal to a default writable path names the prop', async () => {
    const r = await synthFails([appOf('shop', (chart) => new Worker(chart, 'w', { image, probes, configFiles: { 'a.yaml': 'a: 1' }, configPath: '/tmp' }))]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("shop/w (Worker, test/tooling/synth-errors.test.ts:");
    expect(r.err).toContain("configPath '/tmp' is also a writable path (writablePaths defaults to ['/tmp'])");
  });

  test('an emptyDir size limit that is not a quantity', async () => {
    const r = await synthFails([appOf('shop', () => Volume.emptyDir('cache', { sizeLimit: '1 GB' }))]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/app 'shop' \(test\/tooling\/synth-errors\.test\.ts:\d+\): volume 'cache': sizeLimit '1 GB' is not a Kubernetes quantity/);
  });

  test('a secret passed where a SecretRef belongs is refused clearly', async () => {
    const r = await synthFails([appOf('shop', () => EnvValue.fromSecret(SecretSource.existing('db') as never, 'password'))]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('EnvValue.fromSecret: secret is not a SecretRef (got ExistingSecretSource)');
    expect(r.err).not.toContain('is not a function');
  });
});

describe('workload constructs check their props where the user wrote them', () => {
  const image = ContainerImage.of('ghcr.io/acme/api:1.2.3');
  const probes = { liveness: Probe.exec(['true']) };

  test('a misspelt writablePaths on a Worker', async () => {
    const r = await synthFails([appOf('shop', (chart) => new Worker(chart, 'w', { image, probes, writeablePaths: ['/cache'] } as never))]);
    expect(r.err).toContain("shop/w (Worker, test/tooling/synth-errors.test.ts:");
    expect(r.err).toContain("worker 'w': prop 'writeablePaths' is unknown; did you mean 'writablePaths'?");
  });

  test('a MongoDB user without a database', async () => {
    const r = await synthFails([appOf('shop', (chart) => new MongoReplicaSet(chart, 'db', { users: [{ username: 'app' } as never] }))]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("shop/db (MongoReplicaSet, test/tooling/synth-errors.test.ts:");
    expect(r.err).toContain("mongodb 'db': users[0].database is required");
  });

  test('a Kafka topology with zero brokers names the app and the line, not another construct', async () => {
    const r = await synthFails([
      appOf('shop', (chart) => {
        new Worker(chart, 'first', { image, probes });
        new KafkaCluster(chart, 'kafka', { topology: KafkaTopology.separate({ controllers: 3, brokers: 0 }) });
      }),
    ]);
    expect(r.err).toMatch(/synth failed: app 'shop' \(test\/tooling\/synth-errors\.test\.ts:\d+\): kafka topology: brokers 0 is out of range/);
  });

  test('a Migration whose target is a Job gets advice that fits', async () => {
    const r = await synthFails([
      appOf('shop', (chart) => {
        const job = new Workload(chart, 'batch', { identity: { name: 'batch', instance: 'batch', component: 'job' }, kind: WorkloadKind.JOB, containers: [{ name: 'main', image, resources: ResourcePreset.SMALL }] });
        new Migration(chart, 'migrate', { service: job, command: ['migrate'] });
      }),
    ]);
    expect(r.err).toContain("shop/migrate (Migration, test/tooling/synth-errors.test.ts:");
    expect(r.err).toContain("migration 'migrate': service 'batch' is a Job, which has no rollout to hold until the migration is done");
    expect(r.err).not.toContain('give init containers in the props');
  });

  test('a CronJob name over 52 characters', async () => {
    const instance = 'nightly-report-of-every-order-placed-by-every-customer';
    const r = await synthFails([
      appOf('shop', (chart) => new ScheduledJob(chart, 'nightly', { identity: { name: 'report', instance, component: 'job' }, schedule: '0 2 * * *', containers: [{ name: 'main', image, resources: ResourcePreset.SMALL }] })),
    ]);
    expect(r.err).toContain(`shop/nightly (ScheduledJob, test/tooling/synth-errors.test.ts:`);
    expect(r.err).toContain(`instance name '${instance}' is not a DNS-1123 label of at most 52 characters`);
  });

  test('a Service name that starts with a digit', async () => {
    const r = await synthFails([appOf('shop', (chart) => new WebService(chart, '2fa', { image, port: 8080 }))]);
    expect(r.err).toContain("service 'service': name '2fa' must be a DNS-1035 label");
  });
});

test('npm run synth (a bundle) maps the error back to the construct and the line the user wrote', () => {
  const outdir = path.join(tempDir('synth-bundle'), 'dist');
  const r = spawnSync(process.execPath, ['scripts/run.js', 'test/fixtures/synth/misspelt-prop.ts', outdir], { cwd: path.join(__dirname, '..', '..'), encoding: 'utf8' });
  expect(r.status).toBe(1);
  expect(r.stderr).toContain("synth failed: shop/api (WebService, test/fixtures/synth/misspelt-prop.ts:17): web service 'api': prop 'ingresHost' is unknown; did you mean 'ingressHost'?");
  expect(fs.existsSync(outdir)).toBe(false);
});
