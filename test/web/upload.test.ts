import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigError, loadConfig } from '../../core/config.js';
import { makeJpeg, makePhotoJpeg, makePng, textFile } from '../helpers/images.js';
import { cookiesOf, startWeb, type WebHarness } from './web-harness.js';
import { followLoginLink } from '../helpers/login-link.js';
import { galleryRows, openUploadPage, postUpload, uploadTraces, type UploadFile } from './upload-harness.js';

const MiB = 1024 * 1024;
let web: WebHarness;
let traces: ReturnType<typeof uploadTraces>;

beforeAll(async () => {
  // A 2 MB file limit (instead of 50 MB) keeps the oversize test quick; the page must show it.
  web = await startWeb({ MAX_FILE_BYTES: String(2 * MiB), UPLOAD_RATE_LIMIT: '1000/1h' });
  traces = uploadTraces(web);
});
afterAll(async () => {
  await web?.stop();
});

async function images(count: number, seed = 1): Promise<UploadFile[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) =>
      i % 2
        ? { name: `photo-${i + 1}.png`, data: await makePng(40, 30, seed + i), type: 'image/png' }
        : { name: `photo-${i + 1}.jpg`, data: await makeJpeg(40, 30, seed + i), type: 'image/jpeg' },
    ),
  );
}

/** Rows and files before an action, to check it left nothing behind. */
async function snapshot() {
  return { rows: galleryRows(web).length, blobs: (await traces.blobs()).length, spool: await traces.spool() };
}

async function eventually(check: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  await vi.waitFor(async () => expect(await check()).toBe(true), { timeout: ms, interval: 50 });
}

interface RawUpload {
  status: number | null;
  body: string;
  /** Body bytes the client managed to hand to the connection before it stopped. */
  sent: number;
  total: number;
}

/**
 * A multipart upload written chunk by chunk with backpressure, the way a large upload goes over a
 * network: one file of `fileBytes` bytes (a JPEG start, then filler). Stops writing when the answer
 * arrives, when the connection fails, or after `stopAfter` bytes (then the socket is destroyed: a
 * cancelled upload).
 */
