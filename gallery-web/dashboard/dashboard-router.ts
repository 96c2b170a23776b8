import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseCookies } from 'cookie';
import express, { type NextFunction, type Request, type Response } from 'express';
import { subdivisionName } from '../../core/analytics/place-names.js';
import { isTimeZone } from '../../core/analytics/time-zone.js';
import type { VisitLogFilter } from '../../core/analytics/visit-log.js';
import { csvField } from '../../core/analytics/visit-log.js';
import type { Core } from '../../core/core-app.js';
import { MaiimgError, isMaiimgError } from '../../core/errors.js';
import { DISPLAY_SIZES } from '../../core/images/image-formats.js';
import { parseExpiry, parseMaxOpens, parseOnOff } from '../../core/link-options.js';
import { errorMessage, t } from '../../core/messages.js';
import { isSlug } from '../../core/slug.js';
import type { Gallery, Locale, SettingsPatch } from '../../core/types.js';
import { localeFromAcceptLanguage } from '../locale.js';
import { addLinkRoutes, visitLinkName } from './dashboard-links.js';
import { clearSessionCookie, readSession, requireCsrf, setSessionCookie } from './dashboard-auth.js';
import { manageUrl, newManageSecret, webOwnerOf } from '../upload/manage-secret.js';
import { UploadCsrf } from '../upload/upload-csrf.js';
import {
  SETTINGS_FIELDS,
  confirmLoginPage,
  galleryDetailPage,
  galleryListPage,
  messagePage,
  newManageLinkPage,
  type Notice,
  type SettingsField,
  type ViewerZone,
} from './dashboard-pages.js';

export interface DashboardRouterDeps {
  core: Core;
  /** PUBLIC_BASE_URL: decides whether cookies are Secure and which Origin a form may come from. */
  publicBaseUrl: string;
}

const CSS_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'dashboard.css');
const SCRIPT_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'dashboard.js');
const LOG_PAGE_SIZE = 50;
/**
 * The owner's chosen time zone, written by dashboard.js (the browser's own zone by default, or
 * STATS_TIMEZONE when the owner picks it). Not a secret and not trusted: validated on every read.
 */
export const ZONE_COOKIE = 'maiimg_tz';

/**
 * The owner dashboard, mounted at `/dashboard`: magic-link login (a link a bot sent, signed and
 * expiring) that sets a session cookie for that owner; the owner's galleries; per gallery the charts,
 * the visit log with filters and CSV export, and the link controls. Every change is a POST carrying
 * the session's CSRF token. All rules stay in the core (GalleryService, Analytics).
 */
