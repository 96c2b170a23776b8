// Both adapters enforce the same key grammar so that switching STORAGE_DRIVER can never make a
// previously accepted key invalid, and so that no key can name a path outside the local root.
// Segments must start with [a-z0-9]: that rules out `.`/`..` segments and the dot-prefixed temp
// files the local store writes, so a leftover temp file can never be read back as an object.
const SAFE_KEY = /^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*$/;

// S3's own limit; a longer key would work locally but fail on S3.
const MAX_KEY_LENGTH = 1024;

/** Throws unless `key` is a relative, lowercase, slash-separated key with no `..` in it. */
export function assertSafeBlobKey(key: string): void {
  if (
    typeof key !== 'string' ||
    key.length === 0 ||
    key.length > MAX_KEY_LENGTH ||
    key.includes('..') ||
    !SAFE_KEY.test(key)
  ) {
    throw new Error(`Unsafe blob key refused: ${JSON.stringify(String(key).slice(0, 200))}`);
  }
}

/** Throws a RangeError unless `range` is a pair of whole numbers with 0 <= start <= end. */
export function assertValidRange(range: { start: number; end: number }): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new RangeError(`Invalid byte range ${start}-${end}`);
  }
}
