import { readdirSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import pLimit, { type LimitFunction } from 'p-limit';

/**
 * The nice value of the threads that do the pixel work (libvips' workers). The server's own thread
 * stays at the process's priority: on a machine whose cores are all busy decoding, the kernel then
 * runs it as soon as a visitor's request arrives (nice 10 weighs about a tenth of nice 0), while the
 * image work still has every core when no visitor is there, so uploads are not slower on their own.
 */
export const IMAGE_THREAD_NICE = 10;

/** How often, while image work runs, new libvips threads are looked for (libvips starts them on demand). */
const PRIORITY_SCAN_MS = 100;

/**
 * Lowers the CPU priority of libvips' worker threads of this process (Linux, where priority is per
 * thread and libvips names its threads "libvips worker"; elsewhere a no-op). Returns how many
 * threads were lowered this time. Threads that libvips starts from a lowered thread inherit its
 * priority; those it starts from libuv's threads are found by the next call.
 */
export function lowerImageThreadPriority(nice: number = IMAGE_THREAD_NICE): number {
  if (process.platform !== 'linux') return 0;
  let lowered = 0;
  let tasks: string[];
  try {
    tasks = readdirSync('/proc/self/task');
  } catch {
    return 0;
  }
  for (const task of tasks) {
    const tid = Number(task);
    if (tid === process.pid) continue;
    try {
      if (!readFileSync(`/proc/self/task/${task}/comm`, 'latin1').startsWith('libvips')) continue;
      setPriority(tid, nice);
      lowered += 1;
    } catch {
      // The thread ended meanwhile, or the system refuses: the work runs at normal priority.
    }
  }
  return lowered;
}

export interface ImageWorkQueueOptions {
  /** Run libvips' threads at a lower CPU priority than the server's thread (default true). */
  lowerPriority?: boolean;
}

/**
 * The one queue all image work of the process goes through: decoding uploads and rendering display
 * versions. sharp runs each pipeline on one of libuv's worker threads, the same threads file reads
 * use; unbounded, a burst of renders took every thread and a cached thumbnail waited 26 s behind
 * them. Bounded below the thread pool's size, stored files are always served at once. And while
 * image work runs, its libvips threads yield the CPU to the server's thread (see
 * {@link IMAGE_THREAD_NICE}): visitors' pages and stored images come first.
 */
export class ImageWorkQueue {
  private readonly limit: LimitFunction;
  private readonly lowerPriority: boolean;
  private scan: NodeJS.Timeout | undefined;

  constructor(
    readonly concurrency: number,
    options: ImageWorkQueueOptions = {},
  ) {
    this.limit = pLimit(Math.max(1, concurrency));
    this.lowerPriority = options.lowerPriority ?? true;
  }

  /** Runs `work` when a slot is free; work waiting is started in arrival order. */
  run<T>(work: () => Promise<T>): Promise<T> {
    return this.limit(async () => {
      this.startPriorityScan();
      try {
        return await work();
      } finally {
        if (this.limit.activeCount <= 1) this.stopPriorityScan();
      }
    });
  }

  /** Image jobs running now plus those waiting. */
  get load(): number {
    return this.limit.activeCount + this.limit.pendingCount;
  }

  private startPriorityScan(): void {
    if (!this.lowerPriority || this.scan) return;
    lowerImageThreadPriority();
    this.scan = setInterval(lowerImageThreadPriority, PRIORITY_SCAN_MS);
    this.scan.unref();
  }

  private stopPriorityScan(): void {
    if (!this.scan) return;
    clearInterval(this.scan);
    this.scan = undefined;
    // Threads libvips started during the last job keep the lowered priority from here on.
    lowerImageThreadPriority();
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
