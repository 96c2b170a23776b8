import type { Clock } from '../ports.js';
import type { BatchClaim, BatchTiming, BatchWindowStore, SharedState, WindowCounter } from './shared-state.js';

/** Counters in this process's memory: right for one process (the embedded default). */
export class MemoryWindowCounter implements WindowCounter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  private hitsSinceSweep = 0;

  constructor(private readonly clock: Clock) {}

  async increment(key: string, windowMs: number, amount = 1): Promise<{ count: number; resetAt: Date }> {
    const now = this.clock.now().getTime();
    // Bounded memory without a timer: ended windows are dropped every so often.
    if (++this.hitsSinceSweep >= 1000) this.sweep(now);
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      window = { count: 0, resetAt: now + windowMs };
      this.windows.set(key, window);
    }
    window.count += amount;
    return { count: window.count, resetAt: new Date(window.resetAt) };
  }

  async peek(key: string): Promise<number> {
    const window = this.windows.get(key);
    return window && window.resetAt > this.clock.now().getTime() ? window.count : 0;
  }

  async decrement(key: string): Promise<void> {
    const window = this.windows.get(key);
    if (window && window.count > 0) window.count -= 1;
  }

  async reset(key: string): Promise<void> {
    this.windows.delete(key);
  }

  private sweep(now: number): void {
    this.hitsSinceSweep = 0;
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
  }
}

interface MemoryWindow {
  entries: string[];
  count: number;
  openedAt: number;
  dueAt: number;
}

/** Batch windows in this process's memory: right when one process receives all of a bot's events. */
export class MemoryBatchWindowStore implements BatchWindowStore {
  private readonly windows = new Map<string, MemoryWindow>();

  constructor(private readonly clock: Clock) {}

  async append(
    key: string,
    entry: string,
    itemCount: number,
    timing: BatchTiming,
  ): Promise<{ count: number; dueInMs: number }> {
    const now = this.clock.now().getTime();
    let window = this.windows.get(key);
    if (!window) {
      window = { entries: [], count: 0, openedAt: now, dueAt: now };
      this.windows.set(key, window);
    }
    window.entries.push(entry);
    window.count += itemCount;
    window.dueAt = Math.min(now + timing.quietMs, window.openedAt + timing.maxWaitMs);
    return { count: window.count, dueInMs: Math.max(0, window.dueAt - now) };
  }

  async claim(key: string, force = false): Promise<BatchClaim> {
    const window = this.windows.get(key);
    if (!window) return { status: 'gone' };
    const now = this.clock.now().getTime();
    if (!force && window.dueAt > now) return { status: 'waiting', dueInMs: window.dueAt - now };
    this.windows.delete(key);
    return { status: 'claimed', entries: window.entries };
  }

  async overdue(graceMs: number): Promise<string[]> {
    const limit = this.clock.now().getTime() - graceMs;
    return [...this.windows].filter(([, window]) => window.dueAt <= limit).map(([key]) => key);
  }
}

export function memorySharedState(clock: Clock): SharedState {
  return {
    driver: 'memory',
    counters: new MemoryWindowCounter(clock),
    batchWindows: new MemoryBatchWindowStore(clock),
    async ping() {},
    async close() {},
  };
}
