import { MaiimgError } from '../errors.js';
import { empty, sql, toDate, toNumber, type Sql, type SqlClient } from './sql-dialect.js';
import { LocalCalendar, lastDays, offsetMinutes } from './time-zone.js';
import type { Page, VisitNumbers } from './visit-stats.js';

/** What the dashboard's charts draw, for the visits a filter lets through. */
export type ChartNumbers = Pick<VisitNumbers, 'opensPerDay' | 'opensByHour' | 'countries' | 'devices'>;

/** What the owner can narrow the visit log to. Days are local days in the log's time zone. */
export interface VisitLogFilter {
  from?: string | null;
  to?: string | null;
  /** ISO country code, or `unknown`. */
  country?: string | null;
  /** Device type (desktop, mobile, ...), or `unknown`. */
  device?: string | null;
  kind?: 'human' | 'preview' | 'bot' | 'probe' | null;
}

export interface VisitLogEntry {
  id: string;
  at: Date;
  kind: string;
  previewPlatform: string | null;
  country: string | null;
  region: string | null;
  city: string | null;
  deviceType: string | null;
  browser: string | null;
  os: string | null;
  referrerHost: string | null;
  language: string | null;
  /** As stored: the network part only when ANONYMIZE_IP is on. */
  ip: string | null;
  /** Distinct photos seen in the lightbox during this open. */
  photosViewed: number;
  /** The link (gallery_links.id) the visit came through. */
  linkId: string;
}

type Row = Record<string, unknown>;

// Visits written before links existed were filled in by the migration; COALESCE covers any other.
const COLUMNS = sql`id, at, kind, preview_platform, country, region, city, device_type, browser, os, referrer_host, language, ip,
  COALESCE(link_id, gallery_id) AS link_id,
  (SELECT COUNT(DISTINCT image_id) FROM image_views WHERE image_views.visit_id = visits.id) AS photos_viewed`;

/** The owner's visit log: every recorded visit (human, preview, bot), newest first, filtered and paged. */
export class VisitLog {
  constructor(
    private readonly db: SqlClient,
    readonly timeZone: string,
  ) {}

  /** The same log with its days and hours (filters, charts) in another time zone: the owner's. */
  inZone(timeZone: string): VisitLog {
    return timeZone === this.timeZone ? this : new VisitLog(this.db, timeZone);
  }

  async page(galleryId: string, filter: VisitLogFilter, page: number, pageSize = 50): Promise<Page<VisitLogEntry>> {
    const where = this.where(galleryId, filter);
    page = Math.max(1, Math.floor(page) || 1);
    const [rows, [count]] = await Promise.all([
      this.db.$queryRaw<Row[]>(
        sql`SELECT ${COLUMNS} FROM visits WHERE ${where} ORDER BY at DESC, id DESC LIMIT ${pageSize} OFFSET ${(page - 1) * pageSize}`,
      ),
      this.db.$queryRaw<Row[]>(sql`SELECT COUNT(*) AS n FROM visits WHERE ${where}`),
    ]);
    return { items: rows.map(entryFrom), page, pageSize, total: toNumber(count?.n) };
  }

  /** Every matching visit, newest first, read in chunks (keyset paging) so an export never holds the whole log. */
  async *all(galleryId: string, filter: VisitLogFilter, chunk = 1000): AsyncGenerator<VisitLogEntry> {
    const where = this.where(galleryId, filter);
    let after: { at: Date; id: string } | null = null;
    for (;;) {
      const rows: Row[] = await this.db.$queryRaw<Row[]>(sql`
        SELECT ${COLUMNS} FROM visits WHERE ${where}
        ${after ? sql`AND (at < ${after.at} OR (at = ${after.at} AND id < ${after.id}))` : empty}
        ORDER BY at DESC, id DESC LIMIT ${chunk}`);
      for (const row of rows) yield entryFrom(row);
      if (rows.length < chunk) return;
      const last = entryFrom(rows[rows.length - 1]!);
      after = { at: last.at, id: last.id };
    }
  }

