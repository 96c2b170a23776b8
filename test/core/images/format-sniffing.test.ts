import { fileTypeFromBuffer } from 'file-type';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { sniffImageFormat } from '../../../core/images/format-sniffer.js';
import { prepareImage } from '../../../core/images/image-pipeline.js';
import { animatedGif, animatedWebpWithPersonalData, noise } from './image-fixtures.js';
import { expectCode } from './expect-error.js';

const limits = { maxImagePixels: 100_000_000 };

function bmp(): Buffer {
  const header = Buffer.alloc(54);
  header.write('BM', 0, 'latin1');
  header.writeUInt32LE(58, 2);
  header.writeUInt32LE(54, 10);
  header.writeUInt32LE(40, 14);
  header.writeInt32LE(1, 18);
  header.writeInt32LE(1, 22);
  header.writeUInt16LE(1, 26);
  header.writeUInt16LE(24, 28);
  return Buffer.concat([header, Buffer.from([0, 0, 255, 0])]);
}

function zip(): Buffer {
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(1, 26);
  return Buffer.concat([local, Buffer.from('a'), Buffer.from('hello')]);
}

describe('format sniffing', () => {
  it.each([
    ['png', () => noise(20, 10).png().toBuffer(), 'png', false],
    ['jpeg', () => noise(20, 10).jpeg().toBuffer(), 'jpeg', false],
    ['still gif', () => noise(20, 10).gif().toBuffer(), 'gif', false],
    ['animated gif', () => animatedGif(3, 20), 'gif', true],
    ['still webp', () => noise(20, 10).webp().toBuffer(), 'webp', false],
    ['animated webp', () => animatedWebpWithPersonalData(3, 20), 'webp', true],
  ] as const)('accepts a %s judged by its bytes', async (_name, make, format, animated) => {
    const prepared = await prepareImage(await make(), limits);
    expect(prepared.format).toBe(format);
    expect(prepared.animated).toBe(animated);
  });

  it.each([
    ['an SVG', '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'],
    [
      'an SVG with an XML prolog',
      '<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
    ],
    ['HTML', '<!doctype html><html><body><img src=x onerror=alert(1)></body></html>'],
    ['plain text', 'just some words, not an image at all'],
    ['a PDF', '%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF'],
  ])('refuses %s as UNSUPPORTED_FORMAT', async (_name, text) => {
    await expectCode(prepareImage(Buffer.from(text, 'utf8'), limits), 'UNSUPPORTED_FORMAT');
  });

  it.each([
    ['a BMP', async () => bmp()],
    ['a TIFF', () => noise(10, 10).tiff().toBuffer()],
    ['an AVIF', () => noise(16, 16).avif({ effort: 0 }).toBuffer()],
    ['a HEIF', () => noise(16, 16).heif({ compression: 'av1', effort: 0 }).toBuffer()],
    ['a ZIP', async () => zip()],
  ])('refuses %s as UNSUPPORTED_FORMAT', async (_name, make) => {
    await expectCode(prepareImage(await make(), limits), 'UNSUPPORTED_FORMAT');
  });

  it('refuses an empty buffer as UNSUPPORTED_FORMAT', async () => {
    await expectCode(prepareImage(Buffer.alloc(0), limits), 'UNSUPPORTED_FORMAT');
  });

  it('ignores what sharp could decode: an SVG is refused even though sharp would rasterise it', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>');
    expect((await sharp(svg).metadata()).format).toBe('svg');
    await expectCode(prepareImage(svg, limits), 'UNSUPPORTED_FORMAT');
  });

  // JPEG and GIF are told by their first bytes without loading file-type: the answer must be its answer.
  it.each([
    ['a JPEG', () => noise(8, 8).jpeg().toBuffer(), 'jpeg'],
    [
      'a JPEG with EXIF first',
      () =>
        noise(8, 8)
          .withExif({ IFD0: { Make: 'X' } })
          .jpeg()
          .toBuffer(),
      'jpeg',
    ],
    ['a still GIF', () => noise(8, 8).gif().toBuffer(), 'gif'],
    ['an animated GIF', () => animatedGif(2, 8), 'gif'],
    ['JPEG-LS (FF D8 FF F7)', async () => Buffer.from([0xff, 0xd8, 0xff, 0xf7, 0, 0x0b, 8, 0, 1, 0, 1, 1]), null],
    ['a JPEG signature alone', async () => Buffer.from([0xff, 0xd8, 0xff]), 'jpeg'],
  ] as const)('tells %s by its signature as file-type does', async (_name, make, expected) => {
    const bytes = await make();
    const detected = await fileTypeFromBuffer(bytes);
    const byFileType = detected?.mime === 'image/jpeg' ? 'jpeg' : detected?.mime === 'image/gif' ? 'gif' : null;
    expect(byFileType).toBe(expected);
    const sniffed = await sniffImageFormat(bytes).catch(() => null);
    expect(sniffed).toBe(expected);
  });
});
