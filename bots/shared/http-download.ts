import { Readable } from 'node:stream';
import { MaiimgError } from '../../core/errors.js';
import type { IncomingFile } from '../../core/types.js';

export interface DownloadSpec {
  url: string;
  name: string;
  declaredBytes?: number;
  headers?: Record<string, string>;
  /** Refuse answers with these content types (e.g. Slack's HTML login page instead of a file). */
  refuseContentTypes?: RegExp;
  timeoutMs?: number;
}

/**
 * A platform file as an IncomingFile: the download starts when the core asks for the bytes and the
 * body is streamed, so the core stops it as soon as the size limit is passed.
 */
export function downloadFile(spec: DownloadSpec): IncomingFile {
  return {
    name: spec.name,
    declaredBytes: spec.declaredBytes,
    data: async () => {
      const response = await fetch(spec.url, {
        headers: spec.headers,
        redirect: 'follow',
        signal: AbortSignal.timeout(spec.timeoutMs ?? 60_000),
      });
      if (!response.ok || !response.body) {
        await response.body?.cancel();
        throw new MaiimgError('DOWNLOAD_FAILED', { status: response.status });
      }
      const type = response.headers.get('content-type') ?? '';
      if (spec.refuseContentTypes?.test(type)) {
        await response.body.cancel();
        throw new MaiimgError('DOWNLOAD_FAILED', { status: response.status, contentType: type });
      }
      return Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
    },
  };
}
