import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { VisitNumbers, VisitStats } from '../../core/analytics/visit-stats.js';
import type { Config } from '../../core/config.js';
import { openCore, type Core } from '../../core/core-app.js';
import { parsePostgresUrl, searchPathOption } from '../../core/db/database-url.js';
import { applyMigrations, defaultMigrationsDir, MIGRATIONS_TABLE, readMigrations } from '../../core/db/migrator.js';
import { openSqlite } from '../../core/db/sqlite-driver.js';
import type { Gallery } from '../../core/types.js';
import type { EnrichedVisitBatch, VisitRow } from '../../core/visits/visit-repository.js';
import {
  DATABASE_PROVIDERS,
  DATABASE_TEST_TIMEOUT_MS,
  freshDatabase,
  type FreshDatabase,
} from '../helpers/databases.js';
import { testConfig } from '../helpers/test-core.js';
import { ALICE, BOB, ManualClock, makeGallery, visitBatch, type SeedVisit } from './analytics-fixtures.js';

const NOW = '2026-03-15T12:00:00.000Z';
const DAY_MS = 86_400_000;

/** Deterministic pseudo-random numbers (mulberry32), so every run seeds the same visits. */
function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Varied visits over the 40 days before NOW: every kind, places with and without region or city,
 * missing devices and referrers, visitor keys shared between galleries, views of every image.
 * Fewer than ten regions and cities, so the top-ten lists hold all of them.
 */
function variedVisits(seed: number, count: number): SeedVisit[] {
  const random = rng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const places: Array<[string | null, string | null, string | null]> = [
    ['FR', 'IDF', 'Paris'],
    ['FR', 'ARA', 'Lyon'],
    ['FR', null, null],
    ['DE', 'BE', 'Berlin'],
    ['DE', 'BY', null],
    ['US', 'NY', 'New York'],
    [null, null, null],
  ];
  const visits: SeedVisit[] = [];
  for (let i = 0; i < count; i++) {
    const roll = random();
    const at = new Date(Date.parse(NOW) - Math.floor(random() * 40 * DAY_MS));
    if (roll < 0.12) {
      visits.push({ at, kind: 'preview', previewPlatform: pick(['telegram', 'slack', 'discord']) });
      continue;
    }
    if (roll < 0.18) {
      visits.push({ at, kind: 'bot' });
      continue;
    }
    const [country, region, city] = pick(places);
    visits.push({
      at,
      visitorKey: `key-${Math.floor(random() * 60)}`,
      country,
      region,
      city,
      deviceType: pick(['mobile', 'desktop', 'tablet', null]),
      browser: pick(['Chrome', 'Firefox', 'Mobile Safari']),
      os: pick(['iOS', 'Android', 'Windows']),
      referrerHost: pick([null, 't.me', 'discord.com']),
      views: [0, 1, 2].filter(() => random() < 0.4),
    });
  }
  return visits;
}

/** Some opens without a visitor key, as when a request has neither address nor user agent. */
function withoutSomeKeys(batch: EnrichedVisitBatch): EnrichedVisitBatch {
  batch.visits.forEach((visit, index) => {
    if (visit.kind === 'human' && index % 11 === 0) visit.visitorKey = null;
  });
  return batch;
}

/** Local day and hour of an instant, straight from Intl (independent of the product's calendar code). */
function localPlace(at: Date, timeZone: string): { day: string; hour: number } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
    })
      .formatToParts(at)
      .map((part) => [part.type, part.value]),
  );
  return { day: `${parts.year}-${parts.month}-${parts.day}`, hour: Number(parts.hour) };
}

