import { randomBytes } from 'node:crypto';

const SLUG_LENGTH = 22;

/**
 * 22 URL-safe characters, uniform over base64url except that the first one is a letter or a digit:
 * a slug starting with "-" reads as an option to `maiimg` and most other command lines. That leaves
 * log2(62 × 64^21) ≈ 131.9 bits of randomness, above the 128 the link's secrecy rests on.
 */
export function newSlug(): string {
  for (;;) {
    // 17 bytes give 23 characters, each uniform; the first 22 carry 132 random bits.
    const slug = randomBytes(17).toString('base64url').slice(0, SLUG_LENGTH);
    if (/^[A-Za-z0-9]/.test(slug)) return slug;
  }
}

/** Slugs made before the first-character rule may still start with "-" or "_"; they stay valid. */
const SLUG_PATTERN = /^[A-Za-z0-9_-]{22}$/;

export function isSlug(value: string): boolean {
  return SLUG_PATTERN.test(value);
}
