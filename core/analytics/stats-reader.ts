import type { Clock } from '../ports.js';
import { SqlDialect, bucketStart, join, sql, toDate, toNumber, type Sql, type SqlClient } from './sql-dialect.js';
import { LocalCalendar, hasWholeHourOffsets, lastDays } from './time-zone.js';
import type { OpenEntry, VisitNumbers } from './visit-stats.js';

export interface StatsReaderDeps {
  db: SqlClient;
  dialect: SqlDialect;
  clock: Clock;
  /** Default time zone (STATS_TIMEZONE). */
  timeZone: string;
  /** Visit details older than this are (or are about to be) pruned; only daily counts stay. */
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
const KINDS = ['human', 'preview', 'bot'] as const;

type Row = Record<string, unknown>;

/**
 * Computes the visit numbers of a set of galleries with a handful of GROUP BY queries: each query
 * yields several dimensions at once (one pass over the visits gives kinds, previews, unique visitors
 * and the first / last open; another gives countries, regions and cities; another devices, browsers
 * and systems), so the visits are read as few times as possible. Works the same on SQLite and
 * PostgreSQL (see sql-dialect.ts for the one place they differ).
 *
 * Retention: details of visits before the cutoff day may already be pruned, so counts before it
 * come from the daily aggregates and counts from it on from the details. Either way nothing is
 * counted twice, whether or not the retention job has run yet.
 */
export class StatsReader {
  constructor(private readonly deps: StatsReaderDeps) {}

  /** The first UTC day whose visit details are kept. */
  cutoff(): { day: string; at: Date } {
    const now = this.deps.clock.now().getTime();
    const dayStart = Math.floor(now / 86_400_000) * 86_400_000 - this.deps.retentionDays * 86_400_000;
    return { day: new Date(dayStart).toISOString().slice(0, 10), at: new Date(dayStart) };
  }