/** The numbers counted the slow, obvious way from the visits themselves. */
function recount(visits: VisitRow[], timeZone: string) {
  const humans = visits.filter((visit) => visit.kind === 'human');
  const tally = (rows: VisitRow[], key: (visit: VisitRow) => string) => {
    const out: Record<string, number> = {};
    for (const row of rows) out[key(row)] = (out[key(row)] ?? 0) + 1;
    return out;
  };
  const name = (value: string | null) => value || 'unknown';
  const places = (field: 'region' | 'city') =>
    Object.entries(
      tally(
        humans.filter((visit) => visit[field]),
        (visit) => `${name(visit.country)}|${visit[field]}`,
      ),
    ).map(([key, opens]) => {
      const [country, place] = key.split('|') as [string, string];
      return { country, [field]: place, opens };
    });
  const opensByHour = Array.from({ length: 24 }, () => 0);
  for (const visit of humans) opensByHour[localPlace(visit.at, timeZone).hour]! += 1;
  const times = humans.map((visit) => visit.at.getTime());
  return {
    humanOpens: humans.length,
    uniqueVisitors: new Set(humans.map((visit) => visit.visitorKey).filter((key) => key !== null)).size,
    previews: tally(
      visits.filter((visit) => visit.kind === 'preview'),
      (visit) => visit.previewPlatform ?? 'other',
    ),
    bots: visits.filter((visit) => visit.kind === 'bot').length,
    firstOpenAt: new Date(Math.min(...times)),
    lastOpenAt: new Date(Math.max(...times)),
    opensByHour,
    opensPerDay: tally(humans, (visit) => localPlace(visit.at, timeZone).day),
    countries: tally(humans, (visit) => name(visit.country)),
    regions: places('region'),
    cities: places('city'),
    devices: tally(humans, (visit) => name(visit.deviceType)),
    browsers: tally(humans, (visit) => name(visit.browser)),
    operatingSystems: tally(humans, (visit) => name(visit.os)),
    referrers: tally(humans, (visit) => visit.referrerHost ?? 'direct'),
  };
}

