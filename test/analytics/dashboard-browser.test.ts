/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gallery } from '../../core/types.js';
import {
  DESKTOP_CHROME_UA,
  launchChromium,
  launchTestBrowser,
  saveScreenshot,
  viewportContext,
  type TestBrowser,
} from '../helpers/browser.js';
import type { TestCore } from '../helpers/test-core.js';
import { ALICE, makeGallery, seedVisits, startAnalyticsCore } from './analytics-fixtures.js';
import { startDashboardServer } from './dashboard-app.js';

describe('owner dashboard in a real browser (Chromium)', () => {
  let test: TestCore;
  let server: Awaited<ReturnType<typeof startDashboardServer>>;
  let browser: TestBrowser;
  let gallery: Gallery;

  beforeAll(async () => {
    test = await startAnalyticsCore('sqlite');
    server = await startDashboardServer(test.core);
    gallery = await makeGallery(test.core, ALICE, 'Summer in Lisbon');
    const now = Date.now();
    const countries = ['PT', 'PT', 'PT', 'ES', 'FR', 'CN', 'PT', 'US'];
    const devices = ['mobile', 'mobile', 'desktop', 'tablet'];
    await seedVisits(
      test.core,
      gallery,
      Array.from({ length: 40 }, (_, i) => ({
        at: new Date(now - (i % 20) * 86_400_000 - (i % 9) * 3_600_000),
        country: countries[i % countries.length],
        city: i % 2 ? 'Lisbon' : 'Porto',
        deviceType: devices[i % devices.length],
        browser: i % 3 ? 'Chrome' : 'Mobile Safari',
        os: i % 3 ? 'Android' : 'iOS',
        views: [i % 3],
      })),
    );
    browser = await launchTestBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await test?.cleanup();
  });

  it('logs in through a magic link, shows the charts, and flips the link off and on', async () => {
    const page = await browser.newPage();
    const link = new URL(test.core.dashboardLink(ALICE).url);
    await page.goto(server.url + link.pathname + link.search);
    // The link only asks; the button logs in (login CSRF).
    await page.getByRole('button', { name: 'Open the dashboard' }).click();
    await page.waitForURL(`${server.url}/dashboard`);
    expect(new URL(page.url()).pathname).toBe('/dashboard');
    await page.getByRole('link', { name: 'Summer in Lisbon' }).click();
    await page.waitForURL(`**/dashboard/g/${gallery.slug}`);

    const charts = page.locator('.charts .chart-wide svg');
    await expect.poll(() => charts.count()).toBe(4);
    const box = await charts.first().boundingBox();
    expect(box!.width).toBeGreaterThan(300);
    expect(await page.locator('.charts').innerText()).toContain('Top countries');
    await saveScreenshot(page, 'dashboard-gallery');

    await page.locator('#toggle-link').click();
    await page.waitForURL(/done=state#link$/);
    expect(await page.locator('h1 .status').innerText()).toBe('disabled');
    expect((await test.core.service.getGallery(gallery.slug)).settings.state).toBe('disabled');
    await saveScreenshot(page, 'dashboard-disabled');

    await page.locator('#toggle-link').click();
    await page.waitForURL(/done=state#link$/);
    expect(await page.locator('h1 .status').innerText()).toBe('active');
    expect((await test.core.service.getGallery(gallery.slug)).settings.state).toBe('active');

    await page.goto(`${server.url}/dashboard`);
    await saveScreenshot(page, 'dashboard-list');
    await page.close();
  });

  /** What a person opening the gallery link gets (status code), as a fresh visitor. */
  async function visitorStatus(path = `/g/${controlled.slug}`): Promise<number> {
    const response = await fetch(server.url + path, {
      headers: { 'user-agent': DESKTOP_CHROME_UA },
      redirect: 'manual',
    });
    await response.arrayBuffer();
    return response.status;
  }
  let controlled: Gallery;

  it('saves and removes each setting with its own control, confirming beside it', async () => {
    controlled = await makeGallery(test.core, ALICE, 'Controls');
    const settings = async () => (await test.core.service.getGallery(controlled.slug)).settings;
    const page = await browser.newPage();
    const link = new URL(test.core.dashboardLink(ALICE).url);
    await page.goto(server.url + link.pathname + link.search);
    await page.getByRole('button', { name: 'Open the dashboard' }).click();
    await page.waitForURL(`${server.url}/dashboard`);
    await page.goto(`${server.url}/dashboard/g/${controlled.slug}`);

    // Password: set it, then "Save" with the field empty keeps it, then "Remove" takes it off.
    await page.locator('#set-password input[name=password]').fill('open sesame');
    await page.locator('#set-password').getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/done=password#set-password$/);
    expect(await page.locator('#set-password [role=status]').innerText()).toBe('Settings saved.');
    expect((await settings()).passwordHash).not.toBeNull();
    expect(await visitorStatus()).toBe(401);

    await page.locator('#set-password').getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('#set-password [role=alert]').count()).toBe(1);
    expect(await page.locator('#set-password [role=alert]').innerText()).toContain('use Remove');
    expect((await settings()).passwordHash).not.toBeNull();
    expect(await visitorStatus()).toBe(401);

    await page.locator('#set-password').getByRole('button', { name: 'Remove' }).click();
    await page.waitForURL(/done=password#set-password$/);
    expect((await settings()).passwordHash).toBeNull();
    expect(await visitorStatus()).toBe(200);
    expect(await page.locator('#set-password').getByRole('button', { name: 'Remove' }).count()).toBe(0);

    // Expiry: an expired link (set elsewhere) comes back when "Remove" is clicked here.
    await test.core.service.updateSettings({
      owner: ALICE,
      ref: controlled.slug,
      patch: { expiresAt: new Date(test.core.clock.now().getTime() - 86_400_000) },
    });
    expect(await visitorStatus()).toBe(410);
    await page.reload();
    await page.locator('#set-expires').getByRole('button', { name: 'Remove' }).click();
    await page.waitForURL(/done=expires#set-expires$/);
    expect((await settings()).expiresAt).toBeNull();
    expect(await visitorStatus()).toBe(200);
    await page.locator('#set-expires input[name=expires]').fill('2099-12-31');
    await page.locator('#set-expires').getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/done=expires#set-expires$/);
    expect((await settings()).expiresAt).toEqual(new Date('2099-12-31T00:00:00Z'));

    // Maximum opens: a wrong value is refused next to its field; a right one is saved and removable.
    await page.locator('#set-maxOpens input[name=maxOpens]').fill('0');
    await page.locator('#set-maxOpens input[name=maxOpens]').evaluate((input: HTMLInputElement) => (input.min = ''));
    await page.locator('#set-maxOpens').getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('#set-maxOpens [role=alert]').count()).toBe(1);
    expect((await settings()).maxOpens).toBeNull();
    await page.locator('#set-maxOpens input[name=maxOpens]').fill('5');
    await page.locator('#set-maxOpens').getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/done=maxOpens#set-maxOpens$/);
    expect((await settings()).maxOpens).toBe(5);
    await page.locator('#set-maxOpens').getByRole('button', { name: 'Remove' }).click();
    await page.waitForURL(/done=maxOpens#set-maxOpens$/);
    expect((await settings()).maxOpens).toBeNull();

    // Downloads off: a visitor can no longer fetch an original.
    expect(await visitorStatus(`/g/${controlled.slug}/i/0/original`)).toBe(200);
    await page.locator('#set-downloads select').selectOption('off');
    await page.locator('#set-downloads').getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/done=downloads#set-downloads$/);
    expect((await settings()).downloadsAllowed).toBe(false);
    expect(await visitorStatus(`/g/${controlled.slug}/i/0/original`)).toBe(404);

    // Alerts.
    await page.locator('#set-alerts select').selectOption('off');
    await page.locator('#set-alerts').getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/done=alerts#set-alerts$/);
    expect(await test.core.analytics.alertsEnabled(controlled.id)).toBe(false);

    // Title, at the top: a visitor sees the new one.
    await page.locator('#set-title input[name=title]').fill('Renamed trip');
    await page.locator('#set-title').getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/done=title#set-title$/);
    expect((await test.core.service.getGallery(controlled.slug)).title).toBe('Renamed trip');
    const visitor = await fetch(`${server.url}/g/${controlled.slug}`, { headers: { 'user-agent': DESKTOP_CHROME_UA } });
    expect(await visitor.text()).toContain('Renamed trip');

    // The page stays where the control is: the confirmation sits next to it, in view.
    expect(await page.locator('#set-title [role=status]').isVisible()).toBe(true);
    await page.close();
  });

  it('shows days, hours and times in the browser’s time zone, named, and switches back to STATS_TIMEZONE', async () => {
    const chromium = await launchChromium();
    try {
      // Eucla is 8:45 ahead of UTC (STATS_TIMEZONE here): an open at 20:00 UTC is 04:45 the next day.
      const late = await makeGallery(test.core, ALICE, 'Late night');
      const day = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000 - 2 * 86_400_000 + 20 * 3_600_000);
      await seedVisits(test.core, late, [{ at: day, country: 'AU' }]);
      const context = await chromium.newContext({ userAgent: DESKTOP_CHROME_UA, timezoneId: 'Australia/Eucla' });
      const page = await context.newPage();
      const link = new URL(test.core.dashboardLink(ALICE).url);
      await page.goto(server.url + link.pathname + link.search);
      await page.getByRole('button', { name: 'Open the dashboard' }).click();
      // The first page asks for the browser's zone once (a cookie), then names it.
      await expect.poll(() => page.locator('.zone-line').first().innerText()).toContain('Australia/Eucla');
      await page.goto(`${server.url}/dashboard/g/${late.slug}`);
      const zoneLine = page.locator('.zone-line');
      expect(await zoneLine.innerText()).toContain('Days, hours and times in Australia/Eucla.');
      const nextDay = new Date(day.getTime() + 86_400_000).toISOString().slice(5, 10);
      const bars = () =>
        page.locator('.chart-wide svg rect title').evaluateAll((titles) => titles.map((title) => title.textContent));
      expect(await bars()).toEqual([`${nextDay}: 1`, '4: 1']);

      // Back to STATS_TIMEZONE with one click; the page says so, and offers the browser's zone again.
      await zoneLine.getByRole('button', { name: 'Use UTC' }).click();
      await expect.poll(() => zoneLine.innerText()).toContain('Days, hours and times in UTC.');
      expect(await bars()).toEqual([`${day.toISOString().slice(5, 10)}: 1`, '20: 1']);
      await zoneLine.getByRole('button', { name: 'Use this device’s time zone (Australia/Eucla)' }).click();
      await expect.poll(() => zoneLine.innerText()).toContain('Days, hours and times in Australia/Eucla.');
      await context.close();
    } finally {
      await chromium.close();
    }
  });

  it('fits the settings on a phone: no sideways scroll, labels above fields, 44 px targets, errors beside the field', async () => {
    const chromium = await launchChromium();
    try {
      const phone = await viewportContext(chromium, 'phone');
      const page = await phone.newPage();
      const owned = await makeGallery(test.core, ALICE, 'A gallery with a rather long title to wrap on a phone');
      await test.core.service.updateSettings({ owner: ALICE, ref: owned.slug, patch: { maxOpens: 3, password: 'pw' } });
      const link = new URL(test.core.dashboardLink(ALICE).url);
      await page.goto(server.url + link.pathname + link.search);
      await page.getByRole('button', { name: 'Open the dashboard' }).click();
      await page.waitForURL(`${server.url}/dashboard`);
      await page.goto(`${server.url}/dashboard/g/${owned.slug}`);

      const layout = () =>
        page.evaluate(() => {
          const box = (node: Element) => node.getBoundingClientRect();
          // A checkbox is reached through its label, so the label is its target.
          const target = (control: Element) =>
            control instanceof HTMLInputElement && control.type === 'checkbox' ? control.closest('label')! : control;
          const controls = [
            ...document.querySelectorAll(
              'main form input:not([type=hidden]), main form select, main form button, main a.button',
            ),
          ];
          return {
            scrollWidth: document.documentElement.scrollWidth,
            viewport: window.innerWidth,
            small: controls
              .map((control) => ({ control, height: box(target(control)).height }))
              .filter(({ height }) => height < 44)
              .map(({ control, height }) => `${control.outerHTML.slice(0, 80)}: ${height}px`),
            unstacked: [...document.querySelectorAll('form.row > label')]
              .filter((label) => label.querySelector('input:not([type=checkbox]), select'))
              .map((label) => {
                const field = label.querySelector('input, select')!;
                const [outer, inner] = [box(label), box(field)];
                return { form: label.closest('form')!.id, left: inner.left - outer.left, below: inner.top - outer.top };
              })
              .filter(({ left, below }) => left > 1 || below < 12),
          };
        });
      const seen = await layout();
      expect(seen.scrollWidth).toBeLessThanOrEqual(seen.viewport);
      expect(seen.small).toEqual([]);
      expect(seen.unstacked).toEqual([]);

      // A refused value: the error sits right under its field, in view, not at the top of the page.
      await page.locator('#set-maxOpens input[name=maxOpens]').fill('0');
      await page.locator('#set-maxOpens input[name=maxOpens]').evaluate((input: HTMLInputElement) => (input.min = ''));
      await page.locator('#set-maxOpens').getByRole('button', { name: 'Save' }).click();
      const error = page.locator('#set-maxOpens [role=alert]');
      await expect.poll(() => error.count()).toBe(1);
      const field = (await page.locator('#set-maxOpens input[name=maxOpens]').boundingBox())!;
      const alert = (await error.boundingBox())!;
      expect(alert.y).toBeGreaterThanOrEqual(field.y + field.height);
      expect(alert.y - (field.y + field.height)).toBeLessThan(120);
      const after = await layout();
      expect(after.scrollWidth).toBeLessThanOrEqual(after.viewport);
      await saveScreenshot(page, 'dashboard-phone-settings');
      await phone.close();
    } finally {
      await chromium.close();
    }
  });
});
