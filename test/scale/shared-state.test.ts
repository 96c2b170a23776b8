import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient, type DatabaseClient } from '../../core/db/prisma-client-factory.js';
import { silentLogger } from '../../core/logger.js';
import { systemClock, type Clock } from '../../core/ports.js';
import { databaseSharedState } from '../../core/shared-state/database-shared-state.js';
import { memorySharedState } from '../../core/shared-state/memory-shared-state.js';
import { redisSharedState } from '../../core/shared-state/redis-shared-state.js';
import type { SharedState } from '../../core/shared-state/shared-state.js';
import { DATABASE_TEST_TIMEOUT_MS, freshPostgres, freshSqlite, type FreshDatabase } from '../helpers/databases.js';

const REDIS_URL = 'redis://127.0.0.1:6379';

/** A clock the test moves by hand, so windows open and close without waiting. */
class ManualClock implements Clock {
  ms = Date.UTC(2026, 0, 1);
  now(): Date {
    return new Date(this.ms);
  }
}

/**
 * Two "instances" of one kind of shared state: separate connections to the same store, as two
 * processes would have. Memory has one instance only (it is one process's state).
 */
interface Backend {
  name: string;
  open(clock: Clock): Promise<{ first: SharedState; second: SharedState | null; close(): Promise<void> }>;
}

function databaseBackend(name: string, fresh: () => Promise<FreshDatabase>): Backend {
  return {
    name,
    async open(clock) {
      const db = await fresh();
      const clients: DatabaseClient[] = [await createPrismaClient(db.database), await createPrismaClient(db.database)];
      const [first, second] = clients.map((client) => databaseSharedState(client, clock));
      return {
        first: first!,
        second: second!,
        async close() {
          await Promise.all([first!.close(), second!.close()]);
          await Promise.all(clients.map((client) => client.$disconnect()));
          await db.cleanup();
        },
      };
    },
  };
}

const BACKENDS: Backend[] = [
  {
    name: 'memory',
    async open(clock) {
      const state = memorySharedState(clock);
      return { first: state, second: null, close: () => state.close() };
    },
  },
  databaseBackend('database [sqlite]', () => freshSqlite()),
  databaseBackend('database [postgresql]', () => freshPostgres()),
  {
    name: 'redis',
    async open(clock) {
      // A key prefix of its own keeps this run apart from anything else on the machine's Redis.
      const keyPrefix = `maiimg-test-${randomBytes(6).toString('hex')}:`;
      const first = redisSharedState({ url: REDIS_URL, keyPrefix, clock, logger: silentLogger() });
      const second = redisSharedState({ url: REDIS_URL, keyPrefix, clock, logger: silentLogger() });
      return { first, second, close: async () => void (await Promise.all([first.close(), second.close()])) };
    },
  },
];

