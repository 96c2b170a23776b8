import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { displayKey, originalKey } from '../../core/blob-keys.js';
import { MaiimgError, isMaiimgError } from '../../core/errors.js';
import type { BlobStore } from '../../core/ports.js';
import { createBlobStore } from '../../core/storage/blob-store-factory.js';
import type { IncomingFile, Owner } from '../../core/types.js';
import { makeGif, makeJpeg, makePng, makeWebp, pdfFile, svgFile, textFile } from '../helpers/images.js';
import { startTestCore, type TestCore } from '../helpers/test-core.js';

const alice: Owner = { platform: 'telegram', userId: '1001', chatId: '1001' };
const bob: Owner = { platform: 'telegram', userId: '2002', chatId: '2002' };

let running: TestCore[] = [];
afterEach(async () => {
  await Promise.all(running.map((r) => r.cleanup()));
  running = [];
});

async function setup(env: Record<string, string> = {}, blobs?: BlobStore) {
  const test = await startTestCore(env, blobs ? { blobs } : {});
  running.push(test);
  return test;
}

const file = (name: string, data: Buffer): IncomingFile => ({ name, data });

async function storedFiles(test: TestCore): Promise<string[]> {
  const root = (test.config.storage as { dir: string }).dir;
  try {
    const entries = await readdir(root, { recursive: true, withFileTypes: true });
    return entries
      .filter((e) => e.isFile())
      .map((e) => path.relative(root, path.join(e.parentPath, e.name)))
      .sort();
  } catch {
    return [];
  }
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return isMaiimgError(error) ? error.code : `OTHER: ${(error as Error).message}`;
  }
  return 'NO ERROR';
}

