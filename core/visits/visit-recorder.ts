import { randomUUID } from 'node:crypto';
import type { Logger } from '../ports.js';
import type { ImageViewRow, RecordedVisit, VisitBatch, VisitRepository } from './visit-repository.js';

export interface VisitRecorderOptions {
  repository: VisitRepository;
  logger: Logger;
  /** How long a recorded visit may wait in memory before it is written. */
  flushIntervalMs?: number;
  /** Write at once when this many rows are waiting. */
  maxBuffered?: number;
}

/**
 * Buffers visits and image views in memory and writes them in batches, so recording an open costs
 * the page almost nothing. `close()` (graceful stop) writes everything still waiting. The open
 * *limit* is never buffered: it is counted in the database before the page is served
 * (GalleryRepository.tryCountOpen); only the details of the visit wait here.
 */
export class VisitRecorder {
  private readonly repository: VisitRepository;
  private readonly logger: Logger;
  private readonly flushIntervalMs: number;
  private readonly maxBuffered: number;
  private visits: VisitBatch['visits'] = [];
  private imageViews: ImageViewRow[] = [];
  /** Image views already recorded per open, so one open counts each image once. */
  private readonly seenViews = new Map<string, Set<string>>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(options: VisitRecorderOptions) {
    this.repository = options.repository;
    this.logger = options.logger;
    this.flushIntervalMs = options.flushIntervalMs ?? 1000;
    this.maxBuffered = options.maxBuffered ?? 500;
  }

  /** Rows waiting to be written. */
  get pending(): number {
    return this.visits.length + this.imageViews.length;
  }

  /** Queues a visit; returns its id. */
  recordVisit(visit: Omit<RecordedVisit, 'id'>): string {
    const row: RecordedVisit = { ...visit, id: randomUUID() };
    this.visits.push(row);
    this.scheduleFlush();
    return row.id;
  }

  /** Queues a view of one image during one open; a second view of the same image in the same open is not counted. */
  recordImageView(view: Omit<ImageViewRow, 'id'>): boolean {
    if (view.visitId) {
      let seen = this.seenViews.get(view.visitId);
      if (!seen) {
        // Bounded memory: forget the oldest opens first (Map keeps insertion order).
        if (this.seenViews.size >= 10_000) this.seenViews.delete(this.seenViews.keys().next().value!);
        seen = new Set();
        this.seenViews.set(view.visitId, seen);
      }
      if (seen.has(view.imageId)) return false;
      seen.add(view.imageId);
    }
    this.imageViews.push({ ...view, id: randomUUID() });
    this.scheduleFlush();
    return true;
  }

  /** Writes everything waiting now (flushes never overlap, so no row is written twice). */
  flush(): Promise<void> {
    const run = this.flushing.then(() => this.writePending());
    this.flushing = run.catch(() => undefined);
    return run;
  }

  /** Graceful stop: no timer left behind, everything written (retried a few times before giving up loudly). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.flush();
        if (this.pending === 0) return;
      } catch (error) {
        if (attempt >= 3) {
          this.logger.error({ err: error, lost: this.pending }, 'could not write recorded visits while stopping');
          throw error;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }

  private scheduleFlush(): void {
    if (this.pending >= this.maxBuffered) {
      void this.flush().catch(() => undefined);
      return;
    }
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush().catch(() => undefined);
    }, this.flushIntervalMs);
    // A waiting flush must not keep a process alive; close() writes what is left.
    this.timer.unref();
  }

  private async writePending(): Promise<void> {
    if (this.pending === 0) return;
    const batch: VisitBatch = { visits: this.visits, imageViews: this.imageViews };
    this.visits = [];
    this.imageViews = [];
    try {
      await this.saveDroppingDeletedGalleries(batch);
      this.logger.debug(
        { visits: batch.visits.length, imageViews: batch.imageViews.length },
        'recorded visits written',
      );
    } catch (error) {
      // Put the batch back in front of anything recorded meanwhile; saveBatch is idempotent, so a
      // batch that did commit before the error is not counted twice when retried.
      this.visits = batch.visits.concat(this.visits);
      this.imageViews = batch.imageViews.concat(this.imageViews);
      this.logger.warn({ err: error, pending: this.pending }, 'could not write recorded visits; will retry');
      if (!this.closed) this.scheduleFlush();
      throw error;
    }
  }

  private async saveDroppingDeletedGalleries(batch: VisitBatch): Promise<void> {
    try {
      await this.repository.saveBatch(batch);
    } catch (error) {
      const ids = [...new Set([...batch.visits, ...batch.imageViews].map((row) => row.galleryId))];
      const existing = await this.repository.existingGalleryIds(ids);
      if (existing.size === ids.length) throw error;
      // A gallery deleted while its visits waited: its rows have nowhere to go.
      await this.repository.saveBatch({
        visits: batch.visits.filter((row) => existing.has(row.galleryId)),
        imageViews: batch.imageViews.filter((row) => existing.has(row.galleryId)),
      });
    }
  }
}
