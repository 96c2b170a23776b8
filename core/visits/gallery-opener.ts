import type { Clock, GalleryRepository } from '../ports.js';
import type { Gallery, GalleryImage } from '../types.js';
import { classifyVisit, type VisitClass } from './visit-classifier.js';
import type { VisitRecorder } from './visit-recorder.js';
import type { VisitRequest } from './visit-request.js';

export interface GalleryOpenerDeps {
  repository: GalleryRepository;
  recorder: VisitRecorder;
  clock: Clock;
}

/** What happened when a gallery page was requested. */
export type OpenResult =
  /** A human open, counted against the limit and recorded; `visitId` ties image views to it. */
  | { outcome: 'opened'; visitId: string }
  /** A human, but the open limit was already used up: the page must not be shown. */
  | { outcome: 'limit-reached' }
  | { outcome: 'preview'; platform: string }
  | { outcome: 'bot' }
  /** HEAD, prefetch or range request: recorded as a probe, never counted. */
  | { outcome: 'probe' };

/**
 * The open use case: decides what a request for a gallery page is, counts human opens against the
 * limit in one database step, and records the visit. The caller has already checked the link's
 * state (disabled, expired) and the password.
 */
export class GalleryOpener {
  constructor(private readonly deps: GalleryOpenerDeps) {}

  classify(request: VisitRequest): VisitClass {
    return classifyVisit(request);
  }

  async open(gallery: Gallery, request: VisitRequest): Promise<OpenResult> {
    const visit = classifyVisit(request);
    if (visit.kind !== 'human') return this.record(gallery, request, visit, false);
    // A limited link's open is counted in the database before the page is served: that one step
    // keeps the limit exact across processes. Without a limit nothing can be refused, so the open
    // is counted when the buffered visit is written, and the page costs no database write.
    // (Opens served in the instant before someone sets a limit are counted towards it once written.)
    if (gallery.settings.maxOpens == null) return this.record(gallery, request, visit, true);
    if (!(await this.deps.repository.tryCountOpen(gallery.slug))) return { outcome: 'limit-reached' };
    return this.record(gallery, request, visit, false);
  }

  /**
   * Records a preview, bot or probe request for a page that people cannot see yet (the password form):
   * chat apps unfurl protected links too. A human request is not recorded here: it is counted once
   * the visitor is let in.
   */
  async recordNonHuman(gallery: Gallery, request: VisitRequest): Promise<void> {
    const visit = classifyVisit(request);
    if (visit.kind !== 'human') this.record(gallery, request, visit, false);
  }

  private record(gallery: Gallery, request: VisitRequest, visit: VisitClass, countsOpen: boolean): OpenResult {
    // Device, place and visitor key are looked up when the visit is written (see VisitWriter).
    const visitId = this.deps.recorder.recordVisit({
      galleryId: gallery.id,
      at: this.deps.clock.now(),
      kind: visit.kind,
      previewPlatform: visit.kind === 'preview' ? visit.platform : null,
      linkId: gallery.link?.id ?? null,
      countsOpen,
      client: {
        ip: request.ip,
        userAgent: request.userAgent,
        referer: request.referer,
        acceptLanguage: request.acceptLanguage,
      },
    });
    if (visit.kind === 'human') return { outcome: 'opened', visitId };
    if (visit.kind === 'preview') return { outcome: 'preview', platform: visit.platform };
    if (visit.kind === 'probe') return { outcome: 'probe' };
    return { outcome: 'bot' };
  }

  /** One image seen during one open; counted once per open. Returns false when it was already counted. */
  viewImage(gallery: Gallery, image: GalleryImage, visitId: string | null): boolean {
    return this.deps.recorder.recordImageView({
      galleryId: gallery.id,
      imageId: image.id,
      visitId,
      at: this.deps.clock.now(),
    });
  }
}
