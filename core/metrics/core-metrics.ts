import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { isMaiimgError } from '../errors.js';
import type { GalleryService } from '../gallery-service.js';
import type { GalleryOpener } from '../visits/gallery-opener.js';
import type { VisitRecorder } from '../visits/visit-recorder.js';

/**
 * The process's Prometheus metrics, in a registry of its own (no global state: tests open several
 * cores in one process). The web adapter adds request durations and serves `/metrics`.
 */
export class CoreMetrics {
  readonly registry = new Registry();
  readonly batches: Counter<'outcome'>;
  readonly batchDuration: Histogram;
  readonly imagesAccepted: Counter<'format'>;
  readonly imagesRejected: Counter<'code'>;
  readonly visits: Counter<'kind'>;
  readonly previews: Counter<'platform'>;
  readonly opensRefused: Counter;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;

  constructor(
    labels: { role: string; database: string; sharedState: string; storage: string },
    options: { processMetrics?: boolean } = {},
  ) {
    const registers = [this.registry];
    new Gauge({
      name: 'maiimg_info',
      help: 'What this process runs and uses (always 1).',
      labelNames: ['role', 'database', 'shared_state', 'storage'],
      registers,
    }).set(
      { role: labels.role, database: labels.database, shared_state: labels.sharedState, storage: labels.storage },
      1,
    );
    this.batches = new Counter({
      name: 'maiimg_batches_total',
      help: 'Batches of images processed, by outcome (gallery, no_valid_files, refused, failed).',
      labelNames: ['outcome'],
      registers,
    });
    this.batchDuration = new Histogram({
      name: 'maiimg_batch_duration_seconds',
      help: 'Time from a batch reaching the core to its gallery being saved (or refused).',
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    });
    this.imagesAccepted = new Counter({
      name: 'maiimg_images_accepted_total',
      help: 'Images stored in a gallery, by format.',
      labelNames: ['format'],
      registers,
    });
    this.imagesRejected = new Counter({
      name: 'maiimg_images_rejected_total',
      help: 'Images refused, by error code.',
      labelNames: ['code'],
      registers,
    });
    this.visits = new Counter({
      name: 'maiimg_visits_total',
      help: 'Gallery page requests recorded, by kind: human (an open), preview (a chat app unfurling the link), bot, probe (HEAD, prefetch or Range).',
      labelNames: ['kind'],
      registers,
    });
    this.previews = new Counter({
      name: 'maiimg_previews_total',
      help: 'Link previews recorded, by chat platform.',
      labelNames: ['platform'],
      registers,
    });
    this.opensRefused = new Counter({
      name: 'maiimg_opens_refused_total',
      help: 'Human opens refused by the atomic open count (races for the last opens of a limited gallery). Pages of galleries already used up are refused before that: see the 410s in maiimg_http_request_duration_seconds.',
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'maiimg_http_request_duration_seconds',
      help: 'Web request durations, by method, route pattern and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** A gauge read at scrape time, e.g. visits waiting in the recorder's buffer. */
  gauge(name: string, help: string, read: () => number): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }

  /** The text exposition format Prometheus scrapes. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

// The counters are attached around the use cases rather than inside them, so the domain code
// stays free of metrics and the same wiring serves every adapter (bots, CLI, web upload).

/** Counts batches, their duration and the fate of every image. */
export function observeBatches(service: GalleryService, metrics: CoreMetrics): void {
  const createGallery = service.createGallery.bind(service);
  service.createGallery = async (input) => {
    const stopTimer = metrics.batchDuration.startTimer();
    try {
      const outcome = await createGallery(input);
      metrics.batches.inc({ outcome: outcome.gallery ? 'gallery' : 'no_valid_files' });
      for (const file of outcome.accepted) metrics.imagesAccepted.inc({ format: file.format });
      for (const file of outcome.rejected) metrics.imagesRejected.inc({ code: file.code });
      return outcome;
    } catch (error) {
      const refused =
        isMaiimgError(error, 'TOO_MANY_FILES') ||
        isMaiimgError(error, 'EMPTY_BATCH') ||
        isMaiimgError(error, 'INVALID_OPTION');
      metrics.batches.inc({ outcome: refused ? 'refused' : 'failed' });
      throw error;
    } finally {
      stopTimer();
    }
  };
}

/** Counts recorded visits by kind and preview platform, and opens refused at the limit. */
export function observeVisits(recorder: VisitRecorder, opener: GalleryOpener, metrics: CoreMetrics): void {
  const recordVisit = recorder.recordVisit.bind(recorder);
  recorder.recordVisit = (visit) => {
    const id = recordVisit(visit);
    metrics.visits.inc({ kind: visit.kind });
    if (visit.kind === 'preview') metrics.previews.inc({ platform: visit.previewPlatform ?? 'unknown' });
    return id;
  };
  const open = opener.open.bind(opener);
  opener.open = async (gallery, request) => {
    const result = await open(gallery, request);
    if (result.outcome === 'limit-reached') metrics.opensRefused.inc();
    return result;
  };
  metrics.gauge(
    'maiimg_visits_buffered',
    'Recorded visits and image views waiting in memory to be written.',
    () => recorder.pending,
  );
}
