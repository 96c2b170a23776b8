import { Worker } from 'node:worker_threads';
import type { Config } from '../config.js';
import { ERROR_CODES, MaiimgError, type ErrorCode } from '../errors.js';
import type { Logger } from '../ports.js';
import type { VisitBatch } from './visit-repository.js';
import type { VisitWriter } from './visit-writer.js';

export type WriterRequest = { type: 'write'; id: number; batch: VisitBatch } | { type: 'close' };
export type WriterReply = { id: number; error?: { message: string; code?: string; name?: string } };

/**
 * The visit writer on a thread of its own. Writing a batch (building it, SQLite's inserts and
 * commits, or PostgreSQL's protocol work) is the only work of an open that grows with the traffic;
 * on the main thread it would pause every page for as long. Here the main thread only hands over
 * the rows (a structured copy) and learns the outcome. Batches are written one at a time, in order.
 */
export class ThreadedVisitWriter implements VisitWriter {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  private nextId = 1;
  private exited: Promise<void>;

  constructor(database: Config['database'], logger: Logger, logLevel: string) {
    this.worker = new Worker(new URL('./visit-writer-worker.mjs', import.meta.url), { workerData: { database, logLevel } });
    this.worker.on('message', (reply: WriterReply) => {
      const pending = this.waiting.get(reply.id);
      if (!pending) return;
      this.waiting.delete(reply.id);
      if (this.waiting.size === 0) this.worker.unref();
      if (!reply.error) pending.resolve();
      else pending.reject(rebuildError(reply.error));
    });
    this.exited = new Promise((resolve) => {
      this.worker.once('exit', (code) => {
        // Anything still waiting is handed back to the recorder, which keeps the rows and retries.
        for (const pending of this.waiting.values()) pending.reject(new MaiimgError('DATABASE_UNAVAILABLE'));
        this.waiting.clear();
        if (code !== 0) logger.error({ code }, 'the visit writer thread stopped');
        resolve();
      });
    });
    this.worker.on('error', (error) => logger.error({ err: error }, 'the visit writer thread failed'));
    // An idle thread never keeps a finished process alive (close() ends it properly); one with a
    // batch in hand does, so a write being awaited is never cut short.
    this.worker.unref();
  }

  write(batch: VisitBatch): Promise<void> {
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ type: 'write', id, batch } satisfies WriterRequest);
    });
  }

  async close(): Promise<void> {
    this.worker.ref();
    this.worker.postMessage({ type: 'close' } satisfies WriterRequest);
    await this.exited;
  }
}

function rebuildError(error: NonNullable<WriterReply['error']>): Error {
  if (error.name === 'MaiimgError' && (ERROR_CODES as readonly string[]).includes(error.code ?? '')) return new MaiimgError(error.code as ErrorCode);
  return Object.assign(new Error(error.message), { code: error.code });
}
