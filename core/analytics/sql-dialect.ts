import { empty, join, raw, sqltag as sql, type Sql } from '@prisma/client/runtime/client';

export { empty, join, raw, sql, type Sql };

export type SqlProvider = 'sqlite' | 'postgresql';

/**
 * The part of a Prisma client analytics needs: raw, parameterised SQL. Every value goes in as a
 * bound parameter (the `sql` tag), never spliced into the text.
 */
export interface SqlClient {
  $queryRaw<T = unknown>(query: Sql): PromiseLike<T>;
  $executeRaw(query: Sql): PromiseLike<number>;
}

/** How `visits.at` is stored: Prisma's SQLite adapter writes ISO-8601 text by default, or epoch milliseconds. */
type SqliteTimeFormat = 'iso' | 'epoch-ms';

/**
 * The few places SQLite and PostgreSQL differ for our queries: turning a timestamp into its UTC
 * day. Everything else is portable SQL.
 */
export class SqlDialect {
  private sqliteFormat: SqliteTimeFormat | undefined;

  constructor(
    readonly provider: SqlProvider,
    private readonly db: SqlClient,
  ) {}

  /** Looks once at a stored timestamp to learn how SQLite keeps them (nothing to learn on PostgreSQL). */
  async prepare(): Promise<void> {
    if (this.provider !== 'sqlite' || this.sqliteFormat) return;
    const rows = await this.db.$queryRaw<Array<{ t: string }>>(sql`SELECT typeof(at) AS t FROM visits LIMIT 1`);
    if (rows[0]) this.sqliteFormat = rows[0].t === 'integer' ? 'epoch-ms' : 'iso';
  }

  /** SQL expression: the UTC day (`YYYY-MM-DD`) of a timestamp column such as `visits.at`. */
  utcDay(column: string): Sql {
    const at = raw(column);
    if (this.provider === 'postgresql') return sql`to_char(${at}, 'YYYY-MM-DD')`;
    if (this.sqliteFormat === 'epoch-ms') return sql`strftime('%Y-%m-%d', ${at} / 1000, 'unixepoch')`;
    // ISO text: slicing the string is much cheaper than parsing it with the date functions.
    return sql`substr(${at}, 1, 10)`;
  }

  /** `column IN (...)`, written as `=` for one id so every planner uses the index. */
  inList(column: string, ids: readonly string[]): Sql {
    if (ids.length === 1) return sql`${raw(column)} = ${ids[0]}`;
    return sql`${raw(column)} IN (${join(ids)})`;
  }
}

/** Counts come back as bigint from PostgreSQL and as number from SQLite. */
export function toNumber(value: unknown): number {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Number(value) || 0;
  return 0;
}

/** Timestamps come back as Date (PostgreSQL), ISO text or epoch milliseconds (SQLite raw rows). */
export function toDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  if (typeof value === 'number' || typeof value === 'bigint') return new Date(Number(value));
  const date = new Date(String(value));
  return Number.isNaN(date.getTime()) ? null : date;
}
