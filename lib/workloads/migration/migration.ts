/**
 * A release's database migration, run once by a Job with the service's own
 * image, env, config and connections. The Job's name carries a hash of all
 * of it (see WorkloadKind.JOB), so each release migrates once and `kubectl
 * apply` never edits an immutable Job template. With `gateRollout`, the
 * service's pods get an init container that waits for that Job to complete:
 * new pods never serve on an old schema, and with maxUnavailable 0 the old
 * release keeps serving until they can. It works with plain `kubectl apply`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Construct } from 'constructs';
import * as k8s from '../../../imports/k8s';
import { AppChart } from '../../building-blocks/app-chart';
import { ConfigFiles } from '../../building-blocks/config-files';
import { EnvValue } from '../../building-blocks/env-value';
import { ContainerImage } from '../../building-blocks/image';
import { checkCount } from '../../building-blocks/names';
import { ResourcePreset } from '../../building-blocks/resources';
import { ShutdownPolicy } from '../../building-blocks/shutdown';
import { Volume } from '../../building-blocks/volumes';
import { Workload, WorkloadKind } from '../../building-blocks/workload';

const WAIT_SCRIPT = fs.readFileSync(path.join(__dirname, 'wait-for-job.sh'), 'utf8');

export interface MigrationProps {
  /** The service whose image, env, volumes and connections the migration runs with. */
  readonly service: Workload;
  /** The migration command, in exec form, e.g. `['npm', 'run', 'migrate']`. */
  readonly command: readonly string[];
  /** The service container to copy. @default the first */
  readonly container?: string;
  /** @default 3 */
  readonly backoffLimit?: number;
  /** @default 1800 */
  readonly activeDeadlineSeconds?: number;
  /** Hold the service's new pods until this migration has completed. @default true */
  readonly gateRollout?: boolean;
  /** Image of the waiting init container; it needs `sh` and `curl`. @default curlimages/curl:8.11.1 (uid 100) */
  readonly waiterImage?: ContainerImage;
}

export class Migration extends Construct {
  public readonly job: Workload;

  public constructor(scope: Construct, id: string, props: MigrationProps) {
    super(scope, id);
    const chart = AppChart.of(this);
    const service = props.service;
    const source = props.container ? service.containers.find((c) => c.name === props.container) : service.containers[0];
    if (!source) throw new Error(`migration '${id}': service '${service.name}' has no container '${props.container}'; known: ${service.containers.map((c) => c.name).join(', ')}`);
    if (props.command.length === 0) throw new Error(`migration '${id}': command is empty; give the migration command in exec form, e.g. ['npm', 'run', 'migrate']`);
    this.job = new Workload(this, 'job', {
      identity: { name: service.identity.name, instance: `${service.name}-migrate`, component: 'migration' },
      kind: WorkloadKind.JOB,
      job: {
        backoffLimit: checkCount(`migration '${id}'`, 'backoffLimit', props.backoffLimit ?? 3, 0, 20),
        activeDeadlineSeconds: props.activeDeadlineSeconds ?? 1800,
      },
      shutdown: ShutdownPolicy.worker(),
      volumes: service.volumes,
      containers: [
        {
          name: 'migrate',
          image: source.image,
          command: props.command,
          env: service.envOf(source.name),
          resources: source.resources,
          mounts: source.mounts,
          writablePaths: source.writablePaths,
          workingDir: source.workingDir,
        },
      ],
    });
    for (const c of service.connections) c.target.allowClient(this.job);
    if (props.gateRollout ?? true) this.gate(chart, service, props.waiterImage ?? ContainerImage.of('curlimages/curl:8.11.1', { uid: 100, gid: 101 }));
  }

  private gate(chart: AppChart, service: Workload, image: ContainerImage): void {
    const jobName = this.job.jobName!;
    const labels = chart.labelsFor('migration');
    const name = `${service.name}-migration-wait`;
    new k8s.KubeRole(this, 'role', {
      metadata: { name, namespace: chart.namespaceName, labels },
      rules: [{ apiGroups: ['batch'], resources: ['jobs'], resourceNames: [jobName], verbs: ['get'] }],
    });
    new k8s.KubeRoleBinding(this, 'role-binding', {
      metadata: { name, namespace: chart.namespaceName, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name: service.serviceAccountName, namespace: chart.namespaceName }],
    });
    const script = new ConfigFiles(this, 'wait-script', { name, namespace: chart.namespaceName, labels, data: { 'wait-for-job.sh': WAIT_SCRIPT } });
    service.addInitContainer(
      {
        name: 'wait-for-migration',
        image,
        command: ['sh', '/scripts/wait-for-job.sh'],
        env: { JOB_NAME: EnvValue.value(jobName), NAMESPACE: EnvValue.fromField('metadata.namespace') },
        resources: ResourcePreset.NANO,
        mounts: [
          { volume: 'migration-wait', path: '/scripts' },
          { volume: 'migration-api-token', path: '/var/run/secrets/kubernetes.io/serviceaccount' },
        ],
        writablePaths: ['/tmp'],
      },
      [Volume.fromConfigMap('migration-wait', script), Volume.serviceAccountToken('migration-api-token')],
    );
    service.allowApiServer();
  }
}
