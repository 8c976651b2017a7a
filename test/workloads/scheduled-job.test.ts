import { CronSchedule, checkTimeZone } from '../../lib/building-blocks/cron-schedule';
import { ContainerImage } from '../../lib/building-blocks/image';
import { ResourcePreset } from '../../lib/building-blocks/resources';
import { ScheduledJob, ScheduledJobProps } from '../../lib/workloads/scheduled-job';
import { find, findingsOf, synthChart } from '../helpers';

const image = ContainerImage.of('busybox:1.37.0', { uid: 65534 });

function cron(overrides: Partial<ScheduledJobProps> = {}) {
  return synthChart((c) => new ScheduledJob(c, 'report', {
    identity: { name: 'report', instance: 'report', component: 'batch' },
    schedule: '30 2 * * *',
    containers: [{ name: 'report', image, command: ['echo', 'done'], resources: ResourcePreset.NANO }],
    ...overrides,
  }));
}

describe('CronSchedule', () => {
  test.each(['30 2 * * *', '*/15 9-17 * * MON-FRI', '0 0 1 JAN,JUL *', '@hourly', '@daily', '@midnight', '@weekly', '@monthly', '@yearly', '@annually'])('accepts %s', (s) => {
    expect(CronSchedule.of('cron', s).expression).toBe(s);
  });

  test.each([
    ['61 * * * *', "schedule '61 * * * *' is not a valid cron expression"],
    ['* * *', "schedule '* * *' has 3 fields; Kubernetes needs five (minute hour day-of-month month day-of-week)"],
    ['0 0 * * * *', 'has 6 fields'],
    ['@every 1h', "schedule '@every 1h' is not a macro Kubernetes accepts"],
    ['0 0 L * *', 'uses L, W or #, which Kubernetes does not support'],
    ['TZ=Europe/Berlin 0 3 * * *', 'sets a zone inline, which Kubernetes refuses; move it to timeZone'],
    ['0 0 30 2 *', 'is not a valid cron expression'],
  ])('refuses %s', (s, message) => {
    expect(() => CronSchedule.of("cron job 'x'", s)).toThrow(message);
  });

  test('time zones must be IANA names', () => {
    expect(checkTimeZone('cron', 'Europe/Berlin')).toBe('Europe/Berlin');
    expect(checkTimeZone('cron', 'America/Argentina/Buenos_Aires')).toBe('America/Argentina/Buenos_Aires');
    for (const bad of ['Mars/Olympus', '+02:00', 'CEST', 'europe/berlin']) {
      expect(() => checkTimeZone("cron job 'x'", bad)).toThrow(`cron job 'x': timeZone '${bad}' is not an IANA time zone; use a name like Europe/Berlin or Etc/UTC`);
    }
  });

  test('the schedule is read in its zone', () => {
    expect(CronSchedule.of('cron', '30 2 * * *', 'Europe/Berlin').next(1, new Date('2026-01-10T00:00:00Z'))).toEqual(['2026-01-10T01:30:00.000Z']);
  });
});

describe('ScheduledJob', () => {
  test('production defaults: Forbid, a start deadline, history limits, retries, a run deadline, no TTL, Never', () => {
    const records = cron({ timeZone: 'Europe/Berlin' });
    const spec = find(records, 'CronJob', 'report').spec;
    expect(spec).toMatchObject({
      schedule: '30 2 * * *', timeZone: 'Europe/Berlin', concurrencyPolicy: 'Forbid', startingDeadlineSeconds: 300,
      successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 3, suspend: false,
    });
    expect(spec.jobTemplate.spec).toMatchObject({ backoffLimit: 2, activeDeadlineSeconds: 3600 });
    // Failed runs stay, with pods and logs, until failedJobsHistoryLimit prunes them, not a day later by a TTL.
    expect(spec.jobTemplate.spec).not.toHaveProperty('ttlSecondsAfterFinished');
    expect(spec.jobTemplate.spec.template.spec.restartPolicy).toBe('Never');
    expect(spec.jobTemplate.spec.podFailurePolicy.rules[0]).toMatchObject({ action: 'Ignore' });
    expect(spec.jobTemplate.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    expect(findingsOf(records)).toEqual([]);
  });

  test('a bad schedule or zone fails the synth with its message', () => {
    expect(() => cron({ schedule: '0 25 * * *' })).toThrow("cron job 'report': schedule '0 25 * * *' is not a valid cron expression");
    expect(() => cron({ timeZone: 'Berlin' })).toThrow("cron job 'report': timeZone 'Berlin' is not an IANA time zone");
  });
});
