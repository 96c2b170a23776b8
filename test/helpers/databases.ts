import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { describe } from 'vitest';
import type { Config } from '../../core/config.js';
import { applyMigrations } from '../../core/db/migrator.js';

export type DatabaseProvider = Config['database']['provider'];

export interface FreshDatabase {
  database: Config['database'];
  /** Deletes the database (SQLite file and folder, or the PostgreSQL schema). */
  cleanup(): Promise<void>;
}

export interface FreshDatabaseOptions {
  /** Apply the checked-in migrations (default true); false gives an empty database. */
  migrate?: boolean;
}

/** The local server every machine of this project starts (trust auth). Tried in order. */
const POSTGRES_CANDIDATES = ['postgresql://postgres@127.0.0.1:5432/test', 'postgresql://root@127.0.0.1:5432/test'];

let postgresBaseUrl: Promise<string> | undefined;

/** The first candidate URL that accepts a connection; rejects with every failure listed. */
export function postgresServerUrl(): Promise<string> {
  postgresBaseUrl ??= (async () => {
    const failures: string[] = [];
    for (const url of POSTGRES_CANDIDATES) {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
      try {
        await client.connect();
        await client.end();
        return url;
      } catch (error) {
        failures.push(`${url}: ${(error as Error).message}`);
        await client.end().catch(() => undefined);
      }
    }
    throw new Error(`No test PostgreSQL server reachable:\n  ${failures.join('\n  ')}`);
  })();
  return postgresBaseUrl;
}

/** A new SQLite file in its own temporary folder, migrated unless asked not to. */
export async function freshSqlite(options: FreshDatabaseOptions = {}): Promise<FreshDatabase> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'maiimg-db-'));
  // A subfolder that does not exist yet, so every test also covers "create the directory".
  const file = path.join(dir, 'data', 'maiimg.db');
  const database: Config['database'] = { provider: 'sqlite', url: `file:${file}`, file };
  if (options.migrate !== false) await applyMigrations(database);
  return { database, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A new schema `t_<random>` on the local PostgreSQL server, migrated unless asked not to; dropped on cleanup. */
export async function freshPostgres(options: FreshDatabaseOptions = {}): Promise<FreshDatabase> {
  const base = await postgresServerUrl();
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const database: Config['database'] = { provider: 'postgresql', url: `${base}?schema=${schema}` };
  if (options.migrate !== false) await applyMigrations(database);
  return {
    database,
    async cleanup() {
      const client = new pg.Client({ connectionString: base });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

export function freshDatabase(provider: DatabaseProvider, options?: FreshDatabaseOptions): Promise<FreshDatabase> {
  return provider === 'sqlite' ? freshSqlite(options) : freshPostgres(options);
}

/**
 * Per-test timeout for database suites. Queries take milliseconds, but on a loaded two-core machine
 * each new Prisma client's first query (compiling its Wasm query compiler) can take many seconds.
 */
export const DATABASE_TEST_TIMEOUT_MS = 180_000;

export const DATABASE_PROVIDERS: readonly DatabaseProvider[] = ['sqlite', 'postgresql'];

/**
 * Declares the suite once per database provider (`name [sqlite]`, `name [postgresql]`).
 * `fn` receives the provider and a `fresh()` bound to it.
 */
export function describeEachDatabase(
  name: string,
  fn: (context: {
    provider: DatabaseProvider;
    fresh: (options?: FreshDatabaseOptions) => Promise<FreshDatabase>;
  }) => void,
): void {
  for (const provider of DATABASE_PROVIDERS) {
    describe(`${name} [${provider}]`, { timeout: DATABASE_TEST_TIMEOUT_MS }, () =>
      fn({ provider, fresh: (options) => freshDatabase(provider, options) }),
    );
  }
}
