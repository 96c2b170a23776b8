/// <reference lib="dom" />
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchTestBrowser, saveScreenshot, type TestBrowser } from '../helpers/browser.js';
import { makeJpeg, makePhotoJpeg, makePng, pdfFile } from '../helpers/images.js';
import { startWeb, type WebHarness } from './web-harness.js';

let web: WebHarness;
let browser: TestBrowser;
beforeAll(async () => {
  // A 1 MB limit lets the test try an oversize file without pushing 50 MB through the browser.
  web = await startWeb({ MAX_FILE_BYTES: String(1024 * 1024), UPLOAD_RATE_LIMIT: '1000/1h' });
  browser = await launchTestBrowser();
  await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: web.base });
});
afterAll(async () => {
  await browser?.close();
  await web?.stop();
});

/** Console errors, script errors (a CSP violation shows up here) and failed responses, except those expected. */
function watchProblems(page: Page, expectedStatuses: number[] = []): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && !expectedStatuses.some((status) => message.text().includes(`${status}`)))
      problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('response', (answer) => {
    if (answer.status() >= 400 && !expectedStatuses.includes(answer.status()))
      problems.push(`${answer.status()} ${answer.url()}`);
  });
  return problems;
}

describe('the upload page in a real browser (Chromium)', () => {
  it('flags a PDF among three images, uploads the images with progress to 100 %, shares the link and manages it', async () => {
    const page = await browser.newPage();
    const problems = watchProblems(page);
    expect((await page.goto(`${web.base}/`))?.status()).toBe(200);
    await page.setInputFiles('#file-input', [
      { name: 'harbour.jpg', mimeType: 'image/jpeg', buffer: await makePhotoJpeg(900, 600, 3) },
      { name: 'lighthouse.png', mimeType: 'image/png', buffer: await makePng(320, 240, 8) },
      { name: 'sunset.jpg', mimeType: 'image/jpeg', buffer: await makePhotoJpeg(600, 900, 5) },
      { name: 'itinerary.pdf', mimeType: 'application/pdf', buffer: pdfFile() },
    ]);
    await page.waitForSelector('.file-row.problem');
    await expect
      .poll(() => page.locator('.file-row .file-note').allInnerTexts())
      .toEqual(['ready', 'ready', 'ready', 'is not a PNG, JPEG, GIF or WebP image']);
    expect(await page.locator('.file-row.problem .file-name').innerText()).toBe('itinerary.pdf');
    expect(await page.isVisible('#batch-problem')).toBe(true);
    expect(await page.isEnabled('#upload-button')).toBe(true);
    await page.fill('input[name=title]', 'Harbour weekend');
    await saveScreenshot(page, 'upload-picked');

    // Every value the total shows, as the person sees it.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seenPercents: string[] }).seenPercents = seen;
      const label = document.getElementById('total-percent')!;
      new MutationObserver(() => seen.push(label.textContent ?? '')).observe(label, {
        childList: true,
        characterData: true,
        subtree: true,
      });
    });
    await page.click('#upload-button');
    await page.waitForSelector('#result:not([hidden])');
    expect(await page.isHidden('#batch-problem')).toBe(true);
    const seen = await page.evaluate(() => (window as unknown as { seenPercents: string[] }).seenPercents);
    expect(seen.at(-1)).toBe('100 %');
    expect(await page.locator('#total-progress').evaluate((bar) => (bar as HTMLProgressElement).value)).toBe(100);
    expect(
      await page
        .locator('.file-row:not(.problem) progress')
        .evaluateAll((bars) => bars.map((bar) => (bar as HTMLProgressElement).value)),
    ).toEqual([100, 100, 100]);
    expect(await page.locator('.file-row .file-note').allInnerTexts()).toEqual([
      'uploaded',
      'uploaded',
      'uploaded',
      'is not a PNG, JPEG, GIF or WebP image',
    ]);
    // The QR code (an SVG data URL, allowed by the CSP) is drawn.
    await page.waitForFunction(() => (document.getElementById('qr-image') as HTMLImageElement).naturalWidth > 0);
    expect(await page.getAttribute('#qr-png', 'download')).toMatch(/^maiimg-[\w-]{22}\.png$/);
    expect(await page.getAttribute('#qr-png', 'href')).toMatch(/^data:image\/png;base64,/);
    expect(await page.getAttribute('#qr-svg', 'href')).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(await page.locator('.manage .warning').innerText()).toContain('Keep this link safe');
    await saveScreenshot(page, 'upload-result');

    const shareLink = await page.inputValue('#share-link');
    expect(shareLink).toMatch(new RegExp(`^${web.base}/g/[\\w-]{22}$`));
    await page.click('button[data-copy="share-link"]');
    await expect.poll(() => page.locator('button[data-copy="share-link"]').innerText()).toBe('Copied');
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toBe(shareLink);

    const visitor = await browser.newPage();
    const visitorProblems = watchProblems(visitor, [410]);
    expect((await visitor.goto(copied))?.status()).toBe(200);
    expect(await visitor.textContent('h1')).toBe('Harbour weekend');
    await visitor.waitForFunction(() =>
      Array.from(document.querySelectorAll<HTMLImageElement>('.grid img')).every(
        (img) => img.complete && img.naturalWidth > 0,
      ),
    );
    expect(await visitor.locator('.grid img').count()).toBe(3);
    await saveScreenshot(visitor, 'upload-shared-gallery');

    const manageLink = await page.inputValue('#manage-link');
    const slug = new URL(shareLink).pathname.split('/').pop();
    const owner = await browser.newPage();
    const ownerProblems = watchProblems(owner);
    await owner.goto(manageLink);
    expect(new URL(owner.url()).pathname).toBe(`/dashboard/g/${slug}`);
    expect(await owner.locator('h1').innerText()).toContain('Harbour weekend');
    // No chat to send a first-open alert to, so no such switch.
    expect(await owner.locator('select[name=alerts]').count()).toBe(0);
    await owner.locator('#toggle-link').click();
    await owner.waitForURL(/done=state/);
    expect(await owner.locator('h1 .status').innerText()).toBe('disabled');
    await saveScreenshot(owner, 'upload-manage-disabled');

    const gone = await visitor.goto(copied);
    expect(gone?.status()).toBe(410);
    expect(await visitor.textContent('h1')).toBe('This link has been disabled');
    await saveScreenshot(visitor, 'upload-shared-gallery-disabled');

    expect(problems).toEqual([]);
    expect(visitorProblems).toEqual([]);
    expect(ownerProblems).toEqual([]);
    await Promise.all([page.close(), visitor.close(), owner.close()]);
  });

  it('checks the count and the size before sending, and lets the person remove files', async () => {
    const page = await browser.newPage();
    const problems = watchProblems(page);
    await page.goto(`${web.base}/`);
    const small = await makeJpeg(16, 12, 9);
    const files = Array.from({ length: 26 }, (_, i) => ({
      name: `tiny-${i + 1}.jpg`,
      mimeType: 'image/jpeg',
      buffer: small,
    }));
    const big = Buffer.concat([await makeJpeg(16, 12, 10), Buffer.alloc(1024 * 1024)]);
    await page.setInputFiles('#file-input', [...files, { name: 'too-big.jpg', mimeType: 'image/jpeg', buffer: big }]);
    await expect.poll(() => page.locator('.file-row').count()).toBe(27);
    await expect
      .poll(() => page.locator('#batch-problem').innerText())
      .toContain('You added 26 images; one gallery takes at most 25.');
    expect(await page.locator('.file-row.problem .file-note').innerText()).toBe('is larger than the 1 MB limit');
    expect(await page.isDisabled('#upload-button')).toBe(true);
    await saveScreenshot(page, 'upload-too-many');

    await page.locator('.file-row').first().locator('.remove').click();
    await expect.poll(() => page.isEnabled('#upload-button')).toBe(true);
    expect(await page.locator('#batch-problem').innerText()).toBe('Files marked with a problem will not be uploaded.');
    expect(problems).toEqual([]);
    await page.close();
  });
});
