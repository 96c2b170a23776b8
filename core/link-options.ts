import { MaiimgError } from './errors.js';

/**
 * Parsing of the values people type for link settings, shared by the CLI, the bots and the web:
 * `7d`, `12h`, `30m`, `2w`, an ISO date (`2026-12-31` or `2026-12-31T00:00Z`), or `off`.
 */
const DURATION = /^(\d+)\s*(m|min|h|d|w)$/i;
const UNIT_MS: Record<string, number> = { m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
export const OFF_WORDS = ['off', 'none', 'never', 'no', 'false', '关闭', '无'];

export function isOff(value: string): boolean {
  return OFF_WORDS.includes(value.trim().toLowerCase());
}

/** Returns the absolute expiry, or null for "off". Refuses past dates and nonsense. */
export function parseExpiry(value: string, now: Date): Date | null {
  const text = value.trim();
  if (isOff(text)) return null;
  const duration = DURATION.exec(text);
  let at: Date;
  if (duration) {
    const amount = Number(duration[1]);
    if (amount <= 0) throw new MaiimgError('INVALID_OPTION', { option: 'option.expiry', reason: 'reason.future' });
    at = new Date(now.getTime() + amount * UNIT_MS[duration[2]!.toLowerCase()]!);
  } else if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    at = new Date(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  } else {
    throw new MaiimgError('INVALID_OPTION', { option: 'option.expiry', reason: 'reason.expiryFormat' });
  }
  if (Number.isNaN(at.getTime())) {
    throw new MaiimgError('INVALID_OPTION', { option: 'option.expiry', reason: 'reason.invalidDate' });
  }
  if (at.getTime() <= now.getTime()) {
    throw new MaiimgError('INVALID_OPTION', { option: 'option.expiry', reason: 'reason.future' });
  }
  return at;
}

/** Maximum opens: a positive whole number, or null for "off". */
export function parseMaxOpens(value: string | number): number | null {
  if (typeof value === 'string' && isOff(value)) return null;
  const n = typeof value === 'number' ? value : Number(value.trim());
  if (!Number.isInteger(n) || n < 1 || n > 1_000_000_000) {
    throw new MaiimgError('INVALID_OPTION', { option: 'option.maxOpens', reason: 'reason.wholeNumberOrOff' });
  }
  return n;
}

export function parseOnOff(value: string, option: string): boolean {
  const v = value.trim().toLowerCase();
  if (['on', 'yes', 'true', '1', 'allow', '开', '开启'].includes(v)) return true;
  if (isOff(v)) return false;
  throw new MaiimgError('INVALID_OPTION', { option, reason: 'reason.onOff' });
}

export const MAX_TITLE_LENGTH = 200;

/** Half of a surrogate pair without its other half: not text, and refused by JSON and database drivers. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** The first `max` characters (code points, so an emoji is never cut in half). */
function firstCharacters(text: string, max: number): string {
  return Array.from(text).slice(0, max).join('');
}

export const MAX_PASSWORD_LENGTH = 200;

/** Titles are plain text: control and bidi-override characters are removed, length capped. */
export function cleanTitle(value: string | null | undefined): string | null {
  if (value == null) return null;
  const cleaned = value
    // Control characters and bidi overrides would let a title reorder or hide text around it.
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g, ' ')
    .replace(LONE_SURROGATE, '')
    .replace(/\s+/g, ' ')
    .trim();
  return firstCharacters(cleaned, MAX_TITLE_LENGTH).trim() || null;
}

export function checkPassword(value: string): string {
  if (value.length < 1 || value.length > MAX_PASSWORD_LENGTH) {
    throw new MaiimgError('INVALID_OPTION', {
      option: 'option.password',
      reason: 'reason.length',
      max: MAX_PASSWORD_LENGTH,
    });
  }
  return value;
}

export const MAX_FILE_NAME_LENGTH = 120;

/** File names are shown to people, never used as paths: strip directories, controls and bidi marks. */
export function displayFileName(name: string, fallback = 'file'): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = base
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069\u200e\u200f]/g, '')
    .replace(LONE_SURROGATE, '')
    .trim();
  // A long name keeps its extension, so the download still opens with the right program.
  const extension = /\.[A-Za-z0-9]{1,10}$/.exec(cleaned)?.[0] ?? '';
  const short =
    Array.from(cleaned).length <= MAX_FILE_NAME_LENGTH
      ? cleaned
      : firstCharacters(cleaned, MAX_FILE_NAME_LENGTH - extension.length).trim() + extension;
  // "." and ".." name directories, not files: a download or ZIP entry must never be called that.
  return short && !/^\.+$/.test(short) ? short : fallback;
}
