import { AppChart } from '../../lib/building-blocks/app-chart';
import { AppDefinition } from '../../lib/building-blocks/app-definition';
import { CronSchedule, checkTimeZone, knownTimeZones, parseStandard } from '../../lib/building-blocks/cron-schedule';
import { clockChanges, clockTime } from '../../lib/building-blocks/daylight-saving';
import { Environment } from '../../lib/building-blocks/environment';
import { summarize } from '../../lib/tooling/synth/cli';
import { synthesize } from '../../lib/tooling/synth/synthesize';
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

const ROBFIG = "is refused by Kubernetes' cron parser (robfig/cron v3): ";

describe('CronSchedule: robfig/cron v3 ParseStandard, as the API server runs it', () => {
  // Schedules of kubernetes pkg/apis/batch/validation/validation_test.go (TestValidateCronJob, TestValidateCronJobScheduleTZ).
  test.each([
    ['* * * * ?', 'basic scheduled job'],
    ['@hourly', 'non-standard scheduled'],
    ['0 * * * *', 'correct timeZone value'],
  ])("kubernetes' valid case %s (%s)", (s) => {
    expect(CronSchedule.of('cron', s).expression).toBe(s);
  });

  test.each([
    ['error', `${ROBFIG}expected exactly 5 fields, found 1: [error]`],
    ['', `${ROBFIG}empty spec string`],
    ['TZ=UTC 0 * * * *', 'sets a zone inline (TZ= or CRON_TZ=), which Kubernetes refuses; use timeZone instead'],
    ['CRON_TZ=Asia/Tokyo 0 9 * * *', 'sets a zone inline'],
  ])("kubernetes' invalid case '%s'", (s, message) => {
    expect(() => CronSchedule.of("cron job 'x'", s)).toThrow(`cron job 'x': schedule '${s}' ${message}`);
  });

  // The review's probes (C1) and the parser's own edges, with robfig's error texts.
  test.each([
    ['0 3 * * 7', 'end of range (7) above maximum (6): 7'],
    ['* * * * 1-7', 'end of range (7) above maximum (6): 1-7'],
    ['H 3 * * *', 'failed to parse int from H: strconv.Atoi: parsing "H": invalid syntax'],
    ['60 * * * *', 'end of range (60) above maximum (59): 60'],
    ['* 24 * * *', 'end of range (24) above maximum (23): 24'],
    ['* * 0 * *', 'beginning of range (0) below minimum (1): 0'],
    ['* * * 13 *', 'end of range (13) above maximum (12): 13'],
    ['5-1 * * * *', 'beginning of range (5) beyond end of range (1): 5-1'],
    ['*/0 * * * *', 'step of range should be a positive number: */0'],
    ['1-2-3 * * * *', 'too many hyphens: 1-2-3'],
    ['*/2/3 * * * *', 'too many slashes: */2/3'],
    ['* * * * 1#2', 'failed to parse int from 1#2'],
    ['* * L * *', 'failed to parse int from L'],
    ['* * 15W * *', 'failed to parse int from 15W'],
    ['* * * * monday', 'failed to parse int from monday'],
    ['-5 * * * *', 'failed to parse int from : strconv.Atoi: parsing "": invalid syntax'],
    ['99999999999999999999 * * * *', 'failed to parse int from 99999999999999999999: strconv.Atoi: parsing "99999999999999999999": value out of range'],
    ['* * * * * *', 'expected exactly 5 fields, found 6: [* * * * * *]'],
    ['* * *', 'expected exactly 5 fields, found 3: [* * *]'],
    ['@reboot', 'unrecognized descriptor: @reboot'],
    ['@Daily', 'unrecognized descriptor: @Daily'],
    ['@daily ', 'unrecognized descriptor: @daily '],
    [' @daily', 'expected exactly 5 fields, found 1: [@daily]'],
  ])('refuses %s as robfig does', (s, message) => {
    expect(() => CronSchedule.of("cron job 'x'", s)).toThrow(`cron job 'x': schedule '${s}' ${ROBFIG}${message}`);
  });

  test('refuses @every with a truthful reason: the API takes it, but it is undocumented for CronJobs', () => {
    expect(() => CronSchedule.of("cron job 'x'", '@every 1h')).toThrow("cron job 'x': schedule '@every 1h' uses @every, which the API server's parser takes for a valid duration but Kubernetes does not document for CronJobs");
  });

  test.each([
    ['? ? ? ? ?', { minutes: range(0, 59), hours: range(0, 23), daysOfMonth: range(1, 31), months: range(1, 12), daysOfWeek: range(0, 6) }],
    ['5/15 * * * *', { minutes: [5, 20, 35, 50] }],
    ['*/20 */6 * * *', { minutes: [0, 20, 40], hours: [0, 6, 12, 18] }],
    ['0 0 * jan-mar MON-fri', { months: [1, 2, 3], daysOfWeek: [1, 2, 3, 4, 5] }],
    ['0 0 * JAN/5 sun,sat', { months: [1, 6, 11], daysOfWeek: [0, 6] }],
    ['1,,5 * * * *', { minutes: [1, 5] }],
    ['+5 05 * * *', { minutes: [5], hours: [5] }],
    ['0 0 30 2 *', { daysOfMonth: [30], months: [2] }],
    ['*-5 0 * * *', { minutes: range(0, 59) }],
    ['0 12 * * 1-5/2', { daysOfWeek: [1, 3, 5] }],
    ['30\t2  * * *', { minutes: [30], hours: [2] }],
    ['@weekly', { minutes: [0], hours: [0], daysOfWeek: [0] }],
    ['@yearly', { daysOfMonth: [1], months: [1] }],
  ])('accepts %s and selects what robfig selects', (s, expected) => {
    const spec = s.replace('\\t', '\t');
    expect(CronSchedule.of('cron', spec).fields).toMatchObject(expected);
  });

  test.each(['@annually', '@monthly', '@daily', '@midnight'])('accepts the descriptor %s', (s) => {
    expect(parseStandard(s)?.minutes).toEqual([0]);
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_v, i) => from + i);
}

describe('timeZone: validateTimeZone, with time.LoadLocation as an exact lookup', () => {
  test("every zone of Kubernetes' TestTimeZones is accepted, link names too", () => {
    expect(knownTimeZones()).toHaveLength(595);
    for (const zone of knownTimeZones()) expect(checkTimeZone('cron', zone)).toBe(zone);
    for (const zone of ['EST5EDT', 'Japan', 'GMT', 'UCT', 'Zulu', 'Etc/GMT+5', 'America/Argentina/ComodRivadavia', 'Europe/Rome', 'America/New_York', 'America/Chicago', 'UTC']) {
      expect(checkTimeZone('cron', zone)).toBe(zone);
    }
  });

  test.each([
    ['Europe/berlin', "the name is case-sensitive: 'Europe/Berlin'"],
    ['AMERICA/new_york', "the name is case-sensitive: 'America/New_York'"],
    ['utc', "the name is case-sensitive: 'UTC'"],
    ['japan', "the name is case-sensitive: 'Japan'"],
    ['Europe/InvalidRome', 'unknown time zone Europe/InvalidRome'],
    [' Europe/Rome', 'unknown time zone  Europe/Rome'],
    ['Europe/Rome ', 'unknown time zone Europe/Rome '],
    [' ', 'unknown time zone  '],
    ['broken', 'unknown time zone broken'],
    ['Etc/../UTC', 'unknown time zone Etc/../UTC'],
    ['-foo', 'unknown time zone -foo'],
    ['America/Argentina_Buenos_Aires', 'unknown time zone'],
    ['+02:00', 'unknown time zone +02:00'],
    ['CEST', 'unknown time zone CEST'],
    ['Mars/Olympus', 'unknown time zone Mars/Olympus'],
  ])('refuses %j', (zone, message) => {
    expect(() => checkTimeZone("cron job 'x'", zone)).toThrow(`cron job 'x': timeZone '${zone}' is not a time zone Kubernetes knows`);
    expect(() => checkTimeZone("cron job 'x'", zone)).toThrow(message);
  });

  test('refuses Local in any case and the empty zone, as Kubernetes does', () => {
    for (const zone of ['LOCAL', 'Local', 'local']) expect(() => checkTimeZone("cron job 'x'", zone)).toThrow(`cron job 'x': timeZone '${zone}' is refused by Kubernetes`);
    expect(() => checkTimeZone("cron job 'x'", '')).toThrow("cron job 'x': timeZone is empty");
  });
});

describe('daylight saving (C5)', () => {
  test('Europe/Berlin: 02:00-03:00 is skipped on the last Sunday of March and repeated on the last of October', () => {
    expect(clockChanges('Europe/Berlin', 2026)).toEqual([
      { date: '2026-03-29', direction: 'forward', from: 120, to: 180 },
      { date: '2026-10-25', direction: 'back', from: 120, to: 180 },
    ]);
    expect(clockChanges('America/New_York', 2026)).toEqual([
      { date: '2026-03-08', direction: 'forward', from: 120, to: 180 },
      { date: '2026-11-01', direction: 'back', from: 60, to: 120 },
    ]);
    // Lord Howe moves by half an hour.
    expect(clockChanges('Australia/Lord_Howe', 2026).map((c) => [c.direction, clockTime(c.from), clockTime(c.to)])).toEqual([['back', '01:30', '02:00'], ['forward', '02:00', '02:30']]);
    expect(clockChanges('Etc/UTC', 2026)).toEqual([]);
    expect(clockChanges('Asia/Tokyo', 2026)).toEqual([]);
    expect(clockChanges('Factory', 2026)).toEqual([]);
  });

  test('warns only when a run falls in a window', () => {
    const warn = (s: string, zone?: string) => CronSchedule.of("cron job 'x'", s, zone).daylightSavingWarning("cron job 'x'");
    expect(warn('30 2 * * *', 'Europe/Berlin')).toBe(
      "cron job 'x': schedule '30 2 * * *' in Europe/Berlin runs where the clocks change: 02:00-03:00 on 2026-03-29 does not exist (the run is skipped); 02:00-03:00 on 2026-10-25 happens twice (the run may happen twice); move the run out of that window or use Etc/UTC",
    );
    expect(warn('30 1 * * *', 'America/New_York')).toContain('01:00-02:00 on 2026-11-01 happens twice');
    expect(warn('30 1 * * *', 'America/New_York')).not.toContain('does not exist');
    expect(warn('*/15 * * * *', 'Europe/Berlin')).toContain('02:00-03:00 on 2026-03-29 does not exist');
    for (const [s, zone] of [['0 3 * * *', 'Europe/Berlin'], ['59 1 * * *', 'Europe/Berlin'], ['30 2 * * *', 'Etc/UTC'], ['30 2 * * *', 'Asia/Tokyo'], ['30 2 * * *', undefined], ['30 2 * * *', 'Factory']]) {
      expect(warn(s!, zone)).toBeUndefined();
    }
  });

  test('a ScheduledJob in the window makes the synth print the warning; outside it, none', () => {
    const job = (schedule: string): AppDefinition => ({
      name: 'nightly',
      description: 'test',
      build: (scope, env) => {
        const chart = new AppChart(scope, 'nightly', { env, description: 'test' });
        new ScheduledJob(chart, 'report', { identity: { name: 'report', instance: 'report', component: 'batch' }, schedule, timeZone: 'Europe/Berlin', containers: [{ name: 'report', image, command: ['echo', 'done'], resources: ResourcePreset.NANO }] });
        return chart;
      },
    });
    const result = synthesize({ env: Environment.LOCAL, apps: [job('30 2 * * *')] });
    expect(result.warnings).toEqual([expect.stringContaining("cron job 'report': schedule '30 2 * * *' in Europe/Berlin runs where the clocks change")]);
    expect(summarize(result, Environment.LOCAL, [job('30 2 * * *')], 'dist', 1)).toContain("\nwarning: cron job 'report': schedule '30 2 * * *' in Europe/Berlin");
    expect(synthesize({ env: Environment.LOCAL, apps: [job('30 4 * * *')] }).warnings).toEqual([]);
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
    expect(() => cron({ schedule: '0 25 * * *' })).toThrow("cron job 'report': schedule '0 25 * * *' is refused by Kubernetes' cron parser (robfig/cron v3): end of range (25) above maximum (23): 25");
    expect(() => cron({ timeZone: 'Berlin' })).toThrow("cron job 'report': timeZone 'Berlin' is not a time zone Kubernetes knows (unknown time zone Berlin)");
  });
});
