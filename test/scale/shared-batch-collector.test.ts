import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SharedBatchCollector } from '../../core/chat/shared-batch-collector.js';
import { silentLogger } from '../../core/logger.js';
import { systemClock } from '../../core/ports.js';
import { MemoryBatchWindowStore } from '../../core/shared-state/memory-shared-state.js';
import { redisSharedState } from '../../core/shared-state/redis-shared-state.js';
import type { BatchWindowStore, SharedState } from '../../core/shared-state/shared-state.js';

interface Photo {
  messageId: number;
}
interface Meta {
  chatId: number;
  title: string | null;
}

interface Batch {
  instance: string;
  key: string;
  items: Photo[];
  meta: Meta;
}

const toClose: Array<() => Promise<void>> = [];
afterEach(async () => {
  vi.useRealTimers();
  while (toClose.length) await toClose.pop()!();
});

/**
 * Timers and the clock under the test's control, so a window's timing is exact whatever the load on
 * the machine (a real sleep of 600 ms may well last 1 s there).
 */
function fakeTime(): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
}

/** One bot instance's collector; every batch it processes is pushed to `batches`. */
function collector(
  instance: string,
  store: BatchWindowStore,
  batches: Batch[],
  timing = { quietMs: 300, maxWaitMs: 5_000 },
  namespace = 'telegram',
) {
  const c = new SharedBatchCollector<Photo, Meta>({
    store,
    namespace,
    ...timing,
    logger: silentLogger(),
    mergeMeta: (current, next) => ({ ...current, title: current.title ?? next.title }),
    onBatch: async (key, items, meta) => {
      batches.push({ instance, key, items, meta });
    },
  });
  toClose.push(() => c.drain());
  return c;
}

/** Two connections to one Redis under one key prefix: what two instances of a deployment share. */
function sharedRedis(): [SharedState, SharedState] {
  const keyPrefix = `maiimg-test-${randomBytes(6).toString('hex')}:`;
  const open = () => {
    const state = redisSharedState({
      url: 'redis://127.0.0.1:6379',
      keyPrefix,
      clock: systemClock,
      logger: silentLogger(),
    });
    toClose.push(() => state.close());
    return state;
  };
  return [open(), open()];
}

/** Real time only (under fake timers vi.waitFor would move the clock itself). */
async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  await vi.waitFor(() => expect(check()).toBe(true), { timeout: timeoutMs, interval: 20 });
}

describe('SharedBatchCollector', () => {
  it('makes one batch of an album whose photos reach two different instances', async () => {
    const batches: Batch[] = [];
    const [one, two] = sharedRedis();
    const a = collector('a', one.batchWindows, batches);
    const b = collector('b', two.batchWindows, batches);
    // Webhook deliveries alternate between the instances, the caption on the second photo.
    expect(await a.add('chat1:user1', [{ messageId: 1 }], { chatId: 1, title: null })).toBe(1);
    expect(await b.add('chat1:user1', [{ messageId: 2 }], { chatId: 1, title: 'Trip' })).toBe(2);
    expect(await a.add('chat1:user1', [{ messageId: 3 }], { chatId: 1, title: null })).toBe(3);
    await until(() => batches.length > 0);
    // Both instances are done with the window (the other one found it claimed): no second batch can come.
    await until(() => a.pending + b.pending === 0);
    expect(batches).toHaveLength(1);
    expect(batches[0]).toMatchObject({
      key: 'chat1:user1',
      items: [{ messageId: 1 }, { messageId: 2 }, { messageId: 3 }],
      meta: { chatId: 1, title: 'Trip' },
    });
  });

  it('keeps separate senders and separate bots apart', async () => {
    const batches: Batch[] = [];
    const store = new MemoryBatchWindowStore(systemClock);
    const telegram = collector('t', store, batches);
    const slack = collector('s', store, batches, undefined, 'slack');
    await telegram.add('chat1:user1', [{ messageId: 1 }], { chatId: 1, title: null });
    await telegram.add('chat1:user2', [{ messageId: 2 }], { chatId: 1, title: null });
    await slack.add('chat1:user1', [{ messageId: 3 }], { chatId: 1, title: null });
    await until(() => batches.length === 3);
    expect(batches.map((b) => `${b.instance}:${b.key}:${b.items[0]!.messageId}`).sort()).toEqual([
      's:chat1:user1:3',
      't:chat1:user1:1',
      't:chat1:user2:2',
    ]);
  });

  it('waits for the quiet period after the last photo, whichever instance got it', async () => {
    fakeTime();
    const batches: Batch[] = [];
    // Two instances' collectors on one store (the store's own sharing is tested in shared-state.test.ts).
    const store = new MemoryBatchWindowStore(systemClock);
    const a = collector('a', store, batches, { quietMs: 1_000, maxWaitMs: 10_000 });
    const b = collector('b', store, batches, { quietMs: 1_000, maxWaitMs: 10_000 });
    await a.add('k', [{ messageId: 1 }], { chatId: 1, title: null });
    await vi.advanceTimersByTimeAsync(600);
    await b.add('k', [{ messageId: 2 }], { chatId: 1, title: null });
    await vi.advanceTimersByTimeAsync(600);
    // a's first timer has fired by now, found the window extended by b, and gone back to waiting.
    expect(batches).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(399);
    expect(batches).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(batches).toHaveLength(1);
    expect(batches[0]!.items).toHaveLength(2);
  });

  it('processes the batches in hand when stopping, and refuses new photos', async () => {
    const batches: Batch[] = [];
    const store = new MemoryBatchWindowStore(systemClock);
    const a = collector('a', store, batches, { quietMs: 60_000, maxWaitMs: 60_000 });
    await a.add('k', [{ messageId: 1 }], { chatId: 1, title: null });
    expect(a.pending).toBe(1);
    await a.drain();
    expect(batches).toHaveLength(1);
    expect(await a.add('k', [{ messageId: 2 }], { chatId: 1, title: null })).toBe(-1);
  });

  it('picks up a window left behind by an instance that died', async () => {
    fakeTime();
    const batches: Batch[] = [];
    const store = new MemoryBatchWindowStore(systemClock);
    // The dead instance appended and never claimed (its process is gone, timers with it).
    await store.append(
      'telegram:orphan',
      JSON.stringify({ items: [{ messageId: 9 }], meta: { chatId: 9, title: null } }),
      1,
      { quietMs: 1, maxWaitMs: 1 },
    );
    const survivor = new SharedBatchCollector<Photo, Meta>({
      store,
      namespace: 'telegram',
      quietMs: 100,
      maxWaitMs: 1_000,
      logger: silentLogger(),
      sweepIntervalMs: 50,
      onBatch: async (key, items, meta) => void batches.push({ instance: 'sweeper', key, items, meta }),
    });
    toClose.push(() => survivor.drain());
    // The sweep only takes windows overdue by a grace period (5 s), so a busy live instance keeps its own.
    await vi.advanceTimersByTimeAsync(4_000);
    expect(batches).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(batches).toHaveLength(1);
    expect(batches[0]).toMatchObject({ instance: 'sweeper', key: 'orphan', items: [{ messageId: 9 }] });
  });
});
