import pg from 'pg';
import type { Sql } from '@prisma/client/runtime/client';
import type { Config } from '../config.js';
import { toDatabaseError } from '../db/database-errors.js';
import { parsePostgresUrl, searchPathOption } from '../db/database-url.js';
import { openSqlite, type SqliteDatabase } from '../db/sqlite-driver.js';
import type { Logger } from '../ports.js';
import { countStatements, insertNewImageViews, insertNewVisits } from './visit-batch-sql.js';
import { enrichVisits, type EnrichSettings } from './visit-enricher.js';
import type { EnrichedVisitBatch, ImageViewRow, VisitBatch, VisitRow } from './visit-repository.js';

/**
 * Writes batches of recorded visits: the one write that grows with traffic (every open of every
 * gallery ends up here). It talks to the database driver directly rather than through Prisma,
 * whose per-query work grows with every byte of parameters and costs many times what the database
 * spends on a batch; everything else stays on Prisma.
 */
export interface VisitWriter<Batch extends VisitBatch = VisitBatch> {
  /** One transaction: new visits and views, their counts and rollups. Rows already stored are skipped. */
  write(batch: Batch): Promise<void>;
  close(): Promise<void>;
}

/** The writer for this database; it looks up recorded visits' details (device, place, visitor key) first. */
export function createVisitWriter(database: Config['database'], logger: Logger, enrich: EnrichSettings): VisitWriter {
  const writer =
    database.provider === 'postgresql'
      ? new PostgresVisitWriter(database.url, logger)
      : new SqliteVisitWriter(database.file);
  return {
    async write(batch) {
      await writer.write({ visits: await enrichVisits(batch.visits, enrich), imageViews: batch.imageViews });
    },
    close: () => writer.close(),
  };
}

/** The visits and views of a batch that the inserts reported as new (a retried batch skips the rest). */
function newRows(
  batch: EnrichedVisitBatch,
  visitIds: Set<string>,
  viewIds: Set<string>,
): { visits: VisitRow[]; views: ImageViewRow[] } {
  return {
    visits: batch.visits.filter((visit) => visitIds.has(visit.id)),
    views: batch.imageViews.filter((view) => viewIds.has(view.id)),
  };
}

/** How often, and how long apart, a write waits for another writer (another process's transaction). */
const BUSY_ATTEMPTS = 8;
const BUSY_FIRST_WAIT_MS = 10;

/**
 * SQLite through its own connection, one synchronous transaction per batch. Synchronous matters:
 * the transaction opens and commits without the event loop running in between, so Prisma's
 * connection in this process never waits on it (a wait there would block the very thread that has
 * to finish it). When another process holds the write lock, the write does not wait inside SQLite
 * (which would block the thread) but fails at once and is tried again a little later.
 */
export class SqliteVisitWriter implements VisitWriter<EnrichedVisitBatch> {
  private db: SqliteDatabase | undefined;

  constructor(private readonly file: string) {}

  async write(batch: EnrichedVisitBatch): Promise<void> {
    if (batch.visits.length === 0 && batch.imageViews.length === 0) return;
    for (let attempt = 1; ; attempt++) {
      try {
        this.writeNow(batch);
        return;
      } catch (error) {
        if (!isSqliteBusy(error) || attempt >= BUSY_ATTEMPTS) throw toDatabaseError(error);
      }
      await new Promise((resolve) => setTimeout(resolve, BUSY_FIRST_WAIT_MS * 2 ** (attempt - 1)));
    }
  }

  async close(): Promise<void> {
    this.db?.close();
    this.db = undefined;
  }

  private connection(): SqliteDatabase {
    if (!this.db) {
      const db = openSqlite(this.file);
      db.pragma('busy_timeout = 0');
      // Commits wait for the disk only at checkpoints (the usual setting for WAL): a crash of the
      // process loses nothing; a power cut may lose the last moments of opens, as the in-memory
      // buffer in front of this writer would. An fsync per batch on the event loop costs the pages more.
      db.pragma('synchronous = NORMAL');
      // What makes the visits of a gallery deleted meanwhile fail instead of being orphaned.
      db.pragma('foreign_keys = ON');
      this.db = db;
    }
    return this.db;
  }

  private writeNow(batch: EnrichedVisitBatch): void {
    const db = this.connection();
    const ids = (query: Sql | null) =>
      new Set(query ? (db.prepare(query.sql).all(...query.values) as { id: string }[]).map((row) => row.id) : []);
    // IMMEDIATE takes the write lock now: a deferred transaction could fail half-way on a busy lock.
    db.exec('BEGIN IMMEDIATE');
    try {
      const { visits, views } = newRows(
        batch,
        ids(batch.visits.length ? insertNewVisits('sqlite', batch.visits) : null),
        ids(batch.imageViews.length ? insertNewImageViews('sqlite', batch.imageViews) : null),
      );
      for (const statement of countStatements('sqlite', visits, views))
        db.prepare(statement.sql).run(...statement.values);
      db.exec('COMMIT');
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw error;
    }
  }
}

function isSqliteBusy(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    (typeof code === 'string' && code.startsWith('SQLITE_BUSY')) ||
    (typeof message === 'string' && /database is locked/i.test(message))
  );
}

/** PostgreSQL through a small pool of its own (visits are written by one flush at a time per process). */
export class PostgresVisitWriter implements VisitWriter<EnrichedVisitBatch> {
  private readonly pool: pg.Pool;

  constructor(url: string, logger: Logger) {
    const { connectionString, schema } = parsePostgresUrl(url);
    this.pool = new pg.Pool({
      connectionString,
      options: searchPathOption(schema),
      max: 2,
      connectionTimeoutMillis: 10_000,
    });
    // An idle connection dropped by the server must not become an unhandled 'error' that kills the process.
    this.pool.on('error', (error) => logger.warn({ err: error }, 'visit writer connection lost'));
  }

  async write(batch: EnrichedVisitBatch): Promise<void> {
    if (batch.visits.length === 0 && batch.imageViews.length === 0) return;
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw toDatabaseError(error);
    }
    const run = (query: Sql) => client.query<{ id: string }>(query.text, query.values);
    const ids = async (query: Sql | null) => new Set(query ? (await run(query)).rows.map((row) => row.id) : []);
    let failed: unknown;
    try {
      await client.query('BEGIN');
      const visitIds = await ids(batch.visits.length ? insertNewVisits('postgresql', batch.visits) : null);
      const viewIds = await ids(batch.imageViews.length ? insertNewImageViews('postgresql', batch.imageViews) : null);
      const { visits, views } = newRows(batch, visitIds, viewIds);
      for (const statement of countStatements('postgresql', visits, views)) await run(statement);
      await client.query('COMMIT');
    } catch (error) {
      failed = error;
      await client.query('ROLLBACK').catch(() => undefined);
      throw toDatabaseError(error);
    } finally {
      // A connection that failed mid-transaction is not handed out again.
      client.release(failed instanceof Error ? failed : undefined);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
