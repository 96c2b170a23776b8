import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeTelegramBotApi, type FakeUser, type RecordedCall } from '../fakes/telegram-bot-api.js';
import { freshPostgres, postgresServerUrl, type FreshDatabase } from '../helpers/databases.js';
import { makeJpeg } from '../helpers/images.js';
import { startS3Server, type TestS3Server } from '../helpers/s3-server.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { freePort } from '../helpers/test-core.js';

/**
 * The scaled-out deployment, for real: two `ROLE=web` processes and one `ROLE=bots` process
 * (started as `npm start` would start them), sharing one PostgreSQL schema and one S3 bucket
 * (s3rver), the bot talking to a fake Telegram Bot API. Each process has its own DATA_DIR, so
 * nothing can be shared through a local disk by accident.
 */

const BROWSER_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const GALLERY_LINK = /https?:\/\/\S+\/g\/([A-Za-z0-9_-]{22})/;
const owner: FakeUser = { id: 4242, first_name: 'owner', language_code: 'en' };

let db: FreshDatabase;
let s3: TestS3Server;
let fake: FakeTelegramBotApi;
let sql: pg.Client;
let web: ServerProcess[] = [];
let bots: ServerProcess | undefined;
const dirs: string[] = [];
/** Gallery pages answered 200 to a browser, per slug: every one of them must become a recorded open. */
const served = new Map<string, number>();
/** Gallery pages answered 410 (gone: limit reached or disabled), checked against the metrics. */
let gone = 0;

const chatIdOf = (call: RecordedCall) => Number(call.params.chat_id);
const textOf = (call: RecordedCall) => String(call.params.text ?? call.params.caption ?? '');

/** A first visit from a new browser (no cookies), through one instance; counts the 200s. */
async function open(instance: ServerProcess, slug: string): Promise<number> {
  const response = await fetch(`${instance.url}/g/${slug}`, { headers: { 'user-agent': BROWSER_UA } });
  await response.arrayBuffer();
  if (response.status === 200) served.set(slug, (served.get(slug) ?? 0) + 1);
  if (response.status === 410) gone += 1;
  return response.status;
}

/** Sends a command to the bot as the owner and waits for its text answer. */
async function ask(text: string): Promise<RecordedCall> {
  const since = fake.calls.length;
  fake.userSends({ from: owner, text });
  // Open alerts of the galleries opened just before may arrive meanwhile: they are not the answer.
  return fake.waitForCall('sendMessage', (c) => chatIdOf(c) === owner.id && !/was just opened/.test(textOf(c)), {
    since,
    timeoutMs: 60_000,
  });
}

/** Sends a photo to the bot and waits for the gallery it makes. */
async function galleryFromBot(seed: number): Promise<{ slug: string; url: string }> {
  const since = fake.calls.length;
  fake.userSends({ from: owner, photo: await makeJpeg(120, 80, seed) });
  const call = await fake.waitForCall('sendPhoto', (c) => chatIdOf(c) === owner.id, { since, timeoutMs: 90_000 });
  const match = GALLERY_LINK.exec(textOf(call));
  expect(match, textOf(call)).not.toBeNull();
  return { url: match![0], slug: match![1]! };
}

async function row(slug: string): Promise<{ openCount: number; maxOpens: number | null; humanVisits: number }> {
  const { rows } = await sql.query<{ open_count: number; max_opens: number | null; human: string }>(
    `SELECT g.open_count, g.max_opens, (SELECT count(*) FROM visits v WHERE v.gallery_id = g.id AND v.kind = 'human') AS human
     FROM galleries g WHERE g.slug = $1`,
    [slug],
  );
  return { openCount: rows[0]!.open_count, maxOpens: rows[0]!.max_opens, humanVisits: Number(rows[0]!.human) };
}

/**
 * Visits are buffered up to a second in each instance before they are written, and so are the open
 * counts of galleries without a limit (counted when their visits are written).
 */
async function reaches(slug: string, field: 'humanVisits' | 'openCount', expected: number): Promise<number> {
  await expect
    .poll(async () => (await row(slug))[field], { timeout: 20_000, interval: 100 })
    .toBeGreaterThanOrEqual(expected);
  return (await row(slug))[field];
}

const SCRAPE = { authorization: 'Bearer scrape-me' };

