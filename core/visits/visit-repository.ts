import type { VisitStatsSource } from '../stats/gallery-stats.js';
import type { VisitDetails } from './visit-enricher.js';
import type { VisitKind, VisitRequest } from './visit-request.js';

/** What every visit has, its id made by the recorder so image views can point at it before it is written. */
interface VisitFacts {
  id: string;
  galleryId: string;
  at: Date;
  kind: VisitKind;
  previewPlatform: string | null;
  /**
   * The link (gallery_links.id) the visit came through; absent or null means the gallery's first
   * link, whose id is the gallery's.
   */
  linkId?: string | null;
  /**
   * Not stored: true for a human open of a gallery without an open limit, whose open count is
   * raised when the visit is written (in the same transaction, so exactly once) rather than by a
   * database write before the page is served. Opens of limited galleries are counted before.
   */
  countsOpen?: boolean;
}

/** One visit as stored: device, place and visitor key looked up. */
export interface VisitRow extends VisitFacts, VisitDetails {}

/** The parts of the request a visit's details are looked up from. */
export type VisitClient = Pick<VisitRequest, 'ip' | 'userAgent' | 'referer' | 'acceptLanguage'>;

/**
 * One visit as the page recorded it: the request's facts, not yet looked up. The lookups (user
 * agent, geoip, the visitor key's hash) are done when the batch is written, on the writer's
 * thread, so serving a page never waits for them.
 */
export interface RecordedVisit extends VisitFacts {
  client: VisitClient;
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
  /** Visits recorded by pages, or (imports, tests) already looked up. */
  visits: (RecordedVisit | VisitRow)[];
  imageViews: ImageViewRow[];
}

/** A batch with every visit looked up: what is written. */
export interface EnrichedVisitBatch extends VisitBatch {
  visits: VisitRow[];
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
