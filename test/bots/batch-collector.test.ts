import { describe, expect, it } from 'vitest';
import { BatchCollector } from '../../core/chat/batch-collector.js';
import type { Logger } from '../../core/ports.js';

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The collector every bot uses to turn "everything one user sends within a quiet window" into one batch. */
function collector(quietMs: number, maxWaitMs: number) {
  const batches: Array<{ key: string; items: number[]; closedAfterMs: number }> = [];
  const started = Date.now();
  const c = new BatchCollector<number, { first: number }>({
    quietMs,
    maxWaitMs,
    logger: silent,
    onBatch: async (key, items) => {
      batches.push({ key, items, closedAfterMs: Date.now() - started });
    },
  });
  return { c, batches };
}

describe('chat batches (BatchCollector)', () => {
  it('closes a batch once nothing new arrived for the quiet period, keeping senders apart', async () => {
    const { c, batches } = collector(300, 10_000);
    c.add('chat1:alice', [1], { first: 1 });
    c.add('chat1:bob', [10], { first: 10 });
    await delay(200);
    expect(c.add('chat1:alice', [2, 3], { first: 2 })).toBe(3);
    await delay(200);
    // bob's window (300 ms since his only item) has closed; alice's was extended by her second message.
    expect(batches).toEqual([{ key: 'chat1:bob', items: [10], closedAfterMs: expect.any(Number) }]);
    await delay(250);
    expect(batches.map((b) => [b.key, b.items])).toEqual([
      ['chat1:bob', [10]],
      ['chat1:alice', [1, 2, 3]],
    ]);
  });

  it('closes a batch at the hard maximum even while items keep coming, and starts the next one', async () => {
    const { c, batches } = collector(300, 800);
    for (let i = 1; i <= 12; i++) {
      c.add('busy', [i], { first: i });
      await delay(100);
    }
    await delay(400);
    expect(batches.length).toBeGreaterThanOrEqual(2);
    // The first batch was cut by the maximum (items never paused for 300 ms), not by a quiet period.
    expect(batches[0]!.closedAfterMs).toBeLessThan(1100);
    expect(batches[0]!.items.length).toBeLessThan(12);
    // Nothing lost, nothing twice, order kept.
    expect(batches.flatMap((b) => b.items)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  });

  it('keeps the first metadata unless told how to merge later metadata in', async () => {
    const titles: Array<string | null> = [];
    const c = new BatchCollector<number, { title: string | null }>({
      quietMs: 100,
      maxWaitMs: 1000,
      logger: silent,
      onBatch: async (_key, _items, meta) => {
        titles.push(meta.title);
      },
    });
    c.add('album', [1], { title: null }, (current, next) => ({ title: current.title ?? next.title }));
    c.add('album', [2], { title: 'Beach day' }, (current, next) => ({ title: current.title ?? next.title }));
    c.add('album', [3], { title: 'ignored' }, (current, next) => ({ title: current.title ?? next.title }));
    await delay(250);
    expect(titles).toEqual(['Beach day']);
  });

  it('on a graceful stop processes every open batch at once and takes nothing new', async () => {
    const { c, batches } = collector(60_000, 120_000);
    c.add('a', [1, 2], { first: 1 });
    c.add('b', [3], { first: 3 });
    expect(c.pending).toBe(2);
    await c.drain();
    expect(batches.map((b) => [b.key, b.items])).toEqual([
      ['a', [1, 2]],
      ['b', [3]],
    ]);
    expect(c.add('a', [4], { first: 4 })).toBe(-1);
    expect(c.pending).toBe(0);
  });
});
