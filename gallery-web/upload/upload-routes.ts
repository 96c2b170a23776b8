import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import express, { type Request, type Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { Config } from '../../core/config.js';
import type { Core } from '../../core/core-app.js';
import { isMaiimgError, type ErrorCode } from '../../core/errors.js';
import { parseExpiry, parseMaxOpens, parseOnOff } from '../../core/link-options.js';
import { errorMessage, t, type MessageKey } from '../../core/messages.js';
import { isSlug } from '../../core/slug.js';
import { removeStaleFolders } from '../../core/storage/stale-folders.js';
import type { GalleryOptions, IncomingFile, Locale, RejectedFile } from '../../core/types.js';
import { setSessionCookie } from '../dashboard/dashboard-auth.js';
import { confirmLoginPage } from '../dashboard/dashboard-pages.js';
import { SharedRateLimitStore } from '../shared-rate-limit-store.js';
import { localeFromAcceptLanguage } from '../locale.js';
import { homePage, noticePage } from '../pages.js';
import { isManageSecret, manageUrl, newManageSecret, secretOwns, webOwnerOf } from './manage-secret.js';
import { receiveBatch, type SpooledFile } from './multipart-batch.js';
import { CSRF_FIELD, CSRF_HEADER, UploadCsrf } from './upload-csrf.js';
import { uploadPage, uploadResultPage, type UploadResult } from './upload-pages.js';
import { UploadRefusal, type UploadTransportCode } from './upload-refusal.js';
import { BUSY_RETRY_AFTER_S, UploadBudget, UploadQuota } from './upload-admission.js';

export interface UploadRoutesDeps {
  core: Core;
  config: Config;
}

/**
 * After refusing an upload whose body was not read to its end, the connection cannot carry another
 * request. Closing it at once would reset it while the client still sends, and a reset can make the
 * client drop the answer it has not read yet; so the write side is ended first and the socket is
 * destroyed a moment later, without reading the rest.
 */
const LINGER_MS = 2000;
/** Spool folders older than this are left over from a crash: removed when the routes are created. */
const STALE_SPOOL_MS = 24 * 60 * 60 * 1000;

const TRANSPORT_MESSAGES: Record<UploadTransportCode, MessageKey> = {
  CSRF_FAILED: 'upload.error.csrf',
  RATE_LIMITED: 'upload.error.rateLimited',
  QUOTA_EXCEEDED: 'upload.error.quota',
  SERVER_BUSY: 'upload.error.busy',
  BAD_UPLOAD: 'upload.error.badRequest',
  UPLOAD_ABORTED: 'upload.error.badRequest',
};

/** The upload endpoint's one map from code to HTTP status. */
function statusOf(code: ErrorCode | UploadTransportCode): number {
  switch (code) {
    case 'CSRF_FAILED':
      return 403;
    case 'RATE_LIMITED':
    case 'QUOTA_EXCEEDED':
      return 429;
    case 'SERVER_BUSY':
      return 503;
    case 'TOO_MANY_FILES':
    case 'FILE_TOO_LARGE':
      return 413;
    case 'NO_VALID_FILES':
      return 422;
    case 'BAD_UPLOAD':
    case 'EMPTY_BATCH':
    case 'INVALID_OPTION':
      return 400;
    case 'STORAGE_UNAVAILABLE':
    case 'DATABASE_UNAVAILABLE':
      return 503;
    default:
      return 500;
  }
}

/**
 * The web front door: the upload page at `/`, `POST /upload` (streamed multipart, see
 * multipart-batch.ts, into GalleryService.createGallery) and the private manage links at
 * `/manage/<slug>/<secret>`, which log the holder into the owner dashboard for that gallery.
 * With UPLOADS_ENABLED=false, `/` is the bots-only front page and `/upload` does not exist;
 * manage links keep working for the galleries already made.
 */
export function uploadRoutes({ core, config }: UploadRoutesDeps): express.Router {
  const { service, logger } = core;
  const { publicBaseUrl } = config;
  const secure = publicBaseUrl.startsWith('https:');
  const router = express.Router();

  // Opening a manage link only asks; the POST of its button logs in, with the page's form token, so
  // another site cannot log a visitor in to someone else's gallery (login CSRF).
  const manageForms = new UploadCsrf(core.visits.secret, publicBaseUrl, secure);
  const managed = async (req: Request, res: Response) => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Robots-Tag', 'noindex, nofollow');
    // The secret is in this URL: it must not reach another site as a Referer (the confirm page keeps the
    // site's `same-origin` policy, as `no-referrer` would make its POST carry `Origin: null`).
    if (req.method === 'POST') res.setHeader('Referrer-Policy', 'no-referrer');
    const slug = String(req.params.slug);
    const secret = String(req.params.secret);
    const gallery = isSlug(slug) && isManageSecret(secret) ? await core.repository.findBySlug(slug) : null;
    if (gallery && secretOwns(secret, gallery.owner)) return { gallery, secret };
    res
      .status(404)
      .type('html')
      .send(noticePage(pageLocale(req), 'manage.invalid.title', 'manage.invalid.body'));
    return null;
  };
  router.get('/manage/:slug/:secret', async (req, res) => {
    const found = await managed(req, res);
    if (!found) return;
    res.type('html').send(
      confirmLoginPage({
        locale: pageLocale(req),
        action: `/manage/${found.gallery.slug}/${found.secret}`,
        fields: { _csrf: manageForms.issue(req, res) },
      }),
    );
  });
  router.post('/manage/:slug/:secret', express.urlencoded({ extended: false, limit: '4kb' }), async (req, res) => {
    const token = (req.body as Record<string, unknown> | undefined)?._csrf;
    if (!manageForms.sameOrigin(req) || !manageForms.check(req, typeof token === 'string' ? token : undefined)) {
      res.status(403).setHeader('Cache-Control', 'no-store');
      res.type('html').send(noticePage(pageLocale(req), 'dashboard.csrf.title', 'dashboard.csrf.body'));
      return;
    }
    const found = await managed(req, res);
    if (!found) return;
    // The dashboard's own session, for the owner this secret stands for.
    setSessionCookie(res, core.analytics.tokens.newSession(webOwnerOf(found.secret), core.clock.now()).cookie, secure);
    res.redirect(303, `/dashboard/g/${found.gallery.slug}`);
  });

  if (!config.uploads.enabled) {
    router.get('/', (req, res) => {
      res.setHeader('Cache-Control', 'public, max-age=300');
      res.type('html').send(homePage(pageLocale(req)));
    });
    return router;
  }

  const csrf = new UploadCsrf(core.visits.secret, publicBaseUrl, secure);
  const spoolRoot = path.join(config.dataDir, 'tmp', 'uploads');
  void removeStaleFolders(spoolRoot, STALE_SPOOL_MS, core.clock.now().getTime()).catch((error: unknown) =>
    logger.warn({ err: error, dir: spoolRoot }, 'could not clean old upload spool folders'),
  );

  router.get('/', (req, res) => {
    // Carries this browser's CSRF token: never shared through a cache.
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(uploadPage({ locale: pageLocale(req), limits: service.limits, csrf: csrf.issue(req, res) }));
  });

  const limiter = rateLimit({
    windowMs: config.uploads.rateLimit.windowMs,
    limit: config.uploads.rateLimit.max,
    keyGenerator: (req) => ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? ''),
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    validate: false,
    handler: (req, res) => refuse(req, res, new UploadRefusal('RATE_LIMITED'), true),
    // Counted in the shared state, so several web instances enforce one limit per IP between them.
    store: new SharedRateLimitStore(core.shared.counters, 'upload:', { shared: core.shared.driver !== 'memory' }),
    passOnStoreError: true,
  });

  const budget = new UploadBudget(config.uploads.bytesInFlight);
  const quota =
    config.uploads.bytesPerIpPerDay === null
      ? null
      : new UploadQuota(core.shared.counters, config.uploads.bytesPerIpPerDay, logger);
  const clientKey = (req: Request) => ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? '');

  router.post('/upload', limiter, async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const locale = pageLocale(req);
    const headerToken = req.get(CSRF_HEADER);
    // With the header (upload.js) the token is checked before the body is touched; a form posted
    // without JavaScript carries it as its first field instead.
    if (!csrf.sameOrigin(req) || (headerToken !== undefined && !csrf.check(req, headerToken))) {
      refuse(req, res, new UploadRefusal('CSRF_FAILED'), true);
      return;
    }
    // Judged by the declared length, before a byte is read; a body sent without one is judged once spooled.
    const declared = Number(req.headers['content-length']);
    const known = Number.isSafeInteger(declared) && declared >= 0;
    if (known && quota && !(await quota.take(clientKey(req), declared))) {
      refuse(req, res, new UploadRefusal('QUOTA_EXCEEDED'), true);
      return;
    }
    const release = known ? budget.tryReserve(declared) : () => undefined;
    if (!release) {
      refuseBusy(req, res);
      return;
    }
    let clientGone = false;
    res.on('close', () => {
      if (!res.writableFinished) clientGone = true;
    });
    let made: Awaited<ReturnType<typeof receiveAndCreate>>;
    try {
      made = await receiveAndCreate(req, locale, headerToken, !known);
    } catch (error) {
      release();
      if (error instanceof UploadRefusal && error.code === 'SERVER_BUSY') {
        refuseBusy(req, res);
        return;
      }
      if (error instanceof UploadRefusal && error.code === 'UPLOAD_ABORTED') {
        logger.info({ ip: req.ip }, 'upload cancelled by the client; nothing kept');
        return;
      }
      refuse(req, res, error, !req.complete);
      return;
    }
    release();
    const { outcome, owner, secret } = made;
    const gallery = outcome.gallery;
    if (!gallery) {
      refuse(req, res, new UploadRefusal('NO_VALID_FILES'), false, outcome.rejected);
      return;
    }
    if (clientGone) {
      // Nobody received the manage link: the gallery could never be managed, so it is not kept.
      await service.deleteGallery({ owner, ref: gallery.slug });
      logger.info({ slug: gallery.slug }, 'upload cancelled while processing; gallery removed');
      return;
    }
    const qr = await service.qrCode(gallery.slug);
    const result: UploadResult = {
      slug: gallery.slug,
      url: outcome.url ?? service.urlFor(gallery.slug),
      manageUrl: manageUrl(publicBaseUrl, gallery.slug, secret),
      qr: {
        png: `data:image/png;base64,${qr.png.toString('base64')}`,
        svg: `data:image/svg+xml;base64,${Buffer.from(qr.svg).toString('base64')}`,
      },
      rejected: outcome.rejected,
    };
    res.status(201);
    res.setHeader('Referrer-Policy', 'no-referrer');
    if (wantsJson(req)) {
      res.json({
        gallery: { slug: gallery.slug, url: result.url, title: gallery.title, images: gallery.images.length },
        manageUrl: result.manageUrl,
        qr: result.qr,
        accepted: outcome.accepted,
        rejected: outcome.rejected,
      });
    } else {
      res.type('html').send(uploadResultPage(locale, result));
    }
  });

  /**
   * Spools the upload into a folder of its own, hands it to the core under a new manage secret,
   * and removes the folder again before anyone is answered, whatever happened.
   */
  async function receiveAndCreate(
    req: Request,
    locale: Locale,
    headerToken: string | undefined,
    /** The body came without a length: the quota and the budget are applied to what was spooled. */
    judgeSpooled: boolean,
  ) {
    await mkdir(spoolRoot, { recursive: true });
    const dir = await mkdtemp(path.join(spoolRoot, 'u-'));
    try {
      const batch = await receiveBatch(req, {
        dir,
        maxFiles: service.limits.maxBatchFiles,
        maxFileBytes: service.limits.maxFileBytes,
        beforeFiles: (fields) => {
          if (headerToken === undefined && !csrf.check(req, fields.get(CSRF_FIELD)))
            throw new UploadRefusal('CSRF_FAILED');
        },
      });
      const options = optionsFrom(batch.fields, core.clock.now(), config.uploads.defaultExpiryMs);
      let release = () => {};
      if (judgeSpooled) {
        const bytes = batch.files.reduce((sum, file) => sum + file.bytes, 0);
        if (quota && !(await quota.take(clientKey(req), bytes))) throw new UploadRefusal('QUOTA_EXCEEDED');
        release = budget.tryReserve(bytes) ?? throwBusy();
      }
      try {
        const secret = newManageSecret();
        const owner = webOwnerOf(secret);
        const outcome = await service.createGallery({ owner, files: batch.files.map(incomingFile), options, locale });
        return { outcome, owner, secret };
      } finally {
        release();
      }
    } finally {
      await rm(dir, { recursive: true, force: true }).catch((error: unknown) =>
        logger.warn({ err: error, dir }, 'could not remove an upload spool folder'),
      );
    }
  }

  /**
   * Answers a refused upload: JSON for upload.js and API clients, the page again for a form.
   * `unread`: the body was not read to its end, so the connection is closed after the answer.
   */
  function refuse(req: Request, res: Response, error: unknown, unread: boolean, rejected: RejectedFile[] = []): void {
    const locale = pageLocale(req);
    let code: ErrorCode | UploadTransportCode;
    let message: string;
    let file: string | undefined;
    if (error instanceof UploadRefusal) {
      code = error.code;
      file = error.file;
      message =
        code in TRANSPORT_MESSAGES
          ? t(locale, TRANSPORT_MESSAGES[code as UploadTransportCode])
          : errorMessage(locale, code as ErrorCode, error.params);
    } else if (isMaiimgError(error)) {
      ({ code } = error);
      message = errorMessage(locale, error.code, error.params);
    } else {
      logger.error({ err: error }, 'upload failed');
      code = 'INTERNAL';
      message = errorMessage(locale, 'INTERNAL');
    }
    if (file) {
      // The core's per-file messages are predicates ("is larger than..."), said of the file.
      rejected = [{ file, code, message }];
      message = t(locale, 'gallery.rejectedLine', { file, reason: message });
    }
    if (res.headersSent || res.destroyed) return;
    res.status(statusOf(code)).setHeader('Cache-Control', 'no-store');
    if (unread) lingerThenClose(req, res);
    if (wantsJson(req)) res.json({ error: { code, message, ...(file ? { file } : {}) }, rejected });
    else
      res
        .type('html')
        .send(uploadPage({ locale, limits: service.limits, csrf: csrf.issue(req, res), error: message, rejected }));
  }

  /** 503 with Retry-After: too many bytes of uploads are being handled now; nothing is kept. */
  function refuseBusy(req: Request, res: Response): void {
    res.setHeader('Retry-After', String(BUSY_RETRY_AFTER_S));
    refuse(req, res, new UploadRefusal('SERVER_BUSY'), !req.complete);
  }

  return router;
}

