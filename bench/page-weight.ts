/**
 * npm run bench:page-weight — what a gallery of 25 photos (12 megapixels, mixed orientations) weighs
 * on a phone (390×844 at device pixel ratio 3) in Chromium: bytes on the wire for the first screen
 * (everything loaded before any scrolling) and for the whole page (scrolled to the end). The baseline,
 * measured in the same run on the same page, is the grid served from the 480 px versions only (the
 * page before srcset): every request for a larger version is answered with the 480 px one instead.
 * Last line: one JSON object.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import sharp from 'sharp';
import { loadConfig } from '../core/config.js';
import { openCore } from '../core/core-app.js';
import { createWebApp } from '../gallery-web/web-app.js';

const PHOTOS = 25;
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true };
const UA =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36';

/** A 12 MP photo stand-in: blurred noise compresses about like a real photo's detail. */
async function photo(index: number): Promise<Buffer> {
  const [width, height] = index % 3 === 1 ? [3024, 4032] : [4032, 3024];
  return sharp({
    create: { width, height, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 90, sigma: 45 } },
  })
    .blur(1.2)
    .modulate({ hue: index * 29 })
    .jpeg({ quality: 85, mozjpeg: true })
    .toBuffer();
}

interface Weight {
  firstScreen: number;
  wholePage: number;
  requests: number;
}

async function measure(browser: Browser, url: string, onlySmall: boolean): Promise<Weight> {
  const context = await browser.newContext({ ...PHONE, userAgent: UA });
  const page = await context.newPage();
  if (onlySmall)
    await page.route(/\/i\/\d+\/(1080|1600)\.webp$/, (route) =>
      route.continue({
        url: route
          .request()
          .url()
          .replace(/(1080|1600)\.webp$/, '480.webp'),
      }),
    );
  let bytes = 0;
  let requests = 0;
  page.on('requestfinished', (request) => {
    requests++;
    void request.sizes().then((sizes) => (bytes += sizes.responseBodySize + sizes.responseHeadersSize));
  });
  await page.goto(url, { waitUntil: 'networkidle' });
  const firstScreen = bytes;
  // Scroll a screen at a time, as a person would, until the last image has loaded.
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  for (let y = 0; y < height; y += 700) {
    await page.evaluate((top) => window.scrollTo(0, top), y);
    await page.waitForLoadState('networkidle');
  }
  await page.waitForFunction(() => Array.from(document.images).every((img) => !img.currentSrc || img.complete));
  await page.waitForLoadState('networkidle');
  const wholePage = bytes;
  await context.close();
  return { firstScreen, wholePage, requests };
}

const dataDir = await mkdtemp(path.join(tmpdir(), 'maiimg-bench-weight-'));
const config = loadConfig({ HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn', DEFAULT_LOCALE: 'en' }, dataDir);
const core = await openCore(config);
const web = createWebApp({ core, config });
const server = createServer(web.app);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
let browser: Browser | undefined;
try {
  const files = [];
  for (let index = 0; index < PHOTOS; index++)
    files.push({ name: `IMG_${4000 + index}.jpg`, data: await photo(index) });
  const gallery = (
    await core.service.createGallery({
      owner: { platform: 'cli', userId: 'bench' },
      files,
      options: { title: 'Bench' },
    })
  ).gallery!;
  // Render every display version first, so the figures are bytes, not first-request rendering.
  for (const image of gallery.images) {
    await core.service.displayVersionKey(image, 1080);
    await core.service.displayVersionKey(image, 1600);
  }
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  const url = `${base}/g/${gallery.slug}`;
  const baseline = await measure(browser, url, true);
  const ours = await measure(browser, url, false);
  const kb = (bytes: number) => Math.round(bytes / 1024);
  console.log(
    `first screen ${kb(ours.firstScreen)} KB (480 px only: ${kb(baseline.firstScreen)} KB); ` +
      `whole page ${kb(ours.wholePage)} KB (480 px only: ${kb(baseline.wholePage)} KB)`,
  );
  console.log(
    JSON.stringify({
      bench: 'page-weight',
      photos: PHOTOS,
      first_screen_bytes: ours.firstScreen,
      whole_page_bytes: ours.wholePage,
      baseline_first_screen_bytes: baseline.firstScreen,
      baseline_whole_page_bytes: baseline.wholePage,
      ratio_whole_page: Math.round((ours.wholePage / baseline.wholePage) * 100) / 100,
    }),
  );
} finally {
  await browser?.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await web.close();
  await core.close();
  await rm(dataDir, { recursive: true, force: true });
}
