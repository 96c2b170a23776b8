/// <reference lib="dom" />
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gallery } from '../../core/types.js';
import { displaySize } from '../../gallery-web/pages.js';
import { launchChromium, viewportContext, type ViewportName } from '../helpers/browser.js';
import { OWNER, startWeb, storedVisits, type WebHarness } from './web-harness.js';

/** A smooth, photo-like JPEG (blurred noise), so display versions are real resizes. */
async function photo(width: number, height: number, seed: number): Promise<Buffer> {
  return sharp({
    create: {
      width,
      height,
      channels: 3,
      background: '#000',
      noise: { type: 'gaussian', mean: 80 + seed * 7, sigma: 40 },
    },
  })
    .blur(2)
    .jpeg({ quality: 80 })
    .toBuffer();
}

/** Mixed orientations, as a phone's camera roll has them. */
const SHAPES: Array<[number, number]> = [
  [2000, 1500],
  [1500, 2000],
  [2000, 1125],
  [1600, 1600],
  [1500, 2000],
  [2400, 1000],
  [900, 1200],
];

let web: WebHarness;
let browser: Browser;
let many: Gallery;
let few: Gallery;

beforeAll(async () => {
  web = await startWeb();
  const files = await Promise.all(
    Array.from({ length: 14 }, async (_, index) => {
      const [width, height] = SHAPES[index % SHAPES.length]!;
      return { name: `IMG_${2000 + index}.jpg`, data: await photo(width, height, index) };
    }),
  );
  many = (await web.core.service.createGallery({ owner: OWNER, files, options: { title: 'Harbour weekend' } }))
    .gallery!;
  few = (await web.core.service.createGallery({ owner: OWNER, files: files.slice(0, 2), options: { title: null } }))
    .gallery!;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await web?.stop();
});

/**
 * Every grid image on screen, scrolled into view and loaded: how wide and tall it is drawn (CSS px)
 * and how many pixels it has.
 */
async function visibleImages(page: Page) {
  const count = await page.locator('.grid img').count();
  const seen: Array<{ index: number; boxW: number; boxH: number; naturalW: number; naturalH: number; dpr: number }> =
    [];
  for (let index = 0; index < count; index++) {
    const img = page.locator('.grid img').nth(index);
    await img.scrollIntoViewIfNeeded();
    await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth > 0)).toBe(true);
    seen.push(
      await img.evaluate(async (el: HTMLImageElement, i) => {
        const box = el.getBoundingClientRect();
        // With a srcset, naturalWidth is scaled by the chosen candidate's density; the file's own
        // pixels are what sharpness is about, so the chosen file is measured on its own.
        const probe = new Image();
        probe.src = el.currentSrc;
        await probe.decode();
        return {
          index: i,
          boxW: box.width,
          boxH: box.height,
          naturalW: probe.naturalWidth,
          naturalH: probe.naturalHeight,
          dpr: window.devicePixelRatio,
        };
      }, index),
    );
  }
  return seen;
}

describe('the gallery looks sharp on a phone and on a laptop', () => {
  for (const viewport of ['phone', 'desktop'] as ViewportName[]) {
    it(`gives every visible image at least its drawn size times the pixel ratio (${viewport})`, async () => {
      for (const gallery of [many, few]) {
        const context = await viewportContext(browser, viewport);
        const page = await context.newPage();
        await page.goto(`${web.base}/g/${gallery.slug}`);
        const images = await visibleImages(page);
        expect(images).toHaveLength(gallery.images.length);
        for (const shown of images) {
          const image = gallery.images[shown.index]!;
          // The largest display version is as sharp as the site can be (never more than the original).
          const largest = displaySize(image, 1600);
          const atMost = (needed: number, available: number) => Math.min(Math.ceil(needed) - 1, available);
          expect(shown.naturalW, `image ${shown.index} width`).toBeGreaterThanOrEqual(
            atMost(shown.boxW * shown.dpr, largest.width),
          );
          expect(shown.naturalH, `image ${shown.index} height`).toBeGreaterThanOrEqual(
            atMost(shown.boxH * shown.dpr, largest.height),
          );
        }
        await context.close();
      }
    });
  }

  it('lays 14 photos out in rows of two or three on a phone, edge to edge, and 1-2 photos large and centred', async () => {
    const context = await viewportContext(browser, 'phone');
    const page = await context.newPage();
    await page.goto(`${web.base}/g/${many.slug}`);
    const boxes = await page.$$eval('.grid .tile', (tiles) =>
      tiles.map((tile) => {
        const box = tile.getBoundingClientRect();
        return { top: Math.round(box.top + window.scrollY), left: box.left, right: box.right };
      }),
    );
    const rows = new Map<number, typeof boxes>();
    for (const box of boxes) rows.set(box.top, [...(rows.get(box.top) ?? []), box]);
    const full = [...rows.values()].slice(0, -1);
    for (const row of full) {
      expect(row.length).toBeGreaterThanOrEqual(2);
      expect(row.length).toBeLessThanOrEqual(4);
      // No hole at the end of a row: its last tile reaches the right edge like the others.
      expect(Math.max(...row.map((box) => box.right))).toBeGreaterThan(390 - 6);
    }
    expect(rows.size).toBeLessThan(many.images.length / 2 + 1);

    await page.goto(`${web.base}/g/${few.slug}`);
    const single = await page.locator('.grid .tile').first().boundingBox();
    expect(single!.width).toBeGreaterThan(370);
    await context.close();

    const desktop = await viewportContext(browser, 'desktop');
    const wide = await desktop.newPage();
    await wide.goto(`${web.base}/g/${few.slug}`);
    const box = (await wide.locator('.grid .tile').first().boundingBox())!;
    expect(box.height).toBeGreaterThan(500);
    expect(Math.abs(box.x + box.width / 2 - 683)).toBeLessThan(10);
    await desktop.close();
  });
});