function rawUpload(
  session: { cookie: string; csrf: string },
  fileBytes: number,
  options: { stopAfter?: number; name?: string } = {},
): Promise<RawUpload> {
  const boundary = `----maiimg${Date.now()}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nBig one\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${options.name ?? 'huge.jpg'}"\r\nContent-Type: image/jpeg\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const total = head.length + fileBytes + tail.length;
  return new Promise((resolve, reject) => {
    let sent = 0;
    let finished = false;
    const url = new URL('/upload', web.base);
    const req = httpRequest(url, {
      method: 'POST',
      headers: {
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': String(total),
        accept: 'application/json',
        origin: web.base,
        cookie: session.cookie,
        'x-csrf-token': session.csrf,
      },
    });
    const done = (result: RawUpload) => {
      if (finished) return;
      finished = true;
      req.destroy();
      resolve(result);
    };
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        done({ status: res.statusCode ?? null, body: Buffer.concat(chunks).toString('utf8'), sent, total }),
      );
      res.on('error', () =>
        done({ status: res.statusCode ?? null, body: Buffer.concat(chunks).toString('utf8'), sent, total }),
      );
    });
    req.on('error', (error) => {
      if (!finished) setTimeout(() => (finished ? undefined : reject(error)), 500);
    });
    const write = (chunk: Buffer) =>
      new Promise<void>((ok) => {
        sent += chunk.length;
        if (req.write(chunk)) ok();
        else {
          req.once('drain', ok);
          req.once('close', ok);
        }
      });
    void (async () => {
      const chunk = Buffer.alloc(64 * 1024, 0x5a);
      await write(Buffer.concat([head, Buffer.from([0xff, 0xd8, 0xff, 0xe0])]));
      let left = fileBytes - 4;
      while (left > 0 && !finished && !req.destroyed) {
        if (options.stopAfter !== undefined && sent >= options.stopAfter) {
          // Once the server has started spooling, vanish like a closed tab.
          await eventually(async () => (await traces.spool()).length > 0);
          done({ status: null, body: '', sent, total });
          return;
        }
        const part = left >= chunk.length ? chunk : chunk.subarray(0, left);
        await write(part);
        left -= part.length;
      }
      if (!finished && !req.destroyed) {
        await write(tail);
        req.end();
      }
    })();
  });
}

describe('the upload page', () => {
  it('serves the page with the limits from the configuration, its script and style as files, and a CSRF token', async () => {
    const response = await web.get('/');
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('content-security-policy')).not.toContain('unsafe-inline');
    const page = await response.text();
    expect(page).toContain('<html lang="en">');
    expect(page).toContain('Up to 25 images, at most 2 MB each');
    expect(page).toContain('id="drop-zone"');
    expect(page).toMatch(/<input\s+id="file-input"\s+type="file"\s+name="files"\s+multiple/);
    expect(page).toContain('<script src="/assets/upload.js?v=');
    expect(page).toContain('<link rel="stylesheet" href="/assets/upload.css?v=');
    expect(page).not.toMatch(/<script>|<script (?!src=)|\sstyle=|\son\w+=/);
    expect(page).toContain('&quot;maxFiles&quot;:25,&quot;maxBytes&quot;:2097152');
    expect(response.headers.getSetCookie().join()).toMatch(/maiimg_upload=[\w-]+; Path=\/; HttpOnly; SameSite=Lax/);
    for (const asset of ['/assets/upload.js', '/assets/upload.css']) expect((await web.get(asset)).status).toBe(200);
  });

  it('speaks Simplified Chinese to a Chinese browser', async () => {
    const { page } = await openUploadPage(web, { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.5' });
    expect(page).toContain('<html lang="zh-CN">');
    expect(page).toContain('用链接分享照片');
    expect(page).toContain('最多 25 张图片，每张不超过 2 MB');
  });
});

describe('POST /upload', () => {
  it('makes a web-owned gallery with the chosen settings, and refuses a text file named .jpg by name', async () => {
    const files = [...(await images(3, 10)), { name: 'notes.jpg', data: textFile(), type: 'image/jpeg' }];
    const response = await postUpload(web, files, {
      fields: { title: 'Web trip', expires: '7d', maxOpens: '5', password: 'open sesame', downloads: 'off' },
    });
    expect(response.status).toBe(201);
    const answer = await response.json();
    expect(answer.gallery.images).toBe(3);
    expect(answer.gallery.url).toBe(`${web.base}/g/${answer.gallery.slug}`);
    expect(answer.accepted.map((a: { file: string }) => a.file)).toEqual(['photo-1.jpg', 'photo-2.png', 'photo-3.jpg']);
    expect(answer.rejected).toEqual([
      { file: 'notes.jpg', code: 'UNSUPPORTED_FORMAT', message: 'is not a PNG, JPEG, GIF or WebP image' },
    ]);
    expect(answer.qr.png).toMatch(/^data:image\/png;base64,iVBOR/);
    expect(Buffer.from(answer.qr.svg.split(',')[1], 'base64').toString()).toContain('<svg');
    expect(answer.manageUrl).toMatch(new RegExp(`^${web.base}/manage/${answer.gallery.slug}/[A-Za-z0-9_-]{43}$`));

    const gallery = await web.core.service.getGallery(answer.gallery.slug);
    expect(gallery.title).toBe('Web trip');
    expect(gallery.settings.maxOpens).toBe(5);
    expect(gallery.settings.downloadsAllowed).toBe(false);
    expect(gallery.settings.passwordHash).toBeTruthy();
    expect(gallery.settings.expiresAt!.getTime() - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
    // Owned by the secret, of which only a hash is stored.
    const secret = answer.manageUrl.split('/').pop();
    const row = galleryRows(web).find((r) => r.slug === gallery.slug)!;
    expect(row.owner_platform).toBe('web');
    expect(row.owner_user_id).not.toContain(secret);
    expect(row.owner_user_id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await traces.spool()).toEqual([]);
  });

  it('refuses 26 files whole, before reading them when the count is announced and at the 26th file when not', async () => {
    const before = await snapshot();
    const files = await images(26, 100);
    for (const fields of [{ fileCount: '26' }, {}] as Array<Record<string, string>>) {
      const response = await postUpload(web, files, { fields });
      expect(response.status).toBe(413);
      const answer = await response.json();
      expect(answer.error.code).toBe('TOO_MANY_FILES');
      expect(answer.error.message).toBe(
        'That is 26 files; one gallery takes at most 25. Nothing was saved: send fewer at a time.',
      );
    }
    expect(await snapshot()).toEqual(before);
  });

  it('refuses an oversize file as soon as it passes the limit, without reading the upload to its end', async () => {
    const before = await snapshot();
    const session = await openUploadPage(web);
    const result = await rawUpload(session, 200 * MiB);
    expect(result.status).toBe(413);
    const answer = JSON.parse(result.body);
    expect(answer.error).toEqual({
      code: 'FILE_TOO_LARGE',
      file: 'huge.jpg',
      message: 'huge.jpg is larger than the 2 MB limit',
    });
    expect(answer.rejected).toEqual([
      { file: 'huge.jpg', code: 'FILE_TOO_LARGE', message: 'is larger than the 2 MB limit' },
    ]);
    // The client could hand over little more than the limit plus what the connection buffers.
    expect(result.sent).toBeLessThan(40 * MiB);
    await eventually(async () => (await traces.spool()).length === 0);
    expect(await snapshot()).toEqual(before);
  });

  it('accepts a file of exactly the limit', async () => {
    const photo = await makePhotoJpeg(1200, 900, 7);
    const padded = Buffer.concat([photo, Buffer.alloc(2 * MiB - photo.length)]);
    const response = await postUpload(web, [{ name: 'exact.jpg', data: padded, type: 'image/jpeg' }]);
    expect(response.status).toBe(201);
    expect((await response.json()).accepted).toHaveLength(1);
  });

  it('leaves nothing behind when the upload is cancelled half way: no gallery, no stored file, no spooled part', async () => {
    const before = await snapshot();
    const session = await openUploadPage(web);
    const result = await rawUpload(session, 1.5 * MiB, { stopAfter: 700 * 1024 });
    expect(result.status).toBeNull();
    await eventually(async () => (await traces.spool()).length === 0);
    expect(await snapshot()).toEqual(before);
  });

  it('removes the gallery again when the client leaves while it is being made', async () => {
    const before = await snapshot();
    const session = await openUploadPage(web);
    const service = web.core.service;
    const createGallery = service.createGallery;
    let entered!: () => void;
    const inCore = new Promise<void>((resolve) => (entered = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    // Hold the batch at the door of the core until the client is gone, so the leaving is certain to
    // happen while the gallery is being made (after the whole body has arrived).
    let made: ReturnType<typeof createGallery> | undefined;
    service.createGallery = async (input) => {
      entered();
      await released;
      made = createGallery.call(service, input);
      return made;
    };
    try {
      const files = await images(3, 600);
      const boundary = '----maiimgleave';
      const body = Buffer.concat([
        ...files.flatMap((file) => [
          Buffer.from(
            `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`,
          ),
          file.data,
          Buffer.from('\r\n'),
        ]),
        Buffer.from(`--${boundary}--\r\n`),
      ]);
      // This request's connection, as the server holds it.
      const serverSocket = new Promise<Socket>((resolve) => web.server.once('connection', resolve));
      const req = httpRequest(new URL('/upload', web.base), {
        method: 'POST',
        agent: false,
        headers: {
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': String(body.length),
          accept: 'application/json',
          origin: web.base,
          cookie: session.cookie,
          'x-csrf-token': session.csrf,
        },
      });
      let answered = false;
      req.on('response', () => (answered = true));
      req.on('error', () => undefined);
      req.end(body);
      await inCore;
      const serverSide = await serverSocket;
      const serverSawClose = once(serverSide, 'close');
      req.destroy();
      // The server has seen the client go (its side of the connection is closed) before the core goes on.
      await serverSawClose;
      release();
      await eventually(() => made !== undefined);
      // The core did make it...
      expect((await made!).gallery).not.toBeNull();
      // ...and the web removed it again, with its files.
      await eventually(
        async () =>
          galleryRows(web).length === before.rows &&
          (await traces.blobs()).length === before.blobs &&
          (await traces.spool()).length === 0,
      );
      expect(answered).toBe(false);
      expect(await snapshot()).toEqual(before);
    } finally {
      service.createGallery = createGallery;
    }
  });

  it('reports invalid settings with the core wording and makes nothing', async () => {
    const before = await snapshot();
    const response = await postUpload(web, await images(1, 200), { fields: { maxOpens: '0' } });
    expect(response.status).toBe(400);
    const answer = await response.json();
    expect(answer.error.code).toBe('INVALID_OPTION');
    expect(answer.error.message).toBe('Invalid value for max opens: use a whole number from 1, or off');
    expect(await snapshot()).toEqual(before);
  });

  it('answers 422 with every reason when no file is usable, in the browser language', async () => {
    const response = await postUpload(web, [{ name: '说明.jpg', data: textFile() }], {
      headers: { 'accept-language': 'zh-CN' },
    });
    expect(response.status).toBe(422);
    const answer = await response.json();
    expect(answer.error.code).toBe('NO_VALID_FILES');
    expect(answer.rejected).toEqual([
      { file: '说明.jpg', code: 'UNSUPPORTED_FORMAT', message: '不是 PNG、JPEG、GIF 或 WebP 图片' },
    ]);
  });

  it('refuses requests without the token, with a token of another browser, or from another site', async () => {
    const files = await images(1, 300);
    const mine = await openUploadPage(web);
    const theirs = await openUploadPage(web);
    const cases: Array<Parameters<typeof postUpload>[2]> = [
      { session: { cookie: mine.cookie, csrf: '' }, headers: { 'x-csrf-token': '' } },
      { session: { cookie: mine.cookie, csrf: theirs.csrf } },
      { session: { cookie: '', csrf: mine.csrf } },
      { session: mine, headers: { origin: 'https://evil.example' } },
      { session: mine, headers: { 'sec-fetch-site': 'cross-site' } },
      { session: { cookie: mine.cookie, csrf: theirs.csrf }, tokenInField: true },
    ];
    const before = await snapshot();
    for (const options of cases) {
      const response = await postUpload(web, files, options);
      expect(response.status).toBe(403);
      expect((await response.json()).error).toEqual({
        code: 'CSRF_FAILED',
        message: 'This page has expired. Reload it and try again.',
      });
    }
    expect(await snapshot()).toEqual(before);
  });

  it('works as a plain form without JavaScript: the token as a field, the result as a page', async () => {
    const session = await openUploadPage(web);
    const form = new FormData();
    form.append('_csrf', session.csrf);
    form.append('files', new Blob([new Uint8Array(await makeJpeg(50, 40, 400))]), 'form.jpg');
    form.append('files', new Blob([]), '');
    form.append('title', 'No script');
    form.append('downloads', 'off');
    form.append('downloads', 'on');
    const response = await web.get('/upload', {
      method: 'POST',
      body: form,
      headers: { cookie: session.cookie, origin: web.base, accept: 'text/html' },
    });
    expect(response.status).toBe(201);
    const page = await response.text();
    const slug = /id="share-link" type="url" readonly value="[^"]*\/g\/([\w-]{22})"/.exec(page)?.[1];
    expect(slug).toBeTruthy();
    expect(page).toMatch(
      new RegExp(`id="manage-link"\\s+type="url"\\s+readonly\\s+value="${web.base}/manage/${slug}/[\\w-]{43}"`),
    );
    expect(page).toContain('Keep this link safe and do not share it');
    expect(page).toMatch(/<img\s+id="qr-image"\s+src="data:image\/svg\+xml;base64,/);
    expect(page).toMatch(/<a\s+id="qr-png"\s+href="data:image\/png;base64,[^"]+"\s+download="maiimg-[\w-]+\.png"\s*>/);
    const gallery = await web.core.service.getGallery(slug!);
    expect(gallery.title).toBe('No script');
    expect(gallery.settings.downloadsAllowed).toBe(true);
    expect(gallery.images).toHaveLength(1);
  });
});

describe('the manage link', () => {
  async function upload(title: string) {
    const answer = await (await postUpload(web, await images(2, title.length * 7), { fields: { title } })).json();
    return {
      slug: answer.gallery.slug as string,
      manageUrl: answer.manageUrl as string,
      secret: (answer.manageUrl as string).split('/').pop()!,
    };
  }

  it('opens the owner dashboard for its gallery, and only with its own secret', async () => {
    const first = await upload('First web gallery');
    const second = await upload('Second web gallery');

    // Opening the link only asks (a GET logs nobody in); its button does.
    const ask = await web.get(new URL(first.manageUrl).pathname);
    expect(ask.status).toBe(200);
    expect(ask.headers.getSetCookie().some((c) => c.startsWith('maiimg_dash='))).toBe(false);
    const login = await followLoginLink(web.base, new URL(first.manageUrl).pathname);
    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toBe(`/dashboard/g/${first.slug}`);
    expect(login.headers.get('referrer-policy')).toBe('no-referrer');
    expect(login.headers.get('cache-control')).toBe('no-store');
    const cookie = cookiesOf(login);
    expect(cookie).toMatch(/^maiimg_dash=/);
    const dashboard = await web.get(`/dashboard/g/${first.slug}`, { headers: { cookie } });
    expect(dashboard.status).toBe(200);
    const page = await dashboard.text();
    expect(page).toContain('First web gallery');
    expect(page).toContain('id="toggle-link"');
    // That session is this secret's owner: the other web gallery is not its to see.
    expect((await web.get(`/dashboard/g/${second.slug}`, { headers: { cookie } })).status).toBe(404);

    const altered = first.secret.slice(0, -1) + (first.secret.endsWith('A') ? 'B' : 'A');
    for (const path of [
      `/manage/${first.slug}/${altered}`,
      `/manage/${first.slug}/${second.secret}`,
      `/manage/${second.slug}/${first.secret}`,
      `/manage/${first.slug}/short`,
      `/manage/${first.slug}`,
    ]) {
      const refused = await web.get(path);
      expect(refused.status, path).toBe(404);
      expect(refused.headers.getSetCookie()).toEqual([]);
    }
    expect(await (await web.get(`/manage/${first.slug}/${altered}`)).text()).toContain('This manage link is not valid');
    expect((await web.get(`/dashboard/g/${first.slug}`)).status).toBe(401);
  });

  it('lets its holder disable the link, after which the gallery answers 410', async () => {
    const made = await upload('To be disabled');
    const cookie = cookiesOf(await followLoginLink(web.base, new URL(made.manageUrl).pathname));
    const page = await (await web.get(`/dashboard/g/${made.slug}`, { headers: { cookie } })).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
    const disable = await web.get(`/dashboard/g/${made.slug}/state`, {
      method: 'POST',
      headers: { cookie, origin: web.base, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, state: 'disabled' }),
    });
    expect(disable.status).toBe(303);
    expect((await web.get(`/g/${made.slug}`)).status).toBe(410);
  });
});

describe('limits and switches', () => {
  it('limits uploads per IP (UPLOAD_RATE_LIMIT)', async () => {
    const limited = await startWeb({ UPLOAD_RATE_LIMIT: '2/1h' });
    try {
      const files = await images(1, 500);
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await postUpload(limited, files)).status);
      expect(statuses).toEqual([201, 201, 429]);
      const refused = await postUpload(limited, files);
      expect(refused.status).toBe(429);
      expect((await refused.json()).error).toEqual({
        code: 'RATE_LIMITED',
        message: 'Too many uploads from your network. Please wait a while and try again.',
      });
      expect(refused.headers.get('ratelimit-policy')).toMatch(/q=2; w=3600/);
      // Only uploads count: the page still opens.
      expect((await limited.get('/')).status).toBe(200);
    } finally {
      await limited.stop();
    }
  });

  it('turns the page and the endpoint off with UPLOADS_ENABLED=false, keeping manage links working', async () => {
    const off = await startWeb({ UPLOADS_ENABLED: 'false' });
    try {
      const home = await off.get('/');
      expect(home.status).toBe(200);
      const page = await home.text();
      expect(page).toContain('Send photos to the maiimg bot');
      expect(page).not.toContain('upload-form');
      expect(page).not.toContain('upload.js');
      const form = new FormData();
      form.append('files', new Blob([new Uint8Array(await makeJpeg())]), 'a.jpg');
      expect((await off.get('/upload', { method: 'POST', body: form })).status).toBe(404);
      expect(galleryRows(off)).toEqual([]);

      // A gallery made on the web before the switch can still be managed.
      const { newManageSecret, webOwnerOf } = await import('../../gallery-web/upload/manage-secret.js');
      const secret = newManageSecret();
      const made = await off.core.service.createGallery({
        owner: webOwnerOf(secret),
        files: [{ name: 'a.jpg', data: await makeJpeg() }],
      });
      const login = await followLoginLink(off.base, `/manage/${made.gallery!.slug}/${secret}`);
      expect(login.status).toBe(303);
    } finally {
      await off.stop();
    }
  });
});

describe('upload configuration', () => {
  const base = { DATA_DIR: '/tmp/maiimg-config-test' };
  it('defaults to uploads on, 30 per IP per hour', () => {
    expect(loadConfig(base, '/tmp').uploads).toMatchObject({
      enabled: true,
      rateLimit: { max: 30, windowMs: 3_600_000 },
    });
  });

  it('reads UPLOADS_ENABLED and a count with an optional window', () => {
    expect(loadConfig({ ...base, UPLOADS_ENABLED: 'false', UPLOAD_RATE_LIMIT: '5/10m' }, '/tmp').uploads).toMatchObject(
      {
        enabled: false,
        rateLimit: { max: 5, windowMs: 600_000 },
      },
    );
    expect(loadConfig({ ...base, UPLOAD_RATE_LIMIT: '12' }, '/tmp').uploads.rateLimit).toEqual({
      max: 12,
      windowMs: 3_600_000,
    });
  });

  it('reads the upload byte limits and the default expiry', () => {
    expect(
      loadConfig(
        { ...base, UPLOAD_BYTES_IN_FLIGHT: '1000', UPLOAD_BYTES_PER_IP: '500MB', WEB_UPLOAD_DEFAULT_EXPIRY: '30d' },
        '/tmp',
      ).uploads,
    ).toMatchObject({ bytesInFlight: 1000, bytesPerIpPerDay: 500 * 1024 * 1024, defaultExpiryMs: 30 * 86_400_000 });
    expect(loadConfig({ ...base, UPLOAD_BYTES_PER_IP: 'off' }, '/tmp').uploads.bytesPerIpPerDay).toBeNull();
    expect(() => loadConfig({ ...base, UPLOAD_BYTES_PER_IP: 'lots' }, '/tmp')).toThrow(/UPLOAD_BYTES_PER_IP/);
    expect(() => loadConfig({ ...base, WEB_UPLOAD_DEFAULT_EXPIRY: 'soon' }, '/tmp')).toThrow(
      /WEB_UPLOAD_DEFAULT_EXPIRY/,
    );
  });

  it('lists unreadable values with every other problem', () => {
    try {
      loadConfig({ ...base, UPLOADS_ENABLED: 'maybe', UPLOAD_RATE_LIMIT: 'lots/1h' }, '/tmp');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toContain('UPLOADS_ENABLED: must be true or false');
      expect(problems).toContain('UPLOAD_RATE_LIMIT: must be a count');
    }
  });
});
