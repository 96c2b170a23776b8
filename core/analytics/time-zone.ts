/**
 * Calendar arithmetic in the owner's time zone (STATS_TIMEZONE) with nothing but Intl: the database
 * groups visits by UTC hour (or quarter hour), and these helpers place each bucket on a local day and hour.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * Whether the runtime knows this IANA time zone. Used for STATS_TIMEZONE and for the zone a
 * dashboard page reports from the owner's browser, which is untrusted input. The name is kept as
 * given: ICU's canonical spelling can be an older one (`Asia/Katmandu`) than the browser's.
 */
export function isTimeZone(zone: string): boolean {
  if (zone.length === 0 || zone.length > 64 || !/^[A-Za-z0-9_+\-/]+$/.test(zone)) return false;
  // The default needs no lookup: the first one loads ICU's zone data, a good part of a CLI command's start.
  if (zone === 'UTC') return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** Minutes the zone is ahead of UTC at this instant (Asia/Shanghai: 480). */
export function offsetMinutes(timeZone: string, at: number): number {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(at))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour! % 24, parts.minute!);
  return Math.round((wall - Math.floor(at / 60_000) * 60_000) / 60_000);
}

/** Whether every offset the zone used over the past year is a whole number of hours. */
export function hasWholeHourOffsets(timeZone: string, now: number): boolean {
  for (let months = 0; months <= 12; months += 3) {
    if (offsetMinutes(timeZone, now - months * 30 * 86_400_000) % 60 !== 0) return false;
  }
  return true;
}

/** Local calendar day `YYYY-MM-DD` of an instant. */
export function localDay(timeZone: string, at: number): string {
  return new Date(at + offsetMinutes(timeZone, at) * 60_000).toISOString().slice(0, 10);
}

/** The `count` local days ending with today, oldest first. */
export function lastDays(timeZone: string, now: number, count: number): string[] {
  const today = localDay(timeZone, now);
  const base = Date.parse(`${today}T00:00:00Z`);
  return Array.from({ length: count }, (_, index) =>
    new Date(base - (count - 1 - index) * 86_400_000).toISOString().slice(0, 10),
  );
}

/**
 * Places UTC bucket starts on local days and hours. Offsets only change at a few instants a year,
 * so one offset per UTC day is used unless the offset at its start and end differ.
 */
export class LocalCalendar {
  private readonly dayOffsets = new Map<number, number | null>();

  constructor(readonly timeZone: string) {}

  /** Local `{ day, hour }` of an instant. */
  place(at: number): { day: string; hour: number } {
    const offset = this.offsetAt(at);
    const local = new Date(at + offset * 60_000);
    return { day: local.toISOString().slice(0, 10), hour: local.getUTCHours() };
  }

  private offsetAt(at: number): number {
    const dayStart = Math.floor(at / 86_400_000) * 86_400_000;
    let offset = this.dayOffsets.get(dayStart);
    if (offset === undefined) {
      const start = offsetMinutes(this.timeZone, dayStart);
      const end = offsetMinutes(this.timeZone, dayStart + 86_400_000 - 1);
      offset = start === end ? start : null;
      this.dayOffsets.set(dayStart, offset);
    }
    return offset ?? offsetMinutes(this.timeZone, at);
  }
}
