import { createHash } from 'node:crypto';
import type { CookieOptions, Request, Response } from 'express';
import type { Gallery } from '../core/types.js';

/**
 * The two cookies of a gallery, both signed (cookie-parser), HttpOnly, SameSite=Lax and scoped to
 * the gallery's path, so one gallery's cookie never unlocks another:
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

function options(gallery: Gallery, secure: boolean, maxAge: number): CookieOptions {
  return { path: `/g/${gallery.slug}`, httpOnly: true, sameSite: 'lax', secure, signed: true, maxAge };
}

function passwordFingerprint(gallery: Gallery): string {
  return createHash('sha256').update(gallery.settings.passwordHash ?? '').digest('base64url').slice(0, 16);
}

function signedCookie(req: Request, name: string): string | null {
  const value = (req.signedCookies as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : null;
}

export function hasPasswordCookie(req: Request, gallery: Gallery): boolean {
  return signedCookie(req, PASSWORD_COOKIE) === `${gallery.slug}.${passwordFingerprint(gallery)}`;
}

export function setPasswordCookie(res: Response, gallery: Gallery, secure: boolean): void {
  res.cookie(PASSWORD_COOKIE, `${gallery.slug}.${passwordFingerprint(gallery)}`, options(gallery, secure, PASSWORD_COOKIE_MS));
}

export function readOpenTicket(req: Request, gallery: Gallery, now: Date): OpenTicket | null {
  const value = signedCookie(req, OPEN_COOKIE);
  const match = value && /^([A-Za-z0-9_-]{22})\.([0-9a-f-]{36})\.(\d+)$/.exec(value);
  if (!match || match[1] !== gallery.slug) return null;
  const issuedAt = Number(match[3]);
  if (now.getTime() - issuedAt > OPEN_TICKET_MS || issuedAt > now.getTime() + 60_000) return null;
  return { visitId: match[2]!, issuedAt };
}

export function setOpenTicket(res: Response, gallery: Gallery, visitId: string, now: Date, secure: boolean): void {
  res.cookie(OPEN_COOKIE, `${gallery.slug}.${visitId}.${now.getTime()}`, options(gallery, secure, OPEN_TICKET_MS));
}
