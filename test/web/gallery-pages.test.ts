import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cookiesOf, OWNER, startWeb, type WebHarness } from './web-harness.js';

let web: WebHarness;
beforeAll(async () => {
  web = await startWeb();
});
afterAll(async () => {
  await web?.stop();
});

describe('gallery page', () => {
  it('shows the title, image count and a grid of lazily loaded images with their sizes', async () => {
    const gallery = await web.gallery({ title: 'Summer <trip>' }, 8);
    const response = await web.get(`/g/${gallery.slug}`);
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain('<h1>Summer &lt;trip&gt;</h1>');
    expect(page).toContain('8 photos');
    expect(
      page.match(
        /<img\s+src="\/g\/[^"]+\/480\.webp"\s+srcset="[^"]+ \d+w"\s+sizes="auto, [^"]+"\s+width="\d+"\s+height="\d+"/g,
      ),
    ).toHaveLength(8);
    // Alt text that says something: the title and the position.
    expect(page).toContain('alt="Summer &lt;trip&gt;, photo 3 of 8"');
    expect(page).toContain('loading="lazy"');
    expect(page).toContain('<script src="/assets/lightbox.js');
    expect(page).not.toMatch(/<script>|<script [^s]|\sstyle=|\son\w+=/);
  });

  it('speaks Simplified Chinese to a Chinese browser', async () => {
    const gallery = await web.gallery({ title: null });
    const page = await (
      await web.get(`/g/${gallery.slug}`, { headers: { 'accept-language': 'zh-CN,zh;q=0.9' } })
    ).text();
    expect(page).toContain('<html lang="zh-CN">');
    expect(page).toContain('未命名相册');
    expect(page).toContain('全部下载，');
    expect(page).toContain('2 张照片');
    // No title: the file name says which photo it is.
    expect(page).toContain('alt="photo-1.jpg，第 1 张，共 2 张"');
  });

  it('sends the security headers: a CSP without inline script, nosniff, no referrer, no framing', async () => {
    const gallery = await web.gallery();
    const response = await web.get(`/g/${gallery.slug}`);
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('same-origin');
    expect(response.headers.get('cache-control')).toBe('private, no-store');
  });

  it('has preview tags with the first image as an absolute URL and the image count', async () => {
    const gallery = await web.gallery({ title: 'Unfurl me' }, 3);
    const page = await (
      await web.get(`/g/${gallery.slug}`, { headers: { 'user-agent': 'TelegramBot (like TwitterBot)' } })
    ).text();
    expect(page).toContain('<meta property="og:title" content="Unfurl me" />');
    expect(page).toContain('<meta property="og:description" content="3 photos" />');
    expect(page).toContain(`<meta property="og:image" content="${web.base}/g/${gallery.slug}/i/0/1600.webp" />`);
    expect(page).toContain('<meta name="twitter:card" content="summary_large_image" />');
  });

  it('serves the home page and the health checks', async () => {
    expect(await (await web.get('/')).text()).toContain('maiimg');
    expect((await web.get('/healthz')).status).toBe(200);
    expect((await web.get('/readyz')).status).toBe(200);
  });
});