describe('creating a gallery from a batch', () => {
  it('accepts PNG, JPEG, GIF and WebP and returns a link', async () => {
    const { core } = await setup({ PUBLIC_BASE_URL: 'https://img.example.com' });
    const outcome = await core.service.createGallery({
      owner: alice,
      files: [
        file('a.jpg', await makeJpeg()),
        file('b.png', await makePng()),
        file('c.gif', await makeGif()),
        file('d.webp', await makeWebp()),
      ],
      options: { title: 'Holiday' },
    });
    expect(outcome.rejected).toEqual([]);
    expect(outcome.accepted.map((a) => a.format)).toEqual(['jpeg', 'png', 'gif', 'webp']);
    expect(outcome.url).toBe(`https://img.example.com/g/${outcome.gallery!.slug}`);
    const gallery = await core.service.getGallery(outcome.gallery!.slug);
    expect(gallery.title).toBe('Holiday');
    expect(gallery.images.map((i) => i.originalName)).toEqual(['a.jpg', 'b.png', 'c.gif', 'd.webp']);
    expect(gallery.settings).toMatchObject({
      state: 'active',
      downloadsAllowed: true,
      maxOpens: null,
      expiresAt: null,
      passwordHash: null,
    });
  });

  it('judges files by their bytes: a text file named .jpg, an SVG and a PDF are refused by name while the rest succeed', async () => {
    const { core } = await setup();
    const outcome = await core.service.createGallery({
      owner: alice,
      files: [
        file('real.jpg', await makeJpeg()),
        file('fake.jpg', textFile()),
        file('vector.svg', svgFile()),
        file('doc.pdf', pdfFile()),
        file('image.png', svgFile()),
      ],
    });
    expect(outcome.gallery).not.toBeNull();
    expect(outcome.accepted.map((a) => a.file)).toEqual(['real.jpg']);
    expect(outcome.rejected.map((r) => [r.file, r.code])).toEqual([
      ['fake.jpg', 'UNSUPPORTED_FORMAT'],
      ['vector.svg', 'UNSUPPORTED_FORMAT'],
      ['doc.pdf', 'UNSUPPORTED_FORMAT'],
      ['image.png', 'UNSUPPORTED_FORMAT'],
    ]);
    expect(outcome.rejected[0]!.message).toBe('is not a PNG, JPEG, GIF or WebP image');
  });

  it('reports an empty file, a truncated JPEG and a pixel bomb with their codes', async () => {
    const { core } = await setup();
    const jpeg = await makeJpeg(400, 300);
    const bomb = await sharp({ create: { width: 12000, height: 10000, channels: 3, background: '#fff' } })
      .png()
      .toBuffer();
    const outcome = await core.service.createGallery({
      owner: alice,
      files: [
        file('ok.jpg', jpeg),
        file('empty.jpg', Buffer.alloc(0)),
        file('cut.jpg', jpeg.subarray(0, Math.floor(jpeg.length / 2))),
        file('bomb.png', bomb),
      ],
    });
    expect(outcome.rejected.map((r) => [r.file, r.code])).toEqual([
      ['empty.jpg', 'EMPTY_FILE'],
      ['cut.jpg', 'CORRUPT_IMAGE'],
      ['bomb.png', 'IMAGE_TOO_LARGE'],
    ]);
  });

  it('refuses a file over MAX_FILE_BYTES without reading it when its size is announced', async () => {
    const { core } = await setup({ MAX_FILE_BYTES: '1000' });
    let read = false;
    const outcome = await core.service.createGallery({
      owner: alice,
      files: [
        { name: 'big.jpg', declaredBytes: 5000, data: async () => ((read = true), Buffer.alloc(5000)) },
        file('small.gif', await makeGif(8, 8)),
      ],
    });
    expect(read).toBe(false);
    expect(outcome.rejected).toEqual([
      { file: 'big.jpg', code: 'FILE_TOO_LARGE', message: 'is larger than the 1000 B limit' },
    ]);
  });

  it('stops reading a stream as soon as it passes MAX_FILE_BYTES', async () => {
    const { core } = await setup({ MAX_FILE_BYTES: '4096' });
    let chunksRead = 0;
    async function* endless() {
      for (;;) {
        chunksRead += 1;
        yield new Uint8Array(1024);
      }
    }
    const outcome = await core.service.createGallery({
      owner: alice,
      files: [{ name: 'stream.jpg', data: endless() }],
    });
    expect(outcome.rejected[0]!.code).toBe('FILE_TOO_LARGE');
    expect(chunksRead).toBeLessThanOrEqual(6);
  });

  it('refuses 26 files as a whole and stores nothing', async () => {
    const test = await setup();
    const jpeg = await makeJpeg();
    const files = Array.from({ length: 26 }, (_, i) => file(`p${i}.jpg`, jpeg));
    const error = await test.core.service.createGallery({ owner: alice, files }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MaiimgError);
    expect((error as MaiimgError).code).toBe('TOO_MANY_FILES');
    expect((error as MaiimgError).params).toEqual({ count: 26, limit: 25 });
    expect(await test.core.service.listGalleries(alice)).toEqual([]);
    expect(await storedFiles(test)).toEqual([]);
  });

  it('creates no gallery when nothing is valid, and says why for each file', async () => {
    const test = await setup();
    const outcome = await test.core.service.createGallery({
      owner: alice,
      files: [file('a.txt', textFile()), file('b.jpg', Buffer.alloc(0))],
    });
    expect(outcome.gallery).toBeNull();
    expect(outcome.url).toBeNull();
    expect(outcome.rejected.map((r) => r.code)).toEqual(['UNSUPPORTED_FORMAT', 'EMPTY_FILE']);
    expect(await test.core.service.listGalleries(alice)).toEqual([]);
    expect(await storedFiles(test)).toEqual([]);
  });

  it('stores files with the same content once', async () => {
    const test = await setup();
    const jpeg = await makeJpeg(50, 50, 9);
    const outcome = await test.core.service.createGallery({
      owner: alice,
      files: [file('a.jpg', jpeg), file('b.jpg', jpeg)],
    });
    expect(outcome.gallery!.images).toHaveLength(2);
    expect(outcome.gallery!.images[0]!.hash).toBe(outcome.gallery!.images[1]!.hash);
    await test.core.service.createGallery({ owner: bob, files: [file('c.jpg', jpeg)] });
    const hash = outcome.gallery!.images[0]!.hash;
    expect(await storedFiles(test)).toEqual([displayKey(hash, 480), originalKey(hash)].sort());
  });

  it('serves images without EXIF and upright', async () => {
    const { core } = await setup();
    const withGps = await sharp({ create: { width: 60, height: 40, channels: 3, background: '#369' } })
      .withExif({
        IFD0: { Make: 'SecretCam', Model: 'Serial-123456' },
        IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1' },
      })
      // withExif alone does not write the orientation tag; withMetadata does (and keeps the EXIF above).
      .withMetadata({ orientation: 6 })
      .jpeg()
      .toBuffer();
    const outcome = await core.service.createGallery({ owner: alice, files: [file('gps.jpg', withGps)] });
    const image = outcome.gallery!.images[0]!;
    expect([image.width, image.height]).toEqual([40, 60]);
    const stored = (await core.blobs.get(originalKey(image.hash)))!;
    const meta = await sharp(stored).metadata();
    expect(meta.exif).toBeUndefined();
    expect(stored.includes(Buffer.from('SecretCam'))).toBe(false);
    expect([meta.width, meta.height]).toEqual([40, 60]);
  });

  it('reports progress for every file', async () => {
    const { core } = await setup();
    const seen: number[] = [];
    await core.service.createGallery({
      owner: alice,
      files: [file('a.jpg', await makeJpeg()), file('b.png', await makePng()), file('c.txt', textFile())],
      onProgress: (p) => seen.push(p.done),
    });
    expect(seen.sort()).toEqual([1, 2, 3]);
  });

  it('answers rejected files in the sender’s language', async () => {
    const { core } = await setup();
    const outcome = await core.service.createGallery({
      owner: alice,
      files: [file('a.jpg', await makeJpeg()), file('b.txt', textFile())],
      locale: 'zh-CN',
    });
    expect(outcome.rejected[0]!.message).toBe('不是 PNG、JPEG、GIF 或 WebP 图片');
  });
});

