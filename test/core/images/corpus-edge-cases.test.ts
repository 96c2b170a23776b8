import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { prepareImage } from '../../../core/images/image-pipeline.js';
import { stripMetadata } from '../../../core/images/metadata-stripper.js';
import { expectCode } from './expect-error.js';
import { animatedGif, containsText, noise, pngChunk, pngChunkTypes, rawPixels } from './image-fixtures.js';

/**
 * Cases found by running public image test corpora through the CLI (issue 18). Each fixture is
 * made here, in the shape of the corpus file named in its comment.
 */
const limits = { maxImagePixels: 100_000_000 };

function jpegSegment(marker: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16BE(0xff00 | marker, 0);
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([head, payload]);
}

/** Puts `app0` right after SOI, where JFIF writers put it (sharp writes no JFIF segment itself). */
function withApp0(jpeg: Buffer, app0: Buffer): Buffer {
  expect(jpeg.readUInt16BE(2)).not.toBe(0xffe0);
  return Buffer.concat([jpeg.subarray(0, 2), app0, jpeg.subarray(2)]);
}

/** GIF application extension: 11-byte name, then the given sub-blocks and a terminator. */
function gifApplication(name: string, ...subBlocks: Buffer[]): Buffer {
  const blocks = subBlocks.flatMap((block) => [Buffer.from([block.length]), block]);
  return Buffer.concat([Buffer.from([0x21, 0xff, 11]), Buffer.from(name, 'latin1'), ...blocks, Buffer.from([0])]);
}

function afterGifColourTable(gif: Buffer): number {
  const packed = gif[10];
  return 13 + (packed & 0x80 ? 3 * (1 << ((packed & 7) + 1)) : 0);
}

/** Drops every application extension sharp wrote (its loop block), so the test places its own. */
function withoutApplicationExtensions(gif: Buffer): Buffer {
  const at = afterGifColourTable(gif);
  const loop = gif.indexOf(Buffer.from('NETSCAPE2.0', 'latin1'), at);
  expect(loop).toBe(at + 3);
  return Buffer.concat([gif.subarray(0, at), gif.subarray(at + 3 + 11 + 5)]);
}

