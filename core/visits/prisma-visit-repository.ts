import type { DatabaseClient } from '../db/prisma-client-factory.js';
import { emptyVisitSummary, type VisitSummary } from '../stats/gallery-stats.js';
import type { VisitBatch, VisitRepository } from './visit-repository.js';
import { addToRollups, rollupDelta } from './visit-rollups.js';

/** Visits over Prisma (SQLite and PostgreSQL alike: only portable queries). */
export class PrismaVisitRepository implements VisitRepository {
  constructor(private readonly db: DatabaseClient) {}

  async saveBatch(batch: VisitBatch): Promise<void> {
    if (batch.visits.length === 0 && batch.imageViews.length === 0) return;
    await this.db.$transaction(async (tx) => {
      // Idempotent: a retried batch skips the rows its earlier attempt already committed.
      const visitIds = batch.visits.map((visit) => visit.id);
      const storedVisits = new Set(
        visitIds.length ? (await tx.visit.findMany({ where: { id: { in: visitIds } }, select: { id: true } })).map((row) => row.id) : [],
      );
      const visits = batch.visits.filter((visit) => !storedVisits.has(visit.id));
      if (visits.length) await tx.visit.createMany({ data: visits });

      const viewIds = batch.imageViews.map((view) => view.id);
      const storedViews = new Set(
        viewIds.length ? (await tx.imageView.findMany({ where: { id: { in: viewIds } }, select: { id: true } })).map((row) => row.id) : [],
      );
      const views = batch.imageViews.filter((view) => !storedViews.has(view.id));
      if (views.length) await tx.imageView.createMany({ data: views });

      const daily = new Map<string, { galleryId: string; day: string; kind: string; count: number }>();
      for (const visit of visits) {
        const day = visit.at.toISOString().slice(0, 10);
        const key = `${visit.galleryId}|${day}|${visit.kind}`;
        const entry = daily.get(key) ?? { galleryId: visit.galleryId, day, kind: visit.kind, count: 0 };
        entry.count += 1;
        daily.set(key, entry);
      }
      // In key order, like the rollups: concurrent batches lock shared rows in the same order.
      for (const [, { galleryId, day, kind, count }] of [...daily].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
        await tx.visitDaily.upsert({
          where: { galleryId_day_kind: { galleryId, day, kind } },
          create: { galleryId, day, kind, count },
          update: { count: { increment: count } },
        });
      }
      // The stats read these instead of the visits (core/analytics/stats-reader.ts).
      await addToRollups(tx, rollupDelta(visits, views));
    });
  }

  async existingGalleryIds(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.db.gallery.findMany({ where: { id: { in: ids } }, select: { id: true } });
    return new Set(rows.map((row) => row.id));
  }

  async summarize(galleryId: string): Promise<VisitSummary> {
    const human = { galleryId, kind: 'human' };
    const [kinds, previews, visitors, range, countries, devices, views] = await Promise.all([
      this.db.visit.groupBy({ by: ['kind'], where: { galleryId }, _count: { _all: true } }),
      this.db.visit.groupBy({ by: ['previewPlatform'], where: { galleryId, kind: 'preview' }, _count: { _all: true } }),
      this.db.visit.groupBy({ by: ['visitorKey'], where: human }),
      this.db.visit.aggregate({ where: human, _min: { at: true }, _max: { at: true } }),
      this.db.visit.groupBy({ by: ['country'], where: human, _count: { _all: true } }),
      this.db.visit.groupBy({ by: ['deviceType'], where: human, _count: { _all: true } }),
      this.db.imageView.groupBy({ by: ['imageId'], where: { galleryId }, _count: { _all: true } }),
    ]);
    const countOf = (kind: string) => kinds.find((row) => row.kind === kind)?._count._all ?? 0;
    const tally = <T>(rows: T[], key: (row: T) => string | null, count: (row: T) => number) => {
      const out: Record<string, number> = {};
      for (const row of rows) out[key(row) ?? 'unknown'] = (out[key(row) ?? 'unknown'] ?? 0) + count(row);
      return out;
    };
    return {
      ...emptyVisitSummary(),
      humanOpens: countOf('human'),
      uniqueVisitors: visitors.filter((row) => row.visitorKey !== null).length,
      previews: tally(previews, (row) => row.previewPlatform, (row) => row._count._all),
      bots: countOf('bot'),
      firstOpenAt: range._min.at ?? null,
      lastOpenAt: range._max.at ?? null,
      countries: tally(countries, (row) => row.country, (row) => row._count._all),
      devices: tally(devices, (row) => row.deviceType, (row) => row._count._all),
      imageViews: tally(views, (row) => row.imageId, (row) => row._count._all),
    };
  }

  async lastOpenAt(galleryIds: string[]): Promise<Map<string, Date>> {
    if (galleryIds.length === 0) return new Map();
    const rows = await this.db.visit.groupBy({
      by: ['galleryId'],
      where: { galleryId: { in: galleryIds }, kind: 'human' },
      _max: { at: true },
    });
    return new Map(rows.filter((row) => row._max.at).map((row) => [row.galleryId, row._max.at!]));
  }
}
