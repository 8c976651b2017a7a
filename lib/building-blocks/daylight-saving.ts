/**
 * Where a zone's wall clock jumps: the local times skipped when clocks go
 * forward and repeated when they go back, from the runtime's tz database.
 * The CronJob controller steps through local time (robfig/cron `Next`), so a
 * run inside a skipped hour does not happen that day, and one inside a
 * repeated hour may run twice.
 */

export interface ClockChange {
  /** Local date of the change, YYYY-MM-DD. */
  readonly date: string;
  /** 'forward': local times in the window do not exist that day; 'back': they happen twice. */
  readonly direction: 'forward' | 'back';
  /** First local minute of the day in the window. */
  readonly from: number;
  /** The local minute after the window (may pass 1440). */
  readonly to: number;
}

const MINUTE = 60_000;
const DAY = 1440 * MINUTE;

/** UTC offset in minutes at `t`, from Intl. */
function offsetAt(format: Intl.DateTimeFormat, t: number): number {
  const parts = Object.fromEntries(format.formatToParts(new Date(t)).map((p) => [p.type, p.value]));
  const local = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour) % 24, Number(parts.minute));
  return Math.round((local - Math.floor(t / MINUTE) * MINUTE) / MINUTE);
}

/** The clock changes of `zone` in `year`; none for a zone this runtime does not know (e.g. Factory). */
export function clockChanges(zone: string, year: number): ClockChange[] {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
  } catch {
    return [];
  }
  const out: ClockChange[] = [];
  // Each day's offset at its end is the next day's at its start: read once (formatToParts is the cost of a synth
  // with a zoned CronJob, and watch mode pays it every round).
  let after = offsetAt(format, Date.UTC(year, 0, 1));
  for (let day = Date.UTC(year, 0, 1); day < Date.UTC(year + 1, 0, 1); day += DAY) {
    const before = after;
    after = offsetAt(format, day + DAY);
    if (before === after) continue;
    // The first minute with the new offset.
    let [lo, hi] = [day, day + DAY];
    while (hi - lo > MINUTE) {
      const mid = lo + Math.floor((hi - lo) / MINUTE / 2) * MINUTE;
      if (offsetAt(format, mid) === before) lo = mid;
      else hi = mid;
    }
    const localBefore = hi + before * MINUTE;
    const start = new Date(after > before ? localBefore : hi + after * MINUTE);
    const from = start.getUTCHours() * 60 + start.getUTCMinutes();
    out.push({ date: start.toISOString().slice(0, 10), direction: after > before ? 'forward' : 'back', from, to: from + Math.abs(after - before) });
  }
  return out;
}

/** HH:MM of a minute of the day (modulo a day). */
export function clockTime(minutes: number): string {
  const m = ((minutes % 1440) + 1440) % 1440;
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}
