import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import type { Config } from '../../../core/config.js';
import { parsePostgresUrl, searchPathOption } from '../../../core/db/database-url.js';
import { applyMigrations, defaultMigrationsDir } from '../../../core/db/migrator.js';
import { openSqlite } from '../../../core/db/sqlite-driver.js';
import { DATABASE_TEST_TIMEOUT_MS, describeEachDatabase } from '../../helpers/databases.js';

const LINKS_MIGRATION = '20261203101601_gallery_links';

/** Plain SQL against either database (`?` placeholders), the way the rows of an older version look on disk. */
interface RawDb {
  run(sql: string, params?: unknown[]): Promise<void>;
  all<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

async function rawDb(database: Config['database']): Promise<RawDb> {
  if (database.provider === 'sqlite') {
    const db = openSqlite(database.file);
    return {
      run: async (sql, params = []) => void db.prepare(sql).run(...params),
      all: async <T>(sql: string, params: unknown[] = []) => db.prepare(sql).all(...params) as T[],
      close: async () => db.close(),
    };
  }
  const { connectionString, schema } = parsePostgresUrl(database.url);
  const client = new pg.Client({ connectionString, options: searchPathOption(schema) });
  await client.connect();
  let n = 0;
  const numbered = (sql: string) => sql.replace(/\?/g, () => `$${++n}`);
  return {
    run: async (sql, params = []) => {
      n = 0;
      await client.query(numbered(sql), params);
    },
    all: async <T>(sql: string, params: unknown[] = []) => {
      n = 0;
      return (await client.query(numbered(sql), params)).rows as T[];
    },
    close: () => client.end(),
  };
}

/** The checked-in migrations up to (not including) the links migration: the schema the current main runs. */
async function migrationsBeforeLinks(
  provider: Config['database']['provider'],
): Promise<{ dir: string; remove(): Promise<void> }> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'maiimg-migrations-'));
  const dir = path.join(root, 'migrations');
  await cp(defaultMigrationsDir(provider), dir, { recursive: true });
  const names = (await readdir(dir)).filter((name) => !name.startsWith('.')).sort();
  expect(names).toContain(LINKS_MIGRATION);
  for (const name of names.filter((name) => name >= LINKS_MIGRATION))
    await rm(path.join(dir, name), { recursive: true });
  return { dir, remove: () => rm(root, { recursive: true, force: true }) };
}

