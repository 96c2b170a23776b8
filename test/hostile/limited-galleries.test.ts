import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWeb, storedVisits, type WebHarness } from '../web/web-harness.js';

let web: WebHarness;
beforeAll(async () => {
  web = await startWeb();
});
afterAll(async () => {
  await web.stop();
});

const cookiesOf = (response: Response) =>
  response.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ');

const imageAddresses = (slug: string) => [
  `/g/${slug}/i/0/480.webp`,
  `/g/${slug}/i/0/1600.webp`,
  `/g/${slug}/i/0/original`,
  `/g/${slug}/download.zip`,
];

describe('a gallery limited to one open', () => {
  it('gives previews, bots, prefetches and Range requests the preview tags alone, and counts none of them', async () => {
    const gallery = await web.gallery({ title: 'Once only', maxOpens: 1 });
    const requests: Array<Record<string, string>> = [
      { 'user-agent': 'TelegramBot (like TwitterBot)' },
      { 'user-agent': 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)' },
      { 'user-agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' },
      { 'sec-purpose': 'prefetch' },
      { purpose: 'prefetch' },
      { range: 'bytes=0-' },
    ];
    for (const headers of requests) {
      const response = await web.get(`/g/${gallery.slug}`, { headers });
      expect(response.status, JSON.stringify(headers)).toBe(200);
      expect(response.headers.getSetCookie().join(), JSON.stringify(headers)).not.toContain('maiimg_open');
      const page = await response.text();
      expect(page).toMatch(/<meta property="og:title" content="Once only"\s*\/?>/);
      expect(page, JSON.stringify(headers)).not.toMatch(/\/i\/\d+\/|download\.zip|og:image/);
    }
    const stats = await storedVisits(web, gallery);
    expect(stats).toMatchObject({ humanOpens: 0, bots: 1, previews: { telegram: 1, slack: 1 }, probes: 3 });
    // The one open is still there for a person, who gets the images.
    const open = await web.get(`/g/${gallery.slug}`);
    expect(open.status).toBe(200);
    expect(await open.text()).toContain('/i/0/480.webp');
  });

  it('serves its thumbnails, large versions, originals and ZIP only with the ticket of a counted open', async () => {
    const gallery = await web.gallery({ maxOpens: 1 });
    // Before anyone opened it, nothing is served to a request without a ticket.
    for (const address of imageAddresses(gallery.slug)) expect((await web.get(address)).status, address).toBe(404);
    // A preview does not earn a ticket either.
    const preview = await web.get(`/g/${gallery.slug}`, { headers: { 'user-agent': 'TelegramBot (like TwitterBot)' } });
    for (const address of imageAddresses(gallery.slug))
      expect((await web.get(address, { headers: { cookie: cookiesOf(preview) } })).status, address).toBe(404);

    const ticket = cookiesOf(await web.get(`/g/${gallery.slug}`));
    expect(ticket).toContain('maiimg_open=');
    for (const address of imageAddresses(gallery.slug)) {
      const response = await web.get(address, { headers: { cookie: ticket } });
      expect(response.status, address).toBe(200);
      expect(response.headers.get('cache-control')).not.toContain('public');
      await response.arrayBuffer();
    }
    // The ticket of one gallery opens nothing of another.
    const other = await web.gallery({ maxOpens: 5 });
    expect((await web.get(`/g/${other.slug}/i/0/480.webp`, { headers: { cookie: ticket } })).status).toBe(404);
  });

  it('still serves a gallery without a maximum to previews in full', async () => {
    const gallery = await web.gallery();
    const page = await (
      await web.get(`/g/${gallery.slug}`, { headers: { 'user-agent': 'TelegramBot (like TwitterBot)' } })
    ).text();
    expect(page).toContain('/i/0/480.webp');
    expect((await web.get(`/g/${gallery.slug}/i/0/480.webp`)).status).toBe(200);
  });
});
