import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import type { Config } from '../core/config.js';
import type { Core } from '../core/core-app.js';
import { isMaiimgError } from '../core/errors.js';
import { limitBodies } from './body-limit.js';
import { createDashboardRouter } from './dashboard/dashboard-router.js';
import { galleryRoutes, pageLocale } from './gallery-routes.js';
import { noticePage } from './pages.js';
import { uploadRoutes } from './upload/upload-routes.js';
import { metricsEndpoint, requestDurations } from './request-metrics.js';
import { trustProxySetting, trustProxyWarning } from './visit-request.js';

/** The web side of the process: the Express app, the router bots mount webhooks on, and a graceful close. */
export interface WebApp {
  app: express.Express;
  /** Mounted before the gallery routes: bots add their webhook endpoints here. */
  integrations: express.Router;
  /** Flushes every buffered open. */
  close(): Promise<void>;
}

export interface WebAppDeps {
  core: Core;
  config: Config;
  /** False when this process only serves the bots' webhooks and health checks (ROLE=bots). */
  serveGalleries?: boolean;
  /** Tests lower these to exercise the password rate limit quickly. */
  passwordAttempts?: number;
}

const PUBLIC_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'public');

/**
 * Builds the gallery site. Order matters: security headers, the gallery routes, health checks, the
 * bots' integrations router (mounted now, filled by the bots afterwards), the upload page and the
 * dashboard, then the error pages.
 */
export function createWebApp(deps: WebAppDeps): WebApp {
  const { core, config } = deps;
  const app = express();
  app.disable('x-powered-by');
  const trustProxy = trustProxySetting(config.web.trustProxy);
  app.set('trust proxy', trustProxy);
  const proxyWarning = trustProxyWarning(trustProxy, config.host);
  if (proxyWarning) core.logger.warn({ trustProxy: config.web.trustProxy, host: config.host }, proxyWarning);
  app.set('etag', false);
  if (core.metrics) app.use(requestDurations(core.metrics));
  app.use(limitBodies({ exempt: (req) => req.path === '/upload' }));

  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'none'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          // blob: for the upload page's previews of the files picked (object URLs of local files).
          imgSrc: ["'self'", 'data:', 'blob:'],
          connectSrc: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
          objectSrc: ["'none'"],
        },
      },
      // A gallery link is a secret of sorts: never leak it to the sites a visitor goes to next.
      // `same-origin` rather than `no-referrer`: with the latter, browsers send `Origin: null` on our
      // own form posts, and the dashboard's same-origin check would refuse them.
      referrerPolicy: { policy: 'same-origin' },
      // Chat apps show the preview image from their own apps; let them embed it.
      crossOriginResourcePolicy: { policy: 'cross-origin' },
      crossOriginEmbedderPolicy: false,
    }),
  );

  if (deps.serveGalleries !== false) {
    // Gallery pages first: the most requested path goes through the fewest layers.
    app.use(galleryRoutes({ core, publicBaseUrl: config.publicBaseUrl, passwordAttempts: deps.passwordAttempts }));
  }

  app.get('/healthz', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.type('text/plain').send('ok');
  });
  app.get('/readyz', async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    try {
      await core.ping();
      res.type('text/plain').send('ready');
    } catch (error) {
      core.logger.warn({ err: error }, 'readiness check failed');
      res.status(503).type('text/plain').send('not ready');
    }
  });
  if (core.metrics) app.get('/metrics', metricsEndpoint(core.metrics, config.metrics.token));

  const integrations = express.Router();
  app.use(integrations);

  if (deps.serveGalleries !== false) {
    app.use('/assets', express.static(PUBLIC_DIR, { index: false, maxAge: '1d', fallthrough: false }));
    // The front page (the upload page, or the bots-only page with UPLOADS_ENABLED=false), uploads, manage links.
    app.use(uploadRoutes({ core, config }));
    app.use('/dashboard', createDashboardRouter({ core, publicBaseUrl: config.publicBaseUrl }));
  }

  // An address that is not a gallery's: the page says nothing about galleries.
  const makeYourOwn = config.uploads.enabled;
  app.use((req, res) => {
    res.status(404).setHeader('Cache-Control', 'no-store');
    res
      .type('html')
      .send(noticePage(pageLocale(req), 'web.pageNotFound.title', 'web.pageNotFound.body', { makeYourOwn }));
  });
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const status = httpStatusOf(error);
    if (status >= 500) core.logger.error({ err: error, path: req.path }, 'request failed');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.status(status).setHeader('Cache-Control', 'no-store');
    const locale = pageLocale(req);
    if (status === 404)
      res.type('html').send(noticePage(locale, 'web.pageNotFound.title', 'web.pageNotFound.body', { makeYourOwn }));
    else
      res
        .type('html')
        .send(noticePage(locale, 'web.error.title', status === 503 ? 'DATABASE_UNAVAILABLE' : 'web.error.body'));
  });

  return {
    app,
    integrations,
    async close() {
      await core.visits.recorder.close();
    },
  };
}

/** The web's one map from error to HTTP status. */
export function httpStatusOf(error: unknown): number {
  if (isMaiimgError(error)) {
    switch (error.code) {
      case 'GALLERY_NOT_FOUND':
      case 'INVALID_REFERENCE':
        return 404;
      case 'STORAGE_UNAVAILABLE':
      case 'DATABASE_UNAVAILABLE':
        return 503;
      default:
        return 500;
    }
  }
  const status =
    (error as { status?: unknown; statusCode?: unknown } | null)?.status ??
    (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}
