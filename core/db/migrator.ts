import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.js';
import { MaiimgError } from '../errors.js';
import type { Logger } from '../ports.js';
import { parsePostgresUrl, quoteIdentifier } from './database-url.js';
import { ensureWritableFolder } from '../storage/writable-folder.js';
import { toDatabaseError } from './database-errors.js';
import { openSqlite, type SqliteDatabase } from './sqlite-driver.js';

/** Name of the table that records which migrations a database has received. */
export const MIGRATIONS_TABLE = '_maiimg_migrations';

/** Raised when the checked-in migrations and the database's record of them disagree. */
export class MigrationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export interface ApplyMigrationsOptions {
  /** Folder holding `<timestamp>_<name>/migration.sql`; defaults to the provider's checked-in folder. */
  migrationsDir?: string;
}

interface AppliedRow {
  name: string;
  checksum: string;
}

/** The provider's checked-in migrations folder, found from this module so the cwd does not matter. */
export function defaultMigrationsDir(provider: Config['database']['provider']): string {
  return fileURLToPath(new URL(`../../prisma/${provider}/migrations`, import.meta.url));
}

/** Line endings are normalised so a CRLF checkout does not look like an edited migration. */
export function migrationChecksum(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex');
}

export function readMigrations(dir: string): MigrationFile[] {
  if (!existsSync(dir)) throw new MigrationError(`Migrations folder not found: ${dir}`);
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(dir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: migrationChecksum(sql) };
    });
}

function verifyApplied(applied: AppliedRow[], files: MigrationFile[], logger?: Logger): void {
  const byName = new Map(files.map((file) => [file.name, file]));
  for (const row of applied) {
    const file = byName.get(row.name);
    if (!file) {
      // A newer release may have migrated this database and then been rolled back: warn, do not block.
      logger?.warn({ migration: row.name }, 'database has a migration this version does not know');
      continue;
    }
    if (file.checksum !== row.checksum) {
      throw new MigrationError(
        `Migration ${row.name} was already applied to this database, but its migration.sql has changed since ` +
          `(checksum ${row.checksum.slice(0, 12)}… in the database, ${file.checksum.slice(0, 12)}… on disk). ` +
          'Applied migrations must never be edited: restore the file and add a new migration instead.',
      );
    }
  }
}

/**
 * Applies the pending checked-in migrations for the configured database, in name order, each in its
 * own transaction, and records them in `_maiimg_migrations`. Refuses (MigrationError) when an
 * already-applied migration's file has changed. Safe to call from several processes at once.
 * Throws MaiimgError('DATABASE_UNAVAILABLE') when the database cannot be reached.
 */
export async function applyMigrations(
  database: Config['database'],
  logger?: Logger,
  options: ApplyMigrationsOptions = {},
): Promise<{ applied: string[] }> {
  const files = readMigrations(options.migrationsDir ?? defaultMigrationsDir(database.provider));
  const log = logger?.child({ component: 'migrator', provider: database.provider });
  const applied =
    database.provider === 'sqlite'
      ? applySqlite(database.file, files, log)
      : await applyPostgres(database.url, files, log);
  if (applied.length) log?.info({ applied }, 'database migrations applied');
  else log?.debug('database schema up to date');
  return { applied };
}

