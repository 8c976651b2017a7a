/**
 * Nightly consistent dump of a replica set to a volume, keeping N days, an
 * optional copy to S3-compatible storage, and a restore Job.
 *
 * backup.sh runs `mongodump --oplog --gzip --archive` from a secondary where
 * there is one, as the `backup` user (role backup; the password goes through a
 * config file, never the command line), writes under a temporary name that a
 * failure removes and renames when done, so a half-written dump never counts.
 * upload.sh copies the new dump with the AWS CLI (in parts above 8 MiB, so no 5 GB limit); a retry of the Job after a
 * failed copy does not dump again (backup.sh remembers which Job wrote the newest dump). restore.sh replays
 * one dump with `mongorestore --oplogReplay --drop` (see the app README).
 */
import { Construct } from 'constructs';
import * as k8s from '../../../imports/k8s';
import { AppChart } from '../../building-blocks/app-chart';
import { EnvValue } from '../../building-blocks/env-value';
import { checkCount } from '../../building-blocks/names';
import { ResourcePreset } from '../../building-blocks/resources';
import { ScheduledJob } from '../scheduled-job';
import { Volume } from '../../building-blocks/volumes';
import * as fs from 'fs';
import * as path from 'path';
import { ConfigFiles } from '../../building-blocks/config-files';
import { ContainerProps } from '../../building-blocks/container';
import { ContainerImage } from '../../building-blocks/image';
import { recommendedLabels } from '../../building-blocks/labels';
import { NetworkPeers } from '../../building-blocks/network-policy';
import { SecretSource } from '../../building-blocks/secrets';
import { ShutdownPolicy } from '../../building-blocks/shutdown';
import { Workload, WorkloadKind } from '../../building-blocks/workload';
import { BACKUP_USER, MongoReplicaSet, ROOT_PASSWORD_KEY } from './mongo-replica-set';

const SCRIPTS = Object.fromEntries(['backup.sh', 'upload.sh', 'restore.sh'].map((f) => [f, fs.readFileSync(path.join(__dirname, f), 'utf8')]));
/**
 * The AWS CLI's own image (aws/aws-cli docker/Dockerfile: Amazon Linux 2, sh and coreutils, entrypoint aws, amd64 and
 * arm64). It has no USER (root), but runs as any uid (`docker run --user uid:gid`, aws/aws-cli#5120) given a writable
 * HOME: without one it fails creating `/.aws` (aws-controllers-k8s/test-infra#137). HOME is /tmp, an emptyDir.
 */
const UPLOAD_IMAGE = ContainerImage.of('amazon/aws-cli:2.37.5', { uid: 65532, gid: 65532, hasSleep: true });
export const S3_ACCESS_KEY_ID = 's3-access-key-id';
export const S3_SECRET_ACCESS_KEY = 's3-secret-access-key';

/** Where a copy of each dump goes, off the cluster. */
export interface OffsiteCopy {
  /** The S3 endpoint URL, e.g. `https://s3.eu-central-1.amazonaws.com` or a MinIO URL. */
  readonly endpoint: string;
  /** The bucket. */
  readonly bucket: string;
  /** The signing region. @default 'us-east-1' */
  readonly region?: string;
  /** Key prefix of the copies. @default '' */
  readonly prefix?: string;
  /** The Secret with `s3-access-key-id` and `s3-secret-access-key`. */
  readonly credentials: SecretSource;
  /** Networks the endpoint is in. @default - the internet: 0.0.0.0/0 except the environment's clusterCidrs */
  readonly cidrs?: readonly string[];
}
import { Check, checkProps } from '../../building-blocks/check-props';

/** A backup of one replica set, with the settings of MongoBackupOptions. */
export interface MongoBackupProps extends MongoBackupOptions {
  /** The replica set to dump; its members and Secret are read from it. */
  readonly replicaSet: MongoReplicaSet;
}

/** Everything but the replica set, for apps that pass backup settings through. */
export interface MongoBackupOptions {
  /** When the dump runs, a five-field cron schedule. @default '0 2 * * *' (02:00 every day) */
  readonly schedule?: string;
  /** IANA time zone of the schedule. @default 'Etc/UTC' */
  readonly timeZone?: string;
  /** Days of dumps to keep. @default 7 */
  readonly keepDays?: number;
  /** Size of the volume the dumps are kept on. @default 2Gi in local, 100Gi in production */
  readonly storageSize?: string;
  /** StorageClass of that volume. @default the environment's StorageClass */
  readonly storageClassName?: string;
  /** Copy each dump to S3-compatible storage, so a lost cluster or volume does not take the backups with it. @default - none */
  readonly offsite?: OffsiteCopy;
  /**
   * Restore this dump (a file name on the backup volume, e.g. `rs0-20261122T020000Z.archive.gz`) with a one-shot Job;
   * remove it again once the Job is done. See the app README for the steps around it.
   * @default - none
   */
  readonly restore?: string;
}

