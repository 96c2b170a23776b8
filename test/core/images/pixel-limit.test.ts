import { describe, expect, it } from 'vitest';
import { prepareImage, renderDisplayVersion } from '../../../core/images/image-pipeline.js';
import { animatedGif, noise, pngPixelBomb } from './image-fixtures.js';
import { expectCode } from './expect-error.js';

const DEFAULT_LIMIT = { maxImagePixels: 100_000_000 };

describe('pixel limit', () => {
  it('refuses a 20000 x 20000 PNG bomb from its header, quickly', async () => {
    const bomb = pngPixelBomb();
    expect(bomb.length).toBeLessThan(200_000);
    const started = performance.now();
    const error = await expectCode(prepareImage(bomb, DEFAULT_LIMIT), 'IMAGE_TOO_LARGE');
    expect(performance.now() - started).toBeLessThan(3000);
    expect(error.params).toEqual({ pixels: '400 MP', limit: '100 MP' });
  });

  it('refuses a normal photo when the operator sets a small limit', async () => {
    const jpeg = await noise(400, 300).jpeg().toBuffer();
    const error = await expectCode(prepareImage(jpeg, { maxImagePixels: 100_000 }), 'IMAGE_TOO_LARGE');
    expect(error.params).toEqual({ pixels: '0.12 MP', limit: '0.1 MP' });
  });

  it('accepts an image exactly at the limit', async () => {
    const png = await noise(100, 50).png().toBuffer();
    await expect(prepareImage(png, { maxImagePixels: 5000 })).resolves.toMatchObject({ width: 100, height: 50 });
    await expectCode(prepareImage(png, { maxImagePixels: 4999 }), 'IMAGE_TOO_LARGE');
  });

  it('counts one frame of an animation, not the whole strip', async () => {
    const gif = await animatedGif(6, 40); // 1600 px per frame, 9600 px in all
    const prepared = await prepareImage(gif, { maxImagePixels: 2000 });
    expect(prepared).toMatchObject({ animated: true, frames: 6, width: 40, height: 40 });
    await expectCode(prepareImage(gif, { maxImagePixels: 1500 }), 'IMAGE_TOO_LARGE');
  });

  it('applies the limit when rendering a stored image too', async () => {
    const jpeg = await noise(400, 300).jpeg().toBuffer();
    await expectCode(renderDisplayVersion(jpeg, 1600, { maxImagePixels: 100_000 }), 'IMAGE_TOO_LARGE');
  });
});
