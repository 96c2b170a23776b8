import { createRequire } from 'node:module';

/**
 * The slice of libsql's better-sqlite3-compatible API this project uses (the migrator and the stats
 * benchmark talk to SQLite directly). libsql ships prebuilt binaries through npm, so installing never
 * compiles C. Loaded lazily so PostgreSQL deployments never load the native module.
 */
export interface SqliteStatement {
  run(...params: unknown[]): { changes: number };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

export interface SqliteDatabase {
  exec(sql: string): void;
  prepare(sql: string): SqliteStatement;
  pragma(sql: string, options?: { simple?: boolean }): unknown;
  close(): void;
  readonly inTransaction: boolean;
}

type SqliteConstructor = new (file: string) => SqliteDatabase;

let constructor: SqliteConstructor | undefined;

/** Busy timeout (ms) every connection waits for a lock held by another connection or process. */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

export function openSqlite(file: string): SqliteDatabase {
  constructor ??= createRequire(import.meta.url)('libsql') as SqliteConstructor;
  const db = new constructor(file);
  // libsql takes no timeout option; the pragma does the same per connection.
  db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  return db;
}
