import type { Config } from '../config.js';
import { MaiimgError } from '../errors.js';
import type { GalleryService } from '../gallery-service.js';
import { t } from '../messages.js';
import type { Clock, GalleryRepository, Logger } from '../ports.js';
import type { LinkSummary } from '../links/links-api.js';
import type { Gallery, Locale, Owner } from '../types.js';
import { AlertMonitor } from './alert-monitor.js';
import { DashboardTokens } from './dashboard-link.js';
import { MemoryWindowCounter } from '../shared-state/memory-shared-state.js';
import type { WindowCounter } from '../shared-state/shared-state.js';
import { NotifierRegistry } from './notifier.js';
import { SqlDialect, sql, type SqlClient, type SqlProvider } from './sql-dialect.js';
import { renderStatsPng } from './stats-chart.js';
import { StatsReader, type ReadOptions } from './stats-reader.js';
import { renderStatsSummary } from './stats-summary.js';
import { VisitLog } from './visit-log.js';
import { VisitRetention } from './visit-retention.js';
import type { GalleryVisitStats, OwnerVisitStats, VisitStats } from './visit-stats.js';

export interface AnalyticsDeps {
  db: SqlClient;
  provider: SqlProvider;
  service: GalleryService;
  repository: GalleryRepository;
  clock: Clock;
  logger: Logger;
  settings: Config['analytics'];
  /** The site secret (SESSION_SECRET or the generated one): signs dashboard links and sessions. */
  secret: string;
  publicBaseUrl: string;
  defaultLocale: Locale;
  /** Writes opens still buffered in this process, so stats and alerts include them. */
  flushVisits?: () => Promise<void>;
  /**
   * The shared state's counters: used magic links and revoked sessions, seen alike by every
   * instance. Without it (tests of the core alone) they are kept in this process.
   */
  counters?: WindowCounter;
  /** A gallery's links with their opens (core/links), for "opens by link". */
  linksOf: (gallery: Gallery) => Promise<LinkSummary[]>;
}

export interface StatsInput extends ReadOptions {
  owner: Owner;
  /** A gallery link or slug; without it, all of the owner's galleries together. */
  ref?: string | null;
}

/** What the Stats command and button answer: a short text and one chart picture. */
export interface StatsReply {
  text: string;
  image: { png: Buffer; name: string };
  stats: GalleryVisitStats;
}

/**
 * Visit analytics: the one stats function every adapter and the CLI share, the chart, the owner
 * dashboard's links and log, alerts and retention. Built once per process by openCore.
 */
export class Analytics {
  readonly dialect: SqlDialect;
  readonly reader: StatsReader;
  readonly tokens: DashboardTokens;
  readonly notifiers = new NotifierRegistry();
  readonly alerts: AlertMonitor;
  readonly retention: VisitRetention;
  readonly log: VisitLog;

  constructor(private readonly deps: AnalyticsDeps) {
    const { db, clock, logger, settings } = deps;
    this.dialect = new SqlDialect(deps.provider, db);
    this.reader = new StatsReader({
      db,
      dialect: this.dialect,
      clock,
      timeZone: settings.timeZone,
      retentionDays: settings.visitRetentionDays,
    });
    this.tokens = new DashboardTokens(
      deps.secret,
      settings.dashboardLinkTtlMs,
      deps.counters ?? new MemoryWindowCounter(clock),
    );
    this.alerts = new AlertMonitor({
      db,
      dialect: this.dialect,
      clock,
      logger,
      notifiers: this.notifiers,
      uniquePerHour: settings.alertUniquePerHour,
      countriesPerDay: settings.alertCountries,
      timeZone: settings.timeZone,
      defaultLocale: deps.defaultLocale,
      beforeCheck: deps.flushVisits,
    });
    this.retention = new VisitRetention({ db, dialect: this.dialect, logger, reader: this.reader });
    this.log = new VisitLog(db, settings.timeZone);
  }

  get timeZone(): string {
    return this.deps.settings.timeZone;
  }

  /**
   * The stats of one of the owner's galleries (`ref`), or of all their galleries together.
   * This is what `maiimg stats <ref> --json` prints, the chat summary and chart, and the dashboard.
   */
  async getStats(input: StatsInput & { ref: string }): Promise<GalleryVisitStats>;
  async getStats(input: StatsInput): Promise<VisitStats>;
  async getStats(input: StatsInput): Promise<VisitStats> {
    if (input.ref)
      return this.galleryStats(await this.deps.service.getOwnedGallery({ owner: input.owner, ref: input.ref }), input);
    return this.ownerStats(input.owner, input);
  }