/** A nightly consistent dump of a replica set to a volume, see the file's comment. */
export class MongoBackup extends Construct {
  public readonly job: ScheduledJob;
  public readonly claimName: string;
  /** The restore Job, when `restore` names a dump. */
  public readonly restoreJob?: Workload;

  public constructor(scope: Construct, id: string, props: MongoBackupProps) {
    super(scope, id);
    checkProps<MongoBackupProps>(`mongodb backup '${id}'`, props, {
      replicaSet: Check.required(Check.instance(MongoReplicaSet, 'a MongoReplicaSet of the same app')),
      schedule: Check.nonEmptyString,
      timeZone: Check.nonEmptyString,
      keepDays: Check.integer(1, 3650),
      storageSize: Check.quantity,
      storageClassName: Check.nonEmptyString,
      offsite: Check.object<OffsiteCopy>({
        endpoint: Check.required(Check.nonEmptyString),
        bucket: Check.required(Check.nonEmptyString),
        region: Check.nonEmptyString,
        prefix: Check.string,
        credentials: Check.required(Check.instance(SecretSource, 'a SecretSource')),
        cidrs: Check.stringArray,
      }),
      restore: Check.nonEmptyString,
    });
    const chart = AppChart.of(this);
    const rs = props.replicaSet;
    const instance = `${rs.workload.name}-backup`;
    const keepDays = checkCount(`mongodb backup '${instance}'`, 'keepDays', props.keepDays ?? 7, 1, 3650);
    this.claimName = instance;
    const identity = { name: 'mongodb', instance, component: 'backup' };
    new k8s.KubePersistentVolumeClaim(this, 'claim', {
      metadata: { name: this.claimName, namespace: chart.namespaceName, labels: chart.labelsFor('backup') },
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: props.storageClassName ?? chart.env.config.storageClassName,
        resources: { requests: { storage: k8s.Quantity.fromString(props.storageSize ?? chart.env.pick({ local: '2Gi', production: '100Gi' })) } },
      },
    });
    const prefix = `${rs.replicaSetName}-`;
    const hosts = rs.memberHosts.join(',');
    const scripts = new ConfigFiles(this, 'scripts', {
      name: `${instance}-scripts`,
      namespace: chart.namespaceName,
      labels: recommendedLabels({ ...identity, partOf: chart.appName, version: rs.image.version }),
      data: SCRIPTS,
    });
    const volumes = [Volume.persistentClaim('backup', this.claimName), Volume.fromConfigMap('scripts', scripts)];
    const backupMounts = [{ volume: 'backup', path: '/backup', readOnly: false }, { volume: 'scripts', path: '/scripts' }];
    const dump: ContainerProps = {
      name: 'mongodump',
      image: rs.image,
      command: ['bash', '/scripts/backup.sh'],
      env: {
        MONGODB_URI: EnvValue.value(`mongodb://${BACKUP_USER.username}@${hosts}/?replicaSet=${rs.replicaSetName}&authSource=admin&readPreference=secondaryPreferred`),
        MONGODB_BACKUP_PASSWORD: EnvValue.fromSecret(rs.credentials, `mongodb-password-${BACKUP_USER.username}`),
        BACKUP_PREFIX: EnvValue.value(prefix),
        KEEP_MINUTES: EnvValue.value(keepDays * 24 * 60),
        JOB_NAME: EnvValue.fromField("metadata.labels['job-name']"),
        HOME: EnvValue.value('/tmp'),
      },
      resources: ResourcePreset.SMALL.with({ memoryLimit: '512Mi' }),
      mounts: backupMounts,
      writablePaths: ['/tmp'],
    };
    const upload = props.offsite ? this.uploadContainer(chart, props.offsite) : undefined;
    this.job = new ScheduledJob(this, 'job', {
      identity,
      schedule: props.schedule ?? '0 2 * * *',
      timeZone: props.timeZone ?? 'Etc/UTC',
      job: { backoffLimit: 2, activeDeadlineSeconds: 4 * 3600 },
      volumes,
      // With a copy, the dump runs first as an init container and the upload after it.
      initContainers: upload ? [dump] : undefined,
      containers: [upload ?? dump],
      // A run during a restore would dump a half-restored database and keep it as the newest dump.
      suspend: props.restore !== undefined,
    });
    if (props.offsite) {
      const port = new URL(props.offsite.endpoint).port || (props.offsite.endpoint.startsWith('http://') ? '80' : '443');
      const peers = props.offsite.cidrs?.map((c) => NetworkPeers.cidr(c)) ?? [NetworkPeers.cidr('0.0.0.0/0', chart.env.config.clusterCidrs)];
      for (const peer of peers) this.job.workload.allowEgressTo(peer, [{ port: Number(port) }]);
    }
    if (props.restore) {
      this.restoreJob = new Workload(this, 'restore', {
        identity: { name: 'mongodb', instance: `${instance}-restore`, component: 'restore' },
        kind: WorkloadKind.JOB,
        // A restore is run once, on purpose: no retries that would replay it.
        job: { backoffLimit: 0, activeDeadlineSeconds: 6 * 3600 },
        shutdown: ShutdownPolicy.worker({ shutdownSeconds: 30 }),
        volumes,
        containers: [
          {
            name: 'mongorestore',
            image: rs.image,
            command: ['bash', '/scripts/restore.sh'],
            env: {
              RESTORE_ARCHIVE: EnvValue.value(props.restore),
              MONGODB_URI: EnvValue.value(`mongodb://root@${hosts}/?replicaSet=${rs.replicaSetName}&authSource=admin`),
              MONGODB_ROOT_PASSWORD: EnvValue.fromSecret(rs.credentials, ROOT_PASSWORD_KEY),
              HOME: EnvValue.value('/tmp'),
            },
            resources: ResourcePreset.SMALL.with({ memoryLimit: '1Gi' }),
            mounts: [{ volume: 'backup', path: '/backup' }, { volume: 'scripts', path: '/scripts' }],
            writablePaths: ['/tmp'],
          },
        ],
      });
      rs.allowFrom(this.restoreJob);
    }
    rs.allowFrom(this.job.workload);
  }

  private uploadContainer(chart: AppChart, offsite: OffsiteCopy): ContainerProps {
    const owner = `mongodb backup '${this.claimName}'`;
    if (!/^https?:\/\/[^/\s]+\/?$/.test(offsite.endpoint)) {
      throw new Error(`${owner}: offsite.endpoint '${offsite.endpoint}' must be a URL without a path, e.g. https://s3.eu-central-1.amazonaws.com`);
    }
    const credentials = offsite.credentials.bind(this, {
      owner,
      defaultName: `${this.claimName}-s3`,
      namespace: chart.namespaceName,
      env: chart.env,
      labels: chart.labelsFor('backup'),
      keys: [
        { key: S3_ACCESS_KEY_ID, description: 'S3 access key id', generate: 'given' },
        { key: S3_SECRET_ACCESS_KEY, description: 'S3 secret access key', generate: 'given' },
      ],
    });
    return {
      name: 'upload',
      image: UPLOAD_IMAGE,
      command: ['sh', '/scripts/upload.sh'],
      env: {
        S3_ENDPOINT: EnvValue.value(offsite.endpoint),
        S3_BUCKET: EnvValue.value(offsite.bucket),
        S3_PREFIX: EnvValue.value(offsite.prefix ?? ''),
        AWS_DEFAULT_REGION: EnvValue.value(offsite.region ?? 'us-east-1'),
        AWS_ACCESS_KEY_ID: EnvValue.fromSecret(credentials, S3_ACCESS_KEY_ID),
        AWS_SECRET_ACCESS_KEY: EnvValue.fromSecret(credentials, S3_SECRET_ACCESS_KEY),
        // aws-cli 2.23 sends CRC checksum headers by default, which some S3-compatible stores refuse (aws/aws-cli#9214);
        // with when_required, `s3 cp` sends none unless the operation needs one (aws/aws-cli#9238).
        AWS_REQUEST_CHECKSUM_CALCULATION: EnvValue.value('when_required'),
        AWS_RESPONSE_CHECKSUM_VALIDATION: EnvValue.value('when_required'),
        // Keys come from the Secret only: no lookup of the node's instance metadata for others.
        AWS_EC2_METADATA_DISABLED: EnvValue.value('true'),
        HOME: EnvValue.value('/tmp'),
      },
      resources: ResourcePreset.SMALL,
      mounts: [{ volume: 'backup', path: '/backup' }, { volume: 'scripts', path: '/scripts' }],
      writablePaths: ['/tmp'],
    };
  }
}