function applySqlite(file: string, files: MigrationFile[], logger?: Logger): string[] {
  // SQLite writes its journal beside the file: the folder itself must be writable.
  ensureWritableFolder(path.dirname(file));
  let db: SqliteDatabase;
  try {
    db = openSqlite(file);
  } catch (error) {
    throw toDatabaseError(error);
  }
  try {
    db.pragma('journal_mode = WAL');
    // Prisma's SQLite migrations rebuild tables (create new, copy, drop old, rename). With foreign
    // keys on, dropping the old table would cascade-delete child rows; SQLite's documented recipe is
    // to switch them off for the change and run foreign_key_check before committing.
    db.pragma('foreign_keys = OFF');
    db.exec(
      `CREATE TABLE IF NOT EXISTS "${MIGRATIONS_TABLE}" (name TEXT PRIMARY KEY NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)`,
    );
    const readApplied = () =>
      db.prepare(`SELECT name, checksum FROM "${MIGRATIONS_TABLE}" ORDER BY name`).all() as AppliedRow[];
    const recorded = readApplied();
    verifyApplied(recorded, files, logger);
    // The common case, every start of every command: nothing to apply, and no write lock taken (a
    // `maiimg list` does not wait behind the server's writes, nor makes it wait).
    const recordedNames = new Set(recorded.map((row) => row.name));
    if (files.every((file) => recordedNames.has(file.name))) return [];

    const applied: string[] = [];
    for (const migration of files) {
      // IMMEDIATE takes the write lock up front, so a second process starting at the same moment
      // waits here and then sees the migration as done.
      db.exec('BEGIN IMMEDIATE');
      try {
        const done = readApplied();
        verifyApplied(done, files, logger);
        if (done.some((row) => row.name === migration.name)) {
          db.exec('ROLLBACK');
          continue;
        }
        db.exec(migration.sql);
        const violations = db.prepare('PRAGMA foreign_key_check').all();
        if (violations.length) {
          throw new MigrationError(
            `Migration ${migration.name} leaves ${violations.length} foreign key violation(s): ${JSON.stringify(violations.slice(0, 5))}`,
          );
        }
        db.prepare(`INSERT INTO "${MIGRATIONS_TABLE}" (name, checksum, applied_at) VALUES (?, ?, ?)`).run(
          migration.name,
          migration.checksum,
          new Date().toISOString(),
        );
        db.exec('COMMIT');
        logger?.info({ migration: migration.name }, 'applied database migration');
        applied.push(migration.name);
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw wrapFailure(migration.name, error);
      }
    }
    return applied;
  } catch (error) {
    throw toDatabaseError(error);
  } finally {
    db.close();
  }
}

// Any constant works; it only has to differ from other users of advisory locks in the same database.
const ADVISORY_LOCK_CLASS = 0x6d61_6969; // "maii"

async function applyPostgres(url: string, files: MigrationFile[], logger?: Logger): Promise<string[]> {
  const { connectionString, schema } = parsePostgresUrl(url);
  // Loaded here: a SQLite deployment never needs the PostgreSQL driver.
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 10_000 });
  // A dropped connection otherwise surfaces as an unhandled 'error' event that kills the process.
  client.on('error', (error) => logger?.warn({ err: error }, 'migration connection error'));
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new MaiimgError('DATABASE_UNAVAILABLE', {}, { cause: error });
  }
  try {
    // Keyed by schema so test schemas migrate in parallel, while instances sharing one schema queue up.
    await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [ADVISORY_LOCK_CLASS, schema]);
    try {
      const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      if (!exists.rowCount) await client.query(`CREATE SCHEMA ${quoteIdentifier(schema)}`);
      await client.query(`SET search_path TO ${quoteIdentifier(schema)}`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS "${MIGRATIONS_TABLE}" (name TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
      );
      const { rows } = await client.query<AppliedRow>(`SELECT name, checksum FROM "${MIGRATIONS_TABLE}" ORDER BY name`);
      verifyApplied(rows, files, logger);
      const done = new Set(rows.map((row) => row.name));

      const applied: string[] = [];
      for (const migration of files) {
        if (done.has(migration.name)) continue;
        await client.query('BEGIN');
        try {
          await client.query(migration.sql);
          await client.query(`INSERT INTO "${MIGRATIONS_TABLE}" (name, checksum) VALUES ($1, $2)`, [
            migration.name,
            migration.checksum,
          ]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw wrapFailure(migration.name, error);
        }
        logger?.info({ migration: migration.name }, 'applied database migration');
        applied.push(migration.name);
      }
      return applied;
    } finally {
      await client
        .query('SELECT pg_advisory_unlock($1, hashtext($2))', [ADVISORY_LOCK_CLASS, schema])
        .catch(() => undefined);
    }
  } catch (error) {
    throw toDatabaseError(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function wrapFailure(name: string, error: unknown): unknown {
  if (error instanceof MigrationError) return error;
  const wrapped = toDatabaseError(error);
  if (wrapped !== error) return wrapped;
  const message = error instanceof Error ? error.message : String(error);
  return new MigrationError(`Migration ${name} failed and was rolled back: ${message}`, { cause: error });
}
