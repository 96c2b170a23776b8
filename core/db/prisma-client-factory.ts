import type { Config } from '../config.js';
import type { PrismaClient as SqlitePrismaClient } from './generated/sqlite/client.js';

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
 * Only the configured provider's client and driver are loaded: each is a large module graph.
 */
export async function createPrismaClient(
  database: Config['database'],
  options: PrismaClientOptions = {},
): Promise<DatabaseClient> {
  if (database.provider === 'sqlite') {
    const { createSqliteClient } = await import('./sqlite-prisma-client.js');
    return createSqliteClient(database.file);
  }
  const { createPostgresClient } = await import('./postgres-prisma-client.js');
  // Same models, different provider: the two generated clients differ only in provider-specific
  // filter options that this project does not use.
  return createPostgresClient(database, options) as unknown as DatabaseClient;
}