describe('when the store fails during a batch', () => {
  it('answers STORAGE_UNAVAILABLE and leaves no gallery and no orphaned file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'maiimg-flaky-'));
    const real = await createBlobStore({ driver: 'local', dir });
    let puts = 0;
    const flaky: BlobStore = {
      ...real,
      get: real.get.bind(real),
      stream: real.stream.bind(real),
      stat: real.stat.bind(real),
      exists: real.exists.bind(real),
      delete: real.delete.bind(real),
      ping: real.ping.bind(real),
      async put(key, data, type) {
        puts += 1;
        if (puts === 3) throw new MaiimgError('STORAGE_UNAVAILABLE');
        return real.put(key, data, type);
      },
    };
    const test = await setup({}, flaky);
    const files = [file('a.jpg', await makeJpeg(40, 40, 1)), file('b.jpg', await makeJpeg(40, 40, 2))];
    expect(await codeOf(test.core.service.createGallery({ owner: alice, files }))).toBe('STORAGE_UNAVAILABLE');
    expect(await test.core.service.listGalleries(alice)).toEqual([]);
    expect(
      await readdir(dir, { recursive: true, withFileTypes: true }).then((e) =>
        e.filter((x) => x.isFile()).map((x) => x.name),
      ),
    ).toEqual([]);
  });
});

