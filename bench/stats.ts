/**
 * npm run bench:stats — how long the core's stats call takes for a gallery with 1,000,000 visits,
 * against the least any implementation must do: one hand-written SQL GROUP BY per dimension, run
 * straight on libsql (no ORM) on the same database.
 *
 * Seeds one gallery in a fresh SQLite file (migrated like production): 1,000,000 visits spread
 * realistically over 90 days (a growing trend, a daily rhythm, 50 countries, 10 device kinds,
 * 90 % human / 7 % previews / 3 % bots) and 25 images with about 600,000 views, written through the
 * product's own write path (the visit repository, in the recorder's batch size), so the daily
 * counts and the rollups the stats read are exactly what the product keeps. The visits come through
 * 20 links (the gallery's first link and 19 share links, Zipf-weighted), so the stats include opens
 * by link. The stats are checked
 * against the baseline's answers before timing. Each side runs once to warm up, then RUNS times;
 * medians reported. Last line: one JSON object.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../core/config.js';
import { openCore } from '../core/core-app.js';
import { openSqlite, type SqliteDatabase } from '../core/db/sqlite-driver.js';
import { applyMigrations } from '../core/db/migrator.js';
import type { GalleryVisitStats } from '../core/analytics/visit-stats.js';
import type { VisitBatch, VisitRepository } from '../core/visits/visit-repository.js';

const VISITS = Number(process.argv[2] ?? 1_000_000);
const DAYS = 90;
const IMAGES = 25;
/** The gallery's links: its first link and 19 share links. */
const LINKS = 20;
const RUNS = 5;
/** Visits per write: the visit recorder writes once 500 rows are waiting. */
const BATCH = 500;
const OWNER = { platform: 'telegram' as const, userId: 'bench-owner' };

/** Deterministic pseudo-random numbers, so every run seeds the same data. */
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

/** Picks from a list with Zipf-like weights: the first entries are much more common. */
function zipf<T>(items: readonly T[], random: () => number, s = 1.1): () => T {
  const weights = items.map((_, i) => 1 / (i + 1) ** s);
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative: number[] = [];
  weights.reduce((sum, w, i) => (cumulative[i] = sum + w / total), 0);
  return () => {
    const r = random();
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < r) lo = mid + 1;
      else hi = mid;
    }
    return items[lo]!;
  };
}

const COUNTRIES =
  'US CN DE GB FR JP IN BR CA AU IT ES NL KR RU MX SE CH PL TR TW HK SG ID TH VN MY PH AR CL CO ZA NG EG SA AE IL IE AT BE DK NO FI PT CZ GR HU RO NZ UA'.split(
    ' ',
  );
const DEVICES: Array<[string, string | null, string, string]> = [
  ['desktop', null, 'Chrome', 'Windows'],
  ['mobile', 'Apple', 'Mobile Safari', 'iOS'],
  ['mobile', 'Samsung', 'Samsung Browser', 'Android'],
  ['desktop', 'Apple', 'Safari', 'Mac OS'],
  ['mobile', 'Xiaomi', 'Chrome', 'Android'],
  ['tablet', 'Apple', 'Mobile Safari', 'iOS'],
  ['mobile', 'Huawei', 'Huawei Browser', 'HarmonyOS'],
  ['desktop', null, 'Firefox', 'Linux'],
  ['tablet', 'Samsung', 'Chrome', 'Android'],
  ['smarttv', 'LG', 'Chrome', 'webOS'],
];
const REFERRERS = [
  null,
  null,
  null,
  't.me',
  'web.telegram.org',
  'discord.com',
  'app.slack.com',
  'mail.google.com',
  'www.facebook.com',
  'x.com',
];
const PREVIEWS = ['telegram', 'slack', 'discord', 'whatsapp', 'facebook'];

