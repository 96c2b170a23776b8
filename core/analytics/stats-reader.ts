import type { Clock } from '../ports.js';
import { QUARTER_HOUR_MS, type RollupDimension } from '../visits/visit-rollups.js';
import { SqlDialect, join, sql, toDate, toNumber, type Sql, type SqlClient } from './sql-dialect.js';
import { LocalCalendar, hasWholeHourOffsets, lastDays } from './time-zone.js';
import type { OpenEntry, VisitNumbers } from './visit-stats.js';

export interface StatsReaderDeps {
  db: SqlClient;
  dialect: SqlDialect;
  clock: Clock;
  /** Default time zone (STATS_TIMEZONE). */
  timeZone: string;
  /** Visit details older than this are (or are about to be) pruned; the aggregates stay. */
  retentionDays: number;
}

export interface ReadOptions {
  timeZone?: string;
  /** Page of `latestOpens`, from 1. */
  page?: number;
  pageSize?: number;
}

export const TREND_DAYS = 30;
const TOP_PLACES = 10;
const KINDS = ['human', 'preview', 'bot', 'probe'] as const;

type Row = Record<string, unknown>;

/**
 * Computes the visit numbers of a set of galleries from the aggregates written with every visit
 * (core/visits/visit-rollups.ts), never by scanning the visits: totals per kind from the daily
 * counts, breakdowns and image views from `visit_rollups`, the trend and the peak hours from human
 * opens per UTC quarter hour (placed on the local days and hours of the requested time zone here),
 * unique visitors from the distinct visitor keys. The visits themselves are only read through their
 * (gallery, time) index: the first and last open, and one page of the latest opens.
 * Works the same on SQLite and PostgreSQL (see sql-dialect.ts).
 *
 * Retention: the aggregates outlive the visit details, so totals, trend, breakdowns, image views and
 * unique visitors stay the same when details are pruned. What needs the details (the exact time of
 * the first open, the latest opens) covers the visits from the cutoff day on, whether or not the
 * retention job has run yet; before it, only the day of the first open is known.
 */
export class StatsReader {
  constructor(private readonly deps: StatsReaderDeps) {}

  /** The first UTC day whose visit details are kept. */
  cutoff(): { day: string; at: Date } {
    const now = this.deps.clock.now().getTime();
    const dayStart = Math.floor(now / 86_400_000) * 86_400_000 - this.deps.retentionDays * 86_400_000;
    return { day: new Date(dayStart).toISOString().slice(0, 10), at: new Date(dayStart) };
  }

