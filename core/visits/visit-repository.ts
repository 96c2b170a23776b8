import type { VisitStatsSource } from '../stats/gallery-stats.js';
import type { VisitDetails } from './visit-enricher.js';
import type { VisitKind } from './visit-request.js';

/** One recorded visit, its id made by the recorder so image views can point at it before it is written. */
export interface VisitRow extends VisitDetails {
  id: string;
  galleryId: string;
  at: Date;
  kind: VisitKind;
  previewPlatform: string | null;
  /**
   * Not stored: true for a human open of a gallery without an open limit, whose open count is
   * raised when the visit is written (in the same transaction, so exactly once) rather than by a
   * database write before the page is served. Opens of limited galleries are counted before.
   */
  countsOpen?: boolean;
}

/** One image seen during one open (the lightbox or its display version). */
export interface ImageViewRow {
  id: string;
  visitId: string | null;
  galleryId: string;
  imageId: string;
  at: Date;
}

export interface VisitBatch {
  visits: VisitRow[];
  imageViews: ImageViewRow[];
}

/**
 * Persistence of visits (implemented over Prisma for SQLite and PostgreSQL). Also the source of
 * the visit numbers in the owner's stats.
 */
export interface VisitRepository extends VisitStatsSource {
  /**
   * Writes a batch in one transaction, with the daily counts, the stats' rollups and the open counts of
   * `countsOpen` visits. Idempotent: rows whose id is already stored are skipped, so retrying a batch
   * whose first attempt did commit counts nothing twice.
   */
  saveBatch(batch: VisitBatch): Promise<void>;
  /** Which of these galleries still exist (rows of a deleted gallery are dropped, not retried forever). */
  existingGalleryIds(ids: string[]): Promise<Set<string>>;
}
