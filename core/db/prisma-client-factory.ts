import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { PrismaClient as PostgresPrismaClient } from './generated/postgresql/client.js';
import { PrismaClient as SqlitePrismaClient } from './generated/sqlite/client.js';
import { parsePostgresUrl, searchPathOption } from './database-url.js';
import { toDatabaseError } from './database-errors.js';
import { SQLITE_BUSY_TIMEOUT_MS } from './sqlite-driver.js';

/**
 * The Prisma client type the repositories are written against. Both providers' clients are generated
 * from the same prisma/models.prisma, so their model APIs match; the SQLite one serves as the type.
 */
export type DatabaseClient = SqlitePrismaClient;

export interface PrismaClientOptions {
  /** Size of the PostgreSQL connection pool (default: pg's 10). Ignored for SQLite (one connection). */
  poolSize?: number;
  /** How long (ms) a PostgreSQL connection attempt may take before the request fails (default 10 s). */
  connectTimeoutMs?: number;
}

/**
 * Creates the Prisma client for the configured database: better-sqlite3 for SQLite (WAL journal,
 * busy timeout, foreign keys on), node-postgres for PostgreSQL (the URL's `?schema=` is honoured).
 * The database must already be migrated (see migrator.ts). Callers `$disconnect()` it on shutdown.
 */
export async function createPrismaClient(
  database: Config['database'],
  options: PrismaClientOptions = {},
): Promise<DatabaseClient> {
  if (database.provider === 'sqlite') return createSqliteClient(database.file);
  const { connectionString, schema } = parsePostgresUrl(database.url);
  const adapter = new PrismaPg(
    {
      connectionString,
      // Prisma qualifies its own queries with `schema`; search_path covers our raw SQL.
      options: searchPathOption(schema),
      max: options.poolSize,
      // pg waits forever by default; a blackholed host should fail a request, not hang it.
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    },
    { schema },
  );
  // Same models, different provider: the two generated clients differ only in provider-specific
  // filter options that this project does not use.
  return new PostgresPrismaClient({ adapter }) as unknown as DatabaseClient;
}

async function createSqliteClient(file: string): Promise<DatabaseClient> {
  mkdirSync(path.dirname(file), { recursive: true });
  const adapter = new PrismaBetterSQLite3({ url: file, timeout: SQLITE_BUSY_TIMEOUT_MS });
  const client = new SqlitePrismaClient({ adapter });
  try {
    // The adapter opens one connection per client, so per-connection pragmas set here stick.
    // WAL lets readers run while a writer commits; busy_timeout makes writers from other
    // connections and processes wait instead of failing with SQLITE_BUSY; foreign keys are what
    // make the cascade deletes happen.
    await client.$queryRawUnsafe('PRAGMA journal_mode = WAL');
    await client.$queryRawUnsafe(`PRAGMA busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    await client.$executeRawUnsafe('PRAGMA foreign_keys = ON');
  } catch (error) {
    await client.$disconnect().catch(() => undefined);
    throw toDatabaseError(error);
  }
  return client;
}