function throwBusy(): never {
  throw new UploadRefusal('SERVER_BUSY');
}

function pageLocale(req: Request): Locale {
  return localeFromAcceptLanguage(req.headers['accept-language']);
}

function wantsJson(req: Request): boolean {
  return req.accepts(['html', 'json']) === 'json';
}

/** The link settings chosen on the page, parsed by the same functions the bots and the CLI use. */
function optionsFrom(fields: Map<string, string>, now: Date, defaultExpiryMs: number | null): GalleryOptions {
  const text = (name: string) => fields.get(name)?.trim() || undefined;
  const expires = text('expires');
  const maxOpens = text('maxOpens');
  const downloads = text('downloads');
  return {
    title: text('title') ?? null,
    // An anonymous upload that chose no expiry gets the operator's default (WEB_UPLOAD_DEFAULT_EXPIRY).
    expiresAt: expires
      ? parseExpiry(expires, now)
      : defaultExpiryMs === null
        ? null
        : new Date(now.getTime() + defaultExpiryMs),
    maxOpens: maxOpens ? parseMaxOpens(maxOpens) : null,
    // Not trimmed: spaces may be part of a password.
    password: fields.get('password') || null,
    downloadsAllowed: downloads ? parseOnOff(downloads, 'option.download') : true,
  };
}

/**
 * A spooled file as the core reads it: by path, so sharp decodes it from the disk and it is never
 * held whole in memory; its size known so the core can refuse early.
 */
function incomingFile(file: SpooledFile): IncomingFile {
  return { name: file.name, declaredBytes: file.bytes, data: { path: file.path } };
}

function lingerThenClose(req: Request, res: Response): void {
  req.pause();
  res.once('finish', () => {
    const socket = req.socket;
    socket.end();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  });
}
