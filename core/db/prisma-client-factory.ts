import type { Client, Config as LibsqlConfig, TransactionMode } from '@libsql/client';
import { PrismaLibSQL } from '@prisma/adapter-libsql';
import { PrismaPg } from '@prisma/adapter-pg';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
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
 * Creates the Prisma client for the configured database: libsql for SQLite (WAL journal,
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
  const adapter = new SqliteAdapterFactory({ url: pathToFileURL(path.resolve(file)).href });
  const client = new SqlitePrismaClient({ adapter });
  try {
    // WAL lets readers run while a writer commits (the mode is stored in the file); busy_timeout
    // makes writers from other processes wait instead of failing with SQLITE_BUSY; foreign keys are
    // what make the cascade deletes happen (libsql turns them on by default; said here anyway).
    await client.$queryRawUnsafe('PRAGMA journal_mode = WAL');
    await client.$queryRawUnsafe(`PRAGMA busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    await client.$executeRawUnsafe('PRAGMA foreign_keys = ON');
  } catch (error) {
    await client.$disconnect().catch(() => undefined);
    throw toDatabaseError(error);
  }
  return client;
}

/**
 * libsql's client hands its connection to each transaction and lazily opens a fresh one for what
 * follows, so per-connection settings would be lost after the first transaction. This factory
 * re-applies the busy timeout on that fresh connection. (Inside one process the Prisma adapter
 * already serialises every query behind one lock; the timeout is for other processes, such as a
 * `maiimg` command run while the server is up.)
 */
class SqliteAdapterFactory extends PrismaLibSQL {
  override createClient(config: LibsqlConfig): Client {
    const client = super.createClient(config);
    const startTransaction = client.transaction.bind(client);
    client.transaction = async (mode?: TransactionMode) => {
      const transaction = await startTransaction(mode);
      await client.execute(`PRAGMA busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
      return transaction;
    };
    return client;
  }
}
