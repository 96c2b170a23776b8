import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Gallery } from '../../core/types.js';
import { DATABASE_PROVIDERS } from '../helpers/databases.js';
import type { TestCore } from '../helpers/test-core.js';
import { ALICE, BOB, ManualClock, makeGallery, seedVisits, startAnalyticsCore } from './analytics-fixtures.js';
import { followLoginLink } from '../helpers/login-link.js';
import { startDashboardServer } from './dashboard-app.js';

const NOW = new Date('2026-03-15T12:00:00Z');

for (const provider of DATABASE_PROVIDERS) {
  describe(`owner dashboard over HTTP [${provider}]`, () => {
    let test: TestCore;
    let server: Awaited<ReturnType<typeof startDashboardServer>>;
    let gallery: Gallery;
    let clock: ManualClock;

    beforeEach(async () => {
      clock = new ManualClock(NOW);
      test = await startAnalyticsCore(provider, { clock });
      server = await startDashboardServer(test.core);
      gallery = await makeGallery(test.core, ALICE, 'Garden party');
      await seedVisits(test.core, gallery, [
        {
          at: '2026-03-14T18:00:00Z',
          country: 'FR',
          region: 'IDF',
          city: 'Paris',
          language: 'fr-FR',
          ip: '198.51.100.0',
          views: [0, 2],
          deviceType: 'mobile',
          browser: 'Mobile Safari',
          os: 'iOS',
        },
        { at: '2026-03-14T19:00:00Z', country: 'DE', city: 'Berlin', deviceType: 'desktop', referrerHost: 't.me' },
        { at: '2026-03-15T08:00:00Z', kind: 'preview', previewPlatform: 'slack' },
        { at: '2026-03-15T09:00:00Z', kind: 'bot', city: '=HYPERLINK("x")' },
      ]);
    });

    afterEach(async () => {
      await server?.close();
      await test?.cleanup();
    });

    function magicLinkPath(owner = ALICE): string {
      const { url } = test.core.dashboardLink(owner);
      return new URL(url).pathname + new URL(url).search;
    }

    /** Logs in through a magic link; returns the session cookie. */
    async function login(owner = ALICE): Promise<string> {
      const response = await followLoginLink(server.url, magicLinkPath(owner));
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe('/dashboard');
      const cookie = response.headers.get('set-cookie')!;
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Lax/i);
      expect(cookie).toMatch(/Path=\/dashboard/);
      return cookie.split(';')[0]!;
    }

    async function page(path: string, cookie: string): Promise<{ status: number; body: string; headers: Headers }> {
      const response = await fetch(server.url + path, { headers: { cookie }, redirect: 'manual' });
      return { status: response.status, body: await response.text(), headers: response.headers };
    }

    function csrfOf(body: string): string {
      return /name="_csrf" value="([^"]+)"/.exec(body)![1]!;
    }

    async function post(path: string, cookie: string, form: Record<string, string>): Promise<Response> {
      return fetch(server.url + path, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', origin: server.url },
        body: new URLSearchParams(form).toString(),
        redirect: 'manual',
      });
    }

    it('logs the owner in with a magic link and lists their galleries', async () => {
      const cookie = await login();
      const list = await page('/dashboard', cookie);
      expect(list.status).toBe(200);
      expect(list.headers.get('cache-control')).toBe('no-store');
      expect(list.body).toContain('Garden party');
      expect(list.body).toContain(`/dashboard/thumb/${gallery.slug}`);
      const thumb = await fetch(`${server.url}/dashboard/thumb/${gallery.slug}`, { headers: { cookie } });
      expect(thumb.headers.get('content-type')).toBe('image/webp');
    });

    it('refuses expired or altered magic links and pages without a session', async () => {
      const path = magicLinkPath();
      expect((await fetch(server.url + path.slice(0, -3) + 'abc', { redirect: 'manual' })).status).toBe(401);
      clock.set(new Date(NOW.getTime() + 61 * 60_000));
      const expired = await fetch(server.url + path, { redirect: 'manual' });
      expect(expired.status).toBe(401);
      expect(await expired.text()).toContain('no longer valid');
      expect((await fetch(server.url + '/dashboard', { redirect: 'manual' })).status).toBe(401);
    });

    it('shows one gallery’s charts as inline SVG, its totals and its visit log', async () => {
      const cookie = await login();
      const { status, body } = await page(`/dashboard/g/${gallery.slug}`, cookie);
      expect(status).toBe(200);
      // Each chart twice: a wide drawing, and a narrow one for phones.
      expect(body.match(/<svg /g)).toHaveLength(8);
      expect(body).toContain('Opens per day (last 30 days)');
      expect(body).toContain('France');
      expect(body).toContain('4 visits.');
      expect(body).toContain('Times in UTC.');
      // The place by name (the subdivision named by CLDR, not its code), the language by name,
      // the IP as stored and the photos seen in that open.
      expect(body).toContain('Paris, Île-de-France, France');
      expect(body).toContain('French (France)');
      expect(body).toContain('198.51.100.0');
      expect(body).toMatch(/data-label="Photos viewed" class="num">\s*2\s*</);
      // Link previews broken down by app.
      expect(body).toContain('Link previews by app');
      expect(body).toMatch(/<span>Slack<\/span><span class="num">1<\/span>/);
      expect(body).not.toMatch(/<script(?![^>]*\bsrc=)/);
      expect(body).not.toMatch(/style="/);
    });

    it('filters the visit log by kind, country and date', async () => {
      const cookie = await login();
      expect((await page(`/dashboard/g/${gallery.slug}?kind=preview`, cookie)).body).toContain('1 visit.');
      const germany = (await page(`/dashboard/g/${gallery.slug}?country=DE`, cookie)).body;
      expect(germany).toContain('1 visit.');
      // The filter narrows the charts too: the countries chart now has Germany alone.
      expect(germany).toContain('Charts show the filtered visits.');
      const countriesChart = /<svg[^>]*>(?:(?!<\/svg>)[\s\S])*Top countries[\s\S]*?<\/svg>/.exec(germany)![0];
      expect(countriesChart).toContain('Germany');
      expect(countriesChart).not.toContain('France');
      // The filter still offers every country.
      expect(germany).toMatch(/<option value="FR"/);
      expect((await page(`/dashboard/g/${gallery.slug}?from=2026-03-15&to=2026-03-15`, cookie)).body).toContain(
        '2 visits.',
      );
      expect((await page(`/dashboard/g/${gallery.slug}?from=yesterday`, cookie)).status).toBe(400);
    });

    /** The bars of one chart (by its title) as `label: value`, e.g. `03-14: 1` or `23: 1`. */
    function bars(body: string, title: string): string[] {
      const chart = new RegExp(`<svg[^>]*>(?:(?!</svg>)[\\s\\S])*${title}[\\s\\S]*?</svg>`).exec(body)![0];
      return [...chart.matchAll(/<rect [^>]*><title>([^<]+)<\/title><\/rect>/g)].map((match) => match[1]!);
    }

    it('counts the charts’ days and hours in the zone the owner’s browser reported, and names it', async () => {
      const cookie = await login();
      // STATS_TIMEZONE (UTC): the two opens at 18:00 and 19:00 UTC fall on the 14th.
      const utc = (await page(`/dashboard/g/${gallery.slug}`, cookie)).body;
      expect(utc).toContain('Days, hours and times in UTC.');
      expect(bars(utc, 'Opens per day')).toEqual(['03-14: 2']);
      expect(bars(utc, 'Opens by hour of day \\(UTC\\)')).toEqual(['18: 1', '19: 1']);

      // Kathmandu is 5:45 ahead: 23:45 on the 14th and 00:45 on the 15th, from quarter-hour counts.
      const nepal = `${cookie}; maiimg_tz=Asia%2FKathmandu`;
      const body = (await page(`/dashboard/g/${gallery.slug}`, nepal)).body;
      expect(body).toContain('Days, hours and times in Asia/Kathmandu.');
      expect(body).toContain('data-zone="Asia/Kathmandu" data-default-zone="UTC"');
      expect(bars(body, 'Opens per day')).toEqual(['03-14: 1', '03-15: 1']);
      expect(bars(body, 'Opens by hour of day \\(Asia/Kathmandu\\)')).toEqual(['0: 1', '23: 1']);
      expect(body).toContain('Times in Asia/Kathmandu.');
      expect(body).toMatch(/datetime="2026-03-14T19:00:00.000Z"\s*>Mar 15, 2026, 12:45\sAM</);

      // Filters take their days in that zone too, and the filtered charts follow it.
      const day = (await page(`/dashboard/g/${gallery.slug}?from=2026-03-15&to=2026-03-15`, nepal)).body;
      expect(day).toContain('3 visits.');
      expect(bars(day, 'Opens by hour of day')).toEqual(['0: 1']);

      // The list names the zone too; a zone the runtime does not know falls back to STATS_TIMEZONE.
      expect((await page('/dashboard', nepal)).body).toContain('Times in Asia/Kathmandu.');
      const bogus = (await page(`/dashboard/g/${gallery.slug}`, `${cookie}; maiimg_tz=Mars%2FOlympus`)).body;
      expect(bogus).toContain('Days, hours and times in UTC.');
    });

    it('exports the filtered visit log as CSV with formulas defused', async () => {
      const cookie = await login();
      const response = await fetch(`${server.url}/dashboard/g/${gallery.slug}/visits.csv?kind=bot`, {
        headers: { cookie },
      });
      expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
      expect(response.headers.get('content-disposition')).toContain(`visits-${gallery.slug}.csv`);
      const lines = (await response.text())
        .replace(/^\ufeff/, '')
        .trim()
        .split('\r\n');
      expect(lines[0]).toBe(
        'at_utc,kind,preview_platform,country,region,region_name,city,device_type,browser,os,referrer_host,language,ip,photos_viewed,link',
      );
      expect(lines).toHaveLength(2);
      expect(lines[1]).toContain(`2026-03-15T09:00:00.000Z,bot,`);
      expect(lines[1]).toContain(`"'=HYPERLINK(""x"")"`);
      const all = await fetch(`${server.url}/dashboard/g/${gallery.slug}/visits.csv?country=FR`, {
        headers: { cookie },
      });
      const paris = (await all.text()).trim().split('\r\n')[1]!;
      expect(paris).toContain(',FR,IDF,Île-de-France,Paris,');
      expect(paris.endsWith(',fr-FR,198.51.100.0,2,Original link')).toBe(true);
    });

    it('hides other owners’ galleries', async () => {
      const bobs = await makeGallery(test.core, BOB, 'Bob only');
      const cookie = await login();
      expect((await page('/dashboard', cookie)).body).not.toContain('Bob only');
      expect((await page(`/dashboard/g/${bobs.slug}`, cookie)).status).toBe(404);
      expect((await fetch(`${server.url}/dashboard/g/${bobs.slug}/visits.csv`, { headers: { cookie } })).status).toBe(
        404,
      );
      const form = csrfOf((await page('/dashboard', cookie)).body);
      expect((await post(`/dashboard/g/${bobs.slug}/state`, cookie, { _csrf: form, state: 'disabled' })).status).toBe(
        404,
      );
      expect((await test.core.service.getGallery(bobs.slug)).settings.state).toBe('active');
    });

    it('refuses changes without the session’s CSRF token', async () => {
      const cookie = await login();
      const otherCookie = await login();
      const otherToken = csrfOf((await page('/dashboard', otherCookie)).body);
      const forms: Array<Record<string, string>> = [
        { state: 'disabled' },
        { state: 'disabled', _csrf: 'forged' },
        { state: 'disabled', _csrf: otherToken },
      ];
      for (const form of forms) {
        expect((await post(`/dashboard/g/${gallery.slug}/state`, cookie, form)).status).toBe(403);
      }
      const token = csrfOf((await page('/dashboard', cookie)).body);
      const crossSite = await fetch(`${server.url}/dashboard/g/${gallery.slug}/state`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
        body: new URLSearchParams({ _csrf: token, state: 'disabled' }).toString(),
      });
      expect(crossSite.status).toBe(403);
      expect((await test.core.service.getGallery(gallery.slug)).settings.state).toBe('active');
    });

    it('lists every link with its opens, makes a new one, and switches one link alone', async () => {
      const cookie = await login();
      const { link } = await test.core.links.share({
        owner: ALICE,
        ref: gallery.slug,
        platform: 'slack',
        label: '#design',
        chatName: 'design',
      });
      await seedVisits(test.core, gallery, [
        { at: '2026-03-15T10:00:00Z', linkId: link.id, visitorKey: 'd1' },
        { at: '2026-03-15T10:05:00Z', linkId: link.id, visitorKey: 'd2' },
      ]);
      const detail = await page(`/dashboard/g/${gallery.slug}`, cookie);
      const section = /<section class="links"[\s\S]*?<\/section>/.exec(detail.body)![0];
      expect(section).toContain('Original link');
      const row = new RegExp(`<tr data-link="${link.slug}">[\\s\\S]*?</tr>`).exec(section)![0];
      expect(row).toContain('#design');
      expect(row).toContain('slack · design');
      expect(row).toMatch(/class="num">2</);
      expect(row).toContain(link.url);
      expect(row).toContain(`/dashboard/g/${gallery.slug}/links/${link.slug}/qr.svg`);
      // The visit log names each visit's link.
      expect(detail.body).toMatch(/data-label="Link">#design</);

      const qr = await fetch(`${server.url}/dashboard/g/${gallery.slug}/links/${link.slug}/qr.svg`, {
        headers: { cookie },
      });
      expect(qr.headers.get('content-type')).toMatch(/^image\/svg\+xml/);

      const token = csrfOf(detail.body);
      expect((await post(`/dashboard/g/${gallery.slug}/links`, cookie, { label: 'Newsletter' })).status).toBe(403);
      const made = await post(`/dashboard/g/${gallery.slug}/links`, cookie, { _csrf: token, label: 'Newsletter' });
      expect(made.status).toBe(303);
      const links = await test.core.links.list({ owner: ALICE, ref: gallery.slug });
      expect(links.map((l) => [l.label, l.platform])).toEqual([
        [null, null],
        ['#design', 'slack'],
        ['Newsletter', 'web'],
      ]);

      const off = await post(`/dashboard/g/${gallery.slug}/links/${link.slug}/state`, cookie, {
        _csrf: token,
        state: 'disabled',
      });
      expect(off.status).toBe(303);
      expect((await test.core.links.resolve(link.slug)).link.state).toBe('disabled');
      expect((await test.core.service.getGallery(gallery.slug)).settings.state).toBe('active');
      // Someone else's gallery, or a link of another gallery, is not found.
      const other = await makeGallery(test.core, ALICE, 'Other');
      expect(
        (await post(`/dashboard/g/${other.slug}/links/${link.slug}/state`, cookie, { _csrf: token, state: 'active' }))
          .status,
      ).toBe(404);
    });

    it('disables and enables the link, and sets expiry, max opens, password, downloads and alerts', async () => {
      const cookie = await login();
      const token = csrfOf((await page(`/dashboard/g/${gallery.slug}`, cookie)).body);
      const disabled = await post(`/dashboard/g/${gallery.slug}/state`, cookie, { _csrf: token, state: 'disabled' });
      expect(disabled.status).toBe(303);
      expect((await test.core.service.getGallery(gallery.slug)).settings.state).toBe('disabled');
      await post(`/dashboard/g/${gallery.slug}/state`, cookie, { _csrf: token, state: 'active' });
      expect((await test.core.service.getGallery(gallery.slug)).settings.state).toBe('active');

      await post(`/dashboard/g/${gallery.slug}/settings`, cookie, { _csrf: token, expires: '2026-12-31' });
      await post(`/dashboard/g/${gallery.slug}/settings`, cookie, { _csrf: token, maxOpens: '10' });
      await post(`/dashboard/g/${gallery.slug}/settings`, cookie, { _csrf: token, password: 'open sesame' });
      await post(`/dashboard/g/${gallery.slug}/settings`, cookie, { _csrf: token, downloads: 'off' });
      await post(`/dashboard/g/${gallery.slug}/settings`, cookie, { _csrf: token, alerts: 'off' });
      const updated = await test.core.service.getGallery(gallery.slug);
      expect(updated.settings).toMatchObject({
        expiresAt: new Date('2026-12-31T00:00:00Z'),
        maxOpens: 10,
        downloadsAllowed: false,
      });
      expect(await test.core.service.checkPassword(updated, 'open sesame')).toBe(true);
      expect(await test.core.analytics.alertsEnabled(gallery.id)).toBe(false);

      const bad = await post(`/dashboard/g/${gallery.slug}/settings`, cookie, { _csrf: token, maxOpens: '-3' });
      expect(bad.status).toBe(400);
      expect(await bad.text()).toContain('Invalid value for max opens');
      // An empty password field saved by mistake keeps the password; only "Remove" takes it off.
      const empty = await post(`/dashboard/g/${gallery.slug}/settings`, cookie, { _csrf: token, password: '' });
      expect(empty.status).toBe(400);
      expect((await test.core.service.getGallery(gallery.slug)).settings.passwordHash).not.toBeNull();
      await post(`/dashboard/g/${gallery.slug}/settings`, cookie, {
        _csrf: token,
        field: 'password',
        password: '',
        remove: 'yes',
      });
      expect((await test.core.service.getGallery(gallery.slug)).settings.passwordHash).toBeNull();
    });

    it('deletes a gallery only when the deletion is confirmed', async () => {
      const cookie = await login();
      const token = csrfOf((await page(`/dashboard/g/${gallery.slug}`, cookie)).body);
      expect((await post(`/dashboard/g/${gallery.slug}/delete`, cookie, { _csrf: token })).status).toBe(400);
      const deleted = await post(`/dashboard/g/${gallery.slug}/delete`, cookie, { _csrf: token, confirm: 'yes' });
      expect(deleted.status).toBe(303);
      expect((await page(`/dashboard/g/${gallery.slug}`, cookie)).status).toBe(404);
    });

    it('speaks Chinese to a Chinese browser', async () => {
      const cookie = await login();
      const response = await fetch(`${server.url}/dashboard/g/${gallery.slug}`, {
        headers: { cookie, 'accept-language': 'zh-CN,zh;q=0.9' },
      });
      const body = await response.text();
      expect(body).toContain('每日打开次数');
      expect(body).toContain('访问记录');
      expect(body).toContain('法国');
    });
  });
}
