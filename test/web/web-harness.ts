import { createServer, type Server } from 'node:http';
import type { Core, OpenCoreOptions } from '../../core/core-app.js';
import type { Gallery, GalleryOptions, Owner } from '../../core/types.js';
import { createWebApp, type WebApp } from '../../gallery-web/web-app.js';
import { makeJpeg, makePng } from '../helpers/images.js';
import { freePort, startTestCore, type TestCore } from '../helpers/test-core.js';

export const OWNER: Owner = { platform: 'cli', userId: 'tester' };

/** A browser's user agent: counts as a human. */
export const CHROME_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
export const IPHONE_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

export interface WebHarness {
  core: Core;
  test: TestCore;
  web: WebApp;
  server: Server;
  /** http://127.0.0.1:PORT (also PUBLIC_BASE_URL). */
  base: string;
  gallery(options?: GalleryOptions, images?: number): Promise<Gallery>;
  /** fetch against the server with a browser's user agent unless headers say otherwise. */
  get(path: string, init?: RequestInit): Promise<Response>;
  stop(): Promise<void>;
}

/** The real core (SQLite file + local store in a temp folder) and the real web app on 127.0.0.1. */
export async function startWeb(
  env: Record<string, string> = {},
  options: OpenCoreOptions & { passwordAttempts?: number } = {},
): Promise<WebHarness> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const test = await startTestCore({ PUBLIC_BASE_URL: base, ...env }, { visitFlushIntervalMs: 50, ...options });
  const web = createWebApp({ core: test.core, config: test.config, passwordAttempts: options.passwordAttempts });
  const server = createServer(web.app);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  let seed = 1;
  return {
    core: test.core,
    test,
    web,
    server,
    base,
    async gallery(galleryOptions = {}, images = 2) {
      const files = await Promise.all(
        Array.from({ length: images }, async (_, index) => ({
          name: index % 2 ? `photo-${index + 1}.png` : `photo-${index + 1}.jpg`,
          data: index % 2 ? await makePng(80, 60, seed++) : await makeJpeg(120, 90, seed++),
        })),
      );
      const outcome = await test.core.service.createGallery({
        owner: OWNER,
        files,
        options: { title: 'Summer trip', ...galleryOptions },
      });
      return outcome.gallery!;
    },
    get(path, init = {}) {
      const headers = new Headers(init.headers);
      if (!headers.has('user-agent')) headers.set('user-agent', CHROME_UA);
      return fetch(base + path, { redirect: 'manual', ...init, headers });
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await web.close();
      await test.cleanup();
    },
  };
}

/** Visits as stored (after flushing the buffer). */
export async function storedVisits(harness: WebHarness, gallery: Gallery) {
  await harness.core.visits.recorder.flush();
  return harness.core.stats({ owner: OWNER, ref: gallery.slug });
}

/** The `name=value` pairs of Set-Cookie, to send back as a Cookie header. */
export function cookiesOf(response: Response): string {
  return response.headers
    .getSetCookie()
    .map((cookie) => cookie.split(';')[0])
    .join('; ');
}
