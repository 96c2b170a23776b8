import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  DISPLAY_SIZES,
  extensionOf,
  mimeTypeOf,
  prepareImage,
  renderDisplayVersion,
} from '../../../core/images/image-pipeline.js';
import { animatedGif, flat, flatFrames, noise } from './image-fixtures.js';

const limits = { maxImagePixels: 100_000_000 };

describe('display versions', () => {
  it('makes a WebP thumbnail whose long edge is 480 px', async () => {
    const prepared = await prepareImage(await flat(1200, 900).jpeg().toBuffer(), limits);
    const thumbnail = await sharp(prepared.thumbnail).metadata();
    expect(thumbnail.format).toBe('webp');
    expect([thumbnail.width, thumbnail.height]).toEqual([480, 360]);
    expect(DISPLAY_SIZES).toEqual([480, 1080, 1600]);
  });

  it('never enlarges a small image', async () => {
    const prepared = await prepareImage(await noise(120, 300).png().toBuffer(), limits);
    const thumbnail = await sharp(prepared.thumbnail).metadata();
    expect([thumbnail.width, thumbnail.height]).toEqual([120, 300]);
    const display = await sharp(await renderDisplayVersion(prepared.cleaned, 1600, limits)).metadata();
    expect([display.width, display.height]).toEqual([120, 300]);
  });

  it('keeps animation in the thumbnail of an animated GIF and WebP', async () => {
    const gif = await flatFrames(600, 300, 3)
      .gif({ loop: 0, delay: [100, 100, 100] })
      .toBuffer();
    const webp = await flatFrames(600, 300, 3)
      .webp({ loop: 0, delay: [100, 100, 100] })
      .toBuffer();
    for (const input of [gif, webp]) {
      const prepared = await prepareImage(input, limits);
      expect(prepared).toMatchObject({ animated: true, frames: 3, width: 600, height: 300 });
      const thumbnail = await sharp(prepared.thumbnail, { animated: true }).metadata();
      expect(thumbnail.format).toBe('webp');
      expect(thumbnail.pages).toBe(3);
      expect([thumbnail.width, thumbnail.pageHeight]).toEqual([480, 240]);
    }
  });

  it('renders the 1600 px display version from the cleaned image, animation kept', async () => {
    const still = await prepareImage(await flat(2000, 1000).jpeg().toBuffer(), limits);
    const display = await sharp(await renderDisplayVersion(still.cleaned, 1600, limits)).metadata();
    expect([display.format, display.width, display.height]).toEqual(['webp', 1600, 800]);
    const animated = await prepareImage(await animatedGif(3, 50), limits);
    const animatedDisplay = await sharp(await renderDisplayVersion(animated.cleaned, 1600, limits)).metadata();
    expect(animatedDisplay.pages).toBe(3);
  });

  it('names MIME types and extensions', () => {
    expect(['png', 'jpeg', 'gif', 'webp'].map((f) => mimeTypeOf(f as 'png'))).toEqual([
      'image/png',
      'image/jpeg',
      'image/gif',
      'image/webp',
    ]);
    expect(['png', 'jpeg', 'gif', 'webp'].map((f) => extensionOf(f as 'png'))).toEqual(['png', 'jpg', 'gif', 'webp']);
  });
});
