import type { NextFunction, Request, Response } from 'express';
import type { DashboardSession, DashboardTokens } from '../../core/analytics/dashboard-link.js';
import { DASHBOARD_SESSION_MS } from '../../core/analytics/dashboard-link.js';

/** The dashboard's session cookie: HMAC-signed by core/analytics/dashboard-link.ts, scoped to /dashboard. */
export const SESSION_COOKIE = 'maiimg_dash';

declare module 'express-serve-static-core' {
  interface Request {
    dashboardSession?: DashboardSession;
  }
}

export function setSessionCookie(res: Response, value: string, secure: boolean): void {
  res.cookie(SESSION_COOKIE, value, {
    path: '/dashboard',
    httpOnly: true,
    sameSite: 'lax',
    secure,
    maxAge: DASHBOARD_SESSION_MS,
  });
}

export function clearSessionCookie(res: Response, secure: boolean): void {
  res.clearCookie(SESSION_COOKIE, { path: '/dashboard', httpOnly: true, sameSite: 'lax', secure });
}

/**
 * Reads the session cookie into `req.dashboardSession` (nothing when it is missing, forged, expired
 * or logged out on any instance).
 */
export function readSession(tokens: DashboardTokens, now: () => Date) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    const cookie = (req.cookies as Record<string, unknown> | undefined)?.[SESSION_COOKIE];
    const session = await tokens.activeSession(typeof cookie === 'string' ? cookie : undefined, now());
    if (session) req.dashboardSession = session;
    next();
  };
}

/**
 * CSRF protection for every state-changing request: the form must carry the session's CSRF token
 * (an HMAC of the session id: a synchronizer token that needs no server-side store), and a browser's
 * Origin header, when sent, must be this site (PUBLIC_BASE_URL or the Host the request came to).
 * The session cookie is also SameSite=Lax, so other sites' forms do not even carry it.
 */
export function requireCsrf(
  tokens: DashboardTokens,
  allowedOrigins: ReadonlySet<string>,
  refuse: (req: Request, res: Response) => void,
) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const session = req.dashboardSession;
    const token = (req.body as Record<string, unknown> | undefined)?._csrf;
    const origin = req.headers.origin;
    const sameOrigin = !origin || allowedOrigins.has(origin) || origin === `${req.protocol}://${req.headers.host}`;
    if (!session || !tokens.checkCsrf(session, token) || !sameOrigin) return refuse(req, res);
    next();
  };
}
