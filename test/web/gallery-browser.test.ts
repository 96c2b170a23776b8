/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OWNER, startWeb, storedVisits, type WebHarness } from './web-harness.js';
import { launchTestBrowser, saveScreenshot, type TestBrowser } from '../helpers/browser.js';

let web: WebHarness;
let browser: TestBrowser;
beforeAll(async () => {
  web = await startWeb();
  browser = await launchTestBrowser();
});
afterAll(async () => {
  await browser?.close();
  await web?.stop();
});

describe('the gallery in a real browser (Chromium)', () => {
  it('loads every image, opens the lightbox, moves with the arrow keys and closes with Esc', async () => {
    const gallery = await web.gallery({ title: 'Browser walk' }, 5);
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('response', (answer) => {
      if (answer.status() >= 400) problems.push(`${answer.status()} ${answer.url()}`);
    });
    const response = await page.goto(`${web.base}/g/${gallery.slug}`);
    expect(response?.status()).toBe(200);
    await page.waitForFunction(() => Array.from(document.images).every((img) => img.complete));
    const loaded = await page.$$eval('.grid img', (images) =>
      images.map((img) => (img as HTMLImageElement).naturalWidth),
    );
    expect(loaded).toHaveLength(5);
    expect(loaded.every((width) => width > 0)).toBe(true);
    await saveScreenshot(page, 'gallery-grid');

    await page.click('.grid a.thumb >> nth=1');
    await page.waitForSelector('#lightbox:not([hidden])');
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('.lb-image');
      return !!img && img.complete && img.naturalWidth > 0;
    });
    expect(await page.textContent('.lb-counter')).toBe('2 / 5');
    await saveScreenshot(page, 'gallery-lightbox');
    await page.keyboard.press('ArrowRight');
    expect(await page.textContent('.lb-counter')).toBe('3 / 5');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    expect(await page.textContent('.lb-counter')).toBe('1 / 5');
    await page.keyboard.press('Escape');
    expect(await page.isHidden('#lightbox')).toBe(true);
    // No CSP violation or script error on the way.
    expect(problems).toEqual([]);

    const stats = await storedVisits(web, gallery);
    expect(stats.humanOpens).toBe(1);
    expect(
      stats.imageViews
        .filter((image) => image.views > 0)
        .map((image) => image.position)
        .sort(),
    ).toEqual([0, 1, 2]);
    await page.close();
  });

  it('walks the password page and the disabled page', async () => {
    const gallery = await web.gallery({ password: 'correct horse' }, 2);
    const page = await browser.newPage();
    const gate = await page.goto(`${web.base}/g/${gallery.slug}`);
    expect(gate?.status()).toBe(401);
    await page.fill('#password', 'wrong horse');
    await page.click('button[type=submit]');
    await page.waitForSelector('.error');
    expect(await page.textContent('.error')).toContain('Wrong password');
    await saveScreenshot(page, 'password-wrong');
    await page.fill('#password', 'correct horse');
    await page.click('button[type=submit]');
    await page.waitForSelector('.grid img');
    // Only the grid: the lightbox's own <img> has no picture until it is opened.
    await page.waitForFunction(() =>
      Array.from(document.querySelectorAll<HTMLImageElement>('.grid img')).every(
        (img) => img.complete && img.naturalWidth > 0,
      ),
    );
    await saveScreenshot(page, 'password-unlocked');

    await web.core.service.setLinkState({ owner: OWNER, ref: gallery.slug, state: 'disabled' });
    const disabled = await page.goto(`${web.base}/g/${gallery.slug}`);
    expect(disabled?.status()).toBe(410);
    expect(await page.textContent('h1')).toBe('This link has been disabled');
    await saveScreenshot(page, 'disabled');
    await page.close();
  });
});
