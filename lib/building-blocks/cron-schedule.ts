/**
 * A CronJob schedule checked at synth exactly as the API server checks it:
 * `validateScheduleFormat` (kubernetes pkg/apis/batch/validation) runs
 * robfig/cron v3's `ParseStandard`, ported here field for field (parser.go
 * getField/getRange/parseIntOrName/mustParseInt, spec.go bounds), with its
 * error texts. The time zone is checked as `validateTimeZone` does: the
 * per-component regex, `Local` refused, then Go's `time.LoadLocation`, an
 * exact, case-sensitive file lookup, mirrored by the zone list that
 * Kubernetes' own tests accept (time-zones.ts).
 */
import { clockChanges, clockTime } from './daylight-saving';
import { TIME_ZONES } from './time-zones';

interface Bounds {
  readonly min: number;
  readonly max: number;
  readonly names?: Readonly<Record<string, number>>;
}

// robfig/cron v3 spec.go: dow is 0-6, so 7 (Sunday in some crons) is refused.
const MINUTES: Bounds = { min: 0, max: 59 };
const HOURS: Bounds = { min: 0, max: 23 };
const DOM: Bounds = { min: 1, max: 31 };
const MONTHS: Bounds = { min: 1, max: 12, names: { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 } };
const DOW: Bounds = { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } };

/** parser.go parseDescriptor: the descriptors and the five fields they stand for (exact, case-sensitive match). */
const DESCRIPTORS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** The values one field selects. */
export interface CronFields {
  /** 0-59. */
  readonly minutes: readonly number[];
  /** 0-23. */
  readonly hours: readonly number[];
  /** 1-31. */
  readonly daysOfMonth: readonly number[];
  /** 1-12. */
  readonly months: readonly number[];
  /** 0-6, Sunday is 0. */
  readonly daysOfWeek: readonly number[];
}

/** An error of the ported parser, worded as robfig/cron v3 words it. */
export class CronSyntaxError extends Error {}

/** Go's strconv.Atoi then robfig's mustParseInt: an optional sign and decimal digits within int64, not negative. */
function mustParseInt(expr: string): number {
  const syntax = !/^[+-]?[0-9]+$/.test(expr);
  if (syntax || BigInt(expr) > 9223372036854775807n || BigInt(expr) < -9223372036854775808n) {
    throw new CronSyntaxError(`failed to parse int from ${expr}: strconv.Atoi: parsing ${JSON.stringify(expr)}: ${syntax ? 'invalid syntax' : 'value out of range'}`);
  }
  const num = Number(expr);
  if (num < 0) throw new CronSyntaxError(`negative number (${num}) not allowed: ${expr}`);
  return num;
}

function parseIntOrName(expr: string, names?: Readonly<Record<string, number>>): number {
  const named = names?.[expr.toLowerCase()];
  return named !== undefined && Object.prototype.hasOwnProperty.call(names, expr.toLowerCase()) ? named : mustParseInt(expr);
}

/** getRange: `*` | `?` | N | N-M, each optionally followed by `/step`; `N/step` means N to the maximum. */
function getRange(expr: string, r: Bounds): number[] {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0].split('-');
  const singleDigit = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  // As in robfig: after a leading `*` or `?` the rest of the range part is not read.
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    [start, end] = [r.min, r.max];
  } else {
    start = parseIntOrName(lowAndHigh[0], r.names);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1], r.names);
    else throw new CronSyntaxError(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = mustParseInt(rangeAndStep[1]);
    if (singleDigit) end = r.max;
  } else if (rangeAndStep.length > 2) {
    throw new CronSyntaxError(`too many slashes: ${expr}`);
  }
  if (start < r.min) throw new CronSyntaxError(`beginning of range (${start}) below minimum (${r.min}): ${expr}`);
  if (end > r.max) throw new CronSyntaxError(`end of range (${end}) above maximum (${r.max}): ${expr}`);
  if (start > end) throw new CronSyntaxError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new CronSyntaxError(`step of range should be a positive number: ${expr}`);
  const out: number[] = [];
  for (let i = start; i <= end; i += step) out.push(i);
  return out;
}

/** getField: a comma list of ranges; empty items are dropped (strings.FieldsFunc), as robfig does. */
function getField(field: string, r: Bounds): number[] {
  const values = new Set<number>();
  for (const expr of field.split(',').filter((e) => e !== '')) for (const v of getRange(expr, r)) values.add(v);
  return [...values].sort((a, b) => a - b);
}

/**
 * robfig/cron v3 `ParseStandard` (five fields plus descriptors). `@every <duration>` is a descriptor robfig accepts,
 * so the API server accepts it too; it is returned as undefined fields, and CronSchedule refuses it.
 */
export function parseStandard(spec: string): CronFields | undefined {
  if (spec.length === 0) throw new CronSyntaxError('empty spec string');
  if (spec.startsWith('@')) {
    if (spec.startsWith('@every ')) return undefined;
    const fields = DESCRIPTORS[spec];
    if (!fields) throw new CronSyntaxError(`unrecognized descriptor: ${spec}`);
    spec = fields;
  }
  // strings.Fields: split on runs of Unicode white space.
  const fields = spec.split(/\s+/u).filter((f) => f !== '');
  if (fields.length !== 5) throw new CronSyntaxError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  return {
    minutes: getField(fields[0], MINUTES),
    hours: getField(fields[1], HOURS),
    daysOfMonth: getField(fields[2], DOM),
    months: getField(fields[3], MONTHS),
    daysOfWeek: getField(fields[4], DOW),
  };
}

