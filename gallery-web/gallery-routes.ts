import express, { type Request, type Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { unknownGalleryLimit } from './unknown-gallery-limit.js';
import { displayKey, originalKey } from '../core/blob-keys.js';
import type { Core } from '../core/core-app.js';
import { mimeTypeOf } from '../core/images/image-formats.js';
import { servedSlug } from '../core/gallery-ref.js';
import { t } from '../core/messages.js';
import { isSlug } from '../core/slug.js';
import type { Gallery, GalleryImage, Locale } from '../core/types.js';
import { sendBlob } from './blob-response.js';
import { SharedRateLimitStore } from './shared-rate-limit-store.js';
import { GalleryCookies, SAME_OPEN_MS, type OpenTicket } from './gallery-cookies.js';
import { localeFromAcceptLanguage } from './locale.js';
import {
  displaySize,
  galleryPage,
  galleryTitle,
  imagePath,
  noticePage,
  passwordPage,
  previewOnlyPage,
  type PreviewTags,
} from './pages.js';
import { toVisitRequest } from './visit-request.js';
import { streamGalleryZip } from './zip-download.js';

export interface GalleryRoutesOptions {
  core: Core;
  publicBaseUrl: string;
  /** Failed password attempts allowed per IP and gallery in each window. */
  passwordAttempts?: number;
  passwordWindowMs?: number;
}

const VARIANTS = ['480.webp', '1080.webp', '1600.webp', 'original'] as const;
type Variant = (typeof VARIANTS)[number];

/** Why a gallery cannot be shown to this request, or null when it can. */
type Refusal = 'not-found' | 'disabled' | 'expired' | 'exhausted' | 'password';
/**
 * Refusals past the gallery's own rules: `no-image` (a position or variant the gallery does not
 * have), `no-downloads`, and `no-ticket` (a limited gallery's images and ZIP without a counted open).
 */
type ImageRefusal = 'no-image' | 'no-downloads' | 'no-ticket';

export function pageLocale(req: Request): Locale {
  return localeFromAcceptLanguage(req.headers['accept-language']);
}

/**
 * The gallery site's routes: the page, the password gate, images, the ZIP and lightbox view beacons.
 * Every route looks the gallery up and applies the same rules (link state, password, open limit),
 * so an image URL stops working the moment its gallery's link does.
 */
export function galleryRoutes(options: GalleryRoutesOptions): express.Router {
  const { core, publicBaseUrl } = options;
  const { service, blobs, clock, logger } = core;
  const cookies = new GalleryCookies(core.visits.secret, publicBaseUrl.startsWith('https:'));
  const router = express.Router();
  // State pages offer a way to make one's own gallery when this site takes uploads.
  const makeYourOwn = core.config.uploads.enabled;

  const notFoundLimit = core.config.web.notFoundRateLimit;
  const unknownGalleries = notFoundLimit ? unknownGalleryLimit(notFoundLimit) : null;

  async function load(req: Request): Promise<Gallery | null> {
    const slug = String(req.params.slug);
    if (!isSlug(slug)) return null;
    // Visitors' pages may use a copy a fraction of a second old (see GalleryReadCache).
    return core.repository.findBySlugCached(slug);
  }

  // The page is the same for every visitor of one version of a gallery in one language, so it is
  // rendered (and encoded) once. Keyed by the gallery object itself: a fresh read (a change, or the
  // copy's age) is a new key.
  const renderedPages = new WeakMap<Gallery, Partial<Record<Locale, Buffer>>>();
  function renderedPage(gallery: Gallery, locale: Locale): Buffer {
    let pages = renderedPages.get(gallery);
    if (!pages) renderedPages.set(gallery, (pages = {}));
    return (pages[locale] ??= Buffer.from(galleryPage({ gallery, locale, preview: previewTags(gallery, locale) })));
  }

  /** The link's rules, in order: unknown, disabled, expired, open limit (unless this visitor holds an open), password. */
  function refusal(req: Request, gallery: Gallery | null, ticket: OpenTicket | null): Refusal | null {
    if (!gallery) return 'not-found';
    // A share link switched off (or deleted) on its own closes only itself; the gallery's other links go on.
    if (gallery.link && gallery.link.state !== 'enabled') return 'disabled';
    const status = service.linkStatus(gallery);
    if (status === 'disabled' || status === 'expired') return status;
    if (status === 'exhausted' && !ticket) return 'exhausted';
    if (gallery.settings.passwordHash && !cookies.hasPassword(req, gallery)) return 'password';
    return null;
  }

  function sendRefusal(
    req: Request,
    res: Response,
    locale: Locale,
    why: Exclude<Refusal, 'password'> | ImageRefusal,
  ): void {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Robots-Tag', 'noindex');
    // Only addresses that name no gallery at all count towards the unknown-gallery limit.
    const limited = why === 'not-found' ? unknownGalleries?.countUnknown(req) : undefined;
    if (limited?.over) {
      logger.info({ path: req.path }, 'a client asked for too many unknown galleries; answering 429');
      res.status(429).setHeader('Retry-After', String(limited.retryAfterSeconds));
      res.type('html').send(noticePage(locale, 'web.tooMany.title', 'web.tooMany.body'));
      return;
    }
    if (why !== 'disabled' && why !== 'expired' && why !== 'exhausted') {
      res
        .status(404)
        .type('html')
        .send(noticePage(locale, 'web.notFound.title', 'web.notFound.body', { makeYourOwn }));
      return;
    }
    res
      .status(410)
      .type('html')
      .send(noticePage(locale, `web.state.${why}`, `web.state.${why}Body`, { makeYourOwn }));
  }

  function previewTags(gallery: Gallery, locale: Locale): PreviewTags {
    // A protected gallery tells a link preview nothing about itself: not its title, not its size.
    if (gallery.settings.passwordHash)
      return {
        title: t(locale, 'web.password.title'),
        description: '',
        url: service.urlFor(servedSlug(gallery)),
        image: null,
      };
    const first = gallery.images[0];
    // A gallery with a maximum serves images only to a counted open, so a preview fetcher gets none.
    const image =
      first && gallery.settings.maxOpens == null
        ? { url: publicBaseUrl + imagePath(servedSlug(gallery), first, '1600.webp'), ...displaySize(first, 1600) }
        : null;
    return {
      title: galleryTitle(gallery, locale),
      description: t(locale, 'web.gallery.photoCount', { count: gallery.images.length }),
      url: service.urlFor(servedSlug(gallery)),
      image,
    };
  }

  // The gallery page: counting a human open happens here, after every rule has let the request through.
  router.get('/g/:slug', async (req, res) => {
    const locale = pageLocale(req);
    const gallery = await load(req);
    const now = clock.now();
    const ticket = gallery ? cookies.readOpenTicket(req, gallery, now) : null;
    const why = refusal(req, gallery, ticket);
    res.setHeader('X-Robots-Tag', 'noindex');
    if (why === 'password') {
      // Chat apps unfurling a protected link are still recorded as previews (and HEAD or prefetches
      // as probes); people are counted once they are in.
      await core.visits.opener.recordNonHuman(gallery!, toVisitRequest(req));
      res.status(401).setHeader('Cache-Control', 'no-store');
      res
        .type('html')
        .send(passwordPage({ locale, slug: servedSlug(gallery!), preview: previewTags(gallery!, locale) }));
      return;
    }
    if (why) return sendRefusal(req, res, locale, why);
    const open = gallery!;
    // A reload during the same open is not a new open.
    if (!ticket || now.getTime() - ticket.issuedAt > SAME_OPEN_MS) {
      const result = await core.visits.opener.open(open, toVisitRequest(req));
      if (result.outcome === 'limit-reached') return sendRefusal(req, res, locale, 'exhausted');
      if (result.outcome === 'opened') cookies.setOpenTicket(res, open, result.visitId, now);
      else if (open.settings.maxOpens != null && !ticket) {
        // A limited gallery shows its images to counted opens only: previews, bots, HEAD, prefetches
        // and Range requests get the preview tags alone, and no image URL to fetch later.
        res.setHeader('Cache-Control', 'private, no-store');
        res.type('html').send(previewOnlyPage({ locale, preview: previewTags(open, locale) }));
        return;
      }
    }
    res.setHeader('Cache-Control', 'private, no-store');
    res.type('html').send(renderedPage(open, locale));
  });

  const passwordLimiter = rateLimit({
    windowMs: options.passwordWindowMs ?? 15 * 60 * 1000,
    limit: options.passwordAttempts ?? 10,
    // Only wrong passwords use up attempts.
    skipSuccessfulRequests: true,
    keyGenerator: (req) => `${ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? '')}:${String(req.params.slug)}`,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    validate: false,
    // Counted in the shared state, so the limit holds across every web instance, not per process.
    store: new SharedRateLimitStore(core.shared.counters, 'password:', { shared: core.shared.driver !== 'memory' }),
    // A shared-state outage must not lock everyone out of protected galleries; the password hash stays slow.
    passOnStoreError: true,
    logger: {
      error: (err, msg) => logger.warn({ err }, msg ?? 'password limit store failed'),
      warn: (err, msg) => logger.warn({ err }, msg ?? 'password limit'),
    },
    handler: (req, res) => {
      res.status(429).setHeader('Cache-Control', 'no-store');
      res.type('html').send(
        passwordPage({
          locale: pageLocale(req),
          slug: String(req.params.slug),
          preview: unlockPreview(req),
          error: 'tooMany',
        }),
      );
    },
  });
  function unlockPreview(req: Request): PreviewTags {
    return {
      title: t(pageLocale(req), 'web.password.title'),
      description: '',
      url: `${publicBaseUrl}/g/${String(req.params.slug)}`,
    };
  }

  router.post(
    '/g/:slug/unlock',
    passwordLimiter,
    express.urlencoded({ extended: false, limit: '4kb' }),
    async (req, res) => {
      const locale = pageLocale(req);
      const gallery = await load(req);
      const why = refusal(req, gallery, gallery ? cookies.readOpenTicket(req, gallery, clock.now()) : null);
      if (why && why !== 'password') return sendRefusal(req, res, locale, why);
      const open = gallery!;
      const password = typeof req.body?.password === 'string' ? (req.body.password as string) : '';
      if (open.settings.passwordHash && !(await service.checkPassword(open, password))) {
        res.status(401).setHeader('Cache-Control', 'no-store');
        res
          .type('html')
          .send(passwordPage({ locale, slug: servedSlug(open), preview: previewTags(open, locale), error: 'wrong' }));
        return;
      }
      cookies.setPassword(res, open);
      res.redirect(303, `/g/${servedSlug(open)}`);
    },
  );

  // Images: the display versions always (inline), originals only when downloads are allowed.
  router.get('/g/:slug/i/:position/:variant', async (req, res, next) => {
    const locale = pageLocale(req);
    const variant = String(req.params.variant) as Variant;
    const gallery = await load(req);
    const ticket = gallery ? cookies.readOpenTicket(req, gallery, clock.now()) : null;
    const why = refusal(req, gallery, ticket);
    if (why === 'password') return sendPasswordRequired(res, locale);
    if (why) return sendRefusal(req, res, locale, why);
    if (gallery!.settings.maxOpens != null && !ticket) return sendRefusal(req, res, locale, 'no-ticket');
    const image = findImage(gallery!, String(req.params.position));
    if (!image || !VARIANTS.includes(variant)) return sendRefusal(req, res, locale, 'no-image');
    if (variant === 'original' && !gallery!.settings.downloadsAllowed)
      return sendRefusal(req, res, locale, 'no-downloads');

    const key =
      variant === 'original'
        ? originalKey(image.hash)
        : variant === '480.webp'
          ? await existingOrRendered(image, 480)
          : await service.displayVersionKey(image, variant === '1080.webp' ? 1080 : 1600);
    // Views are counted by the lightbox's /view report when a photo is shown, not by this fetch:
    // the lightbox preloads neighbours, and the grid's tiles may use the large versions too.
    const sent = await sendBlob(req, res, blobs, {
      key,
      contentType: variant === 'original' ? mimeTypeOf(image.format) : 'image/webp',
      etag: `"${image.hash}-${variant === 'original' ? 'o' : variant.slice(0, -'.webp'.length)}"`,
      cacheControl: imageCacheControl(gallery!),
      disposition: variant === 'original' ? { type: 'attachment', fileName: image.originalName } : { type: 'inline' },
    });
    if (!sent) next();
  });

  // The lightbox reports each image it shows (a cached image is not fetched again, but is still a view).
  router.post('/g/:slug/i/:position/view', async (req, res) => {
    const gallery = await load(req);
    const ticket = gallery ? cookies.readOpenTicket(req, gallery, clock.now()) : null;
    const image = gallery ? findImage(gallery, String(req.params.position)) : null;
    if (refusal(req, gallery, ticket) || !image) {
      res.status(404).end();
      return;
    }
    if (ticket) core.visits.opener.viewImage(gallery!, image, ticket.visitId);
    res.status(204).end();
  });

  router.get('/g/:slug/download.zip', async (req, res) => {
    const locale = pageLocale(req);
    const gallery = await load(req);
    const ticket = gallery ? cookies.readOpenTicket(req, gallery, clock.now()) : null;
    const why = refusal(req, gallery, ticket);
    if (why === 'password') return sendPasswordRequired(res, locale);
    if (why) return sendRefusal(req, res, locale, why);
    if (gallery!.settings.maxOpens != null && !ticket) return sendRefusal(req, res, locale, 'no-ticket');
    if (!gallery!.settings.downloadsAllowed) return sendRefusal(req, res, locale, 'no-downloads');
    // Characters no file system accepts in a name (control characters included) become underscores.
    const base =
      [...(gallery!.title ?? gallery!.slug)]
        .map((c) => (/[\\/:*?"<>|]/.test(c) || c.charCodeAt(0) < 32 ? '_' : c))
        .join('')
        .slice(0, 80) || gallery!.slug;
    await streamGalleryZip(req, res, { gallery: gallery!, blobs, logger, fileName: `${base}.zip` });
  });

  function sendPasswordRequired(res: Response, locale: Locale): void {
    res.status(401).setHeader('Cache-Control', 'no-store');
    res.type('text/plain').send(t(locale, 'web.password.title'));
  }

  async function existingOrRendered(image: GalleryImage, size: 480): Promise<string> {
    const key = displayKey(image.hash, size);
    return (await blobs.exists(key)) ? key : service.displayVersionKey(image, size);
  }

  return router;
}

function findImage(gallery: Gallery, position: string): GalleryImage | null {
  if (!/^\d{1,4}$/.test(position)) return null;
  return gallery.images.find((image) => image.position === Number(position)) ?? null;
}

/**
 * Image URLs name a gallery and a position, not a secret of their own, so no copy may outlive the
 * link's state by long: shared caches (a CDN included) keep a copy at most five minutes, after which
 * a disable, an expiry or a delete reaches them; revalidation with the ETag costs a 304. A
 * password-protected gallery's images stay out of every cache, and a limited gallery's (served only
 * with an open ticket) are revalidated by the browser on every use, never kept by a shared cache.
 */
export const IMAGE_MAX_AGE_S = 300;
export function imageCacheControl(gallery: Gallery): string {
  if (gallery.settings.passwordHash) return 'private, no-store';
  if (gallery.settings.maxOpens != null) return 'private, no-cache';
  return `public, max-age=${IMAGE_MAX_AGE_S}`;
}
