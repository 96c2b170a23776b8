import { MaiimgError } from '../errors.js';

/** A PostgreSQL URL split into what `pg` understands and the schema Prisma-style `?schema=` names. */
export interface PostgresTarget {
  connectionString: string;
  schema: string;
}

/**
 * `?schema=` is Prisma's convention, not libpq's: `pg` would ignore it, so it is taken out here and
 * applied by us (search_path for our own SQL, the adapter's `schema` option for Prisma's).
 */
export function parsePostgresUrl(url: string): PostgresTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new MaiimgError('INVALID_OPTION', { option: 'DATABASE_URL', reason: 'reason.url' }, { cause });
  }
  const schema = parsed.searchParams.get('schema') || 'public';
  parsed.searchParams.delete('schema');
  return { connectionString: parsed.toString(), schema };
}

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The libpq `options` startup parameter that puts every pooled connection in `schema`. */
export function searchPathOption(schema: string): string {
  // Spaces separate startup options, so they are escaped; quoting handles everything else.
  return `-c search_path=${quoteIdentifier(schema).replace(/\\/g, '\\\\').replace(/ /g, '\\ ')}`;
}
