import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { originalKey } from '../../../core/blob-keys.js';
import { prepareImage, prepareImageFile } from '../../../core/images/image-pipeline.js';
import { startTestCore, type TestCore } from '../../helpers/test-core.js';
import { expectCode } from './expect-error.js';
import {
  animatedGif,
  animatedWebpWithPersonalData,
  appSegment,
  commentSegment,
  gifWithPersonalData,
  insertJpegSegments,
  insertPngChunks,
  jpegWithPersonalData,
  noise,
  pngChunk,
  pngWithPersonalData,
} from './image-fixtures.js';

const limits = { maxImagePixels: 100_000_000, maxAnimationFrames: 1000 };

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'maiimg-disk-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function onDisk(name: string, bytes: Buffer): Promise<{ path: string; bytes: number }> {
  const file = path.join(dir, name);
  await writeFile(file, bytes);
  return { path: file, bytes: bytes.length };
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Inputs past the reader's 1 MiB window too, so markers, chunks and sub-blocks straddle its edges. */
async function inputs(): Promise<Record<string, Buffer>> {
  const bigJpeg = await noise(1600, 1200).jpeg({ quality: 95 }).toBuffer();
  const bigPng = await noise(900, 800).png().toBuffer();
  expect(Math.min(bigJpeg.length, bigPng.length)).toBeGreaterThan(1024 * 1024);
  return {
    'personal.jpg': await jpegWithPersonalData(200, 150),
    'turned.jpg': await jpegWithPersonalData(120, 80, 6),
    'big-with-comment.jpg': insertJpegSegments(bigJpeg, [commentSegment('where I live'), appSegment(4, 'vendor')]),
    'pdf-in-icc.jpg': insertJpegSegments(await noise(64, 48).jpeg().toBuffer(), [
      appSegment(2, 'ICC_PROFILE\0%PDF-1.7 not a profile'),
    ]),
    'personal.png': await pngWithPersonalData(),
    'big-with-text.png': insertPngChunks(bigPng, [pngChunk('tEXt', Buffer.from('Comment\0secret', 'latin1'))]),
    'no-iend.png': bigPng.subarray(0, bigPng.length - 12),
    'personal.gif': gifWithPersonalData(await animatedGif(4, 300)),
    'personal.webp': await animatedWebpWithPersonalData(3, 60),
    'plain.png': await noise(80, 60).png().toBuffer(),
  };
}

describe('an upload prepared from its spool file', () => {
  it('comes out byte for byte as the same upload prepared in memory', async () => {
    const uploads = await inputs();
    for (const [name, bytes] of Object.entries(uploads)) {
      const inMemory = await prepareImage(bytes, limits);
      const fromDisk = await prepareImageFile(await onDisk(name, bytes), limits, dir);
      try {
        const cleaned = await readFile(fromDisk.cleaned);
        expect(cleaned.equals(inMemory.cleaned), name).toBe(true);
        const { cleanedIsCopy: _copy, ...facts } = fromDisk;
        expect({ ...facts, cleaned: null, thumbnail: null, dispose: null }, name).toEqual({
          ...inMemory,
          cleaned: null,
          thumbnail: null,
          dispose: null,
        });
        expect(fromDisk.hash).toBe(sha256(cleaned));
        expect(fromDisk.thumbnail.equals(inMemory.thumbnail), name).toBe(true);
      } finally {
        await fromDisk.dispose();
      }
    }
    // Nothing made for the images is left behind: only the uploads themselves.
    expect((await readdir(dir)).sort()).toEqual(Object.keys(uploads).sort());
  });

  it('refuses what the in-memory path refuses, with the same code, and leaves nothing behind', async () => {
    const jpeg = await noise(64, 48).jpeg().toBuffer();
    const cases: Array<[string, Buffer, 'CORRUPT_IMAGE' | 'UNSUPPORTED_FORMAT']> = [
      ['half.jpg', jpeg.subarray(0, jpeg.length >> 1), 'CORRUPT_IMAGE'],
      ['notes.jpg', Buffer.from('not an image at all'), 'UNSUPPORTED_FORMAT'],
    ];
    for (const [name, bytes, code] of cases) {
      await expectCode(prepareImage(bytes, limits), code);
      await expectCode(prepareImageFile(await onDisk(name, bytes), limits, dir), code);
    }
    expect((await readdir(dir)).sort()).toEqual(['half.jpg', 'notes.jpg']);
  });
});

describe('the core given a file on disk', () => {
  let test: TestCore | undefined;
  afterEach(async () => {
    await test?.cleanup();
    test = undefined;
  });

  it('stores it from the disk without reading it into memory, cleaned as an in-memory upload would be', async () => {
    test = await startTestCore();
    const { core } = test;
    const bytes = await jpegWithPersonalData(1600, 1200);
    const file = await onDisk('photo.jpg', bytes);
    const puts = vi.spyOn(core.blobs, 'put');
    const putFiles = vi.spyOn(core.blobs, 'putFile' as never) as unknown as ReturnType<typeof vi.fn>;

    const outcome = await core.service.createGallery({
      owner: { platform: 'web', userId: 'disk' },
      files: [{ name: 'photo.jpg', declaredBytes: file.bytes, data: { path: file.path } }],
    });

    expect(outcome.rejected).toEqual([]);
    const image = outcome.gallery!.images[0]!;
    const expected = await prepareImage(bytes, limits);
    expect(image.hash).toBe(expected.hash);
    expect((await core.blobs.get(originalKey(image.hash)))!.equals(expected.cleaned)).toBe(true);
    // The original went to the store as a file; only the small thumbnail passed as bytes.
    expect(putFiles.mock.calls.map(([key]) => key)).toEqual([originalKey(image.hash)]);
    expect(puts.mock.calls.map(([key]) => key)).not.toContain(originalKey(image.hash));
  });

  it('refuses an empty or oversize file on disk by its size, before reading it', async () => {
    test = await startTestCore({ MAX_FILE_BYTES: '1000' });
    const { core } = test;
    const big = await onDisk('big.png', await noise(200, 200).png().toBuffer());
    const empty = await onDisk('empty.png', Buffer.alloc(0));
    const outcome = await core.service.createGallery({
      owner: { platform: 'web', userId: 'disk' },
      files: [
        { name: 'big.png', data: { path: big.path } },
        { name: 'empty.png', data: { path: empty.path } },
      ],
    });
    expect(outcome.rejected.map((r) => r.code)).toEqual(['FILE_TOO_LARGE', 'EMPTY_FILE']);
  });
});