function metricValue(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

/** The sum of one series over the web instances' /metrics. */
async function webMetric(series: string): Promise<number> {
  const texts = await Promise.all(
    web.map(async (instance) => (await fetch(`${instance.url}/metrics`, { headers: SCRAPE })).text()),
  );
  return texts.reduce((sum, text) => sum + metricValue(text, series), 0);
}

const humanVisitsRecorded = () => webMetric('maiimg_visits_total{kind="human"}');
const visitsBuffered = () => webMetric('maiimg_visits_buffered');

// The same deployment twice: shared state in PostgreSQL (the default there), then in Redis.
for (const sharedState of ['database', 'redis'] as const)
  describe(
    `two web instances and one bot process on PostgreSQL and S3, shared state in ${sharedState}`,
    { timeout: 300_000 },
    () => {
      beforeAll(async () => {
        served.clear();
        gone = 0;
        // Not migrated beforehand: the three processes start at once and race to migrate, as a fresh deployment does.
        [db, s3, fake] = await Promise.all([
          freshPostgres({ migrate: false }),
          startS3Server(),
          FakeTelegramBotApi.start(),
        ]);
        const schema = new URL(db.database.url).searchParams.get('schema')!;
        sql = new pg.Client({ connectionString: await postgresServerUrl(), options: `-c search_path="${schema}"` });
        await sql.connect();

        const [webPort1, webPort2, botPort] = [await freePort(), await freePort(), await freePort()];
        const common = {
          DATABASE_URL: db.database.url,
          STORAGE_DRIVER: 's3',
          S3_BUCKET: s3.bucket,
          S3_REGION: s3.region,
          S3_ENDPOINT: s3.endpoint,
          S3_ACCESS_KEY_ID: s3.accessKeyId,
          S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
          S3_FORCE_PATH_STYLE: 'true',
          // One secret for all, as docs/deploy.md says: a cookie set by one instance is read by the other.
          SESSION_SECRET: randomBytes(32).toString('hex'),
          METRICS_TOKEN: 'scrape-me',
          PUBLIC_BASE_URL: `http://127.0.0.1:${webPort1}`,
          LOG_LEVEL: 'warn',
          DEFAULT_LOCALE: 'en',
          ...(sharedState === 'redis'
            ? {
                REDIS_URL: 'redis://127.0.0.1:6379',
                REDIS_KEY_PREFIX: `maiimg-test-${randomBytes(6).toString('hex')}:`,
              }
            : {}),
        };
        const dataDir = async () => {
          const dir = await mkdtemp(path.join(tmpdir(), 'maiimg-scale-'));
          dirs.push(dir);
          return dir;
        };
        const started = await Promise.all([
          startServerProcess('web-1', { ...common, ROLE: 'web', PORT: String(webPort1), DATA_DIR: await dataDir() }),
          startServerProcess('web-2', { ...common, ROLE: 'web', PORT: String(webPort2), DATA_DIR: await dataDir() }),
          startServerProcess('bots', {
            ...common,
            ROLE: 'bots',
            PORT: String(botPort),
            DATA_DIR: await dataDir(),
            TELEGRAM_BOT_TOKEN: fake.token,
            TELEGRAM_API_ROOT: fake.url,
            BATCH_QUIET_MS: '500',
          }),
        ]);
        web = started.slice(0, 2);
        bots = started[2];
      }, 300_000);

      afterAll(async () => {
        await Promise.all([...web, ...(bots ? [bots] : [])].map((p) => p.stop('SIGKILL')));
        web = [];
        bots = undefined;
        await sql?.end();
        await fake?.close();
        await s3?.stop();
        await db?.cleanup();
        await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
      });

      it('runs the gallery site on the web instances only, and the bots in the bot process', async () => {
        const { slug } = await galleryFromBot(1);
        expect(await open(web[0]!, slug)).toBe(200);
        expect(await open(web[1]!, slug)).toBe(200);
        const fromBots = await fetch(`${bots!.url}/g/${slug}`, { headers: { 'user-agent': BROWSER_UA } });
        expect(fromBots.status).toBe(404);
        for (const instance of [...web, bots!]) {
          expect((await fetch(`${instance.url}/healthz`)).status).toBe(200);
          expect((await fetch(`${instance.url}/readyz`)).status).toBe(200);
        }
      });

      it('records every open made through either instance', async () => {
        const { slug } = await galleryFromBot(2);
        const recordedBefore = await humanVisitsRecorded();
        const statuses = await Promise.all(Array.from({ length: 60 }, (_, i) => open(web[i % 2]!, slug)));
        expect(statuses.filter((s) => s === 200)).toHaveLength(60);
        // Without a limit, the open counter is written with the visits, within a second or so.
        expect(await reaches(slug, 'openCount', 60)).toBe(60);
        expect(await reaches(slug, 'humanVisits', 60)).toBe(60);
        // Nothing is left to write: the instances recorded these 60 opens and no others, and hold
        // none of them in memory any more (writes are idempotent, so none can be counted again).
        await expect.poll(visitsBuffered, { timeout: 20_000, interval: 100 }).toBe(0);
        expect((await humanVisitsRecorded()) - recordedBefore).toBe(60);
        expect(await row(slug)).toMatchObject({ openCount: 60, humanVisits: 60 });
      });

      it('serves a gallery limited to 25 opens exactly 25 times when hit 200 times across both instances', async () => {
        const { slug, url } = await galleryFromBot(3);
        await ask(`/maxviews ${url} 25`);
        expect((await row(slug)).maxOpens).toBe(25);
        const statuses: number[] = [];
        // Waves of 40 at once, alternating instances, so both race for the last opens.
        for (let wave = 0; wave < 5; wave++) {
          statuses.push(...(await Promise.all(Array.from({ length: 40 }, (_, i) => open(web[i % 2]!, slug)))));
        }
        expect(statuses).toHaveLength(200);
        expect(statuses.filter((s) => s === 200)).toHaveLength(25);
        expect(statuses.filter((s) => s === 410)).toHaveLength(175);
        // With a limit, the counter is written before the page is served.
        expect((await row(slug)).openCount).toBe(25);
        expect(await reaches(slug, 'humanVisits', 25)).toBe(25);
      });

      it('counts wrong passwords across instances, so switching instance does not reset the limit', async () => {
        const { slug, url } = await galleryFromBot(4);
        await ask(`/password ${url} correct-horse`);
        // Each instance may answer from a copy read up to GALLERY_CACHE_MS before the change: wait until
        // both ask for the password, so every attempt below is judged against it.
        await expect
          .poll(() => Promise.all(web.map((instance) => open(instance, slug))), { timeout: 10_000 })
          .toEqual([401, 401]);
        const attempt = async (instance: ServerProcess) =>
          (
            await fetch(`${instance.url}/g/${slug}/unlock`, {
              method: 'POST',
              headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': BROWSER_UA },
              body: 'password=wrong',
              redirect: 'manual',
            })
          ).status;
        const statuses: number[] = [];
        for (let i = 0; i < 12; i++) statuses.push(await attempt(web[i % 2]!));
        // Ten wrong attempts per visitor and gallery in all (the default), not ten per instance.
        expect(statuses).toEqual([...Array(10).fill(401), 429, 429]);
      });

      it('obeys a disable sent to the bot on both instances at once', async () => {
        const { slug, url } = await galleryFromBot(5);
        expect(await open(web[0]!, slug)).toBe(200);
        expect(await open(web[1]!, slug)).toBe(200);
        const reply = await ask(`/disable ${url}`);
        expect(textOf(reply)).toMatch(/disabled/i);
        // The bot answers after the change is committed. Each instance may answer from a copy of the
        // gallery read up to GALLERY_CACHE_MS (500 ms) before: within the second the issue allows, both
        // refuse the link, and from then on they keep refusing it.
        const answeredAt = Date.now();
        const refusedAfter = await Promise.all(
          web.map(async (instance) => {
            while ((await open(instance, slug)) !== 410) await new Promise((resolve) => setTimeout(resolve, 25));
            return Date.now() - answeredAt;
          }),
        );
        for (const elapsed of refusedAfter) expect(elapsed).toBeLessThan(1000);
        expect(await Promise.all(web.map((instance) => open(instance, slug)))).toEqual([410, 410]);
      });

      it('exposes Prometheus metrics on every process', async () => {
        const webMetrics = await Promise.all(
          web.map(async (instance) => (await fetch(`${instance.url}/metrics`, { headers: SCRAPE })).text()),
        );
        const humanOpens = webMetrics.reduce(
          (sum, text) => sum + metricValue(text, 'maiimg_visits_total{kind="human"}'),
          0,
        );
        expect(humanOpens).toBe([...served.values()].reduce((a, b) => a + b, 0));
        // 175 refused at the limit and the rest after the disable: all 410 on the page route, whichever step refused them.
        const goneMetric = webMetrics.reduce(
          (sum, text) =>
            sum +
            metricValue(text, 'maiimg_http_request_duration_seconds_count{method="GET",route="/g/:slug",status="410"}'),
          0,
        );
        expect(gone).toBeGreaterThanOrEqual(179);
        expect(goneMetric).toBe(gone);
        const lostRaces = webMetrics.reduce((sum, text) => sum + metricValue(text, 'maiimg_opens_refused_total'), 0);
        expect(lostRaces).toBeLessThanOrEqual(175);
        expect(webMetrics[0]).toContain(
          `maiimg_info{role="web",database="postgresql",shared_state="${sharedState}",storage="s3"} 1`,
        );
        expect(webMetrics[0]).toMatch(
          /maiimg_http_request_duration_seconds_count\{method="GET",route="\/g\/:slug",status="200"\} \d+/,
        );
        const botMetrics = await (await fetch(`${bots!.url}/metrics`, { headers: SCRAPE })).text();
        expect(metricValue(botMetrics, 'maiimg_batches_total{outcome="gallery"}')).toBe(5);
        expect(metricValue(botMetrics, 'maiimg_images_accepted_total{format="jpeg"}')).toBe(5);
      });

      it('stops every process cleanly on SIGTERM, with every served open written', async () => {
        const codes = await Promise.all([...web, bots!].map((p) => p.stop('SIGTERM')));
        expect(codes, [...web, bots!].map((p) => `${p.name}:\n${p.output()}`).join('\n')).toEqual([0, 0, 0]);
        for (const [slug, count] of served)
          expect(await row(slug), slug).toMatchObject({ humanVisits: count, openCount: count });
      });
    },
  );