describe('the lightbox', () => {
  it('keeps focus inside, shows loading until the photo arrives, counts a view only when shown, and lets pinch-zoom work', async () => {
    const context = await viewportContext(browser, 'phone');
    const page = await context.newPage();
    const large: string[] = [];
    page.on('request', (request) => {
      if (request.url().endsWith('/1600.webp')) large.push(new URL(request.url()).pathname);
    });
    // Hold the second photo's large version until the test has looked at the loading state.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(`**/g/${many.slug}/i/1/1600.webp`, async (route) => {
      await held;
      await route.continue();
    });
    await page.goto(`${web.base}/g/${many.slug}`);
    await page.locator('.grid a.thumb').nth(1).click();
    await page.waitForSelector('#lightbox:not([hidden])');
    expect(await page.locator('#lightbox').getAttribute('class')).toContain('loading');
    expect(await page.locator('.lb-loading').isVisible()).toBe(true);
    // The counter moves when the photo is there, not before.
    expect(await page.textContent('.lb-counter')).not.toBe('2 / 14');
    release();
    await expect.poll(() => page.textContent('.lb-counter')).toBe('2 / 14');
    expect(await page.locator('#lightbox').getAttribute('class')).not.toContain('loading');
    expect(await page.textContent('.lb-caption')).toBe('IMG_2001.jpg');
    expect(await page.textContent('.lb-download')).toMatch(/^Download, \d+(\.\d)? (KB|MB)$/);
    expect(await page.getAttribute('.lb-download', 'href')).toBe(`/g/${many.slug}/i/1/original`);

    // Neighbours are fetched ahead, but only what was shown counts as seen.
    await expect
      .poll(() => [...new Set(large)].sort())
      .toEqual([0, 1, 2].map((position) => `/g/${many.slug}/i/${position}/1600.webp`));
    const stats = await storedVisits(web, many);
    expect(stats.imageViews.filter((image) => image.views > 0).map((image) => image.position)).toEqual([1]);

    // Tab and Shift+Tab cycle through the lightbox's own controls only.
    for (const key of ['Tab', 'Tab', 'Tab', 'Tab', 'Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab']) {
      await page.keyboard.press(key);
      expect(await page.evaluate(() => document.getElementById('lightbox')!.contains(document.activeElement))).toBe(
        true,
      );
    }

    // Nothing stops the browser's pinch-zoom.
    for (const selector of ['#lightbox', '.lb-image', '.lb-stage']) {
      expect(await page.$eval(selector, (el) => getComputedStyle(el).touchAction)).toBe('auto');
    }
    expect(await page.getAttribute('meta[name=viewport]', 'content')).not.toMatch(/user-scalable|maximum-scale/);

    await page.keyboard.press('Escape');
    expect(await page.isHidden('#lightbox')).toBe(true);
    await context.close();
  });
});

describe('pages that are not a gallery', () => {
  it('name the site, offer to make a gallery, and keep galleries out of a 404 for another address', async () => {
    const context = await viewportContext(browser, 'phone');
    const page = await context.newPage();
    const lost = await page.goto(`${web.base}/no/such/page`);
    expect(lost?.status()).toBe(404);
    expect(await page.textContent('h1')).toBe('Page not found');
    expect((await page.textContent('main'))!.toLowerCase()).not.toContain('gallery not found');
    expect(await page.textContent('.wordmark')).toBe('maiimg');

    const gallery = await web.gallery({ title: 'Off' }, 1);
    await web.core.service.setLinkState({ owner: OWNER, ref: gallery.slug, state: 'disabled' });
    expect((await page.goto(`${web.base}/g/${gallery.slug}`))?.status()).toBe(410);
    expect(await page.textContent('.about')).toContain('private gallery link');
    expect(await page.getAttribute('main a.button', 'href')).toBe('/');
    expect(await page.textContent('main a.button')).toBe('Make your own gallery');
    await context.close();
  });

  it('lets a visitor see the password they type', async () => {
    const gallery = await web.gallery({ password: 'correct horse' }, 1);
    const context = await viewportContext(browser, 'phone');
    const page = await context.newPage();
    await page.goto(`${web.base}/g/${gallery.slug}`);
    await page.fill('#password', 'correct horse');
    const toggle = page.getByRole('button', { name: 'Show' });
    await toggle.click();
    expect(await page.getAttribute('#password', 'type')).toBe('text');
    expect(await page.getAttribute('button.reveal', 'aria-pressed')).toBe('true');
    await page.getByRole('button', { name: 'Hide' }).click();
    expect(await page.getAttribute('#password', 'type')).toBe('password');
    await page.getByRole('button', { name: 'Open gallery' }).click();
    await page.waitForSelector('.grid img');
    await context.close();
  });
});
