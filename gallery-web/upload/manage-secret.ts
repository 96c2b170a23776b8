import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Owner } from '../../core/types.js';

/**
 * A gallery made on the web page has no account behind it: it belongs to a secret, handed out once
 * as the private manage link. The owner id stored with the gallery is a hash of that secret, so the
 * database never holds anything that opens the dashboard. A plain SHA-256 is enough because the
 * secret is 256 random bits (nothing to brute-force), and it does not depend on SESSION_SECRET, so
 * manage links survive a change of that secret.
 */

/** 32 random bytes, base64url: 43 URL-safe characters. */
export function newManageSecret(): string {
  return randomBytes(32).toString('base64url');
}

const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function isManageSecret(value: string): boolean {
  return SECRET_PATTERN.test(value);
}

/** The owner of every gallery the secret was issued for. */
export function webOwnerOf(secret: string): Owner {
  const id = createHash('sha256').update(`maiimg manage link v1:${secret}`).digest('base64url');
  return { platform: 'web', userId: id };
}

/** Whether `secret` is the one the gallery's web owner was made from (constant time). */
export function secretOwns(secret: string, owner: Owner): boolean {
  if (owner.platform !== 'web' || !isManageSecret(secret)) return false;
  const expected = Buffer.from(webOwnerOf(secret).userId);
  const actual = Buffer.from(owner.userId);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

export function manageUrl(publicBaseUrl: string, slug: string, secret: string): string {
  return `${publicBaseUrl}/manage/${slug}/${secret}`;
}
