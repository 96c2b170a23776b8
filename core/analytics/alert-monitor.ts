import { encodeButton, type ChatButton } from '../chat/chat-commands.js';
import { linkPhrase, type NamedLink } from '../links/link-names.js';
import { t } from '../messages.js';
import type { Clock, Logger } from '../ports.js';
import type { Locale, Owner, Platform } from '../types.js';
import type { AlertKind, NotifierRegistry, OwnerAlert } from './notifier.js';
import { SqlDialect, join, sql, toDate, toNumber, type Sql, type SqlClient } from './sql-dialect.js';
import { countryName, deviceName } from './stats-chart.js';

export interface AlertMonitorDeps {
  db: SqlClient;
  dialect: SqlDialect;
  clock: Clock;
  logger: Logger;
  notifiers: NotifierRegistry;
  /** ALERT_UNIQUE_PER_HOUR: more unique visitors than this within an hour is unusual. */
  uniquePerHour: number;
  /** ALERT_COUNTRIES: opens from more countries than this within a day is unusual. */
  countriesPerDay: number;
  timeZone: string;
  defaultLocale: Locale;
  /** Writes opens still buffered in this process before looking (the visit recorder's flush). */
  beforeCheck?: () => Promise<void>;
}

type Row = Record<string, unknown>;

interface GalleryRow {
  id: string;
  slug: string;
  title: string | null;
  owner: Owner;
  locale: Locale;
}

/**
 * Watches recorded visits and tells owners, through their bot's Notifier:
 * - the first human open of a gallery (time, place, device), unless switched off for that gallery;
 * - unusual spread: more unique visitors in the last hour than ALERT_UNIQUE_PER_HOUR, or opens from
 *   more countries in the last day than ALERT_COUNTRIES, with a one-tap Disable button.
 *
 * It reads the database rather than listening to the web process, so it works when the web site and
 * the bots run in separate processes (ROLE=web / ROLE=bots). Each alert is claimed with one atomic
 * database write before it is sent, so it goes out once even with several bot processes, and never
 * again for the same condition. A failed delivery releases the claim so the next check retries.
 */
