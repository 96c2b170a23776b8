import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import type { BlobStore } from '../core/ports.js';

export interface BlobResponse {
  key: string;
  contentType: string;
  /** Strong validator; content-addressed blobs never change, so the hash is enough. */
  etag: string;
  cacheControl: string;
  /** `inline` or `attachment; filename=...` (built with res.attachment for proper encoding). */
  disposition: { type: 'inline' } | { type: 'attachment'; fileName: string };
}

/**
 * Sends one stored object: ETag / If-None-Match (304), a single byte range (206 / 416), HEAD
 * without a body, and the body streamed from the store with back-pressure. Returns false when the
 * object does not exist (nothing was sent).
 */
export async function sendBlob(req: Request, res: Response, blobs: BlobStore, blob: BlobResponse): Promise<boolean> {
  const stat = await blobs.stat(blob.key);
  if (!stat) return false;
  res.setHeader('ETag', blob.etag);
  res.setHeader('Cache-Control', blob.cacheControl);
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  if (blob.disposition.type === 'attachment') res.attachment(blob.disposition.fileName);
  else res.setHeader('Content-Disposition', 'inline');
  res.type(blob.contentType);

  if (etagMatches(req.headers['if-none-match'], blob.etag)) {
    res.status(304).end();
    return true;
  }

  let range: { start: number; end: number } | undefined;
  const ifRange = req.headers['if-range'];
  if (req.headers.range && (!ifRange || ifRange === blob.etag)) {
    const parsed = req.range(stat.size, { combine: true });
    if (parsed === -1) {
      res.status(416).setHeader('Content-Range', `bytes */${stat.size}`);
      res.end();
      return true;
    }
    // A malformed header (-2) or several ranges: answer with the whole object, which the RFC allows.
    if (Array.isArray(parsed) && parsed.type === 'bytes' && parsed.length === 1) range = parsed[0];
  }

  const length = range ? range.end - range.start + 1 : stat.size;
  res.setHeader('Content-Length', String(length));
  if (range) {
    res.status(206).setHeader('Content-Range', `bytes ${range.start}-${range.end}/${stat.size}`);
  }
  if (req.method === 'HEAD') {
    res.end();
    return true;
  }
  const opened = await blobs.stream(blob.key, range);
  if (!opened) {
    // Deleted between stat and read.
    res.removeHeader('Content-Length');
    return false;
  }
  try {
    await pipeline(opened.body, res);
  } catch (error) {
    // The visitor went away mid-download: nothing to report.
    if (!res.destroyed && !req.destroyed) throw error;
  }
  return true;
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === etag);
}