describe('JFIF thumbnails', () => {
  // Origin: camera and editor JPEGs in the EXIF sample corpora whose JFIF APP0 carries an RGB
  // thumbnail (JFIF 1.02 allows one, uncompressed, right in the header).
  it('keeps the JFIF header and drops the thumbnail it carries', async () => {
    const jpeg = await noise(64, 48).jpeg().toBuffer();
    const thumbnailPixels = Buffer.from('HIDDEN-PICTURE'.repeat(4).slice(0, 2 * 8 * 3), 'latin1');
    const header = Buffer.from([0x4a, 0x46, 0x49, 0x46, 0, 1, 2, 1, 0, 72, 0, 72, 8, 2]); // 8x2 thumbnail
    const input = withApp0(jpeg, jpegSegment(0xe0, Buffer.concat([header, thumbnailPixels])));
    await expect(sharp(input).metadata()).resolves.toMatchObject({ width: 64, height: 48, density: 72 });

    const cleaned = stripMetadata(input, 'jpeg').bytes;
    expect(containsText(cleaned, 'HIDDEN-PICTURE')).toBe(false);
    const app0 = cleaned.subarray(2, 2 + 18);
    expect(app0.readUInt16BE(0)).toBe(0xffe0);
    expect(app0.readUInt16BE(2)).toBe(16);
    expect(app0.subarray(4)).toEqual(Buffer.concat([header.subarray(0, 12), Buffer.from([0, 0])]));
    expect(cleaned.subarray(20)).toEqual(input.subarray(4 + 2 + header.length + thumbnailPixels.length));
    await expect(sharp(cleaned).metadata()).resolves.toMatchObject({ width: 64, height: 48, density: 72 });
    expect(await rawPixels(cleaned)).toEqual(await rawPixels(input));
  });

  it('keeps a JFIF header without a thumbnail byte for byte', async () => {
    const header = Buffer.from([0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
    const input = withApp0(await noise(64, 48).jpeg().toBuffer(), jpegSegment(0xe0, header));
    expect(stripMetadata(input, 'jpeg').bytes).toBe(input);
  });
});

describe('GIF application extensions', () => {
  // Origin: a GIF in the corpus carrying an `ICCRGBG1012` application extension (as written by
  // ImageMagick and Photoshop) whose sub-blocks can hold any bytes at all.
  it('keeps only the loop count: an ICC block and extra loop sub-blocks are dropped', async () => {
    const gif = withoutApplicationExtensions(await animatedGif(3, 16));
    const at = afterGifColourTable(gif);
    const icc = gifApplication('ICCRGBG1012', Buffer.from('not-a-profile: anything can ride here', 'latin1'));
    const loop = gifApplication(
      'NETSCAPE2.0',
      Buffer.from([1, 5, 0]),
      Buffer.from('extra sub-block riding along', 'latin1'),
    );
    const input = Buffer.concat([gif.subarray(0, at), icc, loop, gif.subarray(at)]);
    const { pages, loop: loopCount } = await sharp(input).metadata();
    expect(pages).toBe(3);
    expect(loopCount).toBeGreaterThan(0); // a finite count, so keeping it is visible

    const cleaned = stripMetadata(input, 'gif').bytes;
    expect(containsText(cleaned, 'ICCRGBG1')).toBe(false);
    expect(containsText(cleaned, 'anything can ride')).toBe(false);
    expect(containsText(cleaned, 'riding along')).toBe(false);
    expect(cleaned.subarray(at, at + 19)).toEqual(gifApplication('NETSCAPE2.0', Buffer.from([1, 5, 0])));
    await expect(sharp(cleaned).metadata()).resolves.toMatchObject({ pages: 3, loop: loopCount });
    expect(await rawPixels(cleaned, true)).toEqual(await rawPixels(input, true));
  });

  it('keeps the ANIMEXTS1.0 spelling of the loop block as it is', async () => {
    const gif = withoutApplicationExtensions(await animatedGif(2, 16));
    const at = afterGifColourTable(gif);
    const input = Buffer.concat([
      gif.subarray(0, at),
      gifApplication('ANIMEXTS1.0', Buffer.from([1, 0, 0])),
      gif.subarray(at),
    ]);
    expect(stripMetadata(input, 'gif').bytes).toBe(input);
  });
});

describe('tolerance like common decoders', () => {
  // Origin: wuffs test/data/artificial-jpeg/hippopotamus-bad-comment-length.jpeg, which inserts
  // "FF FE 00 00" (a COM segment of length 0) after the first DQT segment; libjpeg-turbo allows a
  // length below 2 for COM and APPn.
  it.each([
    ['comment', 0xfe, 0],
    ['comment', 0xfe, 1],
    ['APP1', 0xe1, 0],
  ])('accepts a JPEG %s segment of length %i, as libjpeg-turbo and libvips do', async (_name, marker, length) => {
    const jpeg = await noise(64, 48).jpeg().toBuffer();
    expect(jpeg.readUInt16BE(2)).toBe(0xffdb);
    const afterDqt = 4 + jpeg.readUInt16BE(4);
    const input = Buffer.concat([
      jpeg.subarray(0, afterDqt),
      Buffer.from([0xff, marker, 0, length]),
      jpeg.subarray(afterDqt),
    ]);
    await expect(sharp(input, { failOn: 'error' }).metadata()).resolves.toMatchObject({ width: 64 });
    const prepared = await prepareImage(input, limits);
    expect(prepared).toMatchObject({ format: 'jpeg', width: 64, height: 48 });
    expect(prepared.cleaned).toEqual(jpeg);
  });

  function withoutIend(png: Buffer): Buffer {
    expect(png.toString('latin1', png.length - 8, png.length - 4)).toBe('IEND');
    return png.subarray(0, png.length - 12);
  }

  // Origin: fuzzed PNGs in the corpus that end right after their last IDAT, whose checksum is wrong.
  it('accepts a PNG that ends after its last IDAT (bad checksum, no IEND) when the image data is whole', async () => {
    const png = await noise(64, 48).png().toBuffer();
    const input = Buffer.from(withoutIend(png));
    input.writeUInt32BE((input.readUInt32BE(input.length - 4) ^ 0x5a5a5a5a) >>> 0, input.length - 4);

    const prepared = await prepareImage(input, limits);
    expect(prepared).toMatchObject({ format: 'png', width: 64, height: 48 });
    expect(prepared.cleaned).toEqual(png);
    expect(await rawPixels(prepared.cleaned)).toEqual(await rawPixels(png));
  });

  it('still refuses such a PNG when its image data stops short', async () => {
    const png = await noise(64, 48).png({ compressionLevel: 0 }).toBuffer();
    const idat = png.indexOf(Buffer.from('IDAT', 'latin1')) - 4;
    const data = png.subarray(idat + 8, idat + 8 + png.readUInt32BE(idat));
    const input = Buffer.concat([png.subarray(0, idat), pngChunk('IDAT', data.subarray(0, data.length >> 1))]);
    await expectCode(prepareImage(input, limits), 'CORRUPT_IMAGE');
  });
});

describe('reason codes', () => {
  // Origin: fuzzed and badly transferred files in the corpus: PNG and JPEG signatures whose line
  // ends went through a text-mode copy.
  it.each([
    [
      'PNG with CR LF turned into LF',
      (png: Buffer) => Buffer.concat([png.subarray(0, 4), Buffer.from([0x0a, 0x1a, 0x0a]), png.subarray(8)]),
    ],
    [
      'PNG with LF turned into CR LF',
      (png: Buffer) =>
        Buffer.concat([png.subarray(0, 4), Buffer.from([0x0d, 0x0d, 0x0a, 0x1a, 0x0d, 0x0a]), png.subarray(8)]),
    ],
  ])('reports a %s as CORRUPT_IMAGE, not UNSUPPORTED_FORMAT', async (_name, mangle) => {
    const png = await noise(32, 24).png().toBuffer();
    await expectCode(prepareImage(mangle(png), limits), 'CORRUPT_IMAGE');
  });

  it('reports a JPEG whose first marker was damaged as CORRUPT_IMAGE', async () => {
    const jpeg = await noise(32, 24).jpeg().toBuffer();
    const damaged = Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0x0d]), jpeg.subarray(2)]);
    await expectCode(prepareImage(damaged, limits), 'CORRUPT_IMAGE');
  });

  it('still reports a text file as UNSUPPORTED_FORMAT, even one that mentions PNG', async () => {
    await expectCode(prepareImage(Buffer.from('PNG IHDR notes, not an image at all'), limits), 'UNSUPPORTED_FORMAT');
  });
});

