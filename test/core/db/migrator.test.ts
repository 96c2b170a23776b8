import { appendFile, cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { isMaiimgError } from '../../../core/errors.js';
import { MigrationError, applyMigrations, defaultMigrationsDir } from '../../../core/db/migrator.js';
import { openSqlite } from '../../../core/db/sqlite-driver.js';
import {
  DATABASE_TEST_TIMEOUT_MS,
  describeEachDatabase,
  freshPostgres,
  freshSqlite,
  postgresServerUrl,
  type FreshDatabase,
} from '../../helpers/databases.js';

const EXPECTED_TABLES = ['galleries', 'gallery_images', 'visits', 'image_views', 'visit_daily'];

async function tableNames(fresh: FreshDatabase): Promise<string[]> {
  const { database } = fresh;
  if (database.provider === 'sqlite') {
    const db = openSqlite(database.file);
    try {
      return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map(
        (r) => r.name,
      );
    } finally {
      db.close();
    }
  }
  const schema = new URL(database.url).searchParams.get('schema');
  const client = new pg.Client({ connectionString: await postgresServerUrl() });
  await client.connect();
  try {
    const { rows } = await client.query<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1',
      [schema],
    );
    return rows.map((r) => r.table_name);
  } finally {
    await client.end();
  }
}

/** A copy of the checked-in migrations that a test may edit. */
async function copyOfMigrations(provider: 'sqlite' | 'postgresql'): Promise<{ dir: string; remove(): Promise<void> }> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'maiimg-migrations-'));
  const dir = path.join(root, 'migrations');
  await cp(defaultMigrationsDir(provider), dir, { recursive: true });
  return { dir, remove: () => rm(root, { recursive: true, force: true }) };
}

describeEachDatabase('applyMigrations', ({ provider, fresh }) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
  }, DATABASE_TEST_TIMEOUT_MS);

  it('creates every table on an empty database, then applies nothing the second time', async () => {
    const db = await fresh({ migrate: false });
    cleanups.push(db.cleanup);
    const migrationNames = (await readdir(defaultMigrationsDir(provider), { withFileTypes: true }))
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();

    const first = await applyMigrations(db.database);
    expect(first.applied).toEqual(migrationNames);
    expect(await tableNames(db)).toEqual(expect.arrayContaining([...EXPECTED_TABLES, '_maiimg_migrations']));

    const second = await applyMigrations(db.database);
    expect(second.applied).toEqual([]);
  });

  it('refuses to start when an applied migration file was changed', async () => {
    const db = await fresh({ migrate: false });
    cleanups.push(db.cleanup);
    const copy = await copyOfMigrations(provider);
    cleanups.push(copy.remove);
    await applyMigrations(db.database, undefined, { migrationsDir: copy.dir });

    const [firstMigration] = (await readdir(copy.dir)).filter((name) => !name.startsWith('.')).sort();
    await appendFile(path.join(copy.dir, firstMigration, 'migration.sql'), '\n-- edited after the fact\n');

    const attempt = applyMigrations(db.database, undefined, { migrationsDir: copy.dir });
    await expect(attempt).rejects.toBeInstanceOf(MigrationError);
    await expect(attempt).rejects.toThrow(/already applied.*has changed/s);
  });

  it('applies a new migration on top and rolls back one that fails', async () => {
    const db = await fresh({ migrate: false });
    cleanups.push(db.cleanup);
    const copy = await copyOfMigrations(provider);
    cleanups.push(copy.remove);
    await applyMigrations(db.database, undefined, { migrationsDir: copy.dir });

    const extra = path.join(copy.dir, '99990101000000_extra');
    await mkdir(extra);
    await writeFile(
      path.join(extra, 'migration.sql'),
      'CREATE TABLE extra_a (id INTEGER PRIMARY KEY);\nCREATE TABLE galleries (id INTEGER);\n',
    );
    await expect(applyMigrations(db.database, undefined, { migrationsDir: copy.dir })).rejects.toThrow(
      /99990101000000_extra failed and was rolled back/,
    );
    expect(await tableNames(db)).not.toContain('extra_a');

    await writeFile(path.join(extra, 'migration.sql'), 'CREATE TABLE extra_a (id INTEGER PRIMARY KEY);\n');
    expect((await applyMigrations(db.database, undefined, { migrationsDir: copy.dir })).applied).toEqual([
      '99990101000000_extra',
    ]);
    expect(await tableNames(db)).toContain('extra_a');
  });
});

describe('applyMigrations on SQLite', { timeout: DATABASE_TEST_TIMEOUT_MS }, () => {
  it('takes no write lock when every migration is applied (a command does not wait behind the server)', async () => {
    const db = await freshSqlite();
    if (db.database.provider !== 'sqlite') throw new Error('a SQLite database was asked for');
    const writer = openSqlite(db.database.file);
    try {
      // Another process in the middle of a write: taking the write lock would wait for it, then fail.
      writer.exec('BEGIN IMMEDIATE');
      await expect(applyMigrations(db.database)).resolves.toEqual({ applied: [] });
      writer.exec('ROLLBACK');
    } finally {
      writer.close();
      await db.cleanup();
    }
  });
});

describe('applyMigrations on PostgreSQL', { timeout: DATABASE_TEST_TIMEOUT_MS }, () => {
  it('lets several instances start at once without racing', async () => {
    const db = await freshPostgres({ migrate: false });
    try {
      const results = await Promise.all(Array.from({ length: 6 }, () => applyMigrations(db.database)));
      const applied = results.flatMap((result) => result.applied);
      const expected = (await readdir(defaultMigrationsDir('postgresql'), { withFileTypes: true }))
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name)
        .sort();
      // Every migration applied exactly once across all the instances.
      expect(applied.sort()).toEqual(expected);
    } finally {
      await db.cleanup();
    }
  });

  it('reports DATABASE_UNAVAILABLE when the server cannot be reached', async () => {
    const error = await applyMigrations({
      provider: 'postgresql',
      url: 'postgresql://postgres@127.0.0.1:1/test',
    }).catch((e: unknown) => e);
    expect(isMaiimgError(error, 'DATABASE_UNAVAILABLE')).toBe(true);
  });
});
