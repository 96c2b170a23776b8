import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Core } from '../../../core/core-app.js';
import { isMaiimgError } from '../../../core/errors.js';
import { isSlug } from '../../../core/slug.js';
import { describeEachDatabase } from '../../helpers/databases.js';
import type { TestCore } from '../../helpers/test-core.js';
import {
  ALICE,
  BOB,
  ManualClock,
  makeGallery,
  seedVisits,
  startAnalyticsCore,
} from '../../analytics/analytics-fixtures.js';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return isMaiimgError(error) ? error.code : `OTHER: ${(error as Error).message}`;
  }
  return 'NO ERROR';
}

describeEachDatabase('the links API', ({ provider }) => {
  let test: TestCore;
  let core: Core;
  const clock = new ManualClock(new Date('2026-03-14T10:00:00Z'));
  beforeEach(async () => {
    test = await startAnalyticsCore(provider, { clock, env: { PUBLIC_BASE_URL: 'https://img.example.com' } });
    core = test.core;
  });
  afterEach(async () => {
    await test.cleanup();
  });

  it('makes a new link with its own slug, label and place, listed after the first link', async () => {
    const gallery = await makeGallery(core);
    clock.set('2026-03-14T11:00:00Z');
    const shared = await core.links.share({
      owner: ALICE,
      ref: `https://img.example.com/g/${gallery.slug}`,
      label: 'Family group',
      platform: 'telegram',
      chatId: '-100123',
      chatName: 'Family',
      thread: '7',
      sharedBy: 'Alice',
    });
    expect(isSlug(shared.link.slug)).toBe(true);
    expect(shared.link.slug).not.toBe(gallery.slug);
    expect(shared.link).toMatchObject({
      url: `https://img.example.com/g/${shared.link.slug}`,
      first: false,
      label: 'Family group',
      platform: 'telegram',
      chatId: '-100123',
      chatName: 'Family',
      thread: '7',
      sharedBy: 'Alice',
      state: 'active',
      opens: 0,
      uniqueVisitors: 0,
      lastOpenAt: null,
    });
    expect(shared.link.createdAt.toISOString()).toBe('2026-03-14T11:00:00.000Z');
    expect(shared.qrPng.subarray(1, 4).toString()).toBe('PNG');
    expect(shared.gallery).toEqual({
      id: gallery.id,
      slug: gallery.slug,
      title: 'Holiday',
      imageCount: 3,
      passwordProtected: false,
      previewUrl: `https://img.example.com/g/${shared.link.slug}/i/0/480.webp`,
    });

    const links = await core.links.list({ owner: ALICE, ref: shared.link.url });
    expect(links.map((link) => [link.slug, link.first, link.label])).toEqual([
      [gallery.slug, true, null],
      [shared.link.slug, false, 'Family group'],
    ]);
    expect(links[0]!.id).toBe(gallery.id);
  });

  it('gives no preview image for a password-protected gallery or one with a maximum of opens', async () => {
    const gallery = await makeGallery(core);
    await core.service.updateSettings({ owner: ALICE, ref: gallery.slug, patch: { password: 'secret' } });
    const locked = await core.links.share({ owner: ALICE, ref: gallery.slug, platform: 'cli' });
    expect(locked.gallery.passwordProtected).toBe(true);
    expect(locked.gallery.previewUrl).toBeUndefined();

    const limited = await makeGallery(core);
    await core.service.updateSettings({ owner: ALICE, ref: limited.slug, patch: { maxOpens: 5 } });
    expect((await core.links.share({ owner: ALICE, ref: limited.slug, platform: 'cli' })).gallery.previewUrl).toBe(
      undefined,
    );
  });

  it('refuses other people and unknown galleries with typed errors', async () => {
    const gallery = await makeGallery(core);
    expect(await codeOf(core.links.share({ owner: BOB, ref: gallery.slug, platform: 'discord' }))).toBe('NOT_OWNER');
    expect(await codeOf(core.links.list({ owner: BOB, ref: gallery.slug }))).toBe('NOT_OWNER');
    expect(await codeOf(core.links.share({ owner: ALICE, ref: 'A'.repeat(22), platform: 'cli' }))).toBe(
      'GALLERY_NOT_FOUND',
    );
    expect(await codeOf(core.links.share({ owner: ALICE, ref: 'not a link', platform: 'cli' }))).toBe(
      'INVALID_REFERENCE',
    );
  });

  it('returns the same link when a pre-generated slug is shared twice, and never another gallery’s', async () => {
    const gallery = await makeGallery(core);
    const other = await makeGallery(core, ALICE, 'Other');
    const slug = core.links.newShareSlug();
    expect(isSlug(slug)).toBe(true);
    const first = await core.links.share({ owner: ALICE, ref: gallery.slug, platform: 'telegram', slug });
    const again = await core.links.share({ owner: ALICE, ref: gallery.slug, platform: 'telegram', slug });
    expect(first.link.slug).toBe(slug);
    expect(again.link.id).toBe(first.link.id);
    expect(await core.links.list({ owner: ALICE, ref: gallery.slug })).toHaveLength(2);
    expect(await codeOf(core.links.share({ owner: ALICE, ref: other.slug, platform: 'telegram', slug }))).toBe(
      'INVALID_REFERENCE',
    );
  });

  it('counts opens, unique visitors and the last open of each link apart', async () => {
    const gallery = await makeGallery(core);
    const shared = await core.links.share({ owner: ALICE, ref: gallery.slug, platform: 'slack', chatName: '#design' });
    await seedVisits(core, gallery, [
      { at: '2026-03-14T12:00:00Z', visitorKey: 'v1' },
      { at: '2026-03-14T12:05:00Z', visitorKey: 'v1' },
      { at: '2026-03-14T12:10:00Z', visitorKey: 'v2', linkId: shared.link.id },
      { at: '2026-03-14T12:20:00Z', visitorKey: 'v3', linkId: shared.link.id },
      { at: '2026-03-14T12:30:00Z', visitorKey: 'v3', linkId: shared.link.id },
      { at: '2026-03-14T12:40:00Z', kind: 'preview', previewPlatform: 'slack', linkId: shared.link.id },
    ]);
    const [original, share] = await core.links.list({ owner: ALICE, ref: gallery.slug });
    expect(original).toMatchObject({ opens: 2, uniqueVisitors: 1 });
    expect(original!.lastOpenAt?.toISOString()).toBe('2026-03-14T12:05:00.000Z');
    expect(share).toMatchObject({ opens: 3, uniqueVisitors: 2 });
    expect(share!.lastOpenAt?.toISOString()).toBe('2026-03-14T12:30:00.000Z');

    // An older batch written later never moves the last open back.
    await seedVisits(core, gallery, [{ at: '2026-03-14T11:00:00Z', visitorKey: 'v4', linkId: shared.link.id }]);
    const resolved = await core.links.resolve(shared.link.url);
    expect(resolved.gallery.id).toBe(gallery.id);
    expect(resolved.link).toMatchObject({ slug: shared.link.slug, opens: 4, uniqueVisitors: 3 });
    expect(resolved.link.lastOpenAt?.toISOString()).toBe('2026-03-14T12:30:00.000Z');
  });

  it('switches a share link alone, and the gallery through its first link', async () => {
    const gallery = await makeGallery(core);
    const shared = await core.links.share({ owner: ALICE, ref: gallery.slug, platform: 'discord' });

    const off = await core.links.setState({ owner: ALICE, ref: shared.link.url, state: 'disabled' });
    expect(off).toMatchObject({ scope: 'link', link: { slug: shared.link.slug, state: 'disabled' } });
    expect((await core.service.getGallery(gallery.slug)).settings.state).toBe('active');
    expect((await core.links.resolve(gallery.slug)).link.state).toBe('active');
    expect((await core.links.resolve(shared.link.slug)).link.state).toBe('disabled');

    const galleryOff = await core.links.setState({ owner: ALICE, ref: gallery.slug, state: 'disabled' });
    expect(galleryOff).toMatchObject({ scope: 'gallery', link: { first: true, state: 'disabled' } });
    expect((await core.service.getGallery(gallery.slug)).settings.state).toBe('disabled');

    const on = await core.links.setState({ owner: ALICE, ref: shared.link.slug, state: 'active' });
    expect(on).toMatchObject({ scope: 'link', link: { state: 'active' } });
    expect(await codeOf(core.links.setState({ owner: BOB, ref: shared.link.slug, state: 'disabled' }))).toBe(
      'NOT_OWNER',
    );
  });

  it('deletes a share link alone, and the whole gallery through its first link', async () => {
    const gallery = await makeGallery(core);
    const shared = await core.links.share({ owner: ALICE, ref: gallery.slug, platform: 'cli' });
    expect(await core.links.delete({ owner: ALICE, ref: shared.link.slug })).toEqual({ scope: 'link' });
    expect((await core.links.list({ owner: ALICE, ref: gallery.slug })).map((link) => link.slug)).toEqual([
      gallery.slug,
    ]);
    expect(await codeOf(core.links.resolve(shared.link.slug))).toBe('GALLERY_NOT_FOUND');
    expect(await codeOf(core.links.setState({ owner: ALICE, ref: shared.link.slug, state: 'active' }))).toBe(
      'GALLERY_NOT_FOUND',
    );

    const second = await core.links.share({ owner: ALICE, ref: gallery.slug, platform: 'cli' });
    expect(await core.links.delete({ owner: ALICE, ref: gallery.slug })).toEqual({ scope: 'gallery' });
    expect(await codeOf(core.links.resolve(second.link.slug))).toBe('GALLERY_NOT_FOUND');
    expect(await codeOf(core.service.getGallery(gallery.slug))).toBe('GALLERY_NOT_FOUND');
  });

  it('finds the owner’s galleries by part of the title, newest first', async () => {
    clock.set('2026-03-14T10:00:00Z');
    const summer = await makeGallery(core, ALICE, 'Summer in Lisbon');
    clock.set('2026-03-14T11:00:00Z');
    const winter = await makeGallery(core, ALICE, 'Winter in Oslo');
    clock.set('2026-03-14T12:00:00Z');
    const later = await makeGallery(core, ALICE, 'SUMMER again');
    await makeGallery(core, BOB, 'Summer of Bob');
    const found = await core.links.findGalleries({ owner: ALICE, query: 'summer', limit: 10 });
    expect(found.map((g) => g.slug)).toEqual([later.slug, summer.slug]);
    expect(found[0]).toMatchObject({ title: 'SUMMER again', imageCount: 3, state: 'active', status: 'active' });
    expect((await core.links.findGalleries({ owner: ALICE, query: '', limit: 2 })).map((g) => g.slug)).toEqual([
      later.slug,
      winter.slug,
    ]);
  });
});
