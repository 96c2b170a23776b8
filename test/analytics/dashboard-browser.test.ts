import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gallery } from '../../core/types.js';
import { launchTestBrowser, saveScreenshot, type TestBrowser } from '../helpers/browser.js';
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
    await page.waitForURL(/done=saved/);
    expect(await page.locator('h1 .status').innerText()).toBe('disabled');
    expect((await test.core.service.getGallery(gallery.slug)).settings.state).toBe('disabled');
    await saveScreenshot(page, 'dashboard-disabled');

    await page.locator('#toggle-link').click();
    await page.waitForURL(/done=saved/);
    expect(await page.locator('h1 .status').innerText()).toBe('active');
    expect((await test.core.service.getGallery(gallery.slug)).settings.state).toBe('active');

    await page.goto(`${server.url}/dashboard`);
    await saveScreenshot(page, 'dashboard-list');
    await page.close();
  });
});