/** The gallery and its images, written straight into the database (their creation is not what is measured). */
function seedGallery(
  db: SqliteDatabase,
  now: number,
): { galleryId: string; slug: string; imageIds: string[]; linkIds: string[] } {
  const galleryId = 'benchgallery000000000001';
  const slug = 'BenchStatsGallery00001';
  const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '+00:00');
  db.prepare(
    `INSERT INTO galleries (id, slug, owner_platform, owner_user_id, owner_chat_id, title, created_at, state, open_count, downloads_allowed, first_open_alerted, alerts_enabled)
     VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, 1, 1, 1)`,
  ).run(
    galleryId,
    slug,
    OWNER.platform,
    OWNER.userId,
    'bench-chat',
    'Benchmark gallery',
    iso(now - DAYS * 86_400_000),
    VISITS,
  );
  const imageIds: string[] = [];
  const insertImage = db.prepare(
    `INSERT INTO gallery_images (id, gallery_id, position, original_name, format, width, height, bytes, hash, animated) VALUES (?, ?, ?, ?, 'jpeg', 4000, 3000, 4800000, ?, 0)`,
  );
  for (let i = 0; i < IMAGES; i++) {
    const id = `benchimage${String(i).padStart(14, '0')}`;
    imageIds.push(id);
    insertImage.run(id, galleryId, i, `photo-${i + 1}.jpg`, `${String(i).padStart(2, '0')}${'ab'.repeat(31)}`);
  }
  // The first link's id is the gallery's (as the product makes it); the share links follow.
  const linkIds: string[] = [];
  const insertLink = db.prepare(
    `INSERT INTO gallery_links (id, gallery_id, slug, "first", label, platform, created_at, state) VALUES (?, ?, ?, ?, ?, ?, ?, 'enabled')`,
  );
  for (let i = 0; i < LINKS; i++) {
    const id = i === 0 ? galleryId : `benchlink${String(i).padStart(15, '0')}`;
    const linkSlug = i === 0 ? slug : `BenchStatsLink${String(i).padStart(8, '0')}`;
    insertLink.run(
      id,
      galleryId,
      linkSlug,
      i === 0 ? 1 : 0,
      i === 0 ? null : `#channel-${i}`,
      i === 0 ? null : 'slack',
      iso(now - DAYS * 86_400_000),
    );
    linkIds.push(id);
  }
  return { galleryId, slug, imageIds, linkIds };
}

/**
 * The visits, written the way the product writes them: batches of at most BATCH visits (the visit
 * recorder writes every 500 buffered rows or every second) through the visit repository, which
 * stores the details, the daily counts and the stats' rollups in one transaction per batch.
 */
async function seedVisits(
  repository: VisitRepository,
  galleryId: string,
  imageIds: string[],
  linkIds: string[],
  now: number,
): Promise<void> {
  const random = rng(7);
  // Links drawn from their own sequence, so every other column is seeded as before links.
  const link = zipf(linkIds, rng(11), 1);
  const country = zipf(COUNTRIES, random);
  const device = zipf(DEVICES, random, 0.9);
  const referrer = zipf(REFERRERS, random, 0.5);
  const preview = zipf(PREVIEWS, random);
  const image = zipf(imageIds, random, 0.8);
  const visitor = () => `v${Math.floor(random() ** 1.5 * 250_000)}`;
  const start = now - DAYS * 86_400_000;
  // Visits in time order, like real traffic: a trend that grows over the 90 days and a daily rhythm peaking in the evening.
  const times: number[] = [];
  for (let i = 0; i < VISITS; i++) {
    const day = Math.floor(Math.sqrt(random()) * DAYS);
    let hour: number;
    do hour = Math.floor(random() * 24);
    while (random() > 0.35 + 0.65 * Math.sin(((hour - 8) / 24) * Math.PI) ** 2);
    times.push(start + day * 86_400_000 + hour * 3_600_000 + Math.floor(random() * 3_600_000));
  }
  times.sort((a, b) => a - b);
  for (let from = 0; from < VISITS; from += BATCH) {
    const batch: VisitBatch = { visits: [], imageViews: [] };
    for (let i = from; i < Math.min(VISITS, from + BATCH); i++) {
      const r = random();
      const kind = r < 0.9 ? 'human' : r < 0.97 ? 'preview' : 'bot';
      const [type, vendor, browser, os] = device();
      const c = country();
      const id = randomUUID();
      const at = new Date(times[i]!);
      batch.visits.push({
        id,
        galleryId,
        at,
        kind,
        previewPlatform: kind === 'preview' ? preview() : null,
        linkId: link(),
        ip: `10.${i % 250}.${(i >> 8) % 250}.1`,
        visitorKey: kind === 'human' ? visitor() : null,
        deviceType: kind === 'human' ? type : null,
        deviceVendor: vendor,
        deviceModel: null,
        browser,
        browserVersion: '120',
        os,
        osVersion: null,
        country: c,
        region: `${c}-R${Math.floor(random() * 4)}`,
        city: `${c} City ${Math.floor(random() * 6)}`,
        referrerHost: kind === 'human' ? referrer() : null,
        language: c === 'CN' || c === 'TW' || c === 'HK' ? 'zh-CN' : 'en',
        userAgent: null,
      });
      if (kind === 'human' && random() < 0.67)
        batch.imageViews.push({ id: randomUUID(), visitId: id, galleryId, imageId: image(), at });
    }
    await repository.saveBatch(batch);
  }
}

