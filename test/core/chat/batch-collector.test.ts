import { afterEach, describe, expect, it, vi } from 'vitest';
import { BatchCollector } from '../../../core/chat/batch-collector.js';
import { silentLogger } from '../../../core/logger.js';

afterEach(() => {
  vi.useRealTimers();
});

function collector(batches: Array<{ key: string; items: number[]; meta: string }>, onBatch?: () => Promise<void>) {
  return new BatchCollector<number, string>({
    quietMs: 1000,
    maxWaitMs: 5000,
    logger: silentLogger(),
    onBatch: async (key, items, meta) => {
      batches.push({ key, items, meta });
      await onBatch?.();
    },
  });
}

describe('batch collector', () => {
  it('makes one batch of everything a user sends within the quiet window', async () => {
    vi.useFakeTimers();
    const batches: Array<{ key: string; items: number[]; meta: string }> = [];
    const c = collector(batches);
    c.add('u1', [1], 'first');
    await vi.advanceTimersByTimeAsync(900);
    c.add('u1', [2, 3], 'second');
    await vi.advanceTimersByTimeAsync(900);
    expect(batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(200);
    expect(batches).toEqual([{ key: 'u1', items: [1, 2, 3], meta: 'first' }]);
  });

  it('keeps different users and chats apart', async () => {
    vi.useFakeTimers();
    const batches: Array<{ key: string; items: number[]; meta: string }> = [];
    const c = collector(batches);
    c.add('u1', [1], 'a');
    c.add('u2', [2], 'b');
    await vi.advanceTimersByTimeAsync(1000);
    expect(batches.map((b) => b.key).sort()).toEqual(['u1', 'u2']);
  });

  it('closes a batch at the hard maximum even while items keep coming', async () => {
    vi.useFakeTimers();
    const batches: Array<{ key: string; items: number[]; meta: string }> = [];
    const c = collector(batches);
    for (let i = 0; i < 12; i++) {
      c.add('u1', [i], 'm');
      await vi.advanceTimersByTimeAsync(500);
    }
    expect(batches.length).toBeGreaterThanOrEqual(1);
    expect(batches[0]!.items).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('merges later metadata when asked (a caption on the second photo)', async () => {
    vi.useFakeTimers();
    const batches: Array<{ key: string; items: number[]; meta: string }> = [];
    const c = collector(batches);
    c.add('u1', [1], '');
    c.add('u1', [2], 'caption', (current, next) => current || next);
    await vi.advanceTimersByTimeAsync(1000);
    expect(batches[0]!.meta).toBe('caption');
  });

  it('finishes every batch in hand on drain and refuses new items after', async () => {
    const batches: Array<{ key: string; items: number[]; meta: string }> = [];
    let release!: () => void;
    const processing = new Promise<void>((resolve) => (release = resolve));
    const c = collector(batches, () => processing);
    c.add('u1', [1], 'a');
    c.add('u2', [2], 'b');
    let drained = false;
    const draining = c.drain().then(() => (drained = true));
    await new Promise((r) => setImmediate(r));
    expect(batches).toHaveLength(2);
    expect(drained).toBe(false);
    release();
    await draining;
    expect(drained).toBe(true);
    expect(c.add('u3', [3], 'c')).toBe(-1);
    expect(c.pending).toBe(0);
  });

  it('survives a failing batch handler', async () => {
    const c = new BatchCollector<number, string>({
      quietMs: 10,
      maxWaitMs: 100,
      logger: silentLogger(),
      onBatch: async () => {
        throw new Error('boom');
      },
    });
    c.add('u1', [1], 'a');
    await expect(c.flush('u1')).resolves.toBeUndefined();
  });
});
