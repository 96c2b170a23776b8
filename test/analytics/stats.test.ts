import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GalleryVisitStats } from '../../core/analytics/visit-stats.js';
import { isMaiimgError } from '../../core/errors.js';
import type { Gallery } from '../../core/types.js';
import { DATABASE_PROVIDERS } from '../helpers/databases.js';
import type { TestCore } from '../helpers/test-core.js';
import { ALICE, BOB, ManualClock, makeGallery, seedVisits, startAnalyticsCore } from './analytics-fixtures.js';

const NOW = '2026-03-15T12:00:00.000Z';

for (const provider of DATABASE_PROVIDERS) {
  describe(`visit stats [${provider}]`, () => {
    let test: TestCore;
    let clock: ManualClock;
    let gallery: Gallery;

    async function start(env: Record<string, string> = {}): Promise<void> {
      clock = new ManualClock(new Date(NOW));
      test = await startAnalyticsCore(provider, { env, clock });
      gallery = await makeGallery(test.core);
    }

    afterEach(async () => {
      await test?.cleanup();
    });

    describe('with UTC days', () => {
      beforeEach(() => start());

      it('counts human opens, unique visitors, previews by platform and bots separately', async () => {
        await seedVisits(test.core, gallery, [
          { at: '2026-03-14T09:00:00Z', visitorKey: 'a' },
          { at: '2026-03-14T10:00:00Z', visitorKey: 'a' },
          { at: '2026-03-15T08:00:00Z', visitorKey: 'b' },
          { at: '2026-03-14T08:59:00Z', kind: 'preview', previewPlatform: 'telegram' },
          { at: '2026-03-14T09:01:00Z', kind: 'preview', previewPlatform: 'telegram' },
          { at: '2026-03-14T09:02:00Z', kind: 'preview', previewPlatform: 'slack' },
          { at: '2026-03-14T11:00:00Z', kind: 'bot' },
        ]);
        const stats = await test.core.stats({ owner: ALICE, ref: gallery.slug });
        expect(stats).toMatchObject({
          scope: 'gallery',
          slug: gallery.slug,
          humanOpens: 3,
          uniqueVisitors: 2,
          previews: { telegram: 2, slack: 1 },
          bots: 1,
          firstOpenAt: new Date('2026-03-14T09:00:00Z'),
          lastOpenAt: new Date('2026-03-15T08:00:00Z'),
        });
      });

      it('gives a 30-day trend ending today with days without opens as zero', async () => {
        await seedVisits(test.core, gallery, [
          { at: '2026-03-15T01:00:00Z' },
          { at: '2026-03-15T02:00:00Z' },
          { at: '2026-03-01T10:00:00Z' },
          // Older than 30 days: in the totals, not in the trend.
          { at: '2026-01-10T10:00:00Z' },
        ]);
        const stats = await test.core.stats({ owner: ALICE, ref: gallery.slug });
        expect(stats.opensPerDay).toHaveLength(30);
        expect(stats.opensPerDay[0]).toEqual({ day: '2026-02-14', opens: 0 });
        expect(stats.opensPerDay.at(-1)).toEqual({ day: '2026-03-15', opens: 2 });
        expect(stats.opensPerDay.find((d) => d.day === '2026-03-01')?.opens).toBe(1);
        expect(stats.opensPerDay.reduce((sum, d) => sum + d.opens, 0)).toBe(3);
        expect(stats.humanOpens).toBe(4);
        expect(stats.opensByHour[10]).toBe(2);
        expect(stats.opensByHour.reduce((a, b) => a + b, 0)).toBe(4);
      });

      it('ranks places, devices, browsers, systems and referrers, calling typeless devices desktop', async () => {
        await seedVisits(test.core, gallery, [
          {
            at: '2026-03-14T09:00:00Z',
            country: 'FR',
            region: 'IDF',
            city: 'Paris',
            deviceType: 'mobile',
            browser: 'Mobile Safari',
            os: 'iOS',
            referrerHost: 't.me',
          },
          {
            at: '2026-03-14T09:10:00Z',
            country: 'FR',
            region: 'IDF',
            city: 'Paris',
            deviceType: 'mobile',
            browser: 'Mobile Safari',
            os: 'iOS',
          },
          {
            at: '2026-03-14T09:20:00Z',
            country: 'FR',
            region: 'ARA',
            city: 'Lyon',
            deviceType: 'tablet',
            browser: 'Chrome',
            os: 'Android',
          },
          {
            at: '2026-03-14T09:30:00Z',
            country: 'DE',
            region: 'BE',
            city: 'Berlin',
            browser: 'Firefox',
            os: 'Linux',
            referrerHost: 't.me',
          },
          { at: '2026-03-14T09:40:00Z', country: null, deviceType: null, browser: null, os: null },
        ]);
        const stats = await test.core.stats({ owner: ALICE, ref: gallery.slug });
        expect(Object.entries(stats.countries)).toEqual([
          ['FR', 3],
          ['DE', 1],
          ['unknown', 1],
        ]);
        expect(stats.regions[0]).toEqual({ country: 'FR', region: 'IDF', opens: 2 });
        expect(stats.cities.map((c) => c.city)).toEqual(['Paris', 'Berlin', 'Lyon']);
        expect(stats.devices).toEqual({ mobile: 2, desktop: 1, tablet: 1, unknown: 1 });
        expect(stats.browsers['Mobile Safari']).toBe(2);
        expect(stats.operatingSystems.iOS).toBe(2);
        expect(stats.referrers).toEqual({ direct: 3, 't.me': 2 });
      });

      it('reports which photos people look at most, in gallery order', async () => {
        await seedVisits(test.core, gallery, [
          { at: '2026-03-14T09:00:00Z', views: [0, 2] },
          { at: '2026-03-14T10:00:00Z', views: [2] },
        ]);
        const stats = await test.core.stats({ owner: ALICE, ref: gallery.slug });
        expect(stats.imageViews).toEqual([
          { position: 0, name: 'beach.jpg', views: 1 },
          { position: 1, name: 'sunset.png', views: 0 },
          { position: 2, name: 'dinner.jpg', views: 2 },
        ]);
      });

      it('pages the latest opens, newest first', async () => {
        await seedVisits(
          test.core,
          gallery,
          Array.from({ length: 7 }, (_, i) => ({
            at: new Date(Date.parse('2026-03-10T00:00:00Z') + i * 3_600_000),
            city: `City ${i}`,
          })),
        );
        const first = await test.core.analytics.getStats({ owner: ALICE, ref: gallery.slug, pageSize: 3 });
        expect(first.latestOpens.total).toBe(7);
        expect(first.latestOpens.items.map((o) => o.city)).toEqual(['City 6', 'City 5', 'City 4']);
        const third = await test.core.analytics.getStats({ owner: ALICE, ref: gallery.slug, pageSize: 3, page: 3 });
        expect(third.latestOpens.items.map((o) => o.city)).toEqual(['City 0']);
      });

      it('adds up all of an owner’s galleries and leaves other owners out', async () => {
        const second = await makeGallery(test.core, ALICE, 'Second');
        const bobs = await makeGallery(test.core, BOB, 'Bob');
        await seedVisits(test.core, gallery, [{ at: '2026-03-14T09:00:00Z', views: [1] }]);
        await seedVisits(test.core, second, [
          { at: '2026-03-14T10:00:00Z' },
          { at: '2026-03-14T11:00:00Z', views: [0] },
        ]);
        await seedVisits(test.core, bobs, [{ at: '2026-03-14T12:00:00Z' }]);
        const stats = await test.core.analytics.getStats({ owner: ALICE });
        expect(stats.scope).toBe('owner');
        expect(stats).toMatchObject({ galleryCount: 2, humanOpens: 3 });
        expect(stats.imageViews).toHaveLength(2);
      });

      it('refuses the stats of someone else’s gallery', async () => {
        const error = await test.core.stats({ owner: BOB, ref: gallery.slug }).catch((e: unknown) => e);
        expect(isMaiimgError(error, 'NOT_OWNER')).toBe(true);
      });

      it('keeps totals, trend and photo views right after old visit details are pruned', async () => {
        await seedVisits(test.core, gallery, [
          { at: '2024-12-01T10:00:00Z', visitorKey: 'old', views: [0] },
          { at: '2024-12-01T11:00:00Z', kind: 'bot' },
          { at: '2026-03-14T09:00:00Z', visitorKey: 'new' },
        ]);
        const before = await test.core.stats({ owner: ALICE, ref: gallery.slug });
        const pruned = await test.core.analytics.retention.prune();
        expect(pruned.visits).toBe(2);
        const after = await test.core.stats({ owner: ALICE, ref: gallery.slug });
        expect(after.humanOpens).toBe(2);
        expect(after.bots).toBe(1);
        expect(after.imageViews[0]!.views).toBe(1);
        expect(after.opensPerDay).toEqual(before.opensPerDay);
        expect(after.firstOpenAt).toEqual(new Date('2024-12-01T00:00:00Z'));
        // Details (places, devices, the visit log) only exist for what is kept.
        expect(after.latestOpens.total).toBe(1);
        const log = await test.core.analytics.log.page(gallery.id, {}, 1);
        expect(log.total).toBe(1);
      });
    });

    it('counts days and hours in STATS_TIMEZONE', async () => {
      await start({ STATS_TIMEZONE: 'Asia/Shanghai' });
      // 20:30 UTC on 14 March is 04:30 on 15 March in Shanghai.
      await seedVisits(test.core, gallery, [{ at: '2026-03-14T20:30:00Z' }]);
      const stats: GalleryVisitStats = await test.core.stats({ owner: ALICE, ref: gallery.slug });
      expect(stats.timeZone).toBe('Asia/Shanghai');
      expect(stats.opensPerDay.at(-1)).toEqual({ day: '2026-03-15', opens: 1 });
      expect(stats.opensByHour[4]).toBe(1);
    });

    it('places opens on the right local hour in a time zone with a half-hour offset', async () => {
      await start({ STATS_TIMEZONE: 'Asia/Kolkata' });
      // 18:40 UTC is 00:10 the next day in India (UTC+5:30); 18:20 UTC is still 23:50.
      await seedVisits(test.core, gallery, [{ at: '2026-03-13T18:40:00Z' }, { at: '2026-03-13T18:20:00Z' }]);
      const stats = await test.core.stats({ owner: ALICE, ref: gallery.slug });
      expect(stats.opensByHour[0]).toBe(1);
      expect(stats.opensByHour[23]).toBe(1);
      expect(stats.opensPerDay.find((d) => d.day === '2026-03-14')?.opens).toBe(1);
      expect(stats.opensPerDay.find((d) => d.day === '2026-03-13')?.opens).toBe(1);
    });
  });
}
