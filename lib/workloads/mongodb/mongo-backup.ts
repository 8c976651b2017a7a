/**
 * Nightly `mongodump --archive --gzip` of a replica set to a volume, keeping
 * N days. It reads from a secondary where there is one, authenticates as root
 * from the replica set's own Secret (the password goes through a config
 * file, never the command line), writes under a temporary name and renames,
 * so a half-written dump never counts as a backup.
 */
import { Construct } from 'constructs';
import * as k8s from '../../../imports/k8s';
import { AppChart } from '../../building-blocks/app-chart';
import { EnvValue } from '../../building-blocks/env-value';
import { checkCount } from '../../building-blocks/names';
import { ResourcePreset } from '../../building-blocks/resources';
import { ScheduledJob } from '../scheduled-job';
import { Volume } from '../../building-blocks/volumes';
import { MongoReplicaSet, ROOT_PASSWORD_KEY } from './mongo-replica-set';
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
}

/** A nightly consistent dump of a replica set to a volume, see the file's comment. */
export class MongoBackup extends Construct {
  public readonly job: ScheduledJob;
  public readonly claimName: string;

  public constructor(scope: Construct, id: string, props: MongoBackupProps) {
    super(scope, id);
    checkProps<MongoBackupProps>(`mongodb backup '${id}'`, props, {
      replicaSet: Check.required(Check.instance(MongoReplicaSet, 'a MongoReplicaSet of the same app')),
      schedule: Check.nonEmptyString,
      timeZone: Check.nonEmptyString,
      keepDays: Check.integer(1, 3650),
      storageSize: Check.quantity,
      storageClassName: Check.nonEmptyString,
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
    const uri = `mongodb://root@${rs.memberHosts.join(',')}/?replicaSet=${rs.replicaSetName}&authSource=admin&readPreference=secondaryPreferred`;
    const script = [
      'set -eu',
      'stamp=$(date -u +%Y%m%dT%H%M%SZ)',
      `target="/backup/${prefix}$stamp.archive.gz"`,
      'printf \'password: "%s"\\n\' "$MONGODB_ROOT_PASSWORD" > /tmp/mongodump.yaml',
      `mongodump --config=/tmp/mongodump.yaml --uri='${uri}' --archive="$target.partial" --gzip`,
      'mv "$target.partial" "$target"',
      'echo "wrote $target"',
      `# Keep ${keepDays} day(s): remove older dumps and leftovers of failed runs.`,
      `exec find /backup -maxdepth 1 -name '${prefix}*.archive.gz*' -mmin +${keepDays * 24 * 60} -print -delete`,
    ].join('\n');
    this.job = new ScheduledJob(this, 'job', {
      identity,
      schedule: props.schedule ?? '0 2 * * *',
      timeZone: props.timeZone ?? 'Etc/UTC',
      job: { backoffLimit: 2, activeDeadlineSeconds: 4 * 3600 },
      volumes: [Volume.persistentClaim('backup', this.claimName)],
      containers: [
        {
          name: 'mongodump',
          image: rs.image,
          command: ['bash', '-c', script],
          env: { MONGODB_ROOT_PASSWORD: EnvValue.fromSecret(rs.credentials, ROOT_PASSWORD_KEY), HOME: EnvValue.value('/tmp') },
          resources: ResourcePreset.SMALL.with({ memoryLimit: '512Mi' }),
          mounts: [{ volume: 'backup', path: '/backup', readOnly: false }],
          writablePaths: ['/tmp'],
        },
      ],
    });
    rs.allowFrom(this.job.workload);
  }
}
