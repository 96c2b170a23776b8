import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import { openCore } from '../../core/core-app.js';
import { createWebApp } from '../../gallery-web/web-app.js';
import { cookiesOf, IPHONE_UA, OWNER, startWeb, storedVisits, type WebHarness } from './web-harness.js';

let web: WebHarness;
beforeAll(async () => {
  web = await startWeb();
});
afterAll(async () => {
  await web?.stop();
});

async function visitRows(harness: WebHarness, galleryId: string) {
  await harness.core.visits.recorder.flush();
  const repository = harness.core.visits.repository as unknown as {
    db: { visit: { findMany(args: object): Promise<Array<Record<string, unknown>>> } };
  };
  return repository.db.visit.findMany({ where: { galleryId }, orderBy: { at: 'asc' } });
}

describe('recording opens', () => {
  it('records a human open with device, browser, OS, referrer host, language and a visitor key', async () => {
    const gallery = await web.gallery();
    const response = await web.get(`/g/${gallery.slug}`, {
      headers: { 'user-agent': IPHONE_UA, referer: 'https://t.me/some/chat', 'accept-language': 'zh-CN,zh;q=0.9' },
    });
    expect(response.status).toBe(200);
    const [visit] = await visitRows(web, gallery.id);
    expect(visit).toMatchObject({
      kind: 'human',
      ip: '127.0.0.1',
      deviceType: 'mobile',
      deviceVendor: 'Apple',
      deviceModel: 'iPhone',
      browser: 'Mobile Safari',
      os: 'iOS',
      referrerHost: 't.me',
      language: 'zh-CN',
    });
    expect(visit!.visitorKey).toMatch(/^[\w-]{22}$/);
    const stats = await storedVisits(web, gallery);
    expect(stats).toMatchObject({ humanOpens: 1, uniqueVisitors: 1, bots: 0, previews: {} });
    expect(stats.lastOpenAt).toBeInstanceOf(Date);
  });

  it('does not count a Slack preview as an open, and records it with its platform', async () => {
    const gallery = await web.gallery({ maxOpens: 1 });
    for (const ua of [
      'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
      'TelegramBot (like TwitterBot)',
      'Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)',
    ]) {
      expect((await web.get(`/g/${gallery.slug}`, { headers: { 'user-agent': ua } })).status).toBe(200);
    }
    expect(
      (
        await web.get(`/g/${gallery.slug}`, {
          headers: { 'user-agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' },
        })
      ).status,
    ).toBe(200);
    const stats = await storedVisits(web, gallery);
    expect(stats).toMatchObject({ humanOpens: 0, previews: { slack: 1, telegram: 1, discord: 1 }, bots: 1 });
    // The one allowed open is still there for a person.
    expect((await web.get(`/g/${gallery.slug}`)).status).toBe(200);
    expect((await web.get(`/g/${gallery.slug}`)).status).toBe(410);
  });

  it('does not count HEAD requests or prefetches', async () => {
    const gallery = await web.gallery({ maxOpens: 1 });
    expect((await web.get(`/g/${gallery.slug}`, { method: 'HEAD' })).status).toBe(200);
    expect((await web.get(`/g/${gallery.slug}`, { headers: { 'sec-purpose': 'prefetch' } })).status).toBe(200);
    expect((await web.get(`/g/${gallery.slug}`, { headers: { purpose: 'prefetch' } })).status).toBe(200);
    const stats = await storedVisits(web, gallery);
    expect(stats).toMatchObject({ humanOpens: 0, bots: 0, previews: {} });
    expect((await web.get(`/g/${gallery.slug}`)).status).toBe(200);
  });

  it('records previews of a password-protected link but counts nobody until the password is given', async () => {
    const gallery = await web.gallery({ password: 'letmein1' });
    await web.get(`/g/${gallery.slug}`, { headers: { 'user-agent': 'TelegramBot (like TwitterBot)' } });
    await web.get(`/g/${gallery.slug}`);
    expect(await storedVisits(web, gallery)).toMatchObject({ humanOpens: 0, previews: { telegram: 1 } });
  });

  it('does not count a reload during the same open twice', async () => {
    const gallery = await web.gallery();
    const first = await web.get(`/g/${gallery.slug}`);
    const cookie = cookiesOf(first);
    expect(cookie).toContain('maiimg_open=');
    await web.get(`/g/${gallery.slug}`, { headers: { cookie } });
    await web.get(`/g/${gallery.slug}`);
    expect(await storedVisits(web, gallery)).toMatchObject({ humanOpens: 2 });
  });

  it('takes a ticket only with its signature: a forged or unsigned one is a new open', async () => {
    const gallery = await web.gallery({ maxOpens: 1 });
    const cookie = cookiesOf(await web.get(`/g/${gallery.slug}`));
    const value = decodeURIComponent(/maiimg_open=([^;]+)/.exec(cookie)![1]!);
    const [, slug, visitId, issuedAt] = /^s:([^.]+)\.([^.]+)\.(\d+)\./.exec(value)!;
    const forged = `maiimg_open=${encodeURIComponent(`s:${slug}.${visitId}.${Number(issuedAt) + 1}.${value.split('.').at(-1)}`)}`;
    const unsigned = `maiimg_open=${encodeURIComponent(`${slug}.${visitId}.${issuedAt}`)}`;
    // The limit is used up: only the real ticket still shows the page.
    expect((await web.get(`/g/${gallery.slug}`, { headers: { cookie: forged } })).status).toBe(410);
    expect((await web.get(`/g/${gallery.slug}`, { headers: { cookie: unsigned } })).status).toBe(410);
    expect((await web.get(`/g/${gallery.slug}`, { headers: { cookie } })).status).toBe(200);
    expect(await storedVisits(web, gallery)).toMatchObject({ humanOpens: 1 });
  });

  it('counts a view of an image when the lightbox reports it shown, once per open', async () => {
    const gallery = await web.gallery({}, 3);
    const cookie = cookiesOf(await web.get(`/g/${gallery.slug}`));
    expect((await web.get(`/g/${gallery.slug}/i/1/view`, { method: 'POST', headers: { cookie } })).status).toBe(204);
    expect((await web.get(`/g/${gallery.slug}/i/1/view`, { method: 'POST', headers: { cookie } })).status).toBe(204);
    // Fetching a version is not a view (the lightbox preloads neighbours it has not shown);
    // reports without an open are not either.
    await web.get(`/g/${gallery.slug}/i/0/480.webp`, { headers: { cookie } });
    await web.get(`/g/${gallery.slug}/i/0/1600.webp`, { headers: { cookie } });
    await web.get(`/g/${gallery.slug}/i/2/view`, { method: 'POST' });
    const stats = await storedVisits(web, gallery);
    expect(stats.imageViews.map((image) => image.views)).toEqual([0, 1, 0]);
  });
});