  /** Stats of a gallery the caller has already checked ownership of. */
  async galleryStats(gallery: Gallery, options: ReadOptions = {}): Promise<GalleryVisitStats> {
    await this.flush();
    const [{ numbers, imageViews }, links] = await Promise.all([
      this.reader.read([gallery.id], options),
      this.deps.linksOf(gallery),
    ]);
    const { service } = this.deps;
    return {
      scope: 'gallery',
      slug: gallery.slug,
      url: service.urlFor(gallery.slug),
      title: gallery.title,
      status: service.linkStatus(gallery),
      imageCount: gallery.images.length,
      createdAt: gallery.createdAt,
      ...numbers,
      imageViews: gallery.images.map((image) => ({
        position: image.position,
        name: image.originalName,
        views: imageViews.get(image.id) ?? 0,
      })),
      link: links.find((link) => link.id === gallery.link?.id) ?? links[0]!,
      links,
    };
  }

  async ownerStats(owner: Owner, options: ReadOptions = {}): Promise<OwnerVisitStats> {
    await this.flush();
    const galleries = await this.deps.repository.listByOwner(owner);
    const { numbers, imageViews } = await this.reader.read(
      galleries.map((gallery) => gallery.id),
      options,
    );
    const images = galleries.flatMap((gallery) =>
      gallery.images.map((image) => ({
        slug: gallery.slug,
        position: image.position,
        name: image.originalName,
        views: imageViews.get(image.id) ?? 0,
      })),
    );
    return {
      scope: 'owner',
      galleryCount: galleries.length,
      ...numbers,
      imageViews: images
        .filter((image) => image.views > 0)
        .sort((a, b) => b.views - a.views)
        .slice(0, 25),
    };
  }

  /** The Stats command's answer: summary text and the chart PNG, in the owner's language. */
  async statsReply(input: { owner: Owner; ref: string; locale: Locale }): Promise<StatsReply> {
    const stats = await this.getStats({ owner: input.owner, ref: input.ref });
    const heading = stats.title ?? t(input.locale, 'untitled');
    const png = await renderStatsPng(stats, input.locale, heading);
    return { text: renderStatsSummary(stats, input.locale), image: { png, name: `stats-${stats.slug}.png` }, stats };
  }

  /** A signed magic link that logs the owner in to the dashboard (valid DASHBOARD_LINK_TTL). */
  dashboardLink(owner: Pick<Owner, 'platform' | 'userId'>): { url: string; expiresAt: Date; minutes: number } {
    const { token, expiresAt } = this.tokens.linkToken(owner, this.deps.clock.now());
    return {
      url: `${this.deps.publicBaseUrl}/dashboard/login?token=${encodeURIComponent(token)}`,
      expiresAt,
      minutes: Math.round(this.deps.settings.dashboardLinkTtlMs / 60_000),
    };
  }

  /** Whether the owner is told about a gallery's first open (on by default). */
  async alertsEnabled(galleryId: string): Promise<boolean> {
    const rows = await this.deps.db.$queryRaw<Array<{ enabled: unknown }>>(
      sql`SELECT alerts_enabled AS enabled FROM galleries WHERE id = ${galleryId}`,
    );
    if (!rows[0]) throw new MaiimgError('GALLERY_NOT_FOUND');
    return rows[0].enabled === true || rows[0].enabled === 1 || rows[0].enabled === 1n;
  }

  /** Switches the first-open alert of one of the owner's galleries on or off. */
  async setAlertsEnabled(input: { owner: Owner; ref: string; enabled: boolean }): Promise<void> {
    const gallery = await this.deps.service.getOwnedGallery({ owner: input.owner, ref: input.ref });
    await this.deps.db.$executeRaw(
      sql`UPDATE galleries SET alerts_enabled = ${input.enabled} WHERE id = ${gallery.id}`,
    );
    // A first open that happened while alerts were off is old news: switching them back on must
    // not announce it as "just opened".
    if (input.enabled) {
      await this.deps.db.$executeRaw(
        sql`UPDATE galleries SET first_open_alerted = ${true} WHERE id = ${gallery.id} AND open_count > 0`,
      );
    }
  }

  /** Starts the alert checks and the daily retention job (both stop with `stop()`). */
  start(options: { alertIntervalMs?: number; retentionDelayMs?: number } = {}): void {
    this.alerts.start(options.alertIntervalMs);
    this.retention.start(options.retentionDelayMs);
  }

  async stop(): Promise<void> {
    this.retention.stop();
    await this.alerts.stop();
  }

  private async flush(): Promise<void> {
    await this.deps.flushVisits?.().catch(() => undefined);
  }
}
