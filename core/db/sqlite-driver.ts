import { createRequire } from 'node:module';

/**
 * The slice of better-sqlite3's API this project uses. Typed here because @types/better-sqlite3 is
 * not a dependency; loaded lazily so PostgreSQL deployments never load the native module.
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

type SqliteConstructor = new (file: string, options?: { timeout?: number }) => SqliteDatabase;

let constructor: SqliteConstructor | undefined;

/** Busy timeout (ms) every connection waits for a lock held by another connection or process. */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

export function openSqlite(file: string): SqliteDatabase {
  constructor ??= createRequire(import.meta.url)('better-sqlite3') as SqliteConstructor;
  return new constructor(file, { timeout: SQLITE_BUSY_TIMEOUT_MS });
}
