/**
 * A release's database migration, run once by a Job with the service's own
 * image, env, config and connections. The Job's name carries a hash of all
 * of it (see WorkloadKind.JOB), so each release migrates once and `kubectl
 * apply` never edits an immutable Job template; it has no TTL, so re-applying
 * the same dist never runs it again. Its pod first waits until no older
 * migration of the service is running (wait-for-older.sh). With `gateRollout`,
 * the service's pods get an init container that opens only on proof of
 * success: the Job's Complete condition, or the record of it that the first
 * waiter writes into the ConfigMap `<service>-migrations` (wait-for-job.sh).
 * A missing Job keeps pods waiting, so any apply order works, and old-release
 * pods find their own release's record after the Job was pruned.
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
import { Check, checkProps } from '../../building-blocks/check-props';
import { Shapes } from '../../building-blocks/prop-shapes';

const WAIT_SCRIPT = fs.readFileSync(path.join(__dirname, 'wait-for-job.sh'), 'utf8');
const ORDER_SCRIPT = fs.readFileSync(path.join(__dirname, 'wait-for-older.sh'), 'utf8');
/** Seconds a Deployment gets, after the migration's deadline, to start its new pods: the Deployment default. */
const POD_START_SECONDS = 600;

/** What a Migration runs, and how long and how often it may try. */
export interface MigrationProps {
  /** The service whose image, env, volumes and connections the migration runs with. */
  readonly service: Workload;
  /** The migration command, in exec form, e.g. `['npm', 'run', 'migrate']`. */
  readonly command: readonly string[];
  /** The service container to copy. @default the first */
  readonly container?: string;
  /** Failed pods before the Job fails (disruptions do not count). @default 3 */
  readonly backoffLimit?: number;
  /** Seconds the Job may run, including its wait for older migrations. @default 1800 */
  readonly activeDeadlineSeconds?: number;
  /**
   * Hold the service's new pods until this migration has completed. The waiter calls the Kubernetes API, so the
   * service's NetworkPolicy allows egress to the environment's `apiServer` CIDRs for the whole pod, the application
   * container included (NetworkPolicy selects pods, not containers): narrow those CIDRs to your control plane.
   * @default true
   */
  readonly gateRollout?: boolean;
  /** Image of the waiting init containers; it needs `sh`, `grep`, `sed` and `curl`. @default curlimages/curl:8.11.1 (uid 100) */
  readonly waiterImage?: ContainerImage;
}

/** A release's migration Job, serialised with older ones, and the fail-closed gate that holds the service's new pods. */
export class Migration extends Construct {
  public readonly job: Workload;

