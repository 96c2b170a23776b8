import { randomBytes } from 'node:crypto';

/** 16 random bytes = 128 bits, base64url: 22 URL-safe characters. */
export function newSlug(): string {
  return randomBytes(16).toString('base64url');
}

const SLUG_PATTERN = /^[A-Za-z0-9_-]{22}$/;

export function isSlug(value: string): boolean {
  return SLUG_PATTERN.test(value);
}
