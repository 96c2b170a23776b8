import { readdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { makeJpeg } from '../helpers/images.js';
import { trickleBody, type Trickle } from '../helpers/raw-http.js';
import { galleryRows, postUpload, uploadTraces, type UploadFile } from './upload-harness.js';
import { startWeb, type WebHarness } from './web-harness.js';

let web: WebHarness | undefined;
let trickle: Trickle | undefined;
afterEach(async () => {
  trickle?.stop();
  trickle = undefined;
  await web?.stop();
  web = undefined;
});

const small = async (seed: number): Promise<UploadFile[]> => [
  { name: `p${seed}.jpg`, data: await makeJpeg(60, 40, seed), type: 'image/jpeg' },
];

async function spoolFolders(harness: WebHarness): Promise<string[]> {
  return readdir(path.join(harness.test.config.dataDir, 'tmp', 'uploads')).catch(() => []);
}

describe('upload quotas and admission', () => {
  it('answers 503 with Retry-After past UPLOAD_BYTES_IN_FLIGHT, and keeps nothing of the refused upload', async () => {
    web = await startWeb({ UPLOAD_BYTES_IN_FLIGHT: '1000000' });
    // A slow upload of 10 MB is in progress (an upload alone is always admitted).
    trickle = trickleBody({
      port: Number(new URL(web.base).port),
      path: '/upload',
      headers: { 'Content-Type': 'multipart/form-data; boundary=----slow' },
      declaredBytes: 10 * 1024 * 1024,
      everyMs: 200,
    });
    await expect.poll(() => spoolFolders(web!)).toHaveLength(1);
    const refused = await postUpload(web, await small(1));
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await refused.json()).error.code).toBe('SERVER_BUSY');
    expect(galleryRows(web)).toEqual([]);
    expect(await uploadTraces(web).blobs()).toEqual([]);

    // Once the slow one is gone, uploads are admitted again.
    trickle.stop();
    await expect.poll(() => spoolFolders(web!)).toHaveLength(0);
    expect((await postUpload(web, await small(2))).status).toBe(201);
  });

  it('limits the bytes one IP uploads per day (UPLOAD_BYTES_PER_IP)', async () => {
    const photo = await sharp({
      create: {
        width: 160,
        height: 160,
        channels: 3,
        background: '#888',
        noise: { type: 'gaussian', mean: 128, sigma: 60 },
      },
    })
      .jpeg({ quality: 95 })
      .toBuffer();
    expect(photo.length).toBeGreaterThan(10 * 1024);
    web = await startWeb({ UPLOAD_BYTES_PER_IP: `${Math.ceil((photo.length * 1.5) / 1024)}KB` });
    const files = [{ name: 'noise.jpg', data: photo, type: 'image/jpeg' }];
    expect((await postUpload(web, files)).status).toBe(201);
    const refused = await postUpload(web, files);
    expect(refused.status).toBe(429);
    expect((await refused.json()).error).toEqual({
      code: 'QUOTA_EXCEEDED',
      message: 'Your network has uploaded as much as it may today. Please try again tomorrow.',
    });
    expect(galleryRows(web)).toHaveLength(1);
  });

  it('gives anonymous uploads without an expiry the WEB_UPLOAD_DEFAULT_EXPIRY, and keeps a chosen one', async () => {
    web = await startWeb({ WEB_UPLOAD_DEFAULT_EXPIRY: '7d' });
    const now = web.core.clock.now().getTime();
    const plain = await (await postUpload(web, await small(3))).json();
    const chosen = await (await postUpload(web, await small(4), { fields: { expires: '1d' } })).json();
    const expiry = async (slug: string) => (await web!.core.service.getGallery(slug)).settings.expiresAt!.getTime();
    expect((await expiry(plain.gallery.slug)) - now).toBeGreaterThanOrEqual(7 * 86_400_000 - 60_000);
    expect((await expiry(plain.gallery.slug)) - now).toBeLessThanOrEqual(7 * 86_400_000 + 60_000);
    expect((await expiry(chosen.gallery.slug)) - now).toBeLessThanOrEqual(86_400_000 + 60_000);
  });
});