  async read(
    galleryIds: readonly string[],
    options: ReadOptions = {},
  ): Promise<{ numbers: VisitNumbers; imageViews: Map<string, number> }> {
    const timeZone = options.timeZone ?? this.deps.timeZone;
    const now = this.deps.clock.now().getTime();
    const page = Math.max(1, Math.floor(options.page ?? 1));
    const pageSize = Math.min(200, Math.max(1, Math.floor(options.pageSize ?? 20)));
    if (galleryIds.length === 0) return { numbers: emptyNumbers(timeZone, now, page, pageSize), imageViews: new Map() };

    const { db, dialect } = this.deps;
    const cutoff = this.cutoff();
    const inGalleries = dialect.inList('gallery_id', galleryIds);
    const keptHuman = sql`${inGalleries} AND kind = 'human' AND at >= ${cutoff.at}`;
    // Zones with whole-hour offsets can take hours; the others need the quarter hours themselves.
    const quarterHours = !hasWholeHourOffsets(timeZone, now);
    const bucket = quarterHours ? sql`quarter` : sql`quarter / 4`;
    const bucketMs = quarterHours ? QUARTER_HOUR_MS : 4 * QUARTER_HOUR_MS;

    const [kinds, rollups, buckets, visitors, range, latest] = await Promise.all([
      db.$queryRaw<Row[]>(sql`
        SELECT kind, SUM(count) AS n, SUM(CASE WHEN day < ${cutoff.day} THEN count ELSE 0 END) AS pruned, MIN(day) AS first_day
        FROM visit_daily WHERE ${inGalleries} AND kind IN (${join([...KINDS])})
        GROUP BY kind`),
      // Ordered so ties in the top-ten lists come out the same on both databases.
      db.$queryRaw<Row[]>(sql`
        SELECT dimension, country, value, SUM(count) AS n FROM visit_rollups WHERE ${inGalleries}
        GROUP BY dimension, country, value ORDER BY dimension, country, value`),
      db.$queryRaw<Row[]>(sql`
        SELECT ${bucket} AS bucket, SUM(count) AS n FROM visit_quarter_hours WHERE ${inGalleries} GROUP BY ${bucket}`),
      db.$queryRaw<Row[]>(sql`SELECT COUNT(DISTINCT visitor_key) AS n FROM gallery_visitors WHERE ${inGalleries}`),
      this.openRange(galleryIds, cutoff.at),
      this.latestOpens(keptHuman, page, pageSize),
    ]);

    const numbers = emptyNumbers(timeZone, now, page, pageSize);
    let previewTotal = 0;
    let humanPruned = 0;
    for (const row of kinds) {
      const n = toNumber(row.n);
      if (row.kind === 'human') {
        numbers.humanOpens = n;
        humanPruned = toNumber(row.pruned);
        // Only the day is known once the details are gone.
        if (humanPruned > 0 && row.first_day) numbers.firstOpenAt = new Date(`${String(row.first_day)}T00:00:00Z`);
      } else if (row.kind === 'preview') previewTotal = n;
      else if (row.kind === 'bot') numbers.bots = n;
      else if (row.kind === 'probe') numbers.probes = n;
    }
    numbers.latestOpens.total = numbers.humanOpens - humanPruned;
    numbers.uniqueVisitors = toNumber(visitors[0]?.n);
    numbers.firstOpenAt ??= range.first;
    numbers.lastOpenAt = range.last ?? numbers.firstOpenAt;

    const calendar = new LocalCalendar(timeZone);
    const perDay = new Map(numbers.opensPerDay.map((entry) => [entry.day, entry]));
    for (const row of buckets) {
      const n = toNumber(row.n);
      const { day, hour } = calendar.place(toNumber(row.bucket) * bucketMs);
      numbers.opensByHour[hour]! += n;
      const entry = perDay.get(day);
      if (entry) entry.opens += n;
    }
    if (humanPruned > 0 && numbers.opensPerDay[0]!.day < cutoff.day)
      await this.addOpensPrunedBeforeRollups(inGalleries, numbers.opensPerDay[0]!.day, cutoff.day, perDay);

    const regions = new Map<string, { country: string; region: string; opens: number }>();
    const cities = new Map<string, { country: string; city: string; opens: number }>();
    const imageViews = new Map<string, number>();
    let previewsByPlatform = 0;
    for (const row of rollups) {
      const n = toNumber(row.n);
      const value = String(row.value ?? '');
      switch (row.dimension as RollupDimension) {
        case 'country':
          add(numbers.countries, nameOf(value), n);
          break;
        case 'region': {
          const country = nameOf(row.country);
          tallyPlace(regions, `${country}|${value}`, { country, region: value }, n);
          break;
        }
        case 'city': {
          const country = nameOf(row.country);
          tallyPlace(cities, `${country}|${value}`, { country, city: value }, n);
          break;
        }
        case 'device':
          add(numbers.devices, nameOf(value), n);
          break;
        case 'browser':
          add(numbers.browsers, nameOf(value), n);
          break;
        case 'os':
          add(numbers.operatingSystems, nameOf(value), n);
          break;
        case 'referrer':
          add(numbers.referrers, value || 'direct', n);
          break;
        case 'preview':
          add(numbers.previews, value || 'other', n);
          previewsByPlatform += n;
          break;
        case 'image':
          imageViews.set(value, (imageViews.get(value) ?? 0) + n);
          break;
      }
    }
    // Previews pruned before the rollups existed are in the daily counts without a platform.
    if (previewTotal > previewsByPlatform) add(numbers.previews, 'other', previewTotal - previewsByPlatform);
    numbers.countries = sortedRecord(numbers.countries);
    numbers.regions = topOf(regions);
    numbers.cities = topOf(cities);
    numbers.devices = sortedRecord(numbers.devices);
    numbers.browsers = sortedRecord(numbers.browsers);
    numbers.operatingSystems = sortedRecord(numbers.operatingSystems);
    numbers.referrers = sortedRecord(numbers.referrers);
    numbers.previews = sortedRecord(numbers.previews);
    numbers.latestOpens.items = latest;

    return { numbers, imageViews };
  }