  public constructor(scope: Construct, id: string, props: MigrationProps) {
    super(scope, id);
    checkProps<MigrationProps>(`migration '${id}'`, props, {
      service: Check.required(Check.instance(Workload, "the workload of the service, e.g. api.workload")),
      command: Check.required(Check.stringArray),
      container: Check.nonEmptyString,
      backoffLimit: Check.integer(0, 20),
      activeDeadlineSeconds: Check.integer(1),
      gateRollout: Check.boolean,
      waiterImage: Shapes.image,
    });
    if (props.service.kind.runsToCompletion && (props.gateRollout ?? true)) {
      throw new Error(`migration '${id}': service '${props.service.name}' is a ${props.service.kind.kind}, which has no rollout to hold until the migration is done; pass the workload of a Deployment or StatefulSet, or set gateRollout: false`);
    }
    const chart = AppChart.of(this);
    const service = props.service;
    const source = props.container ? service.containers.find((c) => c.name === props.container) : service.containers[0];
    if (!source) throw new Error(`migration '${id}': service '${service.name}' has no container '${props.container}'; known: ${service.containers.map((c) => c.name).join(', ')}`);
    if (props.command.length === 0) throw new Error(`migration '${id}': command is empty; give the migration command in exec form, e.g. ['npm', 'run', 'migrate']`);
    const waiterImage = props.waiterImage ?? ContainerImage.of('curlimages/curl:8.11.1', { uid: 100, gid: 101 });
    const activeDeadlineSeconds = props.activeDeadlineSeconds ?? 1800;
    const instance = `${service.name}-migrate`;
    const labels = chart.labelsFor('migration');
    const order = new ConfigFiles(this, 'order-script', { name: `${instance}-order`, namespace: chart.namespaceName, labels, data: { 'wait-for-older.sh': ORDER_SCRIPT } });
    this.job = new Workload(this, 'job', {
      identity: { name: service.identity.name, instance, component: 'migration' },
      kind: WorkloadKind.JOB,
      job: {
        backoffLimit: checkCount(`migration '${id}'`, 'backoffLimit', props.backoffLimit ?? 3, 0, 20),
        activeDeadlineSeconds,
      },
      shutdown: ShutdownPolicy.worker(),
      volumes: [...service.volumes, Volume.fromConfigMap('migration-order', order), Volume.serviceAccountToken('migration-api-token')],
      initContainers: [
        {
          name: 'wait-for-older-migrations',
          image: waiterImage,
          command: ['sh', '/scripts/wait-for-older.sh'],
          env: {
            NAMESPACE: EnvValue.fromField('metadata.namespace'),
            // The Job's name hashes this template, so the pod learns it from the label the Job controller sets.
            JOB_NAME: EnvValue.fromField("metadata.labels['job-name']"),
            INSTANCE: EnvValue.value(instance),
          },
          resources: ResourcePreset.NANO,
          mounts: [
            { volume: 'migration-order', path: '/scripts' },
            { volume: 'migration-api-token', path: '/var/run/secrets/kubernetes.io/serviceaccount' },
          ],
          writablePaths: ['/tmp'],
        },
      ],
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
    // The Job's name is fixed now: env or connections the service gains later could never reach it.
    service.refuseEnvChanges(`migration '${id}' (which copied the env and connections of '${service.name}')`);
    for (const c of service.connections) c.target.allowClient(this.job);
    new k8s.KubeRole(this, 'order-role', {
      metadata: { name: instance, namespace: chart.namespaceName, labels },
      rules: [{ apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list'] }],
    });
    new k8s.KubeRoleBinding(this, 'order-role-binding', {
      metadata: { name: instance, namespace: chart.namespaceName, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: instance },
      subjects: [{ kind: 'ServiceAccount', name: this.job.serviceAccountName, namespace: chart.namespaceName }],
    });
    this.job.allowApiServer();
    if (props.gateRollout ?? true) {
      this.gate(chart, service, waiterImage);
      // `kubectl rollout status` and CI must not call the rollout stalled while a legitimate migration still runs.
      service.holdRolloutFor(activeDeadlineSeconds + POD_START_SECONDS);
    }
  }

  private gate(chart: AppChart, service: Workload, image: ContainerImage): void {
    const jobName = this.job.jobName!;
    const labels = chart.labelsFor('migration');
    const name = `${service.name}-migration-wait`;
    const record = `${service.name}-migrations`;
    // Declared without data: the waiters add one key per succeeded Job. `kubectl apply` keeps keys it never applied,
    // and the waiter can only patch, not create, since RBAC cannot limit `create` by name.
    new k8s.KubeConfigMap(this, 'record', { metadata: { name: record, namespace: chart.namespaceName, labels } });
    new k8s.KubeRole(this, 'role', {
      metadata: { name, namespace: chart.namespaceName, labels },
      rules: [
        // Any Job name: pods of an older ReplicaSet wait on their own release's Job (a drain, a rollout undo).
        { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get'] },
        { apiGroups: [''], resources: ['configmaps'], resourceNames: [record], verbs: ['get', 'patch'] },
      ],
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
        env: { JOB_NAME: EnvValue.value(jobName), NAMESPACE: EnvValue.fromField('metadata.namespace'), RECORD: EnvValue.value(record) },
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
