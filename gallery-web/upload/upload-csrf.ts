import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';

/**
 * CSRF protection for the upload form, in the dashboard's manner (see dashboard-auth.ts) but
 * without a login: the page sets a random nonce cookie and embeds an HMAC of it; an upload must
 * carry that token (header or first form field) together with the cookie, and a browser's Origin,
 * when sent, must be this site. Nothing is stored on the server, so any instance that shares
 * SESSION_SECRET accepts the token.
 */

export const UPLOAD_COOKIE = 'maiimg_upload';
export const CSRF_HEADER = 'x-csrf-token';
export const CSRF_FIELD = '_csrf';

const NONCE_PATTERN = /^[A-Za-z0-9_-]{24}$/;

export class UploadCsrf {
  private readonly key: Buffer;
  private readonly allowedOrigins: ReadonlySet<string>;

  constructor(
    siteSecret: string,
    publicBaseUrl: string,
    private readonly secureCookies: boolean,
  ) {
    // A key of its own, so this token can never pass for another of the site's signatures.
    this.key = createHmac('sha256', siteSecret).update('maiimg upload csrf v1').digest();
    this.allowedOrigins = new Set([new URL(publicBaseUrl).origin]);
  }

  /** The token for the page being served, setting the nonce cookie when the browser has none yet. */
  issue(req: Request, res: Response): string {
    let nonce = readNonce(req);
    if (!nonce) {
      nonce = randomBytes(18).toString('base64url');
      // Path `/` so that every tab of the page shares one nonce (a new one per page view would void
      // the tokens of the tabs already open); Lax keeps other sites' forms from sending it.
      res.cookie(UPLOAD_COOKIE, nonce, { path: '/', httpOnly: true, sameSite: 'lax', secure: this.secureCookies });
    }
    return this.tokenFor(nonce);
  }

  /** Whether the browser context of this request may upload: same origin, and the token matches the cookie. */
  sameOrigin(req: Request): boolean {
    const origin = req.headers.origin;
    if (req.headers['sec-fetch-site'] === 'cross-site') return false;
    return !origin || this.allowedOrigins.has(origin) || origin === `${req.protocol}://${req.headers.host}`;
  }

  check(req: Request, token: string | undefined): boolean {
    const nonce = readNonce(req);
    if (!nonce || !token) return false;
    const expected = Buffer.from(this.tokenFor(nonce));
    const given = Buffer.from(token);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  private tokenFor(nonce: string): string {
    return createHmac('sha256', this.key).update(`upload:${nonce}`).digest('base64url');
  }
}

/** The nonce cookie, read by hand: the only cookie an upload needs. */
function readNonce(req: Request): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name !== UPLOAD_COOKIE) continue;
    const value = rest.join('=');
    return NONCE_PATTERN.test(value) ? value : null;
  }
  return null;
}
