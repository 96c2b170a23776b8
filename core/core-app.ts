import path from 'node:path';
import { Analytics, type StatsReply } from './analytics/analytics.js';
import { renderStatsSummary } from './analytics/stats-summary.js';
import type { GalleryVisitStats } from './analytics/visit-stats.js';
import type { Config } from './config.js';
import { applyMigrations } from './db/migrator.js';
import { createPrismaClient } from './db/prisma-client-factory.js';
import { PrismaGalleryRepository } from './db/prisma-gallery-repository.js';
import { GalleryReadCache } from './gallery-read-cache.js';
import { GalleryService } from './gallery-service.js';
import { ImageWorkQueue } from './images/image-work-queue.js';
import { LinkService } from './links/link-service.js';
import type { LinksApi } from './links/links-api.js';
import { PrismaLinkRepository } from './links/prisma-link-repository.js';
import { createLogger } from './logger.js';
import type { CoreMetrics } from './metrics/core-metrics.js';
import { systemClock, type BlobStore, type Clock, type Logger } from './ports.js';
import { openSharedState } from './shared-state/shared-state-factory.js';
import type { SharedState } from './shared-state/shared-state.js';
import type { VisitStatsSource } from './stats/gallery-stats.js';
import { createBlobStore } from './storage/blob-store-factory.js';
import type { Locale, Owner } from './types.js';
import { GalleryOpener } from './visits/gallery-opener.js';
import { PrismaVisitRepository } from './visits/prisma-visit-repository.js';
import { resolveSiteSecret } from './visits/site-secret.js';
import { VisitRecorder } from './visits/visit-recorder.js';
import { ThreadedVisitWriter } from './visits/visit-writer-thread.js';
import type { VisitRepository } from './visits/visit-repository.js';

/** Visit recording, shared by the web site (which records opens) and every adapter (which reads stats). */
export interface CoreVisits {
  opener: GalleryOpener;
  recorder: VisitRecorder;
  repository: VisitRepository;
  /** Signs the web's cookies and salts visitor keys (SESSION_SECRET, or generated once under DATA_DIR). */
  secret: string;
}

/** The core, assembled once per process from the configuration (the composition root of core/). */
export interface Core {
  config: Config;
  logger: Logger;
  clock: Clock;
  service: GalleryService;
  /** The galleries; `findBySlugCached` serves visitors' pages from a copy at most GALLERY_CACHE_MS old. */
  repository: GalleryReadCache;
  blobs: BlobStore;
  visits: CoreVisits;
  /** State every instance must share (password attempts, chat batch windows): memory, database or Redis. */
  shared: SharedState;
  /** Prometheus metrics of this process (served at /metrics by the web adapter); absent when opened without. */
  metrics?: CoreMetrics;
  /** A gallery's links: sharing into chats (a new link per share), listing, switching one link or the gallery. */
  links: LinksApi;
  /** Visit analytics: stats, charts, dashboard links, alerts (register bots' notifiers here), retention. */
  analytics: Analytics;
  /** Stats for one of the owner's galleries: what `maiimg stats <ref> --json` prints. */
  stats(input: { owner: Owner; ref: string }): Promise<GalleryVisitStats>;
  /** The Stats command's answer: summary text plus the chart PNG. */
  statsReply(input: { owner: Owner; ref: string; locale: Locale }): Promise<StatsReply>;
  /** A signed, expiring magic link to the owner dashboard. */
  dashboardLink(owner: Owner): { url: string; expiresAt: Date; minutes: number };
  renderStatsText(stats: GalleryVisitStats, locale: Locale): string;
  /** Readiness: database, store and shared state reachable. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenCoreOptions {
  logger?: Logger;
  logLevel?: string;
  clock?: Clock;
  /** Override the store (tests inject one that fails on purpose). */
  blobs?: BlobStore;
  /** How long recorded visits may wait in memory before being written (default 1 s). */
  visitFlushIntervalMs?: number;
  /** Run the alert checks and the retention job in the background (default true). */
  analyticsJobs?: boolean;
  /** Collect Node's process metrics (default true; tests that open many cores turn it off). */
  processMetrics?: boolean;
  /**
   * Keep Prometheus metrics (default true). A CLI command turns them off: nothing scrapes a process
   * that lives a second, and prom-client is a noticeable part of its start.
   */
  metrics?: boolean;
}