describe('APNG', () => {
  /** Two 8x8 frames (red, then blue), looping: the shape of wuffs test/data/animated-red-blue.apng. */
  function redBlueApng(): Buffer {
    const ihdr = Buffer.from([0, 0, 0, 8, 0, 0, 0, 8, 8, 2, 0, 0, 0]);
    const frame = (rgb: number[]) =>
      deflateSync(
        Buffer.concat(Array.from({ length: 8 }, () => Buffer.from([0, ...Array<number[]>(8).fill(rgb).flat()]))),
      );
    const fctl = (sequence: number) => {
      const data = Buffer.alloc(26);
      data.writeUInt32BE(sequence, 0);
      data.writeUInt32BE(8, 4);
      data.writeUInt32BE(8, 8);
      data.writeUInt16BE(1, 20); // delay 1/10 s
      data.writeUInt16BE(10, 22);
      return pngChunk('fcTL', data);
    };
    const sequence2 = Buffer.alloc(4);
    sequence2.writeUInt32BE(2);
    return Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      pngChunk('IHDR', ihdr),
      pngChunk('acTL', Buffer.from([0, 0, 0, 2, 0, 0, 0, 0])),
      fctl(0),
      pngChunk('IDAT', frame([255, 0, 0])),
      fctl(1),
      pngChunk('fdAT', Buffer.concat([sequence2, frame([0, 0, 255])])),
      pngChunk('IEND', Buffer.alloc(0)),
    ]);
  }

  // The README says so: the original keeps its animation, the display versions show the first frame.
  it('keeps the animation in the original and shows a still in the display version', async () => {
    const prepared = await prepareImage(redBlueApng(), limits);
    expect(prepared).toMatchObject({ format: 'png', animated: true, frames: 2, width: 8, height: 8 });
    expect(pngChunkTypes(prepared.cleaned)).toEqual(['IHDR', 'acTL', 'fcTL', 'IDAT', 'fcTL', 'fdAT', 'IEND']);
    const thumbnail = await sharp(prepared.thumbnail).metadata();
    expect(thumbnail.format).toBe('webp');
    expect(thumbnail.pages ?? 1).toBe(1);
  });
});