/** The baseline: one plain GROUP BY per dimension the stats report, straight on the driver. */
function baseline(db: SqliteDatabase, galleryId: string, now: number): number {
  const since = new Date(now - 30 * 86_400_000).toISOString().replace('Z', '+00:00');
  const queries: Array<[string, unknown[]]> = [
    [`SELECT kind, COUNT(*) AS n FROM visits WHERE gallery_id = ? GROUP BY kind`, [galleryId]],
    [
      `SELECT preview_platform, COUNT(*) AS n FROM visits WHERE gallery_id = ? AND kind = 'preview' GROUP BY preview_platform`,
      [galleryId],
    ],
    [
      `SELECT COUNT(DISTINCT visitor_key) AS n, MIN(at), MAX(at) FROM visits WHERE gallery_id = ? AND kind = 'human'`,
      [galleryId],
    ],
    [
      `SELECT substr(at, 1, 10) AS day, COUNT(*) AS n FROM visits WHERE gallery_id = ? AND kind = 'human' AND at >= ? GROUP BY day`,
      [galleryId, since],
    ],
    [
      `SELECT substr(at, 12, 2) AS hour, COUNT(*) AS n FROM visits WHERE gallery_id = ? AND kind = 'human' GROUP BY hour`,
      [galleryId],
    ],
    [
      `SELECT country, COUNT(*) AS n FROM visits WHERE gallery_id = ? AND kind = 'human' GROUP BY country ORDER BY n DESC`,
      [galleryId],
    ],
    [
      `SELECT country, region, COUNT(*) AS n FROM visits WHERE gallery_id = ? AND kind = 'human' GROUP BY country, region ORDER BY n DESC LIMIT 10`,
      [galleryId],
    ],
    [
      `SELECT country, city, COUNT(*) AS n FROM visits WHERE gallery_id = ? AND kind = 'human' GROUP BY country, city ORDER BY n DESC LIMIT 10`,
      [galleryId],
    ],
    [
      `SELECT device_type, COUNT(*) AS n FROM visits WHERE gallery_id = ? AND kind = 'human' GROUP BY device_type`,
      [galleryId],
    ],
    [`SELECT browser, COUNT(*) AS n FROM visits WHERE gallery_id = ? AND kind = 'human' GROUP BY browser`, [galleryId]],
    [`SELECT os, COUNT(*) AS n FROM visits WHERE gallery_id = ? AND kind = 'human' GROUP BY os`, [galleryId]],
    [
      `SELECT referrer_host, COUNT(*) AS n FROM visits WHERE gallery_id = ? AND kind = 'human' GROUP BY referrer_host`,
      [galleryId],
    ],
    [`SELECT image_id, COUNT(*) AS n FROM image_views WHERE gallery_id = ? GROUP BY image_id`, [galleryId]],
    [
      `SELECT link_id, COUNT(*) AS n, COUNT(DISTINCT visitor_key) AS visitors, MAX(at) AS last FROM visits WHERE gallery_id = ? AND kind = 'human' GROUP BY link_id`,
      [galleryId],
    ],
    [
      `SELECT at, country, region, city, device_type, browser, os FROM visits WHERE gallery_id = ? AND kind = 'human' ORDER BY at DESC LIMIT 20`,
      [galleryId],
    ],
  ];
  const started = performance.now();
  for (const [text, params] of queries) db.prepare(text).all(...params);
  return performance.now() - started;
}

