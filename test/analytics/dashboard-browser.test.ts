import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gallery } from '../../core/types.js';
import { DESKTOP_CHROME_UA, launchTestBrowser, saveScreenshot, type TestBrowser } from '../helpers/browser.js';
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
    expect(new URL(page.url()).pathname).toBe('/dashboard');
    await page.getByRole('link', { name: 'Summer in Lisbon' }).click();
    await page.waitForURL(`**/dashboard/g/${gallery.slug}`);

    const charts = page.locator('.charts svg');
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
});