describe('managing a gallery', () => {
  async function withGallery(env: Record<string, string> = {}) {
    const test = await setup(env);
    const outcome = await test.core.service.createGallery({
      owner: alice,
      files: [file('a.jpg', await makeJpeg(30, 30, 5)), file('b.png', await makePng(30, 30, 6))],
    });
    return { test, core: test.core, slug: outcome.gallery!.slug, url: outcome.url! };
  }

  it('lets only the owner manage it, and says NOT_OWNER to anyone else', async () => {
    const { core, slug } = await withGallery();
    expect(await codeOf(core.service.setLinkState({ owner: bob, ref: slug, state: 'disabled' }))).toBe('NOT_OWNER');
    expect(await codeOf(core.service.deleteGallery({ owner: bob, ref: slug }))).toBe('NOT_OWNER');
    expect(await codeOf(core.service.updateSettings({ owner: bob, ref: slug, patch: { title: 'x' } }))).toBe(
      'NOT_OWNER',
    );
    // Same user id on another platform is another person.
    expect(
      await codeOf(core.service.getOwnedGallery({ owner: { platform: 'slack', userId: '1001' }, ref: slug })),
    ).toBe('NOT_OWNER');
  });

  it('answers GALLERY_NOT_FOUND for unknown slugs and INVALID_REFERENCE for nonsense', async () => {
    const { core } = await withGallery();
    expect(await codeOf(core.service.getOwnedGallery({ owner: alice, ref: 'AAAAAAAAAAAAAAAAAAAAAA' }))).toBe(
      'GALLERY_NOT_FOUND',
    );
    expect(await codeOf(core.service.getOwnedGallery({ owner: alice, ref: 'what?' }))).toBe('INVALID_REFERENCE');
  });

  it('disables and re-enables a link by slug or full URL, keeping the images', async () => {
    const { core, slug, url } = await withGallery();
    const disabled = await core.service.setLinkState({ owner: alice, ref: url, state: 'disabled' });
    expect(core.service.linkStatus(disabled)).toBe('disabled');
    expect(disabled.images).toHaveLength(2);
    expect(await core.blobs.exists(originalKey(disabled.images[0]!.hash))).toBe(true);
    const enabled = await core.service.setLinkState({ owner: alice, ref: slug, state: 'active' });
    expect(core.service.linkStatus(enabled)).toBe('active');
  });

  it('stores the password as a slow salted hash and checks it', async () => {
    const { core, slug } = await withGallery();
    const gallery = await core.service.updateSettings({ owner: alice, ref: slug, patch: { password: 'open sesame' } });
    expect(gallery.settings.passwordHash).toMatch(/^scrypt\$/);
    expect(gallery.settings.passwordHash).not.toContain('open sesame');
    expect(await core.service.checkPassword(gallery, 'open sesame')).toBe(true);
    expect(await core.service.checkPassword(gallery, 'open sesame!')).toBe(false);
    const cleared = await core.service.updateSettings({ owner: alice, ref: slug, patch: { password: null } });
    expect(cleared.settings.passwordHash).toBeNull();
  });

  it('sets expiry, open limit, downloads and title, and reports the effective status', async () => {
    const { core, slug } = await withGallery();
    const future = new Date(Date.now() + 86_400_000);
    let gallery = await core.service.updateSettings({
      owner: alice,
      ref: slug,
      patch: { expiresAt: future, maxOpens: 3, downloadsAllowed: false, title: '  Trip <b>2026</b> ' },
    });
    expect(gallery.settings).toMatchObject({ expiresAt: future, maxOpens: 3, downloadsAllowed: false });
    expect(gallery.title).toBe('Trip <b>2026</b>');
    expect(core.service.linkStatus(gallery)).toBe('active');
    gallery = await core.service.updateSettings({
      owner: alice,
      ref: slug,
      patch: { expiresAt: new Date(Date.now() - 1000) },
    });
    expect(core.service.linkStatus(gallery)).toBe('expired');
  });

  it('counts opens exactly up to the limit', async () => {
    const { core, slug } = await withGallery();
    await core.service.updateSettings({ owner: alice, ref: slug, patch: { maxOpens: 2 } });
    const results = await Promise.all(Array.from({ length: 6 }, () => core.repository.tryCountOpen(slug)));
    expect(results.filter(Boolean)).toHaveLength(2);
    expect(core.service.linkStatus(await core.service.getGallery(slug))).toBe('exhausted');
  });

  it('lists the owner’s galleries only', async () => {
    const { core, slug } = await withGallery();
    await core.service.createGallery({ owner: bob, files: [file('x.gif', await makeGif())] });
    const list = await core.service.listGalleries(alice);
    expect(list.map((g) => [g.slug, g.imageCount, g.status])).toEqual([[slug, 2, 'active']]);
  });

  it('deletes the records and the stored files no other gallery uses', async () => {
    const { test, core, slug } = await withGallery();
    const shared = await makeJpeg(30, 30, 5); // same bytes as a.jpg
    const other = await core.service.createGallery({ owner: bob, files: [file('same.jpg', shared)] });
    const before = await storedFiles(test);
    await core.service.deleteGallery({ owner: alice, ref: slug });
    expect(await codeOf(core.service.getGallery(slug))).toBe('GALLERY_NOT_FOUND');
    const after = await storedFiles(test);
    const sharedHash = other.gallery!.images[0]!.hash;
    expect(after).toEqual([displayKey(sharedHash, 480), originalKey(sharedHash)].sort());
    expect(before.length).toBeGreaterThan(after.length);
  });
});

describe('QR codes', () => {
  it('renders the gallery link as a PNG of at least 512 px, an SVG and terminal text', async () => {
    const { core } = await setup();
    const outcome = await core.service.createGallery({ owner: alice, files: [file('a.jpg', await makeJpeg())] });
    const qr = await core.service.qrCode(outcome.gallery!.slug);
    const meta = await sharp(qr.png).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBeGreaterThanOrEqual(512);
    expect(qr.svg).toMatch(/^<svg/);
    expect(qr.terminal.split('\n').length).toBeGreaterThan(10);
  });
});
