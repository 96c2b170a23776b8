import type { ErrorCode, ErrorParams } from '../../core/errors.js';

/** Codes of the refusals that belong to the web transport, not to the core's rules. */
export type UploadTransportCode =
  'CSRF_FAILED' | 'RATE_LIMITED' | 'QUOTA_EXCEEDED' | 'SERVER_BUSY' | 'BAD_UPLOAD' | 'UPLOAD_ABORTED';

/**
 * Why an upload request was refused before the core saw it: either one of the core's own rules
 * applied early while streaming (TOO_MANY_FILES, FILE_TOO_LARGE, INVALID_OPTION, with the core's
 * limits, codes and wording) or a transport problem. `file` names the file it is about, if any.
 */
export class UploadRefusal extends Error {
  constructor(
    readonly code: ErrorCode | UploadTransportCode,
    readonly params: ErrorParams = {},
    readonly file?: string,
  ) {
    super(`${code}${file ? ` (${file})` : ''}`);
    this.name = 'UploadRefusal';
  }
}