/** A cron schedule and optional time zone, checked as the API server checks a CronJob's. */
export class CronSchedule {
  /** Checks `expression` (and `timeZone`) and refuses what the API server refuses on create. */
  public static of(owner: string, expression: string, timeZone?: string): CronSchedule {
    // Since Kubernetes 1.29 a schedule containing TZ is refused on create (validateScheduleFormat, allowTZInSchedule).
    if (expression.includes('TZ')) {
      throw new Error(`${owner}: schedule '${expression}' sets a zone inline (TZ= or CRON_TZ=), which Kubernetes refuses; use timeZone instead`);
    }
    let fields: CronFields | undefined;
    try {
      fields = parseStandard(expression);
    } catch (err) {
      if (!(err instanceof CronSyntaxError)) throw err;
      throw new Error(`${owner}: schedule '${expression}' is refused by Kubernetes' cron parser (robfig/cron v3): ${err.message}; use five fields, minute hour day-of-month month day-of-week, e.g. '30 2 * * *', or @hourly, @daily, @weekly, @monthly, @yearly`);
    }
    if (!fields) {
      // C4: the API accepts it, but it is undocumented for CronJobs and the controller has misread it (kubernetes#104012).
      throw new Error(`${owner}: schedule '${expression}' uses @every, which the API server's parser takes for a valid duration but Kubernetes does not document for CronJobs and its controller has mis-scheduled (kubernetes#104012); use five fields, e.g. '0 * * * *' for hourly`);
    }
    if (timeZone !== undefined) checkTimeZone(owner, timeZone);
    return new CronSchedule(expression, timeZone, fields);
  }

  private constructor(public readonly expression: string, public readonly timeZone: string | undefined, public readonly fields: CronFields) {}

  /**
   * A warning when a run time falls where `timeZone`'s clocks jump (C5: robfig's `Next` never meets a skipped hour,
   * so `30 2 * * *` in Europe/Berlin does not run on the spring-forward day). The rules of a fixed year are read,
   * so the same input always gives the same warning.
   */
  public daylightSavingWarning(owner: string, year = DAYLIGHT_SAVING_YEAR): string | undefined {
    if (!this.timeZone) return undefined;
    const { hours, minutes } = this.fields;
    const runs = hours.flatMap((h) => minutes.map((m) => h * 60 + m));
    const hits = clockChanges(this.timeZone, year).filter((c) => runs.some((t) => (t >= c.from && t < c.to) || (t + 1440 >= c.from && t + 1440 < c.to)));
    if (hits.length === 0) return undefined;
    const windows = hits.map((c) => `${clockTime(c.from)}-${clockTime(c.to)} on ${c.date} ${c.direction === 'forward' ? 'does not exist (the run is skipped)' : 'happens twice (the run may happen twice)'}`);
    return `${owner}: schedule '${this.expression}' in ${this.timeZone} runs where the clocks change: ${windows.join('; ')}; move the run out of that window or use Etc/UTC`;
  }
}

/** The year whose daylight-saving rules the warning reads. */
export const DAYLIGHT_SAVING_YEAR = 2026;

const ZONES: ReadonlySet<string> = new Set(TIME_ZONES);
/** validateTimeZone's per-component rule (IANA naming, plus digits and + for legacy names such as EST5EDT, Etc/GMT+5). */
const ZONE_COMPONENT = /^[A-Za-z.\-_0-9+]{1,14}$/;

/** The zone names Kubernetes' tests accept (Go 1.19's `time.LoadLocation`), case-sensitive. */
export function knownTimeZones(): readonly string[] {
  return TIME_ZONES;
}

/**
 * An IANA zone name as the API server checks `spec.timeZone`: exact case, link names included (`EST5EDT`, `Japan`,
 * `GMT`, `UCT`, `Zulu`); never `Local`, an offset like +02:00 or an abbreviation like CEST.
 */
export function checkTimeZone(owner: string, zone: string): string {
  const fix = 'use an IANA name with its exact case, like Europe/Berlin or Etc/UTC';
  if (zone.length === 0) throw new Error(`${owner}: timeZone is empty; leave it out for the controller manager's zone, or ${fix}`);
  if (zone.toLowerCase() === 'local') throw new Error(`${owner}: timeZone '${zone}' is refused by Kubernetes; ${fix}`);
  const wellFormed = zone.split('/').every((part) => part !== '.' && part !== '..' && !part.startsWith('-') && ZONE_COMPONENT.test(part));
  if (!wellFormed || !ZONES.has(zone)) {
    const near = TIME_ZONES.find((z) => z.toLowerCase() === zone.toLowerCase());
    throw new Error(`${owner}: timeZone '${zone}' is not a time zone Kubernetes knows (unknown time zone ${zone}); ${near ? `the name is case-sensitive: '${near}'` : fix}`);
  }
  return zone;
}