export function createDashboardRouter(deps: DashboardRouterDeps): express.Router {
  const { core, publicBaseUrl } = deps;
  const analytics = core.analytics;
  const { tokens } = analytics;
  const now = () => core.clock.now();
  const secure = publicBaseUrl.startsWith('https:');
  const router = express.Router();
  // The confirm pages' form token (a nonce cookie and its HMAC): there is no session to bind it to yet.
  const loginForms = new UploadCsrf(core.visits.secret, publicBaseUrl, secure);
  const csrfRefused = (req: Request, res: Response) =>
    void res
      .status(403)
      .type('html')
      .send(messagePage(pageLocale(req), 'dashboard.csrf.title', 'dashboard.csrf.body'));

  router.use((_req, res, next) => {
    // Per-owner pages: never cached by a browser or a proxy, never indexed.
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Robots-Tag', 'noindex, nofollow');
    next();
  });
  router.get('/assets/dashboard.css', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=86400');
    res.sendFile(CSS_FILE);
  });
  router.get('/assets/dashboard.js', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=86400');
    res.sendFile(SCRIPT_FILE);
  });
  // The session and the viewer's zone come from cookies, parsed once per request for the routes below.
  router.use((req, _res, next) => {
    req.cookies = req.headers.cookie ? parseCookies(req.headers.cookie) : {};
    next();
  });
  router.use(readSession(tokens, now));
  router.use(express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 }));

  const linkInvalid = (req: Request, res: Response) =>
    void res
      .status(401)
      .type('html')
      .send(messagePage(pageLocale(req), 'dashboard.linkInvalid.title', 'dashboard.linkInvalid.body'));

  // Opening a magic link only asks; the POST of its button logs in (login CSRF, see confirmLoginPage).
  router.get('/login', (req, res) => {
    const token = String(req.query.token ?? '');
    if (!tokens.verifyLink(token, now())) return linkInvalid(req, res);
    // (The site's `same-origin` Referrer-Policy stays: with `no-referrer` the button's POST would
    // carry `Origin: null` and be refused; the token goes to this site only.)
    res.type('html').send(
      confirmLoginPage({
        locale: pageLocale(req),
        action: '/dashboard/login',
        fields: { token, _csrf: loginForms.issue(req, res) },
      }),
    );
  });

  router.post('/login', async (req, res) => {
    if (!loginForms.sameOrigin(req) || !loginForms.check(req, bodyField(req, '_csrf'))) return csrfRefused(req, res);
    // Single use, on every instance: a link copied from the chat or a history works no second time.
    const owner = await tokens.redeemLink(bodyField(req, 'token') ?? '', now());
    if (!owner) return linkInvalid(req, res);
    setSessionCookie(res, tokens.newSession(owner, now()).cookie, secure);
    // Away from the token-bearing page, so it stays out of the history and any Referer.
    res.redirect(303, '/dashboard');
  });

  // Everything below needs a session.
  router.use((req, res, next) => {
    if (req.dashboardSession) return next();
    res
      .status(401)
      .type('html')
      .send(messagePage(pageLocale(req), 'dashboard.loginNeeded.title', 'dashboard.loginNeeded.body'));
  });

  const allowedOrigins = new Set([new URL(publicBaseUrl).origin]);
  const csrf = requireCsrf(tokens, allowedOrigins, csrfRefused);

  router.get('/', async (req, res) => {
    const session = req.dashboardSession!;
    const galleries = await core.service.listGalleries({ ...session.owner });
    res.type('html').send(
      galleryListPage({
        locale: pageLocale(req),
        galleries,
        csrf: tokens.csrfToken(session),
        zone: viewerZone(req, analytics.timeZone),
      }),
    );
  });

  router.post('/logout', csrf, async (req, res) => {
    // Revoked on the server, for every instance: a copy of the cookie opens nothing any more.
    await tokens.revoke(req.dashboardSession!, now());
    clearSessionCookie(res, secure);
    res.type('html').send(messagePage(pageLocale(req), 'dashboard.loggedOut.title', 'dashboard.loggedOut.body'));
  });

  router.get('/thumb/:slug', async (req, res) => {
    const gallery = await ownedGallery(req);
    const image = gallery?.images[0];
    if (!image) return void res.status(404).end();
    const key = await core.service.displayVersionKey(image, DISPLAY_SIZES[0]);
    const bytes = await core.blobs.get(key);
    if (!bytes) return void res.status(404).end();
    res.setHeader('Cache-Control', 'private, max-age=3600');
    res.type('image/webp').send(bytes);
  });

  router.get('/g/:slug', async (req, res) => {
    const gallery = await ownedGallery(req);
    if (!gallery) return void notFound(req, res);
    const doneField = queryField(req, 'done');
    const field: Notice['field'] | null = doneField === 'state' ? 'state' : settingsField(doneField);
    const done: Notice | null = field ? { kind: 'ok', field, text: t(pageLocale(req), 'link.updated') } : null;
    await sendGalleryPage(req, res, gallery, done);
  });

  router.get('/g/:slug/visits.csv', async (req, res) => {
    const gallery = await ownedGallery(req);
    if (!gallery) return void notFound(req, res);
    const filter = filterFrom(req);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="visits-${gallery.slug}.csv"`);
    // A BOM lets spreadsheet apps read the UTF-8 (Chinese place names) correctly.
    res.write(
      '\ufeffat_utc,kind,preview_platform,country,region,region_name,city,device_type,browser,os,referrer_host,language,ip,photos_viewed,link\r\n',
    );
    const zone = viewerZone(req, analytics.timeZone);
    const links = await core.links.linksOf(gallery, { includeDeleted: true });
    const linkLocale = pageLocale(req);
    for await (const visit of analytics.log.inZone(zone.name).all(gallery.id, filter)) {
      const line =
        [
          visit.at.toISOString(),
          visit.kind,
          visit.previewPlatform,
          visit.country,
          visit.region,
          subdivisionName(visit.country, visit.region),
          visit.city,
          visit.deviceType,
          visit.browser,
          visit.os,
          visit.referrerHost,
          visit.language,
          // As stored: masked to its network when ANONYMIZE_IP is on.
          visit.ip,
          String(visit.photosViewed),
          visitLinkName(visit.linkId, links, linkLocale),
        ]
          .map(csvField)
          .join(',') + '\r\n';
      if (!res.write(line)) await new Promise((resolve) => res.once('drain', resolve));
    }
    res.end();
  });

  addLinkRoutes(router, { core, csrf, ownedGallery, notFound });

  router.post('/g/:slug/state', csrf, async (req, res) => {
    const owner = req.dashboardSession!.owner;
    const state = bodyField(req, 'state') === 'disabled' ? 'disabled' : 'active';
    const gallery = await ownedGallery(req);
    if (!gallery) return void notFound(req, res);
    await core.service.setLinkState({ owner, ref: gallery.slug, state });
    res.redirect(303, `/dashboard/g/${gallery.slug}?done=state#link`);
  });

  router.post('/g/:slug/settings', csrf, async (req, res) => {
    const owner = req.dashboardSession!.owner;
    const gallery = await ownedGallery(req);
    if (!gallery) return void notFound(req, res);
    // Each form changes one setting, named by `field`; a "Remove" button sends `remove` instead of
    // reusing the input's name, so the two can never arrive as one ambiguous array.
    const field =
      settingsField(bodyField(req, 'field')) ?? SETTINGS_FIELDS.find((name) => bodyField(req, name) !== undefined);
    if (!field) throw new MaiimgError('INVALID_OPTION', { option: 'option.settings', reason: 'reason.unknownSetting' });
    const remove = bodyField(req, 'remove') === 'yes';
    try {
      const value = bodyField(req, field) ?? '';
      const patch: SettingsPatch = {};
      switch (field) {
        case 'title':
          patch.title = remove || value.trim() === '' ? null : value;
          break;
        case 'expires':
          patch.expiresAt = remove || value === '' ? null : parseExpiry(value, now());
          break;
        case 'maxOpens':
          patch.maxOpens = remove || value.trim() === '' ? null : parseMaxOpens(value);
          break;
        case 'password':
          // An empty field saved by mistake must not take the protection off: only "Remove" does.
          if (!remove && value === '') {
            res.status(400);
            await sendGalleryPage(req, res, gallery, {
              kind: 'error',
              field,
              text: t(pageLocale(req), 'dashboard.passwordEmpty'),
            });
            return;
          }
          patch.password = remove ? null : value;
          break;
        case 'downloads':
          patch.downloadsAllowed = parseOnOff(value, 'option.download');
          break;
        case 'alerts':
          await analytics.setAlertsEnabled({ owner, ref: gallery.slug, enabled: parseOnOff(value, 'option.alerts') });
          break;
      }
      if (Object.keys(patch).length) await core.service.updateSettings({ owner, ref: gallery.slug, patch });
    } catch (error) {
      if (!isMaiimgError(error, 'INVALID_OPTION')) throw error;
      res.status(400);
      await sendGalleryPage(req, res, gallery, {
        kind: 'error',
        field,
        text: errorMessage(pageLocale(req), error.code, error.params),
      });
      return;
    }
    // Back to the form that was used, with its confirmation next to it (not at the top of the page).
    res.redirect(303, `/dashboard/g/${gallery.slug}?done=${field}#set-${field}`);
  });

  // A web upload's manage link is its only key: a new secret replaces it, and the old one (with every
  // session it opened) stops working at once.
  router.post('/g/:slug/rotate-manage-link', csrf, async (req, res) => {
    const session = req.dashboardSession!;
    const gallery = await ownedGallery(req);
    if (!gallery || gallery.owner.platform !== 'web') return void notFound(req, res);
    const secret = newManageSecret();
    const newOwner = webOwnerOf(secret);
    if (!(await core.repository.transferOwner(gallery.slug, session.owner, newOwner))) return void notFound(req, res);
    await tokens.revoke(session, now());
    const fresh = tokens.newSession(newOwner, now());
    setSessionCookie(res, fresh.cookie, secure);
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.type('html').send(
      newManageLinkPage({
        locale: pageLocale(req),
        slug: gallery.slug,
        manageUrl: manageUrl(publicBaseUrl, gallery.slug, secret),
        csrf: tokens.csrfToken(fresh.session),
      }),
    );
  });

  router.post('/g/:slug/delete', csrf, async (req, res) => {
    const owner = req.dashboardSession!.owner;
    const gallery = await ownedGallery(req);
    if (!gallery) return void notFound(req, res);
    if (bodyField(req, 'confirm') !== 'yes') {
      res.status(400);
      await sendGalleryPage(req, res, gallery, {
        kind: 'error',
        field: 'delete',
        text: t(pageLocale(req), 'dashboard.confirmDelete'),
      });
      return;
    }
    await core.service.deleteGallery({ owner, ref: gallery.slug });
    res.redirect(303, '/dashboard');
  });

  router.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (isMaiimgError(error, 'INVALID_OPTION')) {
      res
        .status(400)
        .type('html')
        .send(messagePage(pageLocale(req), 'dashboard.badRequest.title', 'dashboard.badRequest.body'));
      return;
    }
    next(error);
  });

  /** The session owner's gallery named in the URL; null for unknown slugs and other people's galleries alike. */
  async function ownedGallery(req: Request): Promise<Gallery | null> {
    const slug = String(req.params.slug);
    if (!isSlug(slug)) return null;
    try {
      return await core.service.getOwnedGallery({ owner: { ...req.dashboardSession!.owner }, ref: slug });
    } catch (error) {
      if (isMaiimgError(error, 'GALLERY_NOT_FOUND') || isMaiimgError(error, 'NOT_OWNER')) return null;
      throw error;
    }
  }

  async function sendGalleryPage(req: Request, res: Response, gallery: Gallery, notice: Notice | null): Promise<void> {
    const locale = pageLocale(req);
    const filter = filterFrom(req);
    const page = pageFrom(req);
    const filtered = Object.values(filter).some((value) => value);
    // Days, hours and times in the owner's zone: the charts' buckets as well as the log's times.
    const zone = viewerZone(req, analytics.timeZone);
    const log = analytics.log.inZone(zone.name);
    const [allStats, logPage, alertsEnabled, qr, charts] = await Promise.all([
      analytics.galleryStats(gallery, { timeZone: zone.name }),
      log.page(gallery.id, filter, page, LOG_PAGE_SIZE),
      analytics.alertsEnabled(gallery.id),
      core.service.qrCode(gallery.slug),
      // A filter narrows the charts too, not only the log.
      filtered ? log.chartNumbers(gallery.id, filter, now()) : null,
    ]);
    const stats = charts ? { ...allStats, ...charts } : allStats;
    res.type('html').send(
      galleryDetailPage({
        locale,
        gallery,
        status: core.service.linkStatus(gallery),
        stats,
        log: logPage,
        zone,
        filter,
        alertsEnabled,
        chartsFiltered: filtered,
        filterOptions: { countries: Object.keys(allStats.countries), devices: Object.keys(allStats.devices) },
        qrCode: `data:image/svg+xml;base64,${Buffer.from(qr.svg).toString('base64')}`,
        csrf: tokens.csrfToken(req.dashboardSession!),
        notice,
      }),
    );
  }

  function notFound(req: Request, res: Response): void {
    res
      .status(404)
      .type('html')
      .send(messagePage(pageLocale(req), 'web.notFound.title', 'dashboard.notFound.body'));
  }

  return router;
}