/** The stats must give the same answers as counting the raw visits, or the timing means nothing. */
function checkAgainstVisits(db: SqliteDatabase, galleryId: string, stats: GalleryVisitStats): void {
  const one = (text: string) => Number((db.prepare(text).get(galleryId) as { n: number }).n);
  const expected = {
    uniqueVisitors: one(`SELECT COUNT(DISTINCT visitor_key) AS n FROM visits WHERE gallery_id = ? AND kind = 'human'`),
    imageViews: one(`SELECT COUNT(*) AS n FROM image_views WHERE gallery_id = ?`),
    links: (
      db
        .prepare(
          `SELECT link_id, COUNT(*) AS n, COUNT(DISTINCT visitor_key) AS visitors FROM visits WHERE gallery_id = ? AND kind = 'human' GROUP BY link_id ORDER BY link_id`,
        )
        .all(galleryId) as Array<{ link_id: string; n: number; visitors: number }>
    ).map((row) => [row.link_id, row.n, row.visitors]),
    countries: Object.fromEntries(
      (
        db
          .prepare(`SELECT country, COUNT(*) AS n FROM visits WHERE gallery_id = ? AND kind = 'human' GROUP BY country`)
          .all(galleryId) as Array<{ country: string; n: number }>
      ).map((row) => [row.country, row.n]),
    ),
  };
  const actual = {
    uniqueVisitors: stats.uniqueVisitors,
    imageViews: stats.imageViews.reduce((sum, image) => sum + image.views, 0),
    links: stats.links
      .filter((entry) => entry.opens > 0)
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map((entry) => [entry.id, entry.opens, entry.uniqueVisitors]),
    countries: Object.fromEntries(Object.entries(stats.countries).sort(([a], [b]) => a.localeCompare(b))),
  };
  expected.countries = Object.fromEntries(Object.entries(expected.countries).sort(([a], [b]) => a.localeCompare(b)));
  if (JSON.stringify(actual) !== JSON.stringify(expected))
    throw new Error(`stats differ from the visits: ${JSON.stringify({ actual, expected })}`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'maiimg-bench-stats-'));
  try {
    const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent', PORT: '0', STATS_TIMEZONE: 'UTC' }, dir);
    if (config.database.provider !== 'sqlite') throw new Error('the stats benchmark runs on SQLite');
    await applyMigrations(config.database);
    const now = Date.now();
    const db = openSqlite(config.database.file);
    const { galleryId, slug, imageIds, linkIds } = seedGallery(db, now);
    const core = await openCore(config, { logLevel: 'silent', analyticsJobs: false });
    try {
      let seeded = performance.now();
      await seedVisits(core.visits.repository, galleryId, imageIds, linkIds, now);
      seeded = performance.now() - seeded;
      process.stdout.write(`seeded ${VISITS} visits through the visit repository in ${Math.round(seeded)} ms\n`);
      db.exec('ANALYZE');

      const ours: number[] = [];
      const theirs: number[] = [];
      let stats = await core.stats({ owner: OWNER, ref: slug });
      baseline(db, galleryId, now);
      for (let run = 0; run < RUNS; run++) {
        let started = performance.now();
        stats = await core.stats({ owner: OWNER, ref: slug });
        ours.push(performance.now() - started);
        started = performance.now();
        baseline(db, galleryId, now);
        theirs.push(performance.now() - started);
      }
      const total = stats.humanOpens + stats.bots + Object.values(stats.previews).reduce((a, b) => a + b, 0);
      if (total !== VISITS) throw new Error(`stats counted ${total} visits, expected ${VISITS}`);
      if (stats.links.length !== LINKS) throw new Error(`stats show ${stats.links.length} links, expected ${LINKS}`);
      checkAgainstVisits(db, galleryId, stats);
      process.stdout.write(
        `ours (core.stats): ${ours.map((ms) => ms.toFixed(0)).join(', ')} ms\nbaseline (${15} GROUP BY queries): ${theirs.map((ms) => ms.toFixed(0)).join(', ')} ms\n` +
          `human opens ${stats.humanOpens}, unique visitors ${stats.uniqueVisitors}, countries ${Object.keys(stats.countries).length}\n`,
      );
      const oursMs = median(ours);
      const baselineMs = median(theirs);
      process.stdout.write(
        JSON.stringify({
          bench: 'stats',
          ours_ms: Math.round(oursMs),
          baseline_ms: Math.round(baselineMs),
          ratio: Number((oursMs / baselineMs).toPrecision(2)),
          visits: VISITS,
          links: LINKS,
        }) + '\n',
      );
    } finally {
      await core.close();
      db.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