  /**
   * The charts' numbers (opens per day over the last `days` days, by hour, by country, by device)
   * counted from the human opens in the log that match `filter`. The unfiltered charts read the
   * rollups instead; this reads the visits themselves, so it covers the days whose details are kept.
   */
  async chartNumbers(galleryId: string, filter: VisitLogFilter, now: Date, days = 30): Promise<ChartNumbers> {
    const calendar = new LocalCalendar(this.timeZone);
    const opensPerDay = lastDays(this.timeZone, now.getTime(), days).map((day) => ({ day, opens: 0 }));
    const perDay = new Map(opensPerDay.map((entry) => [entry.day, entry]));
    const opensByHour = Array.from({ length: 24 }, () => 0);
    const countries: Record<string, number> = {};
    const devices: Record<string, number> = {};
    if (filter.kind && filter.kind !== 'human') return { opensPerDay, opensByHour, countries, devices };
    const where = sql`${this.where(galleryId, filter)} AND kind = 'human'`;
    const rows = await this.db.$queryRaw<Row[]>(sql`SELECT at, country, device_type FROM visits WHERE ${where}`);
    for (const row of rows) {
      const { day, hour } = calendar.place(toDate(row.at)!.getTime());
      opensByHour[hour]! += 1;
      const entry = perDay.get(day);
      if (entry) entry.opens += 1;
      const country = row.country ? String(row.country) : 'unknown';
      countries[country] = (countries[country] ?? 0) + 1;
      const device = row.device_type ? String(row.device_type) : 'unknown';
      devices[device] = (devices[device] ?? 0) + 1;
    }
    const byCount = (record: Record<string, number>) =>
      Object.fromEntries(Object.entries(record).sort((a, b) => b[1] - a[1]));
    return { opensPerDay, opensByHour, countries: byCount(countries), devices: byCount(devices) };
  }

  private where(galleryId: string, filter: VisitLogFilter): Sql {
    const parts: Sql[] = [sql`gallery_id = ${galleryId}`];
    if (filter.from) parts.push(sql`at >= ${this.dayStart(filter.from)}`);
    if (filter.to) parts.push(sql`at < ${new Date(this.dayStart(filter.to).getTime() + 86_400_000)}`);
    if (filter.kind) parts.push(sql`kind = ${filter.kind}`);
    if (filter.country)
      parts.push(filter.country === 'unknown' ? sql`country IS NULL` : sql`country = ${filter.country}`);
    if (filter.device)
      parts.push(filter.device === 'unknown' ? sql`device_type IS NULL` : sql`device_type = ${filter.device}`);
    return parts.reduce((all, part) => sql`${all} AND ${part}`);
  }

  /** The UTC instant a local day starts at. */
  private dayStart(day: string): Date {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`))) {
      throw new MaiimgError('INVALID_OPTION', { option: 'option.date', reason: 'reason.dateFormat' });
    }
    const utcMidnight = Date.parse(`${day}T00:00:00Z`);
    return new Date(utcMidnight - offsetMinutes(this.timeZone, utcMidnight) * 60_000);
  }
}

function entryFrom(row: Row): VisitLogEntry {
  const text = (value: unknown) => (value === null || value === undefined ? null : String(value));
  return {
    id: String(row.id),
    at: toDate(row.at)!,
    kind: String(row.kind),
    previewPlatform: text(row.preview_platform),
    country: text(row.country),
    region: text(row.region),
    city: text(row.city),
    deviceType: text(row.device_type),
    browser: text(row.browser),
    os: text(row.os),
    referrerHost: text(row.referrer_host),
    language: text(row.language),
    ip: text(row.ip),
    photosViewed: toNumber(row.photos_viewed),
    linkId: String(row.link_id),
  };
}

/** One CSV field (RFC 4180), with spreadsheet formula injection defused. */
export function csvField(value: string | null): string {
  if (value === null) return '';
  let text = value;
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
