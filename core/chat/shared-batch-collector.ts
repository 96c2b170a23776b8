import type { Logger } from '../ports.js';
import type { BatchWindowStore } from '../shared-state/shared-state.js';

export interface SharedBatchCollectorOptions<Item, Meta> {
  /** Where open windows live: this process's memory, or a store every instance shares. */
  store: BatchWindowStore;
  /** Keeps one adapter's windows apart from another's (`telegram`, `slack`, ...). */
  namespace: string;
  /** Quiet period: a batch is closed when nothing new arrived for this long. */
  quietMs: number;
  /** Hard maximum: a batch is closed this long after its first item, however busy it still is. */
  maxWaitMs: number;
  /** Called once per closed batch, in the one instance that claimed it. */
  onBatch: (key: string, items: Item[], meta: Meta) => Promise<void>;
  /** Folds the metadata of later additions into the first one's (a caption arriving on the second photo). */
  mergeMeta?: (current: Meta, next: Meta) => Meta;
  logger: Logger;
  /**
   * How often to look for windows that are long due but unclaimed, because every instance that
   * saw them stopped or died (default 10 s; 0 turns it off).
   */
  sweepIntervalMs?: number;
}

interface Entry<Item, Meta> {
  items: Item[];
  meta: Meta;
}

/**
 * BatchCollector's behaviour (one batch per sender and chat, closed after a quiet period or a hard
 * maximum) with the open windows kept in a BatchWindowStore, so a bot's webhooks may be spread over
 * several instances: whichever instance receives a photo adds it, and exactly one claims the batch.
 * Items and metadata must therefore be plain JSON data (no class instances, Dates become strings).
 */
export class SharedBatchCollector<Item, Meta> {
  /** Windows this instance added to, with the timer that will try to claim each. */
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private readonly sweepTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: SharedBatchCollectorOptions<Item, Meta>) {
    const every = options.sweepIntervalMs ?? 10_000;
    if (every > 0) {
      this.sweepTimer = setInterval(() => void this.sweep(), every);
      this.sweepTimer.unref();
    }
  }

  /**
   * Adds items to the key's open batch (opening one if needed). Returns the number of items in the
   * batch so far, from every instance, or -1 when this collector is shutting down.
   */
  async add(key: string, items: Item[], meta: Meta): Promise<number> {
    if (this.closed) return -1;
    const entry: Entry<Item, Meta> = { items, meta };
    const { count, dueInMs } = await this.options.store.append(
      this.storeKey(key),
      JSON.stringify(entry),
      items.length,
      {
        quietMs: this.options.quietMs,
        maxWaitMs: this.options.maxWaitMs,
      },
    );
    if (this.closed) {
      // Stopped while the entry was being written: take the batch now rather than leave it.
      void this.claim(key, true);
      return count;
    }
    this.schedule(key, dueInMs);
    return count;
  }

  /** Batches this instance is waiting on or processing. */
  get pending(): number {
    return this.timers.size + this.running.size;
  }

  /** Closes the key's batch now and processes it (if no other instance already did). */
  flush(key: string): Promise<void> {
    return this.claim(key, true);
  }

  /** For a graceful stop: accept nothing new, process every batch this instance added to, and wait for them. */
  async drain(): Promise<void> {
    this.closed = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    const keys = [...this.timers.keys()];
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.all(keys.map((key) => this.claim(key, true)));
    while (this.running.size) await Promise.all([...this.running]);
  }

  private storeKey(key: string): string {
    return `${this.options.namespace}:${key}`;
  }

  private schedule(key: string, delayMs: number): void {
    const previous = this.timers.get(key);
    if (previous) clearTimeout(previous);
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        void this.claim(key, false);
      }, delayMs),
    );
  }

  private claim(key: string, force: boolean): Promise<void> {
    const work = this.claimAndProcess(key, force)
      .catch((error: unknown) => this.options.logger.error({ err: error, key }, 'batch processing failed'))
      .finally(() => this.running.delete(work));
    this.running.add(work);
    return work;
  }

  private async claimAndProcess(key: string, force: boolean): Promise<void> {
    let claim;
    try {
      claim = await this.options.store.claim(this.storeKey(key), force || this.closed);
    } catch (error) {
      // The store is away for a moment: try again later (the window is still there).
      if (!this.closed) this.schedule(key, Math.min(this.options.quietMs, 5_000));
      throw error;
    }
    if (claim.status === 'gone') return;
    if (claim.status === 'waiting') {
      // Something arrived meanwhile (here or at another instance): the window is due later.
      if (!this.closed) this.schedule(key, claim.dueInMs);
      return;
    }
    const entries = claim.entries.filter((line) => line !== '').map((line) => JSON.parse(line) as Entry<Item, Meta>);
    if (entries.length === 0) return;
    const items = entries.flatMap((entry) => entry.items);
    const merge = this.options.mergeMeta;
    const meta = entries
      .slice(1)
      .reduce((current, entry) => (merge ? merge(current, entry.meta) : current), entries[0]!.meta);
    await this.options.onBatch(key, items, meta);
  }

  private async sweep(): Promise<void> {
    if (this.closed) return;
    const prefix = `${this.options.namespace}:`;
    try {
      const keys = await this.options.store.overdue(Math.max(5_000, this.options.quietMs));
      for (const storeKey of keys) {
        const key = storeKey.slice(prefix.length);
        if (storeKey.startsWith(prefix) && !this.timers.has(key)) void this.claim(key, false);
      }
    } catch (error) {
      this.options.logger.warn({ err: error }, 'could not look for abandoned batches');
    }
  }
}
