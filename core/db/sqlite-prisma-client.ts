import type { Client, Config as LibsqlConfig, TransactionMode } from '@libsql/client';
import type { PrismaLibSQL as PrismaLibSQLFactory } from '@prisma/adapter-libsql';
import { mkdirSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PrismaClient } from './generated/sqlite/client.js';
import { toDatabaseError } from './database-errors.js';
import { SQLITE_BUSY_TIMEOUT_MS } from './sqlite-driver.js';

/** The SQLite Prisma client over libsql: WAL journal, busy timeout, foreign keys on. */
export async function createSqliteClient(file: string): Promise<PrismaClient> {
  mkdirSync(path.dirname(file), { recursive: true });
  const adapter = new (sqliteAdapterFactory())({ url: pathToFileURL(path.resolve(file)).href });
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

type LibsqlModule = { createClient(config: LibsqlConfig): Client };
type AdapterFactoryClass = new (config: LibsqlConfig) => PrismaLibSQLFactory & {
  createClient(config: LibsqlConfig): Client;
};

let factoryClass: AdapterFactoryClass | undefined;

/**
 * The adapter's factory, with libsql's local-file client only.
 *
 * `@libsql/client`'s main entry also loads its remote clients (the hrana protocol, `ws`, and a fetch
 * wrapper that pulls in Node's undici): about 170 ms of a command's start on these machines, for
 * connections a SQLite file never makes. Its `@libsql/client/sqlite3` entry is the same local client
 * that the main entry hands every `file:` URL to. So the adapter (its CommonJS build) is loaded after
 * Node's require cache has been given that entry under the main entry's path, which the adapter then
 * receives (Node documents adding entries to `require.cache`). Both are resolved from the adapter's
 * own folder, so they are the copies it was installed with.
 *
 * libsql's client hands its connection to each transaction and lazily opens a fresh one for what
 * follows, so per-connection settings would be lost after the first transaction. The factory
 * re-applies the busy timeout on that fresh connection. (Inside one process the Prisma adapter
 * already serialises every query behind one lock; the timeout is for other processes, such as a
 * `maiimg` command run while the server is up.)
 */
function sqliteAdapterFactory(): AdapterFactoryClass {
  if (factoryClass) return factoryClass;
  const require = createRequire(import.meta.url);
  const adapterPath = require.resolve('@prisma/adapter-libsql');
  const fromAdapter = createRequire(adapterPath);
  const local = fromAdapter('@libsql/client/sqlite3') as LibsqlModule;
  const mainPath = fromAdapter.resolve('@libsql/client');
  if (!require.cache[mainPath]) {
    const entry = new Module(mainPath);
    entry.filename = mainPath;
    entry.exports = local;
    entry.loaded = true;
    require.cache[mainPath] = entry;
  }
  const { PrismaLibSQL } = require('@prisma/adapter-libsql') as { PrismaLibSQL: AdapterFactoryClass };

  factoryClass = class SqliteAdapterFactory extends PrismaLibSQL {
    override createClient(config: LibsqlConfig): Client {
      const client = local.createClient(config);
      const startTransaction = client.transaction.bind(client);
      client.transaction = async (mode?: TransactionMode) => {
        const transaction = await startTransaction(mode);
        await client.execute(`PRAGMA busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
        return transaction;
      };
      return client;
    }
  };
  return factoryClass;
}
