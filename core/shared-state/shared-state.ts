/**
 * State that every instance of the product must see alike: with several web instances behind one
 * address, or bot webhooks spread over several processes, none of it may live in one process's
 * memory. Three implementations: in-process (the embedded default: one process, no Redis),
 * the database (PostgreSQL when scaled out; portable SQL, so SQLite works too) and Redis.
 *
 * Times are milliseconds since the epoch from the instances' own clocks: windows last seconds to
 * minutes, so the skew NTP leaves between machines does not matter.
 */

/** Fixed-window counters, e.g. failed password attempts per visitor and gallery. */
export interface WindowCounter {
  /**
   * Counts one hit (or `amount`, a positive whole number below 2^31 in all) for `key` in its current
   * window; a key whose window has ended starts a new one of `windowMs`. Exact under concurrency,
   * across processes.
   */
  increment(key: string, windowMs: number, amount?: number): Promise<{ count: number; resetAt: Date }>;
  /** The count of `key` in its current window (0 when none is open); changes nothing. */
  peek(key: string): Promise<number>;
  /** Takes one hit back (a request that turned out not to count); never goes below zero. */
  decrement(key: string): Promise<void>;
  /** Forgets the key. */
  reset(key: string): Promise<void>;
}

/** When an open batch window closes: quiet for `quietMs`, or `maxWaitMs` after it opened. */
export interface BatchTiming {
  quietMs: number;
  maxWaitMs: number;
}

export type BatchClaim =
  /** This caller won the window: its entries in arrival order; the window is gone for everyone else. */
  | { status: 'claimed'; entries: string[] }
  /** Still collecting (something arrived meanwhile): ask again in `dueInMs`. */
  | { status: 'waiting'; dueInMs: number }
  /** No such window: another instance claimed it, or it never existed. */
  | { status: 'gone' };

/**
 * Chat batch windows (core/chat/shared-batch-collector.ts): whichever instance receives a photo
 * appends it to the sender's open window, and exactly one instance claims the window once it is due.
 * Entries are opaque strings (JSON) without line breaks.
 */
export interface BatchWindowStore {
  /** Appends one entry holding `itemCount` items, opening the window if none is open. */
  append(
    key: string,
    entry: string,
    itemCount: number,
    timing: BatchTiming,
  ): Promise<{ count: number; dueInMs: number }>;
  /** Takes the window if it is due (or at once with `force`). Atomic: one caller gets the entries. */
  claim(key: string, force?: boolean): Promise<BatchClaim>;
  /** Keys of windows due at least `graceMs` ago and still unclaimed (their instance stopped or died). */
  overdue(graceMs: number): Promise<string[]>;
}

export type SharedStateDriver = 'memory' | 'database' | 'redis';

/** The shared state of one process, opened by openCore from the configuration. */
export interface SharedState {
  readonly driver: SharedStateDriver;
  readonly counters: WindowCounter;
  readonly batchWindows: BatchWindowStore;
  /** Throws when the backing store cannot be reached (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
