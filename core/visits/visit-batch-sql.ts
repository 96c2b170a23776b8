import { join, raw, sqltag as sql, type Sql } from '@prisma/client/runtime/client';
import type { ImageViewRow, VisitRow } from './visit-repository.js';
import { linkOf, rollupDelta, rollupStatements } from './visit-rollups.js';

export type SqlProvider = 'sqlite' | 'postgresql';

/** Column name, its value in a row, and its PostgreSQL type when not text. */
type Columns<T> = ReadonlyArray<readonly [column: string, value: (row: T) => string | Date | null, pgType?: string]>;

const VISIT_COLUMNS: Columns<VisitRow> = [
  ['id', (v) => v.id],
  ['gallery_id', (v) => v.galleryId],
  ['at', (v) => v.at, 'timestamp(3)'],
  ['kind', (v) => v.kind],
  ['preview_platform', (v) => v.previewPlatform],
  ['link_id', (v) => linkOf(v)],
  ['ip', (v) => v.ip],
  ['visitor_key', (v) => v.visitorKey],
  ['device_type', (v) => v.deviceType],
  ['device_vendor', (v) => v.deviceVendor],
  ['device_model', (v) => v.deviceModel],
  ['browser', (v) => v.browser],
  ['browser_version', (v) => v.browserVersion],
  ['os', (v) => v.os],
  ['os_version', (v) => v.osVersion],
  ['country', (v) => v.country],
  ['region', (v) => v.region],
  ['city', (v) => v.city],
  ['referrer_host', (v) => v.referrerHost],
  ['language', (v) => v.language],
  ['user_agent', (v) => v.userAgent],
];

const IMAGE_VIEW_COLUMNS: Columns<ImageViewRow> = [
  ['id', (v) => v.id],
  ['visit_id', (v) => v.visitId],
  ['gallery_id', (v) => v.galleryId],
  ['image_id', (v) => v.imageId],
  ['at', (v) => v.at, 'timestamp(3)'],
];

/** Inserts the visits whose id is not stored yet, returning (`id`) the ones inserted now. */
export function insertNewVisits(provider: SqlProvider, visits: readonly VisitRow[]): Sql {
  return insertNew(provider, 'visits', VISIT_COLUMNS, visits);
}

/** Inserts the image views whose id is not stored yet, returning (`id`) the ones inserted now. */
export function insertNewImageViews(provider: SqlProvider, views: readonly ImageViewRow[]): Sql {
  return insertNew(provider, 'image_views', IMAGE_VIEW_COLUMNS, views);
}

/**
 * What the newly stored visits and views add up to: the daily counts, the stats' rollups, and the
 * open counts of `countsOpen` visits. Every statement touches rows in key order, so two batches
 * written at once (PostgreSQL, two instances) wait for each other instead of deadlocking.
 */
export function countStatements(
  provider: SqlProvider,
  visits: readonly VisitRow[],
  views: readonly ImageViewRow[],
): Sql[] {
  const daily = new Map<string, { galleryId: string; day: string; kind: string; count: number }>();
  const opens = new Map<string, number>();
  for (const visit of visits) {
    const day = visit.at.toISOString().slice(0, 10);
    const key = `${visit.galleryId}|${day}|${visit.kind}`;
    const entry = daily.get(key) ?? { galleryId: visit.galleryId, day, kind: visit.kind, count: 0 };
    entry.count += 1;
    daily.set(key, entry);
    if (visit.countsOpen && visit.kind === 'human') opens.set(visit.galleryId, (opens.get(visit.galleryId) ?? 0) + 1);
  }
  const statements: Sql[] = [];
  const dailyRows = [...daily].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([, row]) => row);
  if (dailyRows.length) {
    statements.push(sql`
      INSERT INTO visit_daily (gallery_id, day, kind, count)
      VALUES ${join(dailyRows.map((row) => sql`(${row.galleryId}, ${row.day}, ${row.kind}, ${row.count})`))}
      ON CONFLICT (gallery_id, day, kind) DO UPDATE SET count = visit_daily.count + excluded.count`);
  }
  // The stats read these instead of the visits (core/analytics/stats-reader.ts).
  const delta = rollupDelta(visits, views);
  statements.push(...rollupStatements(delta));
  // Each link's last open, kept on the link so "opens by link" reads no visits. Only ever moved
  // forward: batches of two instances may commit out of order.
  for (const { linkId, at } of delta.linkLastOpens) {
    const stored = storedValue(at, provider);
    statements.push(sql`
      UPDATE gallery_links SET last_open_at = ${stored}
      WHERE id = ${linkId} AND (last_open_at IS NULL OR last_open_at < ${stored})`);
  }
  for (const [galleryId, count] of [...opens].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    statements.push(sql`UPDATE galleries SET open_count = open_count + ${count} WHERE id = ${galleryId}`);
  }
  return statements;
}

/**
 * The rows travel as one JSON parameter that the database unpacks (json_each / json_array_elements):
 * one statement whatever the batch size, with nothing per row for the driver to bind.
 */
function insertNew<T extends { id: string }>(
  provider: SqlProvider,
  table: string,
  columns: Columns<T>,
  rows: readonly T[],
): Sql {
  // Each row is an array in column order: cheaper to build and to parse than objects.
  const json = JSON.stringify(rows.map((row) => columns.map(([, value]) => storedValue(value(row), provider))));
  const names = raw(columns.map(([column]) => column).join(', '));
  if (provider === 'postgresql') {
    const values = raw(columns.map(([, , pgType], i) => `(r ->> ${i})::${pgType ?? 'text'}`).join(', '));
    return sql`INSERT INTO ${raw(table)} (${names}) SELECT ${values} FROM json_array_elements(${json}::json) AS r
      ON CONFLICT (id) DO NOTHING RETURNING id`;
  }
  // "WHERE true" tells SQLite's parser that ON CONFLICT belongs to the INSERT, not to a join.
  const values = raw(columns.map((_, i) => `value ->> ${i}`).join(', '));
  return sql`INSERT INTO ${raw(table)} (${names}) SELECT ${values} FROM json_each(${json}) WHERE true
    ON CONFLICT (id) DO NOTHING RETURNING id`;
}

/**
 * A value as the database stores it. Times go in the text form Prisma itself writes to SQLite
 * ("2026-11-26T20:30:09.918+00:00"), so they compare and sort like every other stored time;
 * PostgreSQL's timestamp(3) columns hold UTC without a zone.
 */
function storedValue(value: string | Date | null, provider: SqlProvider): string | null {
  if (!(value instanceof Date)) return value;
  const iso = value.toISOString();
  return provider === 'sqlite' ? `${iso.slice(0, -1)}+00:00` : iso.slice(0, -1);
}
