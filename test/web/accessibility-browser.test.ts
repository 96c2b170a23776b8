/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gallery } from '../../core/types.js';
import { launchChromium, viewportContext, type ViewportName } from '../helpers/browser.js';
import { makePhotoJpeg, makePng } from '../helpers/images.js';
import { OWNER, startWeb, type WebHarness } from './web-harness.js';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[]; failureSummary?: string }>;
}

/** Runs axe-core (WCAG 2.x A and AA rules, best practices) on the page as it is now. */
async function axeViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol: the site's CSP (rightly) refuses an injected <script>.
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: AxeViolation[] }> } }
    ).axe;
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
    });
    return result.violations;
  });
  return violations.map(
    (v) =>
      `${v.id} (${v.impact}): ${v.help} at ${v.nodes
        .slice(0, 3)
        .map((n) => `${n.target.join(' ')} ${n.failureSummary?.replace(/\s+/g, ' ') ?? ''}`)
        .join(' | ')}`,
  );
}

/**
 * The page's own look in this colour scheme: how light its background is (0 black to 1 white), and
 * the focus ring of the first element Tab reaches (its width, and its contrast with what is behind it).
 */
async function schemeAndFocus(page: Page): Promise<{ background: number; ringWidth: number; ringContrast: number }> {
  await page.keyboard.press('Tab');
  return page.evaluate(() => {
    const rgb = (color: string) => (color.match(/[\d.]+/g) ?? []).map(Number);
    const luminance = (color: string) => {
      const [r, g, b] = rgb(color).map((c) =>
        c / 255 <= 0.03928 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4,
      );
      return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
    };
    const backgroundOf = (node: Element | null): string => {
      for (; node; node = node.parentElement) {
        const color = getComputedStyle(node).backgroundColor;
        if (rgb(color)[3] !== 0 && color !== 'transparent') return color;
      }
      return 'rgb(255, 255, 255)';
    };
    const focused = document.activeElement!;
    const style = getComputedStyle(focused);
    const [ring, behind] = [luminance(style.outlineColor), luminance(backgroundOf(focused.parentElement))];
    return {
      background: luminance(backgroundOf(document.body)),
      ringWidth: style.outlineStyle === 'none' ? 0 : parseFloat(style.outlineWidth),
      ringContrast: (Math.max(ring, behind) + 0.05) / (Math.min(ring, behind) + 0.05),
    };
  });
}

let web: WebHarness;
let browser: Browser;
let gallery: Gallery;
const states: Record<string, string> = {};

beforeAll(async () => {
  web = await startWeb({ UPLOAD_RATE_LIMIT: '1000/1h' });
  const files = await Promise.all(
    Array.from({ length: 6 }, async (_, index) => ({
      name: `IMG_${index}.jpg`,
      data: await makePhotoJpeg(index % 2 ? 600 : 900, index % 2 ? 900 : 600, index),
    })),
  );
  const make = async (options: object) =>
    (await web.core.service.createGallery({ owner: OWNER, files: files.slice(0, 2), options })).gallery!;
  gallery = (await web.core.service.createGallery({ owner: OWNER, files, options: { title: 'Harbour weekend' } }))
    .gallery!;
  const disabled = await make({ title: 'Off' });
  await web.core.service.setLinkState({ owner: OWNER, ref: disabled.slug, state: 'disabled' });
  const expired = await make({ title: 'Old' });
  await web.core.service.updateSettings({
    owner: OWNER,
    ref: expired.slug,
    patch: { expiresAt: new Date(web.core.clock.now().getTime() - 60_000) },
  });
  const usedUp = await make({ title: 'Once', maxOpens: 1 });
  await web.get(`/g/${usedUp.slug}`);
  const locked = await make({ title: 'Locked', password: 'correct horse' });
  Object.assign(states, {
    disabled: `/g/${disabled.slug}`,
    expired: `/g/${expired.slug}`,
    'used up': `/g/${usedUp.slug}`,
    password: `/g/${locked.slug}`,
    'unknown gallery': '/g/AAAAAAAAAAAAAAAAAAAAAA',
    'unknown page': '/no/such/page',
  });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await web?.stop();
});

const combos: Array<[ViewportName, 'light' | 'dark']> = [
  ['phone', 'light'],
  ['phone', 'dark'],
  ['desktop', 'light'],
  ['desktop', 'dark'],
];

describe('every page passes axe-core', () => {
  for (const [viewport, colorScheme] of combos) {
    it(`on a ${viewport} in ${colorScheme} mode`, async () => {
      const context = await viewportContext(browser, viewport, { colorScheme });
      const page = await context.newPage();
      const found: Record<string, string[]> = {};
      const check = async (name: string) => {
        const violations = await axeViolations(page);
        if (violations.length) found[name] = violations;
      };

      await page.goto(`${web.base}/`);
      await check('front page');
      await page.setInputFiles('#file-input', [
        { name: 'harbour.jpg', mimeType: 'image/jpeg', buffer: await makePhotoJpeg(900, 600, 3) },
        { name: 'lighthouse.png', mimeType: 'image/png', buffer: await makePng(320, 240, 8) },
      ]);
      await page.waitForSelector('.file-row');
      await check('front page with files picked');
      await page.click('#upload-button');
      await page.waitForSelector('#result:not([hidden])');
      await check('upload result');

      await page.goto(`${web.base}/g/${gallery.slug}`);
      await page.waitForFunction(() =>
        Array.from(document.querySelectorAll<HTMLImageElement>('.grid img')).every((img) => img.complete),
      );
      await check('gallery');
      await page.locator('.grid a.thumb').first().click();
      await page.waitForFunction(() => !document.getElementById('lightbox')!.classList.contains('loading'));
      await check('lightbox');

      for (const [name, path] of Object.entries(states)) {
        await page.goto(web.base + path);
        await check(`state page: ${name}`);
      }

      const login = new URL(web.core.dashboardLink(OWNER).url);
      await page.goto(web.base + login.pathname + login.search);
      await check('dashboard login confirmation');
      await page.getByRole('button').click();
      await page.waitForURL(`${web.base}/dashboard`);
      await check('dashboard list');
      await page.goto(`${web.base}/dashboard/g/${gallery.slug}`);
      await check('dashboard gallery');
      // The dashboard has a dark theme of its own (so the check above was of it), and a visible focus ring.
      const look = await schemeAndFocus(page);
      if (colorScheme === 'dark') expect(look.background).toBeLessThan(0.05);
      else expect(look.background).toBeGreaterThan(0.8);
      expect(look.ringWidth).toBeGreaterThanOrEqual(2);
      expect(look.ringContrast).toBeGreaterThanOrEqual(3);
      await page.goto(`${web.base}/dashboard/g/${gallery.slug}?kind=human#visits`);
      await check('visit log');

      expect(found).toEqual({});
      await context.close();
    });
  }
});
