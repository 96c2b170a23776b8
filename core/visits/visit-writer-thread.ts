import { Worker } from 'node:worker_threads';
import type { Config } from '../config.js';
import { ERROR_CODES, MaiimgError, type ErrorCode } from '../errors.js';
import type { Logger } from '../ports.js';
import type { EnrichSettings } from './visit-enricher.js';
import type { VisitBatch } from './visit-repository.js';
import type { VisitWriter } from './visit-writer.js';

/**
 * The thread's entry beside this module: compiled, the worker's own JavaScript; run from the
 * TypeScript source (tests, development), a launcher that registers tsx first, since a worker thread
 * does not inherit the main thread's loader.
 */
const WORKER_ENTRY = import.meta.url.endsWith('.ts') ? './visit-writer-worker.mjs' : './visit-writer-thread-worker.js';

export type WriterRequest = { type: 'write'; id: number; batch: VisitBatch } | { type: 'close' };
export type WriterReply = { id: number; error?: { message: string; code?: string; name?: string } };

/**
 * The visit writer on a thread of its own. Writing a batch (looking up devices and places, building
 * the SQL, SQLite's inserts and commits, or PostgreSQL's protocol work) is the only work of an open
 * that grows with the traffic; on the main thread it would pause every page for as long. Here the
 * main thread only hands over the rows (a structured copy) and learns the outcome. Batches are
 * written one at a time, in order. geoip-lite's database is loaded on that thread only.
 */
export class ThreadedVisitWriter implements VisitWriter {
  /** Started with the first batch (a `maiimg list` never needs it), and again if it ever stops. */
  private thread: { worker: Worker; exited: Promise<void> } | undefined;
  private readonly waiting = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  private nextId = 1;

  constructor(
    private readonly database: Config['database'],
    private readonly logger: Logger,
    private readonly logLevel: string,
    private readonly enrich: EnrichSettings,
  ) {}

  write(batch: VisitBatch): Promise<void> {
    const { worker } = this.started();
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ type: 'write', id, batch } satisfies WriterRequest);
    });
  }

  async close(): Promise<void> {
    const thread = this.thread;
    if (!thread) return;
    thread.worker.ref();
    thread.worker.postMessage({ type: 'close' } satisfies WriterRequest);
    await thread.exited;
  }

  private started(): { worker: Worker; exited: Promise<void> } {
    if (this.thread) return this.thread;
    const worker = new Worker(new URL(WORKER_ENTRY, import.meta.url), {
      workerData: { database: this.database, logLevel: this.logLevel, enrich: this.enrich },
    });
    worker.on('message', (reply: WriterReply) => {
      const pending = this.waiting.get(reply.id);
      if (!pending) return;
      this.waiting.delete(reply.id);
      if (this.waiting.size === 0) worker.unref();
      if (!reply.error) pending.resolve();
      else pending.reject(rebuildError(reply.error));
    });
    worker.on('error', (error) => this.logger.error({ err: error }, 'the visit writer thread failed'));
    const exited = new Promise<void>((resolve) => {
      worker.once('exit', (code) => {
        if (this.thread?.worker === worker) this.thread = undefined;
        // Anything still waiting goes back to the recorder, which keeps the rows and tries again
        // (on a new thread).
        for (const pending of this.waiting.values()) pending.reject(new MaiimgError('DATABASE_UNAVAILABLE'));
        this.waiting.clear();
        if (code !== 0) this.logger.error({ code }, 'the visit writer thread stopped');
        resolve();
      });
    });
    // An idle thread never keeps a finished process alive (close() ends it properly); one with a
    // batch in hand does, so a write being awaited is never cut short.
    worker.unref();
    this.thread = { worker, exited };
    return this.thread;
  }
}

function rebuildError(error: NonNullable<WriterReply['error']>): Error {
  if (error.name === 'MaiimgError' && (ERROR_CODES as readonly string[]).includes(error.code ?? ''))
    return new MaiimgError(error.code as ErrorCode);
  return Object.assign(new Error(error.message), { code: error.code });
}