/** The zone the owner reads the dashboard in: the one their browser reported, else STATS_TIMEZONE. */
function viewerZone(req: Request, defaultZone: string): ViewerZone {
  const chosen = (req.cookies as Record<string, unknown> | undefined)?.[ZONE_COOKIE];
  const name = typeof chosen === 'string' && isTimeZone(chosen) ? chosen : defaultZone;
  return { name, defaultZone };
}

function pageLocale(req: Request): Locale {
  return localeFromAcceptLanguage(req.headers['accept-language']);
}

function queryField(req: Request, name: string): string | undefined {
  const value = (req.query as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

function settingsField(value: string | undefined): SettingsField | null {
  return (SETTINGS_FIELDS as readonly string[]).includes(value ?? '') ? (value as SettingsField) : null;
}

function bodyField(req: Request, name: string): string | undefined {
  const value = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : undefined;
}

/** The visit log's page number: a whole number from 1 (anything else, `1e308` included, is refused). */
function pageFrom(req: Request): number {
  const value = queryField(req, 'page');
  if (value === undefined) return 1;
  if (!/^[1-9]\d{0,5}$/.test(value))
    throw new MaiimgError('INVALID_OPTION', { option: 'option.page', reason: 'reason.pageNumber' });
  return Number(value);
}

/** `YYYY-MM-DD` naming a day that exists (not `2026-99-99` or `2026-02-30`). */
function isCalendarDay(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.toISOString().slice(0, 10) === value;
}

/** The visit-log filter from the query string; anything malformed is refused rather than ignored. */
function filterFrom(req: Request): VisitLogFilter {
  const filter: VisitLogFilter = {};
  const day = (name: 'from' | 'to') => {
    const value = queryField(req, name);
    if (!value) return;
    if (!isCalendarDay(value))
      throw new MaiimgError('INVALID_OPTION', { option: `option.${name}`, reason: 'reason.dateFormat' });
    filter[name] = value;
  };
  day('from');
  day('to');
  const country = queryField(req, 'country');
  if (country) {
    if (!/^([A-Z]{2}|unknown)$/.test(country))
      throw new MaiimgError('INVALID_OPTION', { option: 'option.country', reason: 'reason.countryCode' });
    filter.country = country;
  }
  const device = queryField(req, 'device');
  if (device) {
    if (!/^[a-z]{1,20}$/.test(device))
      throw new MaiimgError('INVALID_OPTION', { option: 'option.device', reason: 'reason.deviceType' });
    filter.device = device;
  }
  const kind = queryField(req, 'kind');
  if (kind) {
    if (kind !== 'human' && kind !== 'preview' && kind !== 'bot' && kind !== 'probe')
      throw new MaiimgError('INVALID_OPTION', { option: 'option.kind', reason: 'reason.visitKind' });
    filter.kind = kind;
  }
  return filter;
}
