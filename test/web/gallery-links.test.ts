import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IPHONE_UA, OWNER, startWeb, type WebHarness } from './web-harness.js';

let web: WebHarness;
beforeAll(async () => {
  web = await startWeb();
});
afterAll(async () => {
  await web?.stop();
});

describe('a gallery with several links', () => {
  it('serves the gallery, its images and ZIP through a share link, with URLs that go through that link', async () => {
    const gallery = await web.gallery();
    const { link } = await web.core.links.share({ owner: OWNER, ref: gallery.slug, platform: 'cli', label: 'Blog' });
    const page = await web.get(`/g/${link.slug}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(`/g/${link.slug}/i/0/480.webp`);
    expect(html).not.toContain(`/g/${gallery.slug}/`);
    expect((await web.get(`/g/${link.slug}/i/0/480.webp`)).status).toBe(200);
    expect((await web.get(`/g/${link.slug}/download.zip`)).status).toBe(200);
  });

  it('counts a share link and the original link apart when different visitors open them', async () => {
    const gallery = await web.gallery();
    const { link } = await web.core.links.share({
      owner: OWNER,
      ref: gallery.slug,
      platform: 'slack',
      chatName: '#design',
    });
    expect((await web.get(`/g/${gallery.slug}`)).status).toBe(200);
    expect((await web.get(`/g/${link.slug}`, { headers: { 'user-agent': IPHONE_UA } })).status).toBe(200);
    expect((await web.get(`/g/${link.slug}`, { headers: { 'user-agent': IPHONE_UA + ' other' } })).status).toBe(200);

    const [original, shared] = await web.core.links.list({ owner: OWNER, ref: gallery.slug });
    expect(original).toMatchObject({ first: true, opens: 1, uniqueVisitors: 1 });
    expect(shared).toMatchObject({ slug: link.slug, opens: 2, uniqueVisitors: 2 });
    expect(shared!.lastOpenAt).toBeInstanceOf(Date);
    // Together they are the gallery's opens (the open limit counts over all links).
    expect((await web.core.service.getGallery(gallery.slug)).openCount).toBe(3);
  });

  it('closes a disabled or deleted share link with 410 while the others keep serving 200', async () => {
    const gallery = await web.gallery();
    const a = await web.core.links.share({ owner: OWNER, ref: gallery.slug, platform: 'telegram' });
    const b = await web.core.links.share({ owner: OWNER, ref: gallery.slug, platform: 'discord' });
    await web.core.links.setState({ owner: OWNER, ref: a.link.url, state: 'disabled' });
    const closed = await web.get(`/g/${a.link.slug}`);
    expect(closed.status).toBe(410);
    expect((await web.get(`/g/${a.link.slug}/i/0/480.webp`)).status).toBe(410);
    expect((await web.get(`/g/${a.link.slug}/download.zip`)).status).toBe(410);
    expect((await web.get(`/g/${gallery.slug}`)).status).toBe(200);
    expect((await web.get(`/g/${b.link.slug}`)).status).toBe(200);

    await web.core.links.setState({ owner: OWNER, ref: a.link.slug, state: 'active' });
    expect((await web.get(`/g/${a.link.slug}`)).status).toBe(200);

    await web.core.links.delete({ owner: OWNER, ref: b.link.slug });
    expect((await web.get(`/g/${b.link.slug}`)).status).toBe(410);
    expect((await web.get(`/g/${a.link.slug}`)).status).toBe(200);
  });

  it('closes every link when the gallery is disabled, and keeps its password gallery-wide', async () => {
    const gallery = await web.gallery();
    const { link } = await web.core.links.share({ owner: OWNER, ref: gallery.slug, platform: 'web' });
    await web.core.links.setState({ owner: OWNER, ref: gallery.slug, state: 'disabled' });
    expect((await web.get(`/g/${gallery.slug}`)).status).toBe(410);
    expect((await web.get(`/g/${link.slug}`)).status).toBe(410);
    await web.core.links.setState({ owner: OWNER, ref: gallery.slug, state: 'active' });

    await web.core.service.updateSettings({ owner: OWNER, ref: gallery.slug, patch: { password: 'sesame' } });
    const locked = await web.get(`/g/${link.slug}`);
    expect(locked.status).toBe(401);
    expect(await locked.text()).toContain(`/g/${link.slug}/unlock`);
    const unlock = await web.get(`/g/${link.slug}/unlock`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'password=sesame',
    });
    expect(unlock.status).toBe(303);
    expect(unlock.headers.get('location')).toBe(`/g/${link.slug}`);
    const cookie = unlock.headers.get('set-cookie')!.split(';')[0]!;
    expect((await web.get(`/g/${link.slug}`, { headers: { cookie } })).status).toBe(200);
  });

  it('counts the maximum number of opens over all links together', async () => {
    const gallery = await web.gallery({ maxOpens: 2 });
    const { link } = await web.core.links.share({ owner: OWNER, ref: gallery.slug, platform: 'cli' });
    expect((await web.get(`/g/${gallery.slug}`)).status).toBe(200);
    expect((await web.get(`/g/${link.slug}`, { headers: { 'user-agent': IPHONE_UA } })).status).toBe(200);
    expect((await web.get(`/g/${link.slug}`, { headers: { 'user-agent': IPHONE_UA + ' x' } })).status).toBe(410);
  });
});
