import { createWriteStream } from 'node:fs';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import type { Request } from 'express';
import { formatBytes } from '../../core/messages.js';
import { UploadRefusal } from './upload-refusal.js';

/** The multipart field that carries the images; any other file field is skipped. */
export const FILES_FIELD = 'files';
/** Optional field, sent before the files: how many files follow, so too many are refused before any is read. */
export const FILE_COUNT_FIELD = 'fileCount';

export interface SpooledFile {
  /** The name the browser gave, for display only (the core sanitises it). */
  name: string;
  /** Where its bytes were written, inside the request's own spool folder. */
  path: string;
  bytes: number;
}

export interface ReceivedBatch {
  /** Text fields; when a name repeats, the last value wins (a hidden `off` before a checkbox). */
  fields: Map<string, string>;
  files: SpooledFile[];
}

export interface ReceiveOptions {
  /** An empty folder owned by this request; the caller removes it afterwards, whatever happens. */
  dir: string;
  maxFiles: number;
  maxFileBytes: number;
  /**
   * Runs once with the fields received so far, when the first file starts (or at the end when no
   * file came); throwing refuses the upload before any file byte is read (the CSRF field check).
   */
  beforeFiles?: (fields: Map<string, string>) => void;
}

/**
 * Streams a multipart upload to disk, one file at a time, and never holds more than a chunk in
 * memory. The core's limits apply while streaming: the file after the last one allowed, or the
 * byte after a file's limit, stops the reading at once with the core's code (TOO_MANY_FILES,
 * FILE_TOO_LARGE). On any refusal or when the client goes away, the promise rejects only after
 * every file being written is closed, so the caller can remove the folder and leave nothing behind.
 * After a rejection the request is paused and not read to its end.
 */
export function receiveBatch(req: Request, options: ReceiveOptions): Promise<ReceivedBatch> {
  const { dir, maxFiles, maxFileBytes } = options;
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        // Browsers send file names as raw UTF-8; busboy's default (latin1) would garble Chinese names.
        defParamCharset: 'utf8',
        // busboy signals `limit` on reaching fileSize, not on passing it: one byte more lets a file of
        // exactly the limit through, as the core does.
        limits: { files: maxFiles, fileSize: maxFileBytes + 1, fields: 20, fieldSize: 16 * 1024, parts: maxFiles + 20 },
      });
    } catch {
      reject(new UploadRefusal('BAD_UPLOAD'));
      return;
    }
    const fields = new Map<string, string>();
    const files: SpooledFile[] = [];
    const writes: Promise<void>[] = [];
    const streams = new Map<Readable, Writable>();
    let checked = false;
    let settled = false;

    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      req.unpipe(parser);
      req.pause();
      // With an error: a part already read to its end but destroyed without one would leave its
      // pipeline waiting for an 'end' that never comes.
      const stop = new Error('upload refused');
      for (const [stream, out] of streams) {
        stream.destroy(stop);
        out.destroy(stop);
      }
      parser.removeAllListeners();
      parser.on('error', () => undefined);
      void Promise.allSettled(writes).then(() => reject(error));
    };
    const runCheck = () => {
      if (checked) return;
      checked = true;
      options.beforeFiles?.(fields);
    };

    parser.on('field', (name, value, info) => {
      if (settled) return;
      if (info.valueTruncated || info.nameTruncated) return fail(new UploadRefusal('BAD_UPLOAD'));
      fields.set(name, value);
      const declared = name === FILE_COUNT_FIELD ? Number(value) : NaN;
      if (declared > maxFiles) fail(new UploadRefusal('TOO_MANY_FILES', { count: declared, limit: maxFiles }));
    });

    parser.on('file', (name, stream, info) => {
      // A form posted without JavaScript and no file chosen sends one empty part with no name.
      if (settled || name !== FILES_FIELD || !info.filename) {
        stream.resume();
        return;
      }
      try {
        runCheck();
      } catch (error) {
        stream.resume();
        fail(error);
        return;
      }
      const file: SpooledFile = { name: info.filename, path: path.join(dir, String(files.length)), bytes: 0 };
      files.push(file);
      const out = createWriteStream(file.path, { flags: 'wx' });
      streams.set(stream, out);
      stream.on('limit', () =>
        fail(new UploadRefusal('FILE_TOO_LARGE', { limit: formatBytes(maxFileBytes) }, file.name)),
      );
      writes.push(
        pipeline(stream, out).then(
          () => {
            streams.delete(stream);
            file.bytes = out.bytesWritten;
          },
          (error: unknown) => {
            streams.delete(stream);
            // A broken part is the client's doing; a failing disk is ours and surfaces as a server error.
            fail(stream.errored ? new UploadRefusal('BAD_UPLOAD') : error);
          },
        ),
      );
    });

    parser.on('filesLimit', () => {
      const declared = Number(fields.get(FILE_COUNT_FIELD));
      fail(
        new UploadRefusal('TOO_MANY_FILES', { count: declared > maxFiles ? declared : maxFiles + 1, limit: maxFiles }),
      );
    });
    parser.on('fieldsLimit', () => fail(new UploadRefusal('BAD_UPLOAD')));
    parser.on('partsLimit', () => fail(new UploadRefusal('BAD_UPLOAD')));
    parser.on('error', () => fail(new UploadRefusal('BAD_UPLOAD')));
    parser.on('close', () => {
      if (settled) return;
      try {
        runCheck();
      } catch (error) {
        fail(error);
        return;
      }
      void Promise.all(writes).then(() => {
        if (settled) return;
        settled = true;
        resolve({ fields, files });
      }, fail);
    });

    // The client went away (cancelled, closed the tab, lost the network) before the body was
    // handed over in full. Not `req.complete`: the whole body may have arrived and still sit in
    // the request's buffer, which closing the connection throws away.
    const aborted = () => {
      if (!req.readableEnded) fail(new UploadRefusal('UPLOAD_ABORTED'));
    };
    req.on('close', aborted);
    req.on('error', aborted);
    req.pipe(parser);
  });
}
