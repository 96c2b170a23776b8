import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install -y chromium`); playwright's own browser download cannot work offline. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Where screenshots go (gitignored). */
export const ARTIFACTS_DIR = path.resolve('test-artifacts');

/**
 * Headless Chromium says "HeadlessChrome" in its user agent, which the site rightly files as a bot.
 * The tests play a person at a desktop browser, so they present the UA that person's Chrome sends.
 */
export const DESKTOP_CHROME_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export interface TestBrowser {
  context: BrowserContext;
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/**
 * A fresh headless Chromium with its own throw-away profile. Fails loudly (never skips) when
 * Chromium is missing, so a machine without it cannot pass the browser tests by accident.
 */
export async function launchTestBrowser(options: { locale?: string } = {}): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM_PATH}. Install it with: apt-get install -y chromium`);
  }
  const profile = await mkdtemp(path.join(tmpdir(), 'maiimg-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    locale: options.locale ?? 'en-US',
    userAgent: DESKTOP_CHROME_UA,
    viewport: { width: 1280, height: 800 },
  });
  return {
    context,
    newPage: () => context.newPage(),
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** The two screens the site is checked on: a phone (390×844 at 3x) and a laptop (1366×800 at 1x). */
export const VIEWPORTS = {
  phone: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true },
  desktop: { viewport: { width: 1366, height: 800 }, deviceScaleFactor: 1, isMobile: false, hasTouch: false },
} as const;
export type ViewportName = keyof typeof VIEWPORTS;

/**
 * A headless Chromium for tests that need several contexts (screen sizes, colour schemes); each
 * context is a fresh profile. Fails loudly when Chromium is missing.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM_PATH}. Install it with: apt-get install -y chromium`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

/** A context with one of VIEWPORTS, a person's user agent, and the given colour scheme and language. */
export function viewportContext(
  browser: Browser,
  name: ViewportName,
  options: { colorScheme?: 'light' | 'dark'; locale?: string } = {},
): Promise<BrowserContext> {
  return browser.newContext({
    ...VIEWPORTS[name],
    userAgent: DESKTOP_CHROME_UA,
    colorScheme: options.colorScheme ?? 'light',
    locale: options.locale ?? 'en-US',
  });
}

/** Saves a full-page screenshot under test-artifacts/ and returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  const file = path.join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
