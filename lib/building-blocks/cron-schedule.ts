/**
 * A CronJob schedule checked at synth the way Kubernetes reads it: five
 * fields (minute hour day-of-month month day-of-week) with ranges, steps and
 * names, or one of the macros Kubernetes accepts; the time zone in its own
 * field, as an IANA name. Parsing is cron-parser's, not ours.
 */
import { CronExpressionParser } from 'cron-parser';

/** The macros Kubernetes' cron parser (robfig/cron) accepts, as five-field expressions. */
const MACROS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** Month and weekday names, which may contain L or W themselves (JUL, WED). */
const NAMES = /\b(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC|SUN|MON|TUE|WED|THU|FRI|SAT)\b/gi;

export class CronSchedule {
  /** Checks `expression` (and `timeZone`) and refuses what Kubernetes would refuse or misread. */
  public static of(owner: string, expression: string, timeZone?: string): CronSchedule {
    const trimmed = expression.trim();
    if (/^(CRON_)?TZ=/.test(trimmed)) {
      throw new Error(`${owner}: schedule '${expression}' sets a zone inline, which Kubernetes refuses; move it to timeZone`);
    }
    const fields = MACROS[trimmed] ?? trimmed;
    if (trimmed.startsWith('@') && !MACROS[trimmed]) {
      throw new Error(`${owner}: schedule '${expression}' is not a macro Kubernetes accepts; use one of ${Object.keys(MACROS).join(', ')} or five fields`);
    }
    const count = fields.split(/\s+/).length;
    if (count !== 5) {
      throw new Error(`${owner}: schedule '${expression}' has ${count} fields; Kubernetes needs five (minute hour day-of-month month day-of-week), e.g. '30 2 * * *'`);
    }
    if (/[LW#]/.test(fields.replace(NAMES, ''))) {
      throw new Error(`${owner}: schedule '${expression}' uses L, W or #, which Kubernetes does not support; use plain ranges and steps`);
    }
    if (timeZone !== undefined) checkTimeZone(owner, timeZone);
    try {
      CronExpressionParser.parse(fields, { tz: timeZone ?? 'UTC', strict: false });
    } catch (err) {
      throw new Error(`${owner}: schedule '${expression}' is not a valid cron expression (${err instanceof Error ? err.message : String(err)}); e.g. '30 2 * * *' runs at 02:30 every day`);
    }
    return new CronSchedule(trimmed, timeZone, fields);
  }

  private constructor(public readonly expression: string, public readonly timeZone: string | undefined, private readonly fields: string) {}

  /** The next `count` run times after `from`, as ISO strings: for docs, tests and the summary. */
  public next(count: number, from: Date): string[] {
    const it = CronExpressionParser.parse(this.fields, { tz: this.timeZone ?? 'UTC', currentDate: from });
    return Array.from({ length: count }, () => it.next().toISOString()!);
  }
}

/** An IANA zone name known to this runtime's tz database (not an offset like +02:00, which Kubernetes refuses). */
export function checkTimeZone(owner: string, zone: string): string {
  let known = /^(UTC|[A-Z][A-Za-z_+-]*(\/[A-Za-z0-9_+-]+){1,2})$/.test(zone);
  if (known) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
    } catch {
      known = false;
    }
  }
  if (!known) throw new Error(`${owner}: timeZone '${zone}' is not an IANA time zone; use a name like Europe/Berlin or Etc/UTC`);
  return zone;
}
