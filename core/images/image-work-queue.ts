import pLimit, { type LimitFunction } from 'p-limit';

/**
 * The one queue all image work of the process goes through: decoding uploads and rendering display
 * versions. sharp runs each pipeline on one of libuv's worker threads, the same threads file reads
 * use; unbounded, a burst of renders took every thread and a cached thumbnail waited 26 s behind
 * them. Bounded below the thread pool's size, stored files are always served at once.
 */
export class ImageWorkQueue {
  private readonly limit: LimitFunction;

  constructor(readonly concurrency: number) {
    this.limit = pLimit(Math.max(1, concurrency));
  }

  /** Runs `work` when a slot is free; work waiting is started in arrival order. */
  run<T>(work: () => Promise<T>): Promise<T> {
    return this.limit(work);
  }

  /** Image jobs running now plus those waiting. */
  get load(): number {
    return this.limit.activeCount + this.limit.pendingCount;
  }
}

/** libuv's worker threads when UV_THREADPOOL_SIZE is not set. */
export const LIBUV_DEFAULT_THREADS = 4;

/**
 * Image jobs run at once: one per core (sharp's own libvips threads share the cores within a job),
 * but always two libuv threads fewer than the pool has, so file reads and other I/O find a thread.
 */
export function defaultImageConcurrency(cores: number, threadPoolSize: number = LIBUV_DEFAULT_THREADS): number {
  return Math.max(1, Math.min(cores, threadPoolSize - 2));
}
