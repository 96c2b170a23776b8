/** Stable error codes. Adapters map them to text (messages.ts) and, on the web, to HTTP statuses. */
export const ERROR_CODES = [
  'UNSUPPORTED_FORMAT',
  'EMPTY_FILE',
  'FILE_TOO_LARGE',
  'CORRUPT_IMAGE',
  'IMAGE_TOO_LARGE',
  'TOO_MANY_FRAMES',
  'TOO_MANY_FILES',
  'EMPTY_BATCH',
  'NO_VALID_FILES',
  'GALLERY_NOT_FOUND',
  'NOT_OWNER',
  'INVALID_REFERENCE',
  'INVALID_OPTION',
  'STORAGE_UNAVAILABLE',
  'DATABASE_UNAVAILABLE',
  'FOLDER_NOT_WRITABLE',
  'DOWNLOAD_FAILED',
  'FILE_UNREADABLE',
  'PLATFORM_FILE_TOO_LARGE',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export type ErrorParams = Record<string, string | number>;

/** The one error type the core throws on purpose. `params` fill the message catalogue's placeholders. */
export class MaiimgError extends Error {
  readonly code: ErrorCode;
  readonly params: ErrorParams;

  constructor(code: ErrorCode, params: ErrorParams = {}, options?: { cause?: unknown }) {
    super(`${code}${Object.keys(params).length ? ' ' + JSON.stringify(params) : ''}`, options);
    this.name = 'MaiimgError';
    this.code = code;
    this.params = params;
  }
}

export function isMaiimgError(error: unknown, code?: ErrorCode): error is MaiimgError {
  return error instanceof MaiimgError && (code === undefined || error.code === code);
}

/** An error and the errors in its `cause` chain, outermost first (at most `maxDepth` of them). */
export function* errorChain(error: unknown, maxDepth = 3): Generator<object> {
  let current = error;
  for (let depth = 0; current && typeof current === 'object' && depth < maxDepth; depth++) {
    yield current;
    current = (current as { cause?: unknown }).cause;
  }
}
