import type { IncrementResponse, Options, Store } from 'express-rate-limit';
import type { WindowCounter } from '../core/shared-state/shared-state.js';

/**
 * express-rate-limit's store over the core's shared counters, so a limit holds across every web
 * instance (with SHARED_STATE=database or redis) instead of per process.
 */
export class SharedRateLimitStore implements Store {
  readonly localKeys: boolean;
  private windowMs = 60_000;

  /** `prefix` keeps one limiter's keys apart from another's (`password:`, `upload:`, ...). */
  constructor(
    private readonly counters: WindowCounter,
    readonly prefix: string,
    options: { shared: boolean },
  ) {
    this.localKeys = !options.shared;
  }

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  async increment(key: string): Promise<IncrementResponse> {
    const { count, resetAt } = await this.counters.increment(this.prefix + key, this.windowMs);
    return { totalHits: count, resetTime: resetAt };
  }

  async decrement(key: string): Promise<void> {
    await this.counters.decrement(this.prefix + key);
  }

  async resetKey(key: string): Promise<void> {
    await this.counters.reset(this.prefix + key);
  }
}