describe('link states', () => {
  it('answers 404 for an unknown or malformed slug', async () => {
    expect((await web.get('/g/AAAAAAAAAAAAAAAAAAAAAA')).status).toBe(404);
    expect((await web.get('/g/not-a-slug')).status).toBe(404);
    expect((await web.get('/g/AAAAAAAAAAAAAAAAAAAAAA/i/0/480.webp')).status).toBe(404);
  });

  it('answers 410 "This link has been disabled" and stops the images too, and comes back when enabled', async () => {
    const gallery = await web.gallery();
    const image = `/g/${gallery.slug}/i/0/480.webp`;
    expect((await web.get(image)).status).toBe(200);
    await web.core.service.setLinkState({ owner: OWNER, ref: gallery.slug, state: 'disabled' });
    const page = await web.get(`/g/${gallery.slug}`);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain('This link has been disabled');
    expect((await web.get(image)).status).toBe(410);
    expect((await web.get(`/g/${gallery.slug}/download.zip`)).status).toBe(410);
    await web.core.service.setLinkState({ owner: OWNER, ref: gallery.slug, state: 'active' });
    expect((await web.get(image)).status).toBe(200);
  });

  it('answers 410 for an expired link, images included', async () => {
    const gallery = await web.gallery({ expiresAt: new Date(Date.now() + 60_000) });
    await web.test.core.repository.updateSettings(gallery.slug, { expiresAt: new Date(Date.now() - 1000) });
    const page = await web.get(`/g/${gallery.slug}`);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain('This link has expired');
    expect((await web.get(`/g/${gallery.slug}/i/0/1600.webp`)).status).toBe(410);
  });

  it('answers 410 once the maximum number of opens is reached, while the last visitor keeps their images', async () => {
    const gallery = await web.gallery({ maxOpens: 1 });
    const first = await web.get(`/g/${gallery.slug}`);
    expect(first.status).toBe(200);
    const ticket = cookiesOf(first);
    const second = await web.get(`/g/${gallery.slug}`);
    expect(second.status).toBe(410);
    expect(await second.text()).toContain('maximum number of opens');
    expect((await web.get(`/g/${gallery.slug}/i/0/1600.webp`)).status).toBe(410);
    // The visitor who used the open can still look at the images and reload the page.
    expect((await web.get(`/g/${gallery.slug}/i/0/1600.webp`, { headers: { cookie: ticket } })).status).toBe(200);
    expect((await web.get(`/g/${gallery.slug}`, { headers: { cookie: ticket } })).status).toBe(200);
  });
});

describe('password gate', () => {
  it('asks for the password (401), says when it is wrong, and lets the right one in with a scoped, signed cookie', async () => {
    const gallery = await web.gallery({ password: 'open sesame' });
    const gate = await web.get(`/g/${gallery.slug}`);
    expect(gate.status).toBe(401);
    const gatePage = await gate.text();
    expect(gatePage).toContain('protected by a password');
    expect(gatePage).not.toContain('og:image');
    // Neutral preview tags: neither the real title nor the photo count reach a chat app's unfurl.
    expect(gatePage).not.toContain('Summer trip');
    expect(gatePage).not.toMatch(/image\(s\)/);
    expect(gatePage).toMatch(/<meta property="og:description" content=""\s*\/?>/);
    expect(gatePage).not.toContain('480.webp');
    expect((await web.get(`/g/${gallery.slug}/i/0/480.webp`)).status).toBe(401);

    const form = (password: string, cookie = '') =>
      web.get(`/g/${gallery.slug}/unlock`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
        body: new URLSearchParams({ password }).toString(),
      });
    const wrong = await form('guess');
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('Wrong password');

    const right = await form('open sesame');
    expect(right.status).toBe(303);
    expect(right.headers.get('location')).toBe(`/g/${gallery.slug}`);
    const setCookie = right.headers.getSetCookie().join('\n');
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).toContain(`Path=/g/${gallery.slug}`);
    const cookie = cookiesOf(right);
    expect(cookie).toMatch(/maiimg_pw=s%3A/);

    const inside = await web.get(`/g/${gallery.slug}`, { headers: { cookie } });
    expect(inside.status).toBe(200);
    const image = await web.get(`/g/${gallery.slug}/i/0/480.webp`, { headers: { cookie } });
    expect(image.status).toBe(200);
    expect(image.headers.get('cache-control')).toBe('private, no-store');

    // A forged cookie does not get in, nor does this cookie on another gallery.
    expect((await web.get(`/g/${gallery.slug}`, { headers: { cookie: `maiimg_pw=${gallery.slug}.x` } })).status).toBe(
      401,
    );
    const other = await web.gallery({ password: 'open sesame' });
    expect((await web.get(`/g/${other.slug}`, { headers: { cookie } })).status).toBe(401);
  });

  it('rate-limits wrong passwords per IP and gallery', async () => {
    const limited = await startWeb({}, { passwordAttempts: 3 });
    try {
      const gallery = await limited.gallery({ password: 'right one' });
      const attempt = (password: string) =>
        limited.get(`/g/${gallery.slug}/unlock`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: `password=${encodeURIComponent(password)}`,
        });
      for (let i = 0; i < 3; i++) expect((await attempt('wrong')).status).toBe(401);
      const blocked = await attempt('right one');
      expect(blocked.status).toBe(429);
      expect(await blocked.text()).toContain('Too many attempts');
      // Another gallery is not affected.
      const other = await limited.gallery({ password: 'right one' });
      const elsewhere = await limited.get(`/g/${other.slug}/unlock`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'password=right+one',
      });
      expect(elsewhere.status).toBe(303);
    } finally {
      await limited.stop();
    }
  });
});

