import { timingSafeEqual, createHash } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { CoreMetrics } from '../core/metrics/core-metrics.js';

/**
 * Times every request into `maiimg_http_request_duration_seconds`. The route label is the matched
 * pattern (`/g/:slug`), never the path itself, so slugs cannot blow up the number of series.
 */
export function requestDurations(metrics: CoreMetrics): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const stopTimer = metrics.httpDuration.startTimer();
    res.once('finish', () => {
      stopTimer({ method: req.method, route: routeLabel(req), status: String(res.statusCode) });
    });
    next();
  };
}

function routeLabel(req: Request): string {
  const pattern = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof pattern === 'string') return `${req.baseUrl}${pattern}`;
  if (req.baseUrl === '/assets' || req.originalUrl.startsWith('/assets/')) return '/assets';
  return 'unmatched';
}

/**
 * `GET /metrics` for Prometheus, only for `Authorization: Bearer <METRICS_TOKEN>`. Without a token
 * it is not served at all (404): the metrics show the Node version and traffic counts, and a web
 * port is usually reachable through the public proxy, so nothing is public by default.
 */
export function metricsEndpoint(metrics: CoreMetrics, token: string | undefined): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    if (!token) return next();
    res.setHeader('Cache-Control', 'no-store');
    if (!bearerMatches(req.get('authorization'), token)) {
      res.status(401).setHeader('WWW-Authenticate', 'Bearer');
      res.type('text/plain').send('unauthorized');
      return;
    }
    const { contentType, body } = await metrics.render();
    res.type(contentType).send(body);
  };
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!match) return false;
  // Equal-length digests for timingSafeEqual, without revealing the token's length.
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(match[1]!.trim()), digest(token));
}
