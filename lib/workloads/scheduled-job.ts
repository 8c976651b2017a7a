/**
 * A CronJob with what production needs by default: a checked schedule and
 * zone, no overlapping runs, a deadline for missed starts, bounded history,
 * retries, a run deadline, failed runs kept with their pods and logs until the
 * history limit (no TTL), and the pod guarantees of every Workload.
 */
import { Construct } from 'constructs';
import { ContainerProps } from '../building-blocks/container';
import { CronSchedule } from '../building-blocks/cron-schedule';
import { WorkloadIdentity } from '../building-blocks/labels';
import { ShutdownPolicy } from '../building-blocks/shutdown';
import { Volume } from '../building-blocks/volumes';
import { addWarning } from '../building-blocks/warnings';
import { CronOptions, JOB_OPTIONS, JobOptions, Workload, WorkloadKind } from '../building-blocks/workload';
import { Check, checkProps, PropsSpec } from '../building-blocks/check-props';
import { CONTAINER, IDENTITY, Shapes } from '../building-blocks/prop-shapes';

/** The settings of a ScheduledJob. */
export interface ScheduledJobProps {
  /** Who the pods are. */
  readonly identity: Pick<WorkloadIdentity, 'name' | 'instance' | 'component'>;
  /** Five cron fields or a macro such as `@daily`, checked at synth. */
  readonly schedule: string;
  /** IANA zone the schedule is read in, e.g. `Europe/Berlin`. @default - the controller manager's zone (UTC on most clusters) */
  readonly timeZone?: string;
  /** The containers each run runs. */
  readonly containers: readonly ContainerProps[];
  /** Containers that run to completion, in order, before `containers` (e.g. a dump before its upload). @default - none */
  readonly initContainers?: readonly ContainerProps[];
  /** Pod volumes beyond the emptyDirs of writable paths. @default - none */
  readonly volumes?: readonly Volume[];
  /** What happens when a run is still going at the next time. @default 'Forbid' */
  readonly concurrencyPolicy?: CronOptions['concurrencyPolicy'];
  /** Seconds after the scheduled time a missed run may still start. @default 300 */
  readonly startingDeadlineSeconds?: number;
  /** The settings of each run's Job. @default backoffLimit 2, activeDeadlineSeconds 3600, no ttlSecondsAfterFinished (the history limits, 3 and 3, prune) */
  readonly job?: JobOptions;
  /** How the pods stop. @default ShutdownPolicy.worker() */
  readonly shutdown?: ShutdownPolicy;
  /** Holds the schedule: no new runs start (e.g. while the data they read is being restored). @default false */
  readonly suspend?: boolean;
}

const SCHEDULED_JOB_PROPS: PropsSpec<ScheduledJobProps> = {
  identity: Check.required(Check.object(IDENTITY)),
  schedule: Check.required(Check.nonEmptyString),
  timeZone: Check.string,
  containers: Check.required(Check.array(Check.object(CONTAINER))),
  initContainers: Check.array(Check.object(CONTAINER)),
  volumes: Check.array(Shapes.volume),
  concurrencyPolicy: Check.oneOf(['Forbid', 'Replace', 'Allow']),
  startingDeadlineSeconds: Check.integer(0),
  job: Check.object(JOB_OPTIONS),
  shutdown: Shapes.shutdown,
  suspend: Check.boolean,
};

/** A CronJob that runs containers to completion on a schedule. */
export class ScheduledJob extends Construct {
  public readonly workload: Workload;
  public readonly schedule: CronSchedule;

  public constructor(scope: Construct, id: string, props: ScheduledJobProps) {
    super(scope, id);
    checkProps<ScheduledJobProps>(`cron job '${id}'`, props, SCHEDULED_JOB_PROPS);
    const owner = `cron job '${props.identity.instance}'`;
    this.schedule = CronSchedule.of(owner, props.schedule, props.timeZone);
    const dst = this.schedule.daylightSavingWarning(owner);
    if (dst) addWarning(this, dst);
    this.workload = new Workload(this, 'workload', {
      identity: props.identity,
      kind: WorkloadKind.CRON_JOB,
      containers: props.containers,
      initContainers: props.initContainers,
      volumes: props.volumes,
      shutdown: props.shutdown ?? ShutdownPolicy.worker(),
      // A scheduled run may take longer than an ad-hoc Job, and retries less: the next run comes anyway.
      job: { backoffLimit: 2, activeDeadlineSeconds: 3600, ...props.job },
      cron: {
        schedule: this.schedule.expression,
        timeZone: this.schedule.timeZone,
        concurrencyPolicy: props.concurrencyPolicy,
        startingDeadlineSeconds: props.startingDeadlineSeconds,
        suspend: props.suspend,
      },
    });
  }
}