export class AlertMonitor {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly deps: AlertMonitorDeps) {}

  /** Checks every `intervalMs` (the timer does not keep the process alive). */
  start(intervalMs = 15_000): void {
    if (this.timer) return;
    this.timer = setInterval(
      () => void this.check().catch((error: unknown) => this.deps.logger.warn({ err: error }, 'alert check failed')),
      intervalMs,
    );
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** One pass over the galleries that could need an alert; returns the alerts sent. Checks never overlap. */
  async check(): Promise<OwnerAlert[]> {
    while (this.running) await this.running.catch(() => undefined);
    let sent: OwnerAlert[] = [];
    this.running = (async () => {
      sent = await this.checkOnce();
    })();
    try {
      await this.running;
    } finally {
      this.running = undefined;
    }
    return sent;
  }

  private async checkOnce(): Promise<OwnerAlert[]> {
    const platforms = this.deps.notifiers.platforms();
    if (platforms.length === 0) return [];
    await this.deps.beforeCheck?.().catch(() => undefined);
    await this.deps.dialect.prepare();
    const sent: OwnerAlert[] = [];
    for (const alert of [...(await this.firstOpenAlerts(platforms)), ...(await this.spreadAlerts(platforms))]) {
      if (await this.deliver(alert)) sent.push(alert.alert);
    }
    return sent;
  }

  private async firstOpenAlerts(platforms: Platform[]): Promise<PendingAlert[]> {
    const { db } = this.deps;
    const rows = await db.$queryRaw<Row[]>(sql`
      SELECT id, slug, title, owner_platform, owner_user_id, owner_chat_id, locale FROM galleries
      WHERE alerts_enabled = ${true} AND first_open_alerted = ${false} AND open_count > 0
        AND owner_platform IN (${join(platforms)})`);
    const pending: PendingAlert[] = [];
    for (const gallery of rows.map((row) => this.galleryFrom(row))) {
      const [first] = await db.$queryRaw<Row[]>(sql`
        SELECT at, country, region, city, device_type, browser, os, link_id FROM visits
        WHERE gallery_id = ${gallery.id} AND kind = 'human' ORDER BY at ASC LIMIT 1`);
      // Counted but not written yet (another process's buffer): look again next time.
      if (!first) continue;
      const { locale } = gallery;
      const place = [first.city, first.region].filter(Boolean).map(String);
      if (first.country) place.push(countryName(String(first.country), locale));
      const device = [first.device_type ? deviceName(String(first.device_type), locale) : null, first.browser, first.os]
        .filter(Boolean)
        .map(String);
      const text = t(locale, 'analytics.alert.firstOpen', {
        title: this.titleOf(gallery),
        time: this.formatTime(toDate(first.at)!, locale),
        place: place.join(', ') || t(locale, 'analytics.unknown'),
        device: device.join(' · ') || t(locale, 'analytics.unknown'),
      });
      const via = await this.linkOf(gallery, (first.link_id as string | null) ?? gallery.id, locale);
      pending.push({
        alert: {
          kind: 'first-open',
          owner: gallery.owner,
          locale,
          slug: gallery.slug,
          text: via ? `${text}\n${t(locale, 'analytics.alert.via', { link: via })}` : text,
          // Disable too: a first open the owner did not expect is exactly when they want the link off.
          buttons: [
            button('stats', gallery.slug, t(locale, 'button.stats'), 'primary'),
            button('disable', gallery.slug, t(locale, 'button.disable'), 'danger'),
          ],
        },
        claim: () =>
          db.$executeRaw(
            sql`UPDATE galleries SET first_open_alerted = ${true} WHERE id = ${gallery.id} AND first_open_alerted = ${false}`,
          ),
        release: () => db.$executeRaw(sql`UPDATE galleries SET first_open_alerted = ${false} WHERE id = ${gallery.id}`),
      });
    }
    return pending;
  }

  /** The gallery's title as the owner's platform shows it (escaped for its markup), or "Untitled". */
  private titleOf(gallery: GalleryRow): string {
    if (!gallery.title) return t(gallery.locale, 'untitled');
    return this.escapedFor(gallery, gallery.title);
  }

  /** Text people typed (a title, a link's label or chat name), escaped for the owner's platform's markup. */
  private escapedFor(gallery: GalleryRow, text: string): string {
    const notifier = this.deps.notifiers.get(gallery.owner.platform);
    return notifier?.escapeText ? notifier.escapeText(text) : text;
  }

  private async spreadAlerts(platforms: Platform[]): Promise<PendingAlert[]> {
    const { db, clock } = this.deps;
    const now = clock.now().getTime();
    const hourAgo = new Date(now - 3_600_000);
    const dayAgo = new Date(now - 86_400_000);
    const days = [new Date(dayAgo).toISOString().slice(0, 10), new Date(now).toISOString().slice(0, 10)];
    // Only galleries opened today or yesterday (UTC) can qualify; the daily counts find them cheaply.
    const rows = await db.$queryRaw<Row[]>(sql`
      SELECT g.id, g.slug, g.title, g.owner_platform, g.owner_user_id, g.owner_chat_id, g.locale FROM galleries g
      WHERE g.owner_platform IN (${join(platforms)})
        AND g.id IN (SELECT d.gallery_id FROM visit_daily d WHERE d.kind = 'human' AND d.day IN (${join(days)}))`);
    const pending: PendingAlert[] = [];
    for (const gallery of rows.map((row) => this.galleryFrom(row))) {
      const [recent] = await db.$queryRaw<Row[]>(sql`
        SELECT COUNT(DISTINCT visitor_key) AS visitors FROM visits
        WHERE gallery_id = ${gallery.id} AND kind = 'human' AND at >= ${hourAgo}`);
      const visitors = toNumber(recent?.visitors);
      const { locale } = gallery;
      const title = this.titleOf(gallery);
      const disable = [button('disable', gallery.slug, t(locale, 'button.disable'), 'danger')];
      if (visitors > this.deps.uniquePerHour) {
        const text = t(locale, 'analytics.alert.uniqueVisitors', {
          title,
          count: visitors,
          limit: this.deps.uniquePerHour,
        });
        const via = await this.mostUsedLink(gallery, sql`COUNT(DISTINCT visitor_key)`, sql`at >= ${hourAgo}`, locale);
        pending.push(this.spread(gallery, 'unique-visitors', withVia(text, via, locale), disable));
      }
      const countries = await db.$queryRaw<Row[]>(sql`
        SELECT DISTINCT country FROM visits
        WHERE gallery_id = ${gallery.id} AND kind = 'human' AND at >= ${dayAgo} AND country IS NOT NULL`);
      if (countries.length > this.deps.countriesPerDay) {
        const names = countries.map((row) => countryName(String(row.country), locale)).sort();
        const text = t(locale, 'analytics.alert.countries', {
          title,
          count: countries.length,
          countries: names.join(', '),
          limit: this.deps.countriesPerDay,
        });
        const via = await this.mostUsedLink(
          gallery,
          sql`COUNT(DISTINCT country)`,
          sql`at >= ${dayAgo} AND country IS NOT NULL`,
          locale,
        );
        pending.push(this.spread(gallery, 'countries', withVia(text, via, locale), disable));
      }
    }
    return pending;
  }

  /**
   * A spread alert, claimed by a marker row in the daily counts table (gallery, day `alert`, kind
   * `alert:<condition>`): its primary key makes the claim atomic across processes, it lives and dies
   * with the gallery, and retention keeps daily rows. Stats only ever read the kinds human/preview/bot.
   */
  private spread(gallery: GalleryRow, kind: AlertKind, text: string, buttons: ChatButton[]): PendingAlert {
    const { db } = this.deps;
    const marker = `alert:${kind}`;
    return {
      alert: { kind, owner: gallery.owner, locale: gallery.locale, slug: gallery.slug, text, buttons },
      claim: () =>
        db.$executeRaw(
          sql`INSERT INTO visit_daily (gallery_id, day, kind, count) VALUES (${gallery.id}, 'alert', ${marker}, 1) ON CONFLICT DO NOTHING`,
        ),
      release: () =>
        db.$executeRaw(
          sql`DELETE FROM visit_daily WHERE gallery_id = ${gallery.id} AND day = 'alert' AND kind = ${marker}`,
        ),
    };
  }

  /**
   * How the alert names the link a visit came through ("the link shared in #design"), or null for a
   * gallery that was never shared (it has one link: naming it would tell the owner nothing).
   */
  private async linkOf(gallery: GalleryRow, linkId: string, locale: Locale): Promise<string | null> {
    const links = await this.deps.db.$queryRaw<Row[]>(sql`
      SELECT id, slug, "first" AS is_first, label, chat_name, platform FROM gallery_links WHERE gallery_id = ${gallery.id}`);
    if (links.length < 2) return null;
    const row = links.find((link) => String(link.id) === linkId);
    if (!row) return null;
    const link: NamedLink = {
      slug: String(row.slug),
      first: row.is_first === true || row.is_first === 1 || row.is_first === 1n,
      label: row.label == null ? null : this.escapedFor(gallery, String(row.label)),
      chatName: row.chat_name == null ? null : this.escapedFor(gallery, String(row.chat_name)),
      platform: (row.platform as string | null) ?? null,
    };
    return linkPhrase(link, locale);
  }

  /** The link that brought the most of something (`measure` over the human visits matching `where`). */
  private async mostUsedLink(gallery: GalleryRow, measure: Sql, where: Sql, locale: Locale): Promise<string | null> {
    const [top] = await this.deps.db.$queryRaw<Row[]>(sql`
      SELECT COALESCE(link_id, gallery_id) AS link, ${measure} AS n FROM visits
      WHERE gallery_id = ${gallery.id} AND kind = 'human' AND ${where}
      GROUP BY COALESCE(link_id, gallery_id) ORDER BY n DESC, link ASC LIMIT 1`);
    return top ? this.linkOf(gallery, String(top.link), locale) : null;
  }

  private async deliver(pending: PendingAlert): Promise<boolean> {
    const notifier = this.deps.notifiers.get(pending.alert.owner.platform);
    if (!notifier) return false;
    if ((await pending.claim()) !== 1) return false;
    try {
      await notifier.notify(pending.alert);
      this.deps.logger.info(
        { slug: pending.alert.slug, kind: pending.alert.kind, platform: pending.alert.owner.platform },
        'owner alerted',
      );
      return true;
    } catch (error) {
      this.deps.logger.warn(
        { err: error, slug: pending.alert.slug, kind: pending.alert.kind },
        'alert not delivered; will retry',
      );
      await pending.release();
      return false;
    }
  }

  private galleryFrom(row: Row): GalleryRow {
    const locale = row.locale === 'zh-CN' || row.locale === 'en' ? row.locale : this.deps.defaultLocale;
    return {
      id: String(row.id),
      slug: String(row.slug),
      title: (row.title as string | null) ?? null,
      owner: {
        platform: String(row.owner_platform) as Platform,
        userId: String(row.owner_user_id),
        chatId: (row.owner_chat_id as string | null) ?? null,
      },
      locale,
    };
  }

  private formatTime(at: Date, locale: Locale): string {
    return (
      new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: this.deps.timeZone }).format(
        at,
      ) + ` (${this.deps.timeZone})`
    );
  }
}

interface PendingAlert {
  alert: OwnerAlert;
  /** Atomically marks the alert as sent; resolves to 1 when this process won the claim. */
  claim(): PromiseLike<number>;
  release(): PromiseLike<number>;
}

function withVia(text: string, via: string | null, locale: Locale): string {
  return via ? `${text}\n${t(locale, 'analytics.alert.mostVia', { link: via })}` : text;
}

function button(action: 'stats' | 'disable', slug: string, label: string, style: ChatButton['style']): ChatButton {
  return { action, slug, label, style, data: encodeButton(action, slug) };
}
