import type { BlobStore, Logger } from '../ports.js';

export interface PendingRemovalsDeps {
  blobs: BlobStore;
  logger: Logger;
  /**
   * Whether a key is in use again by the time it is retried: blobs are content-addressed, so a later
   * batch may have stored the same picture in the meantime, and its gallery must keep it.
   */
  stillUsed(key: string): Promise<boolean>;
  /** First retry after this long, doubling up to `maxRetryMs`. */
  retryMs?: number;
  maxRetryMs?: number;
}

/**
 * Objects that must go but could not be deleted because the store was unreachable — what a failed
 * batch had already written when the store went away, or a deleted gallery's files. When a store
 * fails mid-batch, the clean-up right after fails too; without this, those objects would stay in
 * the bucket with nothing referring to them. They are retried in the background until the store
 * answers, and once more on close.
 *
 * Held in memory: a process that dies before the store comes back leaves them behind (logged as
 * orphaned with their keys, so an operator can remove them).
 */
export class PendingRemovals {
  private readonly keys = new Set<string>();
  private readonly retryMs: number;
  private readonly maxRetryMs: number;
  private delayMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly deps: PendingRemovalsDeps) {
    this.retryMs = deps.retryMs ?? 1000;
    this.maxRetryMs = deps.maxRetryMs ?? 60_000;
    this.delayMs = this.retryMs;
  }

  /** How many objects are waiting to be removed. */
  get size(): number {
    return this.keys.size;
  }

  /** Deletes each key now; those the store refuses are kept and retried later. */
  async remove(keys: Iterable<string>): Promise<void> {
    const failed: string[] = [];
    for (const key of keys) {
      try {
        await this.deps.blobs.delete(key);
      } catch (error) {
        this.deps.logger.warn({ err: error, key }, 'could not remove a stored file; will retry when the store answers');
        failed.push(key);
      }
    }
    if (failed.length === 0) return;
    for (const key of failed) this.keys.add(key);
    this.schedule();
  }

  /** One pass over the waiting keys (also what the timer runs). */
  retry(): Promise<void> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Stops the timer after a last attempt; whatever is still waiting is logged as orphaned. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.retry();
    if (this.keys.size) {
      this.deps.logger.error(
        { keys: [...this.keys] },
        'stored files could not be removed before stopping; they are orphaned',
      );
    }
  }

  private schedule(): void {
    if (this.closed || this.timer || this.keys.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.retry().then(() => this.schedule());
    }, this.delayMs);
    // Waiting to tidy up must never keep a finished process alive.
    this.timer.unref();
  }

  private async pass(): Promise<void> {
    if (this.keys.size === 0) return;
    for (const key of [...this.keys]) {
      try {
        if (!(await this.deps.stillUsed(key))) await this.deps.blobs.delete(key);
        this.keys.delete(key);
      } catch {
        // Still unreachable (store or database): wait longer before the next try.
        this.delayMs = Math.min(this.maxRetryMs, this.delayMs * 2);
        return;
      }
    }
    this.delayMs = this.retryMs;
    if (this.keys.size === 0) this.deps.logger.info('stored files left by a failed batch were removed');
  }
}
