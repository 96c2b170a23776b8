import { servedSlug } from '../core/gallery-ref.js';
import { createHash, createSecretKey, type KeyObject } from 'node:crypto';
import { parse, serialize } from 'cookie';
import { sign, unsign } from 'cookie-signature';
import type { Request, Response } from 'express';
import type { Gallery } from '../core/types.js';

/**
 * The two cookies of a gallery, both signed, HttpOnly, SameSite=Lax and scoped to the gallery's
 * path, so one gallery's cookie never unlocks another:
 * - the password cookie proves the visitor typed the right password (a new password voids it);
 * - the open ticket ties image requests and lightbox views to the open that was counted, and lets
 *   that visitor keep seeing the images after the open limit is reached by others.
 */
const PASSWORD_COOKIE = 'maiimg_pw';
const OPEN_COOKIE = 'maiimg_open';

/** A reload within this time is the same open, not a new one. */
export const SAME_OPEN_MS = 30 * 60 * 1000;
/** How long an open's page may keep loading its images. */
export const OPEN_TICKET_MS = 12 * 60 * 60 * 1000;
const PASSWORD_COOKIE_MS = 7 * 24 * 60 * 60 * 1000;

export interface OpenTicket {
  visitId: string;
  issuedAt: number;
}

/**
 * Signed and checked with cookie-signature (`s:<value>.<HMAC-SHA256>`, the form express's
 * `res.cookie` writes). Not through `res.cookie` and a cookie-parsing middleware, because every counted open sets a ticket and most page
 * requests carry no cookie at all: the HMAC key is imported once instead of once per cookie, the
 * header is appended without express's extra passes over the response's headers, and a request's
 * cookies are parsed only when a route asks for one.
 */
export class GalleryCookies {
  private readonly key: KeyObject;
  private readonly parsed = new WeakMap<Request, Record<string, string | undefined>>();

  constructor(
    private readonly secret: string,
    /** Secure cookies when the site is served over HTTPS. */
    private readonly secure: boolean,
  ) {
    this.key = createSecretKey(Buffer.from(secret, 'utf8'));
  }

  hasPassword(req: Request, gallery: Gallery): boolean {
    return this.signed(req, PASSWORD_COOKIE) === `${servedSlug(gallery)}.${passwordFingerprint(gallery)}`;
  }

  setPassword(res: Response, gallery: Gallery): void {
    this.set(
      res,
      gallery,
      PASSWORD_COOKIE,
      `${servedSlug(gallery)}.${passwordFingerprint(gallery)}`,
      PASSWORD_COOKIE_MS,
    );
  }

  readOpenTicket(req: Request, gallery: Gallery, now: Date): OpenTicket | null {
    const value = this.signed(req, OPEN_COOKIE);
    const match = value && /^([A-Za-z0-9_-]{22})\.([0-9a-f-]{36})\.(\d+)$/.exec(value);
    if (!match || match[1] !== servedSlug(gallery)) return null;
    const issuedAt = Number(match[3]);
    if (now.getTime() - issuedAt > OPEN_TICKET_MS || issuedAt > now.getTime() + 60_000) return null;
    return { visitId: match[2]!, issuedAt };
  }

  setOpenTicket(res: Response, gallery: Gallery, visitId: string, now: Date): void {
    this.set(res, gallery, OPEN_COOKIE, `${servedSlug(gallery)}.${visitId}.${now.getTime()}`, OPEN_TICKET_MS);
  }

  /** The value of a cookie this site signed, or null when it is missing or its signature is wrong. */
  private signed(req: Request, name: string): string | null {
    const header = req.headers.cookie;
    if (!header) return null;
    let cookies = this.parsed.get(req);
    if (!cookies) this.parsed.set(req, (cookies = parse(header)));
    const raw = cookies[name];
    // Only signed values count.
    if (!raw?.startsWith('s:')) return null;
    const value = unsign(raw.slice(2), this.key);
    return typeof value === 'string' ? value : null;
  }

  private set(res: Response, gallery: Gallery, name: string, value: string, maxAgeMs: number): void {
    res.appendHeader(
      'Set-Cookie',
      serialize(name, `s:${sign(value, this.key)}`, {
        path: `/g/${servedSlug(gallery)}`,
        httpOnly: true,
        sameSite: 'lax',
        secure: this.secure,
        maxAge: maxAgeMs / 1000,
      }),
    );
  }
}

function passwordFingerprint(gallery: Gallery): string {
  return createHash('sha256')
    .update(gallery.settings.passwordHash ?? '')
    .digest('base64url')
    .slice(0, 16);
}