for (const backend of BACKENDS) {
  describe(`shared state: ${backend.name}`, { timeout: DATABASE_TEST_TIMEOUT_MS }, () => {
    const clock = new ManualClock();
    let first: SharedState;
    let second: SharedState;
    let close: () => Promise<void>;

    beforeAll(async () => {
      const opened = await backend.open(clock);
      first = opened.first;
      second = opened.second ?? opened.first;
      close = opened.close;
    }, DATABASE_TEST_TIMEOUT_MS);
    afterAll(() => close?.());

    it('is reachable', async () => {
      await expect(first.ping()).resolves.toBeUndefined();
    });

    it('counts hits in a fixed window, across instances, and starts over when the window ends', async () => {
      const key = `ip:${randomBytes(4).toString('hex')}`;
      const start = clock.ms;
      expect(await first.counters.increment(key, 60_000)).toEqual({ count: 1, resetAt: new Date(start + 60_000) });
      clock.ms += 1_000;
      const two = await second.counters.increment(key, 60_000);
      expect(two.count).toBe(2);
      expect(Math.abs(two.resetAt.getTime() - (start + 60_000))).toBeLessThanOrEqual(
        backend.name === 'redis' ? 1_000 : 0,
      );
      await first.counters.decrement(key);
      expect((await second.counters.increment(key, 60_000)).count).toBe(2);
      if (backend.name !== 'redis') {
        // Redis expires keys by its own clock, which the test cannot move; its TTL is checked above.
        clock.ms = start + 60_000;
        expect((await first.counters.increment(key, 60_000)).count).toBe(1);
      }
      await second.counters.reset(key);
      expect((await first.counters.increment(key, 60_000)).count).toBe(1);
    });

    it('peeks at a count without changing it, across instances, and reads 0 once the window ended', async () => {
      const key = `peek:${randomBytes(4).toString('hex')}`;
      expect(await second.counters.peek(key)).toBe(0);
      await first.counters.increment(key, 60_000);
      expect(await second.counters.peek(key)).toBe(1);
      expect(await second.counters.peek(key)).toBe(1);
      if (backend.name !== 'redis') {
        clock.ms += 60_000;
        expect(await first.counters.peek(key)).toBe(0);
      }
    });

    it('never decrements below zero', async () => {
      const key = `dec:${randomBytes(4).toString('hex')}`;
      await first.counters.increment(key, 60_000);
      await first.counters.decrement(key);
      await first.counters.decrement(key);
      expect((await second.counters.increment(key, 60_000)).count).toBe(1);
    });

    it('gives every concurrent hit its own count', async () => {
      const key = `burst:${randomBytes(4).toString('hex')}`;
      const counts = await Promise.all(
        Array.from({ length: 40 }, (_, i) => (i % 2 ? first : second).counters.increment(key, 60_000)),
      );
      expect(counts.map((c) => c.count).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    });

    it('keeps a batch window open while entries arrive, at either instance, and closes it when quiet', async () => {
      const key = `chat:${randomBytes(4).toString('hex')}`;
      const timing = { quietMs: 2_000, maxWaitMs: 30_000 };
      expect(await first.batchWindows.append(key, '{"n":1}', 1, timing)).toEqual({ count: 1, dueInMs: 2_000 });
      clock.ms += 1_500;
      expect(await second.batchWindows.claim(key)).toEqual({ status: 'waiting', dueInMs: 500 });
      expect(await second.batchWindows.append(key, '{"n":2}', 2, timing)).toEqual({ count: 3, dueInMs: 2_000 });
      clock.ms += 2_000;
      expect(await first.batchWindows.overdue(0)).toContain(key);
      expect(await first.batchWindows.claim(key)).toEqual({ status: 'claimed', entries: ['{"n":1}', '{"n":2}'] });
      expect(await second.batchWindows.claim(key)).toEqual({ status: 'gone' });
      expect(await second.batchWindows.overdue(0)).not.toContain(key);
    });

    it('closes a busy window at its hard maximum', async () => {
      const key = `busy:${randomBytes(4).toString('hex')}`;
      const timing = { quietMs: 2_000, maxWaitMs: 5_000 };
      await first.batchWindows.append(key, 'a', 1, timing);
      clock.ms += 1_900;
      await second.batchWindows.append(key, 'b', 1, timing);
      clock.ms += 1_900;
      // Quiet would say 2 s from now; the window opened 3.8 s ago, so the maximum says 1.2 s.
      expect(await first.batchWindows.append(key, 'c', 1, timing)).toEqual({ count: 3, dueInMs: 1_200 });
      clock.ms += 1_200;
      expect(await second.batchWindows.claim(key)).toEqual({ status: 'claimed', entries: ['a', 'b', 'c'] });
    });

    it('hands a window to exactly one of many concurrent claimers', async () => {
      const key = `race:${randomBytes(4).toString('hex')}`;
      await first.batchWindows.append(key, 'only', 1, { quietMs: 10, maxWaitMs: 10 });
      clock.ms += 10;
      const claims = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 ? first : second).batchWindows.claim(key)),
      );
      expect(claims.filter((c) => c.status === 'claimed')).toEqual([{ status: 'claimed', entries: ['only'] }]);
      expect(claims.filter((c) => c.status === 'gone')).toHaveLength(9);
    });

    it('takes a window early when forced (a stopping instance)', async () => {
      const key = `force:${randomBytes(4).toString('hex')}`;
      await first.batchWindows.append(key, 'x', 1, { quietMs: 60_000, maxWaitMs: 60_000 });
      expect(await second.batchWindows.claim(key, true)).toEqual({ status: 'claimed', entries: ['x'] });
    });
  });
}

describe('shared state: redis unreachable', () => {
  it('fails with DATABASE_UNAVAILABLE instead of hanging', async () => {
    // Port 1 on loopback: nothing listens there, so every connection is refused at once.
    const state = redisSharedState({
      url: 'redis://127.0.0.1:1',
      keyPrefix: 'x:',
      clock: systemClock,
      logger: silentLogger(),
    });
    try {
      await expect(state.counters.increment('k', 1000)).rejects.toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
      await expect(state.ping()).rejects.toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    } finally {
      await state.close();
    }
  });
});