describe('visitor addresses', () => {
  it('stores IPv4 as its /24 with ANONYMIZE_IP, after looking up the place on the full address', async () => {
    const anon = await startWeb({ ANONYMIZE_IP: 'true', TRUST_PROXY: 'loopback' });
    try {
      const gallery = await anon.gallery();
      await anon.get(`/g/${gallery.slug}`, { headers: { 'x-forwarded-for': '8.8.8.8' } });
      await anon.get(`/g/${gallery.slug}`, { headers: { 'x-forwarded-for': '2001:4860:4860::8888' } });
      const rows = await visitRows(anon, gallery.id);
      expect(rows.map((row) => row.ip)).toEqual(['8.8.8.0', '2001:4860:4860::']);
      expect(rows[0]!.country).toBe('US');
    } finally {
      await anon.stop();
    }
  });

  it('ignores X-Forwarded-For unless TRUST_PROXY is set', async () => {
    const gallery = await web.gallery();
    await web.get(`/g/${gallery.slug}`, { headers: { 'x-forwarded-for': '8.8.8.8' } });
    const [row] = await visitRows(web, gallery.id);
    expect(row!.ip).toBe('127.0.0.1');

    const proxied = await startWeb({ TRUST_PROXY: 'true' });
    try {
      const other = await proxied.gallery();
      await proxied.get(`/g/${other.slug}`, { headers: { 'x-forwarded-for': '9.9.9.9, 127.0.0.1' } });
      const [forwarded] = await visitRows(proxied, other.id);
      expect(forwarded!.ip).toBe('9.9.9.9');
    } finally {
      await proxied.stop();
    }
  });
});

describe('maximum opens', () => {
  it('lets exactly 10 of 50 simultaneous opens through', async () => {
    const gallery = await web.gallery({ maxOpens: 10 });
    const statuses = await Promise.all(
      Array.from({ length: 50 }, () => web.get(`/g/${gallery.slug}`).then((r) => r.status)),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 410)).toHaveLength(40);
    expect(await storedVisits(web, gallery)).toMatchObject({ humanOpens: 10 });
  });

  it('stays exact across two servers sharing one database', async () => {
    const gallery = await web.gallery({ maxOpens: 10 });
    // A second, independent core and web app on the same database and store (another process in production).
    const secondCore = await openCore(web.test.config, { logLevel: 'silent' });
    const second = createWebApp({ core: secondCore, config: web.test.config });
    const server = createServer(second.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const secondBase = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const statuses = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          fetch(`${i % 2 ? secondBase : web.base}/g/${gallery.slug}`, { headers: { 'user-agent': IPHONE_UA } }).then(
            (r) => r.status,
          ),
        ),
      );
      expect(statuses.filter((s) => s === 200)).toHaveLength(10);
      await second.close();
      expect(await storedVisits(web, gallery)).toMatchObject({ humanOpens: 10 });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await secondCore.close();
    }
  });
});

describe('graceful stop', () => {
  it('writes every buffered open when the web app closes, and none twice', async () => {
    // A long flush interval: nothing is written until close().
    const slow = await startWeb({}, { visitFlushIntervalMs: 60_000 });
    const gallery = await slow.gallery();
    for (let i = 0; i < 7; i++) expect((await slow.get(`/g/${gallery.slug}`)).status).toBe(200);
    expect(slow.core.visits.recorder.pending).toBe(7);
    await slow.web.close();
    expect(slow.core.visits.recorder.pending).toBe(0);
    const summary = await slow.core.visits.repository.summarize(gallery.id);
    expect(summary.humanOpens).toBe(7);
    await slow.web.close();
    expect((await slow.core.visits.repository.summarize(gallery.id)).humanOpens).toBe(7);
    await slow.stop();
  });

  it('reports the stats fields the CLI prints with --json', async () => {
    const gallery = await web.gallery();
    await web.get(`/g/${gallery.slug}`);
    await web.get(`/g/${gallery.slug}`, { headers: { 'user-agent': 'WhatsApp/2.23.20.0 A' } });
    const stats = JSON.parse(JSON.stringify(await web.core.stats({ owner: OWNER, ref: gallery.slug })));
    expect(stats).toMatchObject({ humanOpens: 1, uniqueVisitors: 1, previews: { whatsapp: 1 }, bots: 0 });
    expect(typeof stats.lastOpenAt).toBe('string');
  });
});