/** Applies pending migrations, then connects the database and the store. */
export async function openCore(config: Config, options: OpenCoreOptions = {}): Promise<Core> {
  const logger = options.logger ?? createLogger(options.logLevel ?? config.logLevel);
  const clock = options.clock ?? systemClock;
  await applyMigrations(config.database, logger);
  const prisma = await createPrismaClient(config.database);
  const repository = new GalleryReadCache(new PrismaGalleryRepository(prisma), { ttlMs: config.web.galleryCacheMs });
  const blobs = options.blobs ?? (await createBlobStore(config.storage));
  const secret = resolveSiteSecret(config.web.sessionSecret, config.dataDir);
  const visitWriter = new ThreadedVisitWriter(config.database, logger, options.logLevel ?? config.logLevel, {
    anonymizeIp: config.web.anonymizeIp,
    secret,
  });
  const visitRepository = new PrismaVisitRepository(prisma, visitWriter);
  const recorder = new VisitRecorder({
    repository: visitRepository,
    logger,
    flushIntervalMs: options.visitFlushIntervalMs,
  });
  const opener = new GalleryOpener({ repository, recorder, clock });
  const shared = await openSharedState(config.sharedState, { db: prisma, clock, logger });
  // Stats include opens still waiting in this process's buffer: write them first.
  const visits: VisitStatsSource = {
    async summarize(galleryId) {
      await recorder.flush().catch(() => undefined);
      return visitRepository.summarize(galleryId);
    },
    async lastOpenAt(ids) {
      await recorder.flush().catch(() => undefined);
      return visitRepository.lastOpenAt(ids);
    },
  };
  const service = new GalleryService({
    repository,
    blobs,
    clock,
    logger,
    limits: config.limits,
    publicBaseUrl: config.publicBaseUrl,
    imageQueue: new ImageWorkQueue(config.imageConcurrency),
    lastOpenAt: (ids) => visits.lastOpenAt(ids),
    flushVisits: () => recorder.flush(),
    workDir: path.join(config.dataDir, 'tmp', 'images'),
  });

  const links = new LinkService({
    links: new PrismaLinkRepository(prisma),
    repository,
    service,
    clock,
    logger,
    flushVisits: () => recorder.flush(),
  });

  const analytics = new Analytics({
    db: prisma,
    provider: config.database.provider,
    service,
    repository,
    clock,
    logger,
    settings: config.analytics,
    secret,
    publicBaseUrl: config.publicBaseUrl,
    defaultLocale: config.defaultLocale,
    flushVisits: () => recorder.flush(),
    counters: shared.counters,
    linksOf: (gallery) => links.linksOf(gallery, { includeDeleted: true }),
  });
  const metrics = options.metrics === false ? undefined : await import('./metrics/core-metrics.js');
  const coreMetrics = metrics
    ? new metrics.CoreMetrics(
        {
          role: config.role,
          database: config.database.provider,
          sharedState: shared.driver,
          storage: config.storage.driver,
        },
        { processMetrics: options.processMetrics },
      )
    : undefined;
  if (metrics && coreMetrics) {
    metrics.observeVisits(recorder, opener, coreMetrics);
    metrics.observeBatches(service, coreMetrics);
  }
  if (options.analyticsJobs !== false) analytics.start();

  return {
    config,
    logger,
    clock,
    service,
    repository,
    blobs,
    visits: { opener, recorder, repository: visitRepository, secret },
    shared,
    metrics: coreMetrics,
    links,
    analytics,
    stats: ({ owner, ref }) => analytics.getStats({ owner, ref }),
    statsReply: (input) => analytics.statsReply(input),
    dashboardLink: (owner) => analytics.dashboardLink(owner),
    renderStatsText: renderStatsSummary,
    async ping() {
      await Promise.all([repository.ping(), blobs.ping(), shared.ping()]);
    },
    async close() {
      await analytics.stop();
      // Normally already done by the web app's close(); this catches opens that finished after it.
      await recorder.close().catch((error: unknown) => logger.error({ err: error }, 'recorded visits were lost'));
      // Before the database goes: a pending removal checks that no gallery uses the object again.
      await service.close();
      await shared
        .close()
        .catch((error: unknown) => logger.warn({ err: error }, 'could not close the shared state cleanly'));
      await visitWriter
        .close()
        .catch((error: unknown) => logger.warn({ err: error }, 'could not close the visit writer cleanly'));
      await prisma.$disconnect();
      blobs.close?.();
    },
  };
}
