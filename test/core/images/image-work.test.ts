import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { displayKey } from '../../../core/blob-keys.js';
import { defaultImageConcurrency, IMAGE_THREAD_NICE } from '../../../core/images/image-work-queue.js';
import type { Gallery } from '../../../core/types.js';
import { startTestCore, type TestCore } from '../../helpers/test-core.js';
import { flat, flatFrames } from './image-fixtures.js';

let test: TestCore | undefined;
afterEach(async () => {
  await test?.cleanup();
  test = undefined;
});

const owner = { platform: 'cli' as const, userId: 'image-work' };

async function galleryOf(core: TestCore['core'], files: Array<{ name: string; data: Buffer }>): Promise<Gallery> {
  const outcome = await core.service.createGallery({ owner, files });
  expect(outcome.rejected).toEqual([]);
  return outcome.gallery!;
}

describe('display versions under load', () => {
  it('renders a display version once for six concurrent first requests', async () => {
    test = await startTestCore();
    const { core } = test;
    const gallery = await galleryOf(core, [
      { name: 'anim.webp', data: await flatFrames(1800, 1000, 4).webp({ loop: 0 }).toBuffer() },
    ]);
    const image = gallery.images[0]!;
    const puts = vi.spyOn(core.blobs, 'put');
    const keys = await Promise.all(Array.from({ length: 6 }, () => core.service.displayVersionKey(image, 1600)));
    expect(new Set(keys)).toEqual(new Set([displayKey(image.hash, 1600)]));
    expect(puts.mock.calls.map(([key]) => key)).toEqual([displayKey(image.hash, 1600)]);
  });

  it('serves the 480 version for the 1600 one of an image no larger than 480 px, rendering nothing', async () => {
    test = await startTestCore();
    const { core } = test;
    const gallery = await galleryOf(core, [{ name: 'small.jpg', data: await flat(480, 300).jpeg().toBuffer() }]);
    const image = gallery.images[0]!;
    const puts = vi.spyOn(core.blobs, 'put');
    expect(await core.service.displayVersionKey(image, 1600)).toBe(displayKey(image.hash, 480));
    expect(puts).not.toHaveBeenCalled();
  });

  it('runs renders and uploads through one bounded queue', async () => {
    test = await startTestCore({ IMAGE_CONCURRENCY: '1' });
    const { core } = test;
    expect(core.service.imageQueue.concurrency).toBe(1);
    const files = await Promise.all(
      [0, 1, 2].map(async (i) => ({
        name: `${i}.jpg`,
        data: await flat(1700 + i, 900)
          .jpeg()
          .toBuffer(),
      })),
    );
    const gallery = await galleryOf(core, files);
    let peak = 0;
    const run = core.service.imageQueue.run.bind(core.service.imageQueue);
    let active = 0;
    vi.spyOn(core.service.imageQueue, 'run').mockImplementation((work) =>
      run(async () => {
        active += 1;
        peak = Math.max(peak, active);
        try {
          return await work();
        } finally {
          active -= 1;
        }
      }),
    );
    await Promise.all([
      ...gallery.images.map((image) => core.service.displayVersionKey(image, 1600)),
      galleryOf(core, [{ name: 'more.jpg', data: await flat(900, 900).jpeg().toBuffer() }]),
    ]);
    expect(peak).toBe(1);
  });

  it('keeps image work two threads below libuv’s pool', () => {
    expect(defaultImageConcurrency(2)).toBe(2);
    expect(defaultImageConcurrency(16)).toBe(2);
    expect(defaultImageConcurrency(16, 12)).toBe(10);
    expect(defaultImageConcurrency(1, 2)).toBe(1);
  });

  it.runIf(process.platform === 'linux')(
    'runs libvips’ threads at a lower CPU priority than the server’s thread once image work has run',
    async () => {
      test = await startTestCore();
      const { core } = test;
      const gallery = await galleryOf(core, [{ name: 'a.jpg', data: await flat(2400, 1600).jpeg().toBuffer() }]);
      await core.service.displayVersionKey(gallery.images[0]!, 1600);
      const threads = readdirSync('/proc/self/task')
        .map(Number)
        .map((tid) => ({ tid, name: readFileSync(`/proc/self/task/${tid}/comm`, 'latin1').trim() }));
      const libvips = threads.filter((thread) => thread.name.startsWith('libvips'));
      expect(libvips.length).toBeGreaterThan(0);
      expect(new Set(libvips.map((thread) => getPriority(thread.tid)))).toEqual(new Set([IMAGE_THREAD_NICE]));
      expect(getPriority(process.pid)).toBe(0);
    },
  );
});