  async read(galleryIds: readonly string[], options: ReadOptions = {}): Promise<{ numbers: VisitNumbers; imageViews: Map<string, number> }> {
    const timeZone = options.timeZone ?? this.deps.timeZone;
    const now = this.deps.clock.now().getTime();
    const page = Math.max(1, Math.floor(options.page ?? 1));
    const pageSize = Math.min(200, Math.max(1, Math.floor(options.pageSize ?? 20)));
    if (galleryIds.length === 0) return { numbers: emptyNumbers(timeZone, now, page, pageSize), imageViews: new Map() };

    const { db, dialect } = this.deps;
    await dialect.prepare();
    const cutoff = this.cutoff();
    const inGalleries = dialect.inList('gallery_id', galleryIds);

    const pruned = await db.$queryRaw<Row[]>(sql`
      SELECT kind, SUM(count) AS n, MIN(day) AS first_day FROM visit_daily
      WHERE ${inGalleries} AND day < ${cutoff.day} AND kind IN (${join([...KINDS])})
      GROUP BY kind`);
    // Without daily counts before the cutoff there are no visits before it either: skip the filter.
    const kept = pruned.length ? sql`AND at >= ${cutoff.at}` : sql``;
    const human = sql`${inGalleries} AND kind = 'human' ${kept}`;
    const quarterHours = !hasWholeHourOffsets(timeZone, now);

    const [kinds, buckets, places, devices, referrers, views, latest] = await Promise.all([
      db.$queryRaw<Row[]>(sql`
        SELECT kind, preview_platform AS platform, COUNT(*) AS n,
               COUNT(DISTINCT visitor_key) AS visitors, MIN(at) AS first_at, MAX(at) AS last_at
        FROM visits WHERE ${inGalleries} ${kept}
        GROUP BY kind, preview_platform`),
      db.$queryRaw<Row[]>(sql`
        SELECT ${dialect.bucketKey('at', quarterHours)} AS bucket, COUNT(*) AS n
        FROM visits WHERE ${human} GROUP BY 1`),
      db.$queryRaw<Row[]>(sql`
        SELECT country, region, city, COUNT(*) AS n FROM visits WHERE ${human}
        GROUP BY country, region, city`),
      db.$queryRaw<Row[]>(sql`
        SELECT device_type AS device, browser, os, COUNT(*) AS n FROM visits WHERE ${human}
        GROUP BY device_type, browser, os`),
      db.$queryRaw<Row[]>(sql`
        SELECT referrer_host AS host, COUNT(*) AS n FROM visits WHERE ${human} GROUP BY referrer_host`),
      db.$queryRaw<Row[]>(sql`
        SELECT image_id, COUNT(*) AS n FROM image_views WHERE ${inGalleries} GROUP BY image_id`),
      this.latestOpens(human, page, pageSize),
    ]);

    const numbers = emptyNumbers(timeZone, now, page, pageSize);
    let firstAt: Date | null = null;
    for (const row of kinds) {
      const n = toNumber(row.n);
      if (row.kind === 'human') {
        numbers.humanOpens += n;
        numbers.uniqueVisitors += toNumber(row.visitors);
        firstAt = toDate(row.first_at);
        numbers.lastOpenAt = toDate(row.last_at);
      } else if (row.kind === 'preview') {
        add(numbers.previews, String(row.platform ?? 'other'), n);
      } else if (row.kind === 'bot') {
        numbers.bots += n;
      }
    }
    numbers.latestOpens.total = numbers.humanOpens;
    numbers.firstOpenAt = firstAt;
    for (const row of pruned) {
      const n = toNumber(row.n);
      if (row.kind === 'human') {
        numbers.humanOpens += n;
        // Only the day is known once the details are gone.
        if (n > 0 && row.first_day) numbers.firstOpenAt = new Date(`${String(row.first_day)}T00:00:00Z`);
      } else if (row.kind === 'preview') add(numbers.previews, 'other', n);
      else if (row.kind === 'bot') numbers.bots += n;
    }
    if (!numbers.lastOpenAt && numbers.firstOpenAt) numbers.lastOpenAt = numbers.firstOpenAt;

    const calendar = new LocalCalendar(timeZone);
    const perDay = new Map(numbers.opensPerDay.map((entry) => [entry.day, entry]));
    for (const row of buckets) {
      const start = bucketStart(String(row.bucket));
      if (Number.isNaN(start)) continue;
      const n = toNumber(row.n);
      const { day, hour } = calendar.place(start);
      numbers.opensByHour[hour]! += n;
      const entry = perDay.get(day);
      if (entry) entry.opens += n;
    }
    // A trend reaching back before the cutoff takes those days from the daily counts (UTC days).
    if (pruned.length && numbers.opensPerDay[0]!.day < cutoff.day) {
      const rows = await db.$queryRaw<Row[]>(sql`
        SELECT day, SUM(count) AS n FROM visit_daily
        WHERE ${inGalleries} AND kind = 'human' AND day >= ${numbers.opensPerDay[0]!.day} AND day < ${cutoff.day}
        GROUP BY day`);
      for (const row of rows) {
        const entry = perDay.get(String(row.day));
        if (entry) entry.opens += toNumber(row.n);
      }
    }

    const regions = new Map<string, { country: string; region: string; opens: number }>();
    const cities = new Map<string, { country: string; city: string; opens: number }>();
    for (const row of places) {
      const n = toNumber(row.n);
      const country = nameOf(row.country);
      add(numbers.countries, country, n);
      if (row.region) tallyPlace(regions, `${country}|${String(row.region)}`, { country, region: String(row.region) }, n);
      if (row.city) tallyPlace(cities, `${country}|${String(row.city)}`, { country, city: String(row.city) }, n);
    }
    numbers.countries = sortedRecord(numbers.countries);
    numbers.regions = topOf(regions);
    numbers.cities = topOf(cities);

    for (const row of devices) {
      const n = toNumber(row.n);
      add(numbers.devices, nameOf(row.device), n);
      add(numbers.browsers, nameOf(row.browser), n);
      add(numbers.operatingSystems, nameOf(row.os), n);
    }
    numbers.devices = sortedRecord(numbers.devices);
    numbers.browsers = sortedRecord(numbers.browsers);
    numbers.operatingSystems = sortedRecord(numbers.operatingSystems);
    for (const row of referrers) add(numbers.referrers, row.host ? String(row.host) : 'direct', toNumber(row.n));
    numbers.referrers = sortedRecord(numbers.referrers);
    numbers.previews = sortedRecord(numbers.previews);
    numbers.latestOpens.items = latest;

    return { numbers, imageViews: new Map(views.map((row) => [String(row.image_id), toNumber(row.n)])) };
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

function tallyPlace<T extends { opens: number }>(map: Map<string, T>, key: string, fields: Omit<T, 'opens'>, n: number): void {
  const entry = map.get(key);
  if (entry) entry.opens += n;
  else map.set(key, { ...fields, opens: n } as T);
}

function topOf<T extends { opens: number }>(map: Map<string, T>): T[] {
  return [...map.values()].sort((a, b) => b.opens - a.opens).slice(0, TOP_PLACES);
}