describeEachDatabase('the gallery links migration', ({ provider, fresh }) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
  }, DATABASE_TEST_TIMEOUT_MS);

  it(
    'gives every existing gallery its slug as first link and fills in the link of existing visits and counts',
    async () => {
      const db = await fresh({ migrate: false });
      cleanups.push(db.cleanup);
      const before = await migrationsBeforeLinks(provider);
      cleanups.push(before.remove);
      await applyMigrations(db.database, undefined, { migrationsDir: before.dir });

      // Rows as the current main writes them: galleries, visits, their daily counts, rollups and visitor keys.
      const raw = await rawDb(db.database);
      cleanups.push(() => raw.close());
      const at = (iso: string) => (provider === 'sqlite' ? iso.replace('Z', '+00:00') : iso.replace('Z', ''));
      const bool = (value: boolean) => (provider === 'sqlite' ? Number(value) : value);
      for (const [id, slug] of [
        ['g1', 'AAAAAAAAAAAAAAAAAAAAAA'],
        ['g2', 'BBBBBBBBBBBBBBBBBBBBBB'],
      ] as const) {
        await raw.run(
          `INSERT INTO galleries (id, slug, owner_platform, owner_user_id, created_at, state, open_count, downloads_allowed, first_open_alerted, alerts_enabled)
           VALUES (?, ?, 'cli', 'alice', ?, 'active', 0, ?, ?, ?)`,
          [id, slug, at('2026-11-20T10:00:00.000Z'), bool(true), bool(false), bool(true)],
        );
      }
      const visits = [
        ['v1', 'g1', '2026-11-21T09:00:00.000Z', 'human', 'key-a'],
        ['v2', 'g1', '2026-11-22T09:30:00.000Z', 'human', 'key-b'],
        ['v3', 'g1', '2026-11-22T09:31:00.000Z', 'preview', null],
        ['v4', 'g2', '2026-11-23T12:00:00.000Z', 'human', 'key-a'],
      ] as const;
      for (const [id, galleryId, when, kind, key] of visits) {
        await raw.run(`INSERT INTO visits (id, gallery_id, at, kind, visitor_key) VALUES (?, ?, ?, ?, ?)`, [
          id,
          galleryId,
          at(when),
          kind,
          key,
        ]);
      }
      await raw.run(
        `INSERT INTO visit_daily (gallery_id, day, kind, count) VALUES
           ('g1', '2026-11-21', 'human', 1), ('g1', '2026-11-22', 'human', 1), ('g1', '2026-11-22', 'preview', 1),
           ('g2', '2026-11-23', 'human', 1)`,
      );
      await raw.run(
        `INSERT INTO gallery_visitors (gallery_id, visitor_key) VALUES ('g1', 'key-a'), ('g1', 'key-b'), ('g2', 'key-a')`,
      );

      const applied = await applyMigrations(db.database);
      expect(applied.applied).toEqual([LINKS_MIGRATION]);

      const links = await raw.all<{
        id: string;
        gallery_id: string;
        slug: string;
        first: unknown;
        state: string;
        last_open_at: unknown;
      }>(
        'SELECT id, gallery_id, slug, "first" AS first, state, CAST(last_open_at AS TEXT) AS last_open_at FROM gallery_links ORDER BY id',
      );
      expect(links.map(({ id, gallery_id, slug, state }) => ({ id, gallery_id, slug, state }))).toEqual([
        { id: 'g1', gallery_id: 'g1', slug: 'AAAAAAAAAAAAAAAAAAAAAA', state: 'enabled' },
        { id: 'g2', gallery_id: 'g2', slug: 'BBBBBBBBBBBBBBBBBBBBBB', state: 'enabled' },
      ]);
      expect(links.every((link) => link.first === true || link.first === 1)).toBe(true);
      // The last human open (the preview after it does not count), whatever each database's text form of a time.
      expect(links.map((link) => String(link.last_open_at).replace(' ', 'T').slice(0, 16))).toEqual([
        '2026-11-22T09:30',
        '2026-11-23T12:00',
      ]);

      const visitLinks = await raw.all<{ id: string; link_id: string }>('SELECT id, link_id FROM visits ORDER BY id');
      expect(visitLinks).toEqual([
        { id: 'v1', link_id: 'g1' },
        { id: 'v2', link_id: 'g1' },
        { id: 'v3', link_id: 'g1' },
        { id: 'v4', link_id: 'g2' },
      ]);
      const byLink = await raw.all<{ gallery_id: string; value: string; count: unknown }>(
        `SELECT gallery_id, value, count FROM visit_rollups WHERE dimension = 'link' ORDER BY gallery_id`,
      );
      expect(byLink.map((row) => ({ ...row, count: Number(row.count) }))).toEqual([
        { gallery_id: 'g1', value: 'g1', count: 2 },
        { gallery_id: 'g2', value: 'g2', count: 1 },
      ]);
      const visitors = await raw.all<{ link_id: string; n: unknown }>(
        'SELECT link_id, COUNT(*) AS n FROM link_visitors GROUP BY link_id ORDER BY link_id',
      );
      expect(visitors.map((row) => ({ link_id: row.link_id, n: Number(row.n) }))).toEqual([
        { link_id: 'g1', n: 2 },
        { link_id: 'g2', n: 1 },
      ]);
    },
    DATABASE_TEST_TIMEOUT_MS,
  );
});
