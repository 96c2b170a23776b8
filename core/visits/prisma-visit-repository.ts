import type { DatabaseClient } from '../db/prisma-client-factory.js';
import { emptyVisitSummary, type VisitSummary } from '../stats/gallery-stats.js';
import type { VisitBatch, VisitRepository } from './visit-repository.js';
import type { VisitWriter } from './visit-writer.js';

/** Visits: read over Prisma (SQLite and PostgreSQL alike: only portable queries), written by a VisitWriter. */
export class PrismaVisitRepository implements VisitRepository {
  constructor(
    private readonly db: DatabaseClient,
    /** Writes go straight to the driver (see visit-writer.ts); reads stay on Prisma. */
    private readonly writer: VisitWriter,
  ) {}

  async saveBatch(batch: VisitBatch): Promise<void> {
    await this.writer.write(batch);
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
      previews: tally(
        previews,
        (row) => row.previewPlatform,
        (row) => row._count._all,
      ),
      bots: countOf('bot'),
      probes: countOf('probe'),
      firstOpenAt: range._min.at ?? null,
      lastOpenAt: range._max.at ?? null,
      countries: tally(
        countries,
        (row) => row.country,
        (row) => row._count._all,
      ),
      devices: tally(
        devices,
        (row) => row.deviceType,
        (row) => row._count._all,
      ),
      imageViews: tally(
        views,
        (row) => row.imageId,
        (row) => row._count._all,
      ),
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