  /**
   * Trend days before the cutoff whose details were pruned before the quarter-hour counts existed
   * (an install upgraded after pruning): their human opens are only in the daily counts, by UTC day.
   */
  private async addOpensPrunedBeforeRollups(
    inGalleries: Sql,
    fromDay: string,
    cutoffDay: string,
    perDay: Map<string, { opens: number }>,
  ): Promise<void> {
    // 96 quarter hours a day; a literal, so both databases divide integers.
    const [daily, quarters] = await Promise.all([
      this.deps.db.$queryRaw<Row[]>(sql`
        SELECT day, SUM(count) AS n FROM visit_daily
        WHERE ${inGalleries} AND kind = 'human' AND day >= ${fromDay} AND day < ${cutoffDay}
        GROUP BY day`),
      this.deps.db.$queryRaw<Row[]>(sql`
        SELECT quarter / 96 AS day, SUM(count) AS n FROM visit_quarter_hours
        WHERE ${inGalleries} AND quarter >= ${Date.parse(`${fromDay}T00:00:00Z`) / QUARTER_HOUR_MS} AND quarter < ${Date.parse(`${cutoffDay}T00:00:00Z`) / QUARTER_HOUR_MS}
        GROUP BY quarter / 96`),
    ]);
    const counted = new Map(
      quarters.map((row) => [new Date(toNumber(row.day) * 86_400_000).toISOString().slice(0, 10), toNumber(row.n)]),
    );
    for (const row of daily) {
      const day = String(row.day);
      const missing = toNumber(row.n) - (counted.get(day) ?? 0);
      const entry = perDay.get(day);
      if (entry && missing > 0) entry.opens += missing;
    }
  }

  /** The first and last human open whose details are kept: one index lookup per gallery. */
  private async openRange(
    galleryIds: readonly string[],
    since: Date,
  ): Promise<{ first: Date | null; last: Date | null }> {
    const open = (order: Sql) =>
      sql`(SELECT v.at FROM visits v WHERE v.gallery_id = g.id AND v.kind = 'human' AND v.at >= ${since} ORDER BY v.at ${order} LIMIT 1)`;
    const [row] = await this.deps.db.$queryRaw<Row[]>(sql`
      SELECT MIN(first_at) AS first_at, MAX(last_at) AS last_at FROM (
        SELECT ${open(sql`ASC`)} AS first_at, ${open(sql`DESC`)} AS last_at
        FROM galleries g WHERE ${this.deps.dialect.inList('g.id', galleryIds)}
      ) opens`);
    return { first: toDate(row?.first_at), last: toDate(row?.last_at) };
  }

  private async latestOpens(human: Sql, page: number, pageSize: number): Promise<OpenEntry[]> {
    const rows = await this.deps.db.$queryRaw<Row[]>(sql`
      SELECT at, country, region, city, device_type, browser, os FROM visits WHERE ${human}
      ORDER BY at DESC LIMIT ${pageSize} OFFSET ${(page - 1) * pageSize}`);
    return rows.map((row) => ({
      at: toDate(row.at)!,
      country: (row.country as string | null) ?? null,
      region: (row.region as string | null) ?? null,
      city: (row.city as string | null) ?? null,
      deviceType: (row.device_type as string | null) ?? null,
      browser: (row.browser as string | null) ?? null,
      os: (row.os as string | null) ?? null,
    }));
  }
}

export function emptyNumbers(timeZone: string, now: number, page = 1, pageSize = 20): VisitNumbers {
  return {
    humanOpens: 0,
    uniqueVisitors: 0,
    previews: {},
    bots: 0,
    probes: 0,
    firstOpenAt: null,
    lastOpenAt: null,
    timeZone,
    opensPerDay: lastDays(timeZone, now, TREND_DAYS).map((day) => ({ day, opens: 0 })),
    opensByHour: Array.from({ length: 24 }, () => 0),
    countries: {},
    regions: [],
    cities: [],
    devices: {},
    browsers: {},
    operatingSystems: {},
    referrers: {},
    latestOpens: { items: [], page, pageSize, total: 0 },
  };
}

function nameOf(value: unknown): string {
  return value === null || value === undefined || value === '' ? 'unknown' : String(value);
}

function add(record: Record<string, number>, key: string, n: number): void {
  record[key] = (record[key] ?? 0) + n;
}

function sortedRecord(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
}

function tallyPlace<T extends { opens: number }>(
  map: Map<string, T>,
  key: string,
  fields: Omit<T, 'opens'>,
  n: number,
): void {
  const entry = map.get(key);
  if (entry) entry.opens += n;
  else map.set(key, { ...fields, opens: n } as T);
}

function topOf<T extends { opens: number }>(map: Map<string, T>): T[] {
  return [...map.values()].sort((a, b) => b.opens - a.opens).slice(0, TOP_PLACES);
}
