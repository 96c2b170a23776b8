import { describe, expect, it } from 'vitest';
import { isMaiimgError } from '../../core/errors.js';
import { slugFromReference, findReferenceInText } from '../../core/gallery-ref.js';
import { cleanTitle, displayFileName, parseExpiry, parseMaxOpens, parseOnOff } from '../../core/link-options.js';
import { isSlug, newSlug } from '../../core/slug.js';

const now = new Date('2026-11-26T12:00:00Z');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isMaiimgError(error) ? error.code : 'OTHER';
  }
  return undefined;
}

describe('link options people type', () => {
  it('parses durations, dates and off for the expiry', () => {
    expect(parseExpiry('7d', now)).toEqual(new Date('2026-12-03T12:00:00Z'));
    expect(parseExpiry('12h', now)).toEqual(new Date('2026-11-27T00:00:00Z'));
    expect(parseExpiry('2026-12-31', now)).toEqual(new Date('2026-12-31T00:00:00Z'));
    expect(parseExpiry('2026-12-31T00:00Z', now)).toEqual(new Date('2026-12-31T00:00:00Z'));
    expect(parseExpiry('off', now)).toBeNull();
  });

  it('refuses past dates and nonsense with INVALID_OPTION', () => {
    expect(codeOf(() => parseExpiry('2020-01-01', now))).toBe('INVALID_OPTION');
    expect(codeOf(() => parseExpiry('soon', now))).toBe('INVALID_OPTION');
    expect(codeOf(() => parseExpiry('0d', now))).toBe('INVALID_OPTION');
    expect(codeOf(() => parseExpiry('2026-13-45', now))).toBe('INVALID_OPTION');
  });

  it('accepts whole positive open limits and off', () => {
    expect(parseMaxOpens('10')).toBe(10);
    expect(parseMaxOpens('off')).toBeNull();
    for (const bad of ['0', '-1', '1.5', 'ten', ''])
      expect(
        codeOf(() => parseMaxOpens(bad)),
        bad,
      ).toBe('INVALID_OPTION');
  });

  it('reads on/off switches', () => {
    expect(parseOnOff('on', 'download')).toBe(true);
    expect(parseOnOff('OFF', 'download')).toBe(false);
    expect(codeOf(() => parseOnOff('maybe', 'download'))).toBe('INVALID_OPTION');
  });

  it('cleans titles and file names of control and bidi characters and paths', () => {
    expect(cleanTitle('  Holiday\u202e gpj.exe\n ')).toBe('Holiday gpj.exe');
    expect(cleanTitle('   ')).toBeNull();
    expect(cleanTitle('x'.repeat(500))!.length).toBe(200);
    expect(displayFileName('../../etc/passwd')).toBe('passwd');
    expect(displayFileName('a\u0000b\u200f.jpg')).toBe('ab.jpg');
    expect(displayFileName('C:\\Users\\me\\photo.jpg')).toBe('photo.jpg');
    expect(displayFileName('')).toBe('file');
    expect(displayFileName('n'.repeat(300)).length).toBe(120);
  });
});

describe('gallery references', () => {
  it('makes 128-bit URL-safe slugs that never repeat', () => {
    const slugs = new Set(Array.from({ length: 1000 }, newSlug));
    expect(slugs.size).toBe(1000);
    for (const slug of slugs) expect(isSlug(slug)).toBe(true);
  });

  it('starts every new slug with a letter or digit, so a command line never reads it as an option', () => {
    const firsts = new Set(Array.from({ length: 5000 }, () => newSlug()[0]));
    expect([...firsts].filter((c) => c === '-' || c === '_')).toEqual([]);
    // Still spread over the whole alphabet of letters and digits.
    expect(firsts.size).toBe(62);
    // Links made before this rule keep working.
    expect(isSlug('-WZbJ2dYSj0O__Kw7SeHNw')).toBe(true);
  });

  it('accepts a slug or a full link from any host', () => {
    const slug = newSlug();
    expect(slugFromReference(slug)).toBe(slug);
    expect(slugFromReference(`https://img.example.com/g/${slug}`)).toBe(slug);
    expect(slugFromReference(`<http://localhost:3000/g/${slug}/>`)).toBe(slug);
    expect(codeOf(() => slugFromReference('hello'))).toBe('INVALID_REFERENCE');
    expect(codeOf(() => slugFromReference('https://example.com/g/short'))).toBe('INVALID_REFERENCE');
  });

  it('finds a gallery link inside a message', () => {
    const slug = newSlug();
    expect(findReferenceInText(`Your gallery is ready: http://x.test/g/${slug}\n3 images`)).toBe(slug);
    expect(findReferenceInText('no link here')).toBeNull();
  });
});
