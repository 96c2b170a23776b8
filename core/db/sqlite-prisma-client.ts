import type { Client, Config as LibsqlConfig, TransactionMode } from '@libsql/client';
import { PrismaLibSQL } from '@prisma/adapter-libsql';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PrismaClient } from './generated/sqlite/client.js';
import { toDatabaseError } from './database-errors.js';
import { SQLITE_BUSY_TIMEOUT_MS } from './sqlite-driver.js';

/** The SQLite Prisma client over libsql: WAL journal, busy timeout, foreign keys on. */
export async function createSqliteClient(file: string): Promise<PrismaClient> {
  mkdirSync(path.dirname(file), { recursive: true });
  const adapter = new SqliteAdapterFactory({ url: pathToFileURL(path.resolve(file)).href });
  const client = new PrismaClient({ adapter });
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