function byOpens<T extends { opens: number; country: string }>(list: T[]): T[] {
  return [...list].sort((a, b) => b.opens - a.opens || JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

function expectRecount(stats: VisitNumbers, visits: VisitRow[], timeZone: string): void {
  const { regions, cities, opensPerDay, ...totals } = recount(visits, timeZone);
  expect(pick(stats, Object.keys(totals) as Array<keyof VisitNumbers>)).toEqual(totals);
  expect(byOpens(stats.regions)).toEqual(byOpens(regions as typeof stats.regions));
  expect(byOpens(stats.cities)).toEqual(byOpens(cities as typeof stats.cities));
  expect(stats.opensPerDay).toHaveLength(30);
  expect(stats.opensPerDay.at(-1)!.day).toBe(localPlace(new Date(NOW), timeZone).day);
  expect(stats.opensPerDay).toEqual(stats.opensPerDay.map(({ day }) => ({ day, opens: opensPerDay[day] ?? 0 })));
}

/** The named fields only, so `toEqual` compares them whole (toMatchObject would accept extra keys in them). */
function pick<T extends object>(object: T, keys: Array<keyof T>): Partial<T> {
  return Object.fromEntries(keys.map((key) => [key, object[key]])) as Partial<T>;
}

/** Runs SQL straight on the database, as an operator or an older release would. */
async function runSql(database: Config['database'], statements: string[]): Promise<void> {
  if (database.provider === 'sqlite') {
    const db = openSqlite(database.file);
    try {
      for (const statement of statements) db.exec(statement);
    } finally {
      db.close();
    }
    return;
  }
  const { connectionString, schema } = parsePostgresUrl(database.url);
  const client = new pg.Client({ connectionString, options: searchPathOption(schema) });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}

for (const provider of DATABASE_PROVIDERS) {
  describe(`stats from rollups [${provider}]`, { timeout: DATABASE_TEST_TIMEOUT_MS }, () => {
    let database: FreshDatabase | undefined;
    let dir: string | undefined;
    let core: Core | undefined;
    let clock: ManualClock;

    async function start(env: Record<string, string> = {}): Promise<Core> {
      database ??= await freshDatabase(provider);
      dir ??= await mkdtemp(path.join(tmpdir(), 'maiimg-rollups-'));
      clock ??= new ManualClock(new Date(NOW));
      core = await openCore(testConfig(dir, { DATABASE_URL: database.database.url, ...env }), {
        logLevel: 'silent',
        clock,
        analyticsJobs: false,
      });
      return core;
    }

    async function stop(): Promise<void> {
      await core?.close();
      core = undefined;
    }

    afterEach(async () => {
      await stop();
      await database?.cleanup();
      if (dir) await rm(dir, { recursive: true, force: true });
      database = undefined;
      dir = undefined;
    });

    for (const timeZone of ['UTC', 'America/New_York', 'Asia/Kathmandu']) {
      it(`matches a recount of the stored visits, per gallery and per owner, in ${timeZone}`, async () => {
        await start({ STATS_TIMEZONE: timeZone });
        const galleries = [await makeGallery(core!, ALICE, 'One'), await makeGallery(core!, ALICE, 'Two')];
        const bobs = await makeGallery(core!, BOB, 'Bob');
        const written: VisitRow[] = [];
        for (const [index, gallery] of [...galleries, bobs].entries()) {
          const batch = withoutSomeKeys(visitBatch(gallery, variedVisits(index + 1, 150)));
          await core!.visits.repository.saveBatch(batch);
          // A retried batch (its first attempt did commit) adds nothing.
          await core!.visits.repository.saveBatch(batch);
          if (gallery !== bobs) written.push(...batch.visits);
        }

        const first = await core!.analytics.getStats({ owner: ALICE, ref: galleries[0]!.slug });
        expectRecount(
          first,
          written.filter((visit) => visit.galleryId === galleries[0]!.id),
          timeZone,
        );
        const owner = await core!.analytics.getStats({ owner: ALICE });
        // Visitor keys shared by the two galleries count once.
        expectRecount(owner, written, timeZone);
      });
    }

    it('counts image views per image, for a gallery and across an owner’s galleries', async () => {
      await start();
      const gallery = await makeGallery(core!, ALICE);
      const second = await makeGallery(core!, ALICE, 'Second');
      const batch = visitBatch(gallery, variedVisits(7, 120));
      await core!.visits.repository.saveBatch(batch);
      await core!.visits.repository.saveBatch(visitBatch(second, [{ at: '2026-03-14T09:00:00Z', views: [2] }]));
      const views = (position: number) =>
        batch.imageViews.filter((view) => view.imageId === gallery.images[position]!.id).length;
      const stats = await core!.stats({ owner: ALICE, ref: gallery.slug });
      expect(stats.imageViews.map((image) => image.views)).toEqual([views(0), views(1), views(2)]);
      const owner = await core!.analytics.getStats({ owner: ALICE });
      expect(owner.imageViews).toContainEqual({ slug: second.slug, position: 2, name: 'dinner.jpg', views: 1 });
    });

    it('keeps every total, trend and breakdown the same after old visit details are pruned', async () => {
      // A short retention, so pruned days are inside the 30-day trend.
      await start({ VISIT_RETENTION_DAYS: '7', STATS_TIMEZONE: 'Asia/Kolkata' });
      const gallery = await makeGallery(core!, ALICE);
      const second = await makeGallery(core!, ALICE, 'Second');
      await core!.visits.repository.saveBatch(visitBatch(gallery, variedVisits(3, 200)));
      await core!.visits.repository.saveBatch(visitBatch(second, variedVisits(4, 100)));
      const read = async () => ({
        gallery: await core!.analytics.getStats({ owner: ALICE, ref: gallery.slug, pageSize: 50 }),
        owner: await core!.analytics.getStats({ owner: ALICE, pageSize: 50 }),
      });
      const before = await read();
      const logged = (await core!.analytics.log.page(gallery.id, {}, 1)).total;

      const pruned = await core!.analytics.retention.prune();
      const cutoff = core!.analytics.reader.cutoff().at.getTime();
      const old = variedVisits(3, 200).filter((visit) => new Date(visit.at).getTime() < cutoff).length;
      expect(old).toBeGreaterThan(50);
      expect(pruned.visits).toBeGreaterThan(old);
      expect((await core!.analytics.log.page(gallery.id, {}, 1)).total).toBe(logged - old);
      expect(await read()).toEqual(before);
    });

    describe('upgrading a database written before the rollups existed', () => {
      const rollupsMigration = readMigrations(defaultMigrationsDir(provider)).find((migration) =>
        migration.name.endsWith('_visit_rollups'),
      )!.name;
      const linksMigration = readMigrations(defaultMigrationsDir(provider)).find((migration) =>
        migration.name.endsWith('_gallery_links'),
      )!.name;

      /**
       * Takes the database back to the schema before the rollups migration: what an older release left
       * (so before gallery links too, which came later and are migrated again after the rollups).
       */
      function downgrade(extra: string[] = []): Promise<void> {
        return runSql(database!.database, [
          'DROP TABLE link_visitors',
          'DROP TABLE gallery_links',
          'ALTER TABLE visits DROP COLUMN link_id',
          `DELETE FROM "${MIGRATIONS_TABLE}" WHERE name = '${linksMigration}'`,
          'DROP TABLE visit_rollups',
          'DROP TABLE visit_quarter_hours',
          'DROP TABLE gallery_visitors',
          `DELETE FROM "${MIGRATIONS_TABLE}" WHERE name = '${rollupsMigration}'`,
          ...extra,
        ]);
      }

      async function seedAndRead(
        env: Record<string, string> = {},
      ): Promise<{ gallery: Gallery; stats: VisitStats; owner: VisitStats }> {
        await start({ VISIT_RETENTION_DAYS: '7', ...env });
        const gallery = await makeGallery(core!, ALICE);
        const second = await makeGallery(core!, ALICE, 'Second');
        await core!.visits.repository.saveBatch(withoutSomeKeys(visitBatch(gallery, variedVisits(5, 200))));
        await core!.visits.repository.saveBatch(visitBatch(second, variedVisits(6, 80)));
        const stats = await core!.analytics.getStats({ owner: ALICE, ref: gallery.slug });
        const owner = await core!.analytics.getStats({ owner: ALICE });
        await stop();
        return { gallery, stats, owner };
      }

      it('fills the rollups from the stored visits, so the stats stay the same', async () => {
        const { gallery, stats, owner } = await seedAndRead({ STATS_TIMEZONE: 'Asia/Kathmandu' });
        // Also a day whose daily count an older release never wrote: the migration restores it.
        await downgrade([`DELETE FROM visit_daily WHERE gallery_id = '${gallery.id}' AND day = '2026-03-14'`]);
        expect((await applyMigrations(database!.database)).applied).toEqual([rollupsMigration, linksMigration]);
        await start({ VISIT_RETENTION_DAYS: '7', STATS_TIMEZONE: 'Asia/Kathmandu' });
        expect(await core!.analytics.getStats({ owner: ALICE, ref: gallery.slug })).toEqual(stats);
        expect(await core!.analytics.getStats({ owner: ALICE })).toEqual(owner);
      });

      it('keeps the totals and the trend of visits an older release had already pruned', async () => {
        const { gallery, stats } = await seedAndRead();
        const cutoff = '2026-03-08';
        // What the older release's retention did: the details go, the daily counts and the image views stay.
        await downgrade([
          `UPDATE image_views SET visit_id = NULL WHERE visit_id IN (SELECT id FROM visits WHERE at < '${cutoff}')`,
          `DELETE FROM visits WHERE at < '${cutoff}'`,
        ]);
        await applyMigrations(database!.database);
        await start({ VISIT_RETENTION_DAYS: '7' });
        const after = await core!.analytics.getStats({ owner: ALICE, ref: gallery.slug });
        const kept = withoutSomeKeys(visitBatch(gallery, variedVisits(5, 200))).visits.filter(
          (visit) => visit.at.toISOString() >= cutoff,
        );
        const expected = recount(kept, 'UTC');
        expect(
          pick(after, ['humanOpens', 'bots', 'firstOpenAt', 'lastOpenAt', 'opensPerDay', 'imageViews', 'latestOpens']),
        ).toEqual(
          pick(stats, ['humanOpens', 'bots', 'firstOpenAt', 'lastOpenAt', 'opensPerDay', 'imageViews', 'latestOpens']),
        );
        // Only the details that were still there can be broken down.
        expect(pick(after, ['countries', 'devices', 'opensByHour', 'uniqueVisitors'])).toEqual(
          pick(expected, ['countries', 'devices', 'opensByHour', 'uniqueVisitors']),
        );
        const prunedPreviews =
          Object.values(stats.previews).reduce((a, b) => a + b, 0) -
          Object.values(expected.previews).reduce((a, b) => a + b, 0);
        expect(prunedPreviews).toBeGreaterThan(0);
        expect(after.previews).toEqual({ ...expected.previews, other: prunedPreviews });
      });
    });
  });
}
