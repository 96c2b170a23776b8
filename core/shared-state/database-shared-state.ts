import { toDatabaseError } from '../db/database-errors.js';
import type { DatabaseClient } from '../db/prisma-client-factory.js';
import type { Clock } from '../ports.js';
import type { BatchClaim, BatchTiming, BatchWindowStore, SharedState, WindowCounter } from './shared-state.js';

// Only SQL that SQLite and PostgreSQL read alike (upserts with RETURNING, CASE rather than
// LEAST/MIN), so the same code serves both; bigint parameters are cast because PostgreSQL cannot
// infer a parameter's type inside CASE.

/** How often counters whose window has ended are deleted. */
const SWEEP_INTERVAL_MS = 10 * 60_000;

async function guarded<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw toDatabaseError(error);
  }
}

/** Fixed-window counters in `rate_counters`: one upsert per hit, exact across processes. */
export class DatabaseWindowCounter implements WindowCounter {
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: DatabaseClient,
    private readonly clock: Clock,
  ) {}

  async increment(key: string, windowMs: number, amount = 1): Promise<{ count: number; resetAt: Date }> {
    this.sweepTimer ??= setInterval(() => void this.sweep().catch(() => undefined), SWEEP_INTERVAL_MS).unref();
    const now = BigInt(this.clock.now().getTime());
    const resetAt = now + BigInt(windowMs);
    const rows = await guarded(
      () => this.db.$queryRaw<Array<{ count: number | bigint; reset_at: number | bigint }>>`
        INSERT INTO rate_counters ("key", count, reset_at) VALUES (${key}, ${amount}, CAST(${resetAt} AS BIGINT))
        ON CONFLICT ("key") DO UPDATE SET
          count = CASE WHEN rate_counters.reset_at <= CAST(${now} AS BIGINT) THEN ${amount} ELSE rate_counters.count + ${amount} END,
          reset_at = CASE WHEN rate_counters.reset_at <= CAST(${now} AS BIGINT) THEN CAST(${resetAt} AS BIGINT) ELSE rate_counters.reset_at END
        RETURNING count, reset_at`,
    );
    const row = rows[0]!;
    return { count: Number(row.count), resetAt: new Date(Number(row.reset_at)) };
  }

  async peek(key: string): Promise<number> {
    const now = BigInt(this.clock.now().getTime());
    const rows = await guarded(
      () => this.db.$queryRaw<Array<{ count: number | bigint }>>`
        SELECT count FROM rate_counters WHERE "key" = ${key} AND reset_at > CAST(${now} AS BIGINT)`,
    );
    return rows[0] ? Number(rows[0].count) : 0;
  }

  async decrement(key: string): Promise<void> {
    await guarded(
      () => this.db.$executeRaw`UPDATE rate_counters SET count = count - 1 WHERE "key" = ${key} AND count > 0`,
    );
  }

  async reset(key: string): Promise<void> {
    await guarded(() => this.db.$executeRaw`DELETE FROM rate_counters WHERE "key" = ${key}`);
  }

  async sweep(): Promise<void> {
    const now = BigInt(this.clock.now().getTime());
    await guarded(() => this.db.$executeRaw`DELETE FROM rate_counters WHERE reset_at <= CAST(${now} AS BIGINT)`);
  }

  close(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
  }
}

/**
 * Batch windows in `batch_windows`, one row per open window. Appending is one upsert and claiming
 * one DELETE ... RETURNING, so the row lock orders them: an entry either lands in the window the
 * claimer takes, or opens a new one after it.
 */
export class DatabaseBatchWindowStore implements BatchWindowStore {
  constructor(
    private readonly db: DatabaseClient,
    private readonly clock: Clock,
  ) {}

  async append(
    key: string,
    entry: string,
    itemCount: number,
    timing: BatchTiming,
  ): Promise<{ count: number; dueInMs: number }> {
    const now = this.clock.now().getTime();
    const firstDue = BigInt(now + Math.min(timing.quietMs, timing.maxWaitMs));
    const quietDue = BigInt(now + timing.quietMs);
    const maxWait = BigInt(timing.maxWaitMs);
    const rows = await guarded(
      () => this.db.$queryRaw<Array<{ item_count: number | bigint; due_at: number | bigint }>>`
        INSERT INTO batch_windows ("key", entries, item_count, opened_at, due_at)
        VALUES (${key}, ${entry}, ${itemCount}, CAST(${BigInt(now)} AS BIGINT), CAST(${firstDue} AS BIGINT))
        ON CONFLICT ("key") DO UPDATE SET
          entries = batch_windows.entries || CAST(${`\n${entry}`} AS TEXT),
          item_count = batch_windows.item_count + ${itemCount},
          due_at = CASE
            WHEN CAST(${quietDue} AS BIGINT) < batch_windows.opened_at + CAST(${maxWait} AS BIGINT) THEN CAST(${quietDue} AS BIGINT)
            ELSE batch_windows.opened_at + CAST(${maxWait} AS BIGINT)
          END
        RETURNING item_count, due_at`,
    );
    const row = rows[0]!;
    return { count: Number(row.item_count), dueInMs: Math.max(0, Number(row.due_at) - now) };
  }

  async claim(key: string, force = false): Promise<BatchClaim> {
    const now = this.clock.now().getTime();
    const taken = await guarded(() =>
      force
        ? this.db.$queryRaw<
            Array<{ entries: string }>
          >`DELETE FROM batch_windows WHERE "key" = ${key} RETURNING entries`
        : this.db.$queryRaw<Array<{ entries: string }>>`
            DELETE FROM batch_windows WHERE "key" = ${key} AND due_at <= CAST(${BigInt(now)} AS BIGINT) RETURNING entries`,
    );
    if (taken[0]) return { status: 'claimed', entries: taken[0].entries.split('\n') };
    const open = await guarded(
      () =>
        this.db.$queryRaw<Array<{ due_at: number | bigint }>>`SELECT due_at FROM batch_windows WHERE "key" = ${key}`,
    );
    if (!open[0]) return { status: 'gone' };
    // Due by now but not taken above: a concurrent append moved it; ask again at once.
    return { status: 'waiting', dueInMs: Math.max(0, Number(open[0].due_at) - now) };
  }

  async overdue(graceMs: number): Promise<string[]> {
    const limit = BigInt(this.clock.now().getTime() - graceMs);
    const rows = await guarded(
      () =>
        this.db.$queryRaw<
          Array<{ key: string }>
        >`SELECT "key" FROM batch_windows WHERE due_at <= CAST(${limit} AS BIGINT)`,
    );
    return rows.map((row) => row.key);
  }
}

/** Shared state in the product's own database (the tables come with the migrations). */
export function databaseSharedState(db: DatabaseClient, clock: Clock): SharedState {
  const counters = new DatabaseWindowCounter(db, clock);
  return {
    driver: 'database',
    counters,
    batchWindows: new DatabaseBatchWindowStore(db, clock),
    async ping() {
      await guarded(() => db.$queryRaw`SELECT 1 FROM rate_counters WHERE 1 = 0`);
    },
    async close() {
      // The database connection belongs to the core, which closes it after this.
      counters.close();
    },
  };
}
