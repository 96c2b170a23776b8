import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCore, type Core } from '../../core/core-app.js';
import { newManageSecret, webOwnerOf } from '../../gallery-web/upload/manage-secret.js';
import { createWebApp, type WebApp } from '../../gallery-web/web-app.js';
import { makeJpeg } from '../helpers/images.js';
import { followLoginLink } from '../helpers/login-link.js';
import { OWNER, startWeb, type WebHarness } from '../web/web-harness.js';

/**
 * Two web instances on one database, with the shared state in it (SHARED_STATE=database), as when
 * several instances stand behind one address: what one instance revokes, the other must refuse.
 */
let web: WebHarness;
let secondCore: Core;
let second: WebApp;
let secondServer: Server;
let secondBase: string;

beforeAll(async () => {
  web = await startWeb({ SHARED_STATE: 'database' });
  secondCore = await openCore(web.test.config, { logLevel: 'silent' });
  second = createWebApp({ core: secondCore, config: web.test.config });
  secondServer = createServer(second.app);
  await new Promise<void>((resolve) => secondServer.listen(0, '127.0.0.1', resolve));
  secondBase = `http://127.0.0.1:${(secondServer.address() as { port: number }).port}`;
});
afterAll(async () => {
  secondServer.closeAllConnections();
  await new Promise((resolve) => secondServer.close(resolve));
  await second.close();
  await secondCore.close();
  await web.stop();
});

const sessionOf = (response: Response) =>
  response.headers
    .getSetCookie()
    .find((line) => line.startsWith('maiimg_dash='))
    ?.split(';')[0];

function magicLink(): string {
  const url = new URL(web.core.dashboardLink(OWNER).url);
  return url.pathname + url.search;
}

async function csrfOf(base: string, cookie: string): Promise<string> {
  const page = await (await fetch(`${base}/dashboard`, { headers: { cookie } })).text();
  return /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
}

function post(base: string, path: string, cookie: string, form: Record<string, string>, origin = base) {
  return fetch(base + path, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, origin, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
}

describe('login CSRF', () => {
  it('sets no session on a GET of a login link: only the confirm page’s POST does', async () => {
    const link = magicLink();
    const opened = await web.get(link);
    expect(opened.status).toBe(200);
    expect(sessionOf(opened)).toBeUndefined();
    expect(await opened.text()).toContain('Open the dashboard');
    // Another site's form cannot press the button: it has neither this site's nonce cookie nor its origin.
    const token = new URL(web.base + link).searchParams.get('token')!;
    const forged = await post(web.base, '/dashboard/login', '', { token }, 'https://evil.example');
    expect(forged.status).toBe(403);
    expect(sessionOf(forged)).toBeUndefined();
    const withoutNonce = await post(web.base, '/dashboard/login', '', { token, _csrf: 'x'.repeat(43) });
    expect(withoutNonce.status).toBe(403);
    // The link was not used up by those attempts.
    const confirmed = await followLoginLink(web.base, link);
    expect(confirmed.status).toBe(303);
    expect(sessionOf(confirmed)).toBeDefined();
  });

  it('sets no session on a GET of a manage link either', async () => {
    const secret = newManageSecret();
    const made = await web.core.service.createGallery({
      owner: webOwnerOf(secret),
      files: [{ name: 'a.jpg', data: await makeJpeg() }],
    });
    const path = `/manage/${made.gallery!.slug}/${secret}`;
    const opened = await web.get(path);
    expect(opened.status).toBe(200);
    expect(sessionOf(opened)).toBeUndefined();
    expect((await post(web.base, path, '', {}, 'https://evil.example')).status).toBe(403);
    const confirmed = await followLoginLink(web.base, path);
    expect(confirmed.status).toBe(303);
    expect(sessionOf(confirmed)).toBeDefined();
  });
});

describe('magic links', () => {
  it('work once, on whichever instance they are used first', async () => {
    const link = magicLink();
    expect((await followLoginLink(web.base, link)).status).toBe(303);
    const again = await followLoginLink(secondBase, link);
    expect(again.status).toBe(401);
    expect(sessionOf(again)).toBeUndefined();
    expect((await followLoginLink(web.base, link)).status).toBe(401);
  });
});

describe('logging out', () => {
  it('revokes the session on every instance: a kept copy of the cookie opens nothing', async () => {
    const cookie = sessionOf(await followLoginLink(web.base, magicLink()))!;
    expect((await fetch(`${secondBase}/dashboard`, { headers: { cookie } })).status).toBe(200);
    const out = await post(secondBase, '/dashboard/logout', cookie, { _csrf: await csrfOf(secondBase, cookie) });
    expect(out.status).toBe(200);
    for (const base of [web.base, secondBase])
      expect((await fetch(`${base}/dashboard`, { headers: { cookie } })).status, base).toBe(401);
  });
});

describe('rotating a web upload’s manage link', () => {
  it('shows a new link once, and the old link and its sessions stop working', async () => {
    const secret = newManageSecret();
    const made = await web.core.service.createGallery({
      owner: webOwnerOf(secret),
      options: { title: 'Leaked link' },
      files: [{ name: 'a.jpg', data: await makeJpeg() }],
    });
    const slug = made.gallery!.slug;
    const oldPath = `/manage/${slug}/${secret}`;
    const oldSession = sessionOf(await followLoginLink(web.base, oldPath))!;
    const otherBrowser = sessionOf(await followLoginLink(secondBase, oldPath))!;
    const page = await (await fetch(`${web.base}/dashboard/g/${slug}`, { headers: { cookie: oldSession } })).text();
    expect(page).toContain('Replace the manage link');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;

    const rotated = await post(web.base, `/dashboard/g/${slug}/rotate-manage-link`, oldSession, { _csrf: csrf });
    expect(rotated.status).toBe(200);
    const newUrl = new RegExp(`${web.base}/manage/${slug}/[A-Za-z0-9_-]{43}`).exec(await rotated.text())![0];
    expect(newUrl).not.toContain(secret);
    const freshSession = sessionOf(rotated)!;

    // The old link and every session it opened, on either instance, are done.
    expect((await web.get(oldPath)).status).toBe(404);
    expect((await fetch(`${secondBase}${oldPath}`)).status).toBe(404);
    expect((await fetch(`${web.base}/dashboard/g/${slug}`, { headers: { cookie: oldSession } })).status).toBe(401);
    expect((await fetch(`${secondBase}/dashboard/g/${slug}`, { headers: { cookie: otherBrowser } })).status).toBe(404);
    // The new one works, and so does the session the rotation handed over.
    expect((await fetch(`${web.base}/dashboard/g/${slug}`, { headers: { cookie: freshSession } })).status).toBe(200);
    const newLogin = await followLoginLink(secondBase, new URL(newUrl).pathname);
    expect(newLogin.status).toBe(303);
    expect(newLogin.headers.get('location')).toBe(`/dashboard/g/${slug}`);
  });
});
