import type { Logger } from '../ports.js';

export interface BatchCollectorOptions<Item, Meta> {
  /** Quiet period: a batch is closed when nothing new arrived for this long. */
  quietMs: number;
  /** Hard maximum: a batch is closed this long after its first item, however busy it still is. */
  maxWaitMs: number;
  /** Called once per closed batch, outside the platform's event handler. */
  onBatch: (key: string, items: Item[], meta: Meta) => Promise<void>;
  logger: Logger;
}

interface OpenBatch<Item, Meta> {
  items: Item[];
  meta: Meta;
  quietTimer: NodeJS.Timeout;
  maxTimer: NodeJS.Timeout;
}

/**
 * Everything one user sends in one chat within a quiet window becomes one batch, whichever way it
 * arrived (single photos, albums, files in a row). Timers flush batches outside the handlers, since
 * some SDKs (telegraf) wait for every handler of a poll before fetching more updates.
 */
export class BatchCollector<Item, Meta> {
  private readonly open = new Map<string, OpenBatch<Item, Meta>>();
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly options: BatchCollectorOptions<Item, Meta>) {}

  /**
   * Adds items to the key's open batch (opening one if needed). `meta` of the first call is kept,
   * except that `mergeMeta` can fold later metadata (a caption arriving on the second photo) in.
   * Returns the number of items collected so far, or -1 when the collector is shutting down.
   */
  add(key: string, items: Item[], meta: Meta, mergeMeta?: (current: Meta, next: Meta) => Meta): number {
    if (this.closed) return -1;
    const existing = this.open.get(key);
    if (existing) {
      existing.items.push(...items);
      if (mergeMeta) existing.meta = mergeMeta(existing.meta, meta);
      existing.quietTimer.refresh();
      return existing.items.length;
    }
    const batch: OpenBatch<Item, Meta> = {
      items: [...items],
      meta,
      quietTimer: setTimeout(() => this.flush(key), this.options.quietMs),
      maxTimer: setTimeout(() => this.flush(key), this.options.maxWaitMs),
    };
    this.open.set(key, batch);
    return batch.items.length;
  }

  /** Number of batches still collecting or being processed. */
  get pending(): number {
    return this.open.size + this.running.size;
  }

  /** Closes the key's batch now and processes it. */
  flush(key: string): Promise<void> {
    const batch = this.open.get(key);
    if (!batch) return Promise.resolve();
    this.open.delete(key);
    clearTimeout(batch.quietTimer);
    clearTimeout(batch.maxTimer);
    const work = this.options
      .onBatch(key, batch.items, batch.meta)
      .catch((error: unknown) => this.options.logger.error({ err: error, key }, 'batch processing failed'))
      .finally(() => this.running.delete(work));
    this.running.add(work);
    return work;
  }

  /** For a graceful stop: accept nothing new, process every batch in hand, and wait for them. */
  async drain(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.open.keys()].map((key) => this.flush(key)));
    await Promise.all([...this.running]);
  }
}