describe('image responses', () => {
  it('serves display versions inline with an ETag, five minutes of caching and 304 on revalidation', async () => {
    const gallery = await web.gallery();
    const response = await web.get(`/g/${gallery.slug}/i/0/480.webp`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/webp');
    expect(response.headers.get('content-disposition')).toBe('inline');
    // Short enough that a disable or delete reaches every shared cache within minutes.
    expect(response.headers.get('cache-control')).toBe('public, max-age=300');
    const etag = response.headers.get('etag')!;
    expect(etag).toBe(`"${gallery.images[0]!.hash}-480"`);
    const body = Buffer.from(await response.arrayBuffer());
    expect(body.subarray(8, 12).toString()).toBe('WEBP');
    expect((await web.get(`/g/${gallery.slug}/i/0/480.webp`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    const large = await web.get(`/g/${gallery.slug}/i/1/1600.webp`);
    expect(large.status).toBe(200);
    expect(large.headers.get('content-type')).toBe('image/webp');
  });

  it('answers byte ranges with 206 and refuses unsatisfiable ones with 416', async () => {
    const gallery = await web.gallery();
    const full = Buffer.from(await (await web.get(`/g/${gallery.slug}/i/0/original`)).arrayBuffer());
    const part = await web.get(`/g/${gallery.slug}/i/0/original`, { headers: { range: 'bytes=2-9' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 2-9/${full.length}`);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(full.subarray(2, 10));
    const beyond = await web.get(`/g/${gallery.slug}/i/0/original`, {
      headers: { range: `bytes=${full.length + 10}-` },
    });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${full.length}`);
  });

  it('serves originals as downloads with their name, and a ZIP of all of them', async () => {
    const gallery = await web.gallery({}, 3);
    const original = await web.get(`/g/${gallery.slug}/i/0/original`);
    expect(original.status).toBe(200);
    expect(original.headers.get('content-type')).toBe('image/jpeg');
    // Both forms are valid (RFC 6266): the name is quoted only when it needs to be.
    expect(original.headers.get('content-disposition')).toMatch(/^attachment; filename="?photo-1\.jpg"?$/);
    const zip = await web.get(`/g/${gallery.slug}/download.zip`);
    expect(zip.status).toBe(200);
    expect(zip.headers.get('content-type')).toBe('application/zip');
    const bytes = Buffer.from(await zip.arrayBuffer());
    expect(bytes.subarray(0, 4)).toEqual(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
    for (const name of ['photo-1.jpg', 'photo-2.png', 'photo-3.jpg'])
      expect(bytes.includes(Buffer.from(name))).toBe(true);
  });

  it('offers no download controls and serves no originals when downloads are off', async () => {
    const gallery = await web.gallery({ downloadsAllowed: false });
    const page = await (await web.get(`/g/${gallery.slug}`)).text();
    expect(page).not.toContain('download');
    expect((await web.get(`/g/${gallery.slug}/i/0/original`)).status).toBe(404);
    expect((await web.get(`/g/${gallery.slug}/download.zip`)).status).toBe(404);
    const display = await web.get(`/g/${gallery.slug}/i/0/1600.webp`);
    expect(display.status).toBe(200);
    expect(display.headers.get('content-disposition')).toBe('inline');
  });

  it('has no path from a URL to a file outside the store', async () => {
    const gallery = await web.gallery();
    for (const path of [
      `/g/${gallery.slug}/i/0/..%2F..%2F..%2Fetc%2Fpasswd`,
      `/g/${gallery.slug}/i/..%2F..%2Fetc/original`,
      `/g/${gallery.slug}/i/99/original`,
      '/assets/..%2F..%2Fpackage.json',
      '/assets/../web-app.ts',
    ]) {
      const response = await web.get(path);
      // serve-static answers 403 to a path that tries to climb out; either way nothing is served.
      expect([403, 404], path).toContain(response.status);
      expect(await response.text(), path).not.toContain('"name": "maiimg"');
    }
  });
});
