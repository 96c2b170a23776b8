import { PrismaPg } from '@prisma/adapter-pg';
import type { Config } from '../config.js';
import { PrismaClient } from './generated/postgresql/client.js';
import { parsePostgresUrl, searchPathOption } from './database-url.js';
import type { PrismaClientOptions } from './prisma-client-factory.js';

/** The PostgreSQL Prisma client over node-postgres (the URL's `?schema=` is honoured). */
export function createPostgresClient(
  database: Extract<Config['database'], { provider: 'postgresql' }>,
  options: PrismaClientOptions,
): PrismaClient {
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
  return new PrismaClient({ adapter });
}
