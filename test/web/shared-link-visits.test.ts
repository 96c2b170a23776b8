import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROME_UA, IPHONE_UA, OWNER, startWeb, type WebHarness } from './web-harness.js';

/**
 * A link shared into one chat and the gallery's original link, opened by different people: each
 * link counts its own opens, and switching the shared one off leaves the original serving.
 */
describe('a shared link next to the original one', () => {
  let web: WebHarness;
  beforeAll(async () => {
    web = await startWeb();
  });
  afterAll(async () => web?.stop());

  it('counts opens per link, and disabling the shared link leaves the original serving 200', async () => {
    const gallery = await web.gallery({ title: 'Reunion' });
    const { link: shared } = await web.core.links.share({
      owner: OWNER,
      ref: gallery.slug,
      platform: 'slack',
      label: '#family',
      chatId: 'C0FAMILY',
      chatName: '#family',
    });
    expect(shared.slug).not.toBe(gallery.slug);

    // Someone in #family opens the shared link twice; someone else opens the original once.
    const sharedPath = new URL(shared.url).pathname;
    expect((await web.get(sharedPath, { headers: { 'user-agent': IPHONE_UA } })).status).toBe(200);
    expect((await web.get(sharedPath, { headers: { 'user-agent': IPHONE_UA } })).status).toBe(200);
    expect((await web.get(`/g/${gallery.slug}`, { headers: { 'user-agent': CHROME_UA } })).status).toBe(200);

    const opensByLink = async () => {
      await web.core.visits.recorder.flush();
      const links = await web.core.links.list({ owner: OWNER, ref: gallery.slug });
      return Object.fromEntries(links.map((l) => [l.first ? 'original' : l.label, [l.opens, l.uniqueVisitors]]));
    };
    await expect.poll(opensByLink).toEqual({ original: [1, 1], '#family': [2, 1] });

    const { scope } = await web.core.links.setState({ owner: OWNER, ref: shared.slug, state: 'disabled' });
    expect(scope).toBe('link');
    expect((await web.get(sharedPath, { headers: { 'user-agent': IPHONE_UA } })).status).toBe(410);
    expect((await web.get(`/g/${gallery.slug}`, { headers: { 'user-agent': CHROME_UA } })).status).toBe(200);
  });
});
