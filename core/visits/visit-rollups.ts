import { join, sqltag as sql, type Sql } from '@prisma/client/runtime/client';
import type { ImageViewRow, VisitRow } from './visit-repository.js';

/** The stats' time resolution: every time zone's offset is a whole number of quarter hours. */
export const QUARTER_HOUR_MS = 900_000;

/** What visits are counted by in `visit_rollups` (see VisitRollup in prisma/models.prisma). */
export type RollupDimension =
  'country' | 'region' | 'city' | 'device' | 'browser' | 'os' | 'referrer' | 'preview' | 'image' | 'link';

export interface RollupRow {
  galleryId: string;
  dimension: RollupDimension;
  /** The visit's country for regions and cities, '' otherwise. */
  country: string;
  /** '' when the visit had no value (unknown, direct). */
  value: string;
  count: number;
}

export interface QuarterRow {
  galleryId: string;
  /** Quarter-hour start (ms since the epoch) / QUARTER_HOUR_MS. */
  quarter: number;
  count: number;
}

export interface VisitorRow {
  galleryId: string;
  visitorKey: string;
}

export interface LinkVisitorRow extends VisitorRow {
  linkId: string;
}

/** The link a visit came through: the gallery's first link (whose id is the gallery's) when not given. */
export function linkOf(visit: { galleryId: string; linkId?: string | null }): string {
  return visit.linkId ?? visit.galleryId;
}

/** What one batch of new visits and image views adds to the stats' rollups. */
export interface RollupDelta {
  rollups: RollupRow[];
  quarters: QuarterRow[];
  visitors: VisitorRow[];
  linkVisitors: LinkVisitorRow[];
  /** The latest human open of each link in the batch. */
  linkLastOpens: Array<{ linkId: string; at: Date }>;
}

export function quarterOf(at: Date): number {
  return Math.floor(at.getTime() / QUARTER_HOUR_MS);
}

/**
 * Tallies new visits and image views into rollup rows. Rows come out sorted by key: every writer
 * then locks the rows it adds to in the same order, so two batches written at once by two
 * processes (PostgreSQL) wait for each other instead of deadlocking.
 */
export function rollupDelta(visits: readonly VisitRow[], imageViews: readonly ImageViewRow[]): RollupDelta {
  const rollups = new Map<string, RollupRow>();
  const quarters = new Map<string, QuarterRow>();
  const visitors = new Map<string, VisitorRow>();
  const linkVisitors = new Map<string, LinkVisitorRow>();
  const linkLastOpens = new Map<string, { linkId: string; at: Date }>();
  const count = (galleryId: string, dimension: RollupDimension, value: string | null, country = '') => {
    const row: RollupRow = { galleryId, dimension, country, value: value ?? '', count: 1 };
    const key = keyOf(galleryId, dimension, row.country, row.value);
    const entry = rollups.get(key);
    if (entry) entry.count += 1;
    else rollups.set(key, row);
  };
  for (const visit of visits) {
    const { galleryId } = visit;
    if (visit.kind === 'preview') count(galleryId, 'preview', visit.previewPlatform);
    if (visit.kind !== 'human') continue;
    const country = visit.country ?? '';
    count(galleryId, 'country', country);
    // Opens without a region or city are in the country counts; the top-ten lists leave them out.
    if (visit.region) count(galleryId, 'region', visit.region, country);
    if (visit.city) count(galleryId, 'city', visit.city, country);
    count(galleryId, 'device', visit.deviceType);
    count(galleryId, 'browser', visit.browser);
    count(galleryId, 'os', visit.os);
    count(galleryId, 'referrer', visit.referrerHost);
    const quarter = quarterOf(visit.at);
    const quarterKey = keyOf(galleryId, String(quarter).padStart(12, '0'));
    const bucket = quarters.get(quarterKey);
    if (bucket) bucket.count += 1;
    else quarters.set(quarterKey, { galleryId, quarter, count: 1 });
    const linkId = linkOf(visit);
    count(galleryId, 'link', linkId);
    const last = linkLastOpens.get(linkId);
    if (!last) linkLastOpens.set(linkId, { linkId, at: visit.at });
    else if (last.at < visit.at) last.at = visit.at;
    if (visit.visitorKey !== null) {
      visitors.set(keyOf(galleryId, visit.visitorKey), { galleryId, visitorKey: visit.visitorKey });
      linkVisitors.set(keyOf(linkId, visit.visitorKey), { galleryId, linkId, visitorKey: visit.visitorKey });
    }
  }
  for (const view of imageViews) count(view.galleryId, 'image', view.imageId);
  return {
    rollups: sortedValues(rollups),
    quarters: sortedValues(quarters),
    visitors: sortedValues(visitors),
    linkVisitors: sortedValues(linkVisitors),
    linkLastOpens: sortedValues(linkLastOpens),
  };
}

/** Rows per statement: well under the bound-parameter limits of SQLite (32766) and PostgreSQL (65535). */
const ROWS_PER_STATEMENT = 500;

/**
 * The statements that add a batch's delta to the rollups, one multi-row upsert per table (and per
 * 500 rows). Run them in the transaction that inserts the visits, so the rollups never hold a
 * visit that is not stored or miss one that is. Portable SQL: SQLite and PostgreSQL both take
 * `ON CONFLICT ... excluded`.
 */
export function rollupStatements(delta: RollupDelta): Sql[] {
  const statements: Sql[] = [];
  for (const rows of chunks(delta.rollups)) {
    statements.push(sql`
      INSERT INTO visit_rollups (gallery_id, dimension, country, value, count)
      VALUES ${join(rows.map((row) => sql`(${row.galleryId}, ${row.dimension}, ${row.country}, ${row.value}, ${row.count})`))}
      ON CONFLICT (gallery_id, dimension, country, value) DO UPDATE SET count = visit_rollups.count + excluded.count`);
  }
  for (const rows of chunks(delta.quarters)) {
    statements.push(sql`
      INSERT INTO visit_quarter_hours (gallery_id, quarter, count)
      VALUES ${join(rows.map((row) => sql`(${row.galleryId}, ${row.quarter}, ${row.count})`))}
      ON CONFLICT (gallery_id, quarter) DO UPDATE SET count = visit_quarter_hours.count + excluded.count`);
  }
  for (const rows of chunks(delta.visitors)) {
    statements.push(sql`
      INSERT INTO gallery_visitors (gallery_id, visitor_key)
      VALUES ${join(rows.map((row) => sql`(${row.galleryId}, ${row.visitorKey})`))}
      ON CONFLICT (gallery_id, visitor_key) DO NOTHING`);
  }
  for (const rows of chunks(delta.linkVisitors)) {
    statements.push(sql`
      INSERT INTO link_visitors (link_id, visitor_key, gallery_id)
      VALUES ${join(rows.map((row) => sql`(${row.linkId}, ${row.visitorKey}, ${row.galleryId})`))}
      ON CONFLICT (link_id, visitor_key) DO NOTHING`);
  }
  return statements;
}

function keyOf(...parts: string[]): string {
  // NUL cannot occur in the ids, names and hosts joined here, so keys cannot collide.
  return parts.join('\u0000');
}

function sortedValues<T>(map: Map<string, T>): T[] {
  return [...map.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((entry) => entry[1]);
}

function* chunks<T>(rows: readonly T[]): Generator<T[]> {
  for (let from = 0; from < rows.length; from += ROWS_PER_STATEMENT) yield rows.slice(from, from + ROWS_PER_STATEMENT);
}
