import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { prepareImage } from '../../../core/images/image-pipeline.js';
import {
  PERSONAL_STRINGS,
  animatedGif,
  animatedWebpWithPersonalData,
  containsText,
  gifWithPersonalData,
  jpegWithPersonalData,
  noise,
  pngChunkTypes,
  pngWithPersonalData,
  rawPixels,
  webpChunks,
} from './image-fixtures.js';

const limits = { maxImagePixels: 100_000_000 };

function expectNoPersonalData(bytes: Buffer): void {
  for (const text of PERSONAL_STRINGS) expect(containsText(bytes, text), `contains "${text}"`).toBe(false);
}

function jpegMarkers(jpeg: Buffer): number[] {
  const markers: number[] = [];
  for (let at = 2; at < jpeg.length && jpeg[at] === 0xff;) {
    const marker = jpeg[at + 1];
    markers.push(marker);
    if (marker === 0xda) break;
    at += 2 + jpeg.readUInt16BE(at + 2);
  }
  return markers;
}

describe('metadata stripping', () => {
  it('removes EXIF (GPS, camera, serial, times), XMP, IPTC and comments from a JPEG without re-compressing it', async () => {
    const input = await jpegWithPersonalData(96, 64);
    const before = await sharp(input).metadata();
    expect(before.exif).toBeDefined();
    expect(before.xmp).toBeDefined();
    expect(containsText(input, 'Exif')).toBe(true);
    for (const text of PERSONAL_STRINGS) expect(containsText(input, text), `fixture holds "${text}"`).toBe(true);

    const { cleaned, bytes, width, height } = await prepareImage(input, limits);
    const after = await sharp(cleaned).metadata();
    expect(after.exif).toBeUndefined();
    expect(after.xmp).toBeUndefined();
    expect(after.iptc).toBeUndefined();
    expectNoPersonalData(cleaned);
    expect(jpegMarkers(cleaned).filter((m) => m >= 0xe1 && m <= 0xef)).toEqual([]);
    expect(jpegMarkers(cleaned)).not.toContain(0xfe);
    expect(bytes).toBe(cleaned.length);
    expect([width, height]).toEqual([96, 64]);
    // Untouched compressed data: everything from the quantisation tables on is byte-identical.
    const dqt = Buffer.from([0xff, 0xdb]);
    expect(cleaned.subarray(cleaned.indexOf(dqt)).equals(input.subarray(input.indexOf(dqt)))).toBe(true);
    expect((await rawPixels(cleaned)).equals(await rawPixels(input))).toBe(true);
  });

  it('keeps the JFIF, ICC profile and Adobe segments a JPEG needs for its colours', async () => {
    const input = await noise(32, 32)
      .jpeg()
      .withIccProfile('p3')
      .withExif({ IFD0: { Make: 'x' } })
      .toBuffer();
    const adobe = Buffer.from([0xff, 0xee, 0x00, 0x0e, ...Buffer.from('Adobe', 'latin1'), 0, 100, 0, 0, 0, 0, 1]);
    const withAdobe = Buffer.concat([input.subarray(0, 2), adobe, input.subarray(2)]);
    const { cleaned } = await prepareImage(withAdobe, limits);
    const before = await sharp(withAdobe).metadata();
    const after = await sharp(cleaned).metadata();
    expect(after.icc?.equals(before.icc!)).toBe(true);
    expect(jpegMarkers(cleaned)).toContain(0xee);
    expect(after.exif).toBeUndefined();
  });

  it('turns a JPEG with EXIF orientation 6 upright: width and height swap, no EXIF left', async () => {
    const input = await jpegWithPersonalData(60, 40, 6);
    expect((await sharp(input).metadata()).orientation).toBe(6);
    const prepared = await prepareImage(input, limits);
    const after = await sharp(prepared.cleaned).metadata();
    expect([prepared.width, prepared.height]).toEqual([40, 60]);
    expect([after.width, after.height]).toEqual([40, 60]);
    expect(after.format).toBe('jpeg');
    expect(after.exif).toBeUndefined();
    expect(after.orientation).toBeUndefined();
    expectNoPersonalData(prepared.cleaned);
    // The served pixels match what a viewer honouring the tag would have shown.
    const expected = await sharp(input).rotate().raw().toBuffer();
    const actual = await rawPixels(prepared.cleaned);
    let difference = 0;
    for (let i = 0; i < expected.length; i++) difference += Math.abs(expected[i] - actual[i]);
    // Noise is the worst case for JPEG; a wrong turn would differ by about 55 on average.
    expect(difference / expected.length).toBeLessThan(12);
    const thumbnail = await sharp(prepared.thumbnail).metadata();
    expect([thumbnail.width, thumbnail.height]).toEqual([40, 60]);
  });

  it('removes tEXt, iTXt, zTXt, tIME and eXIf from a PNG with identical pixels and keeps pHYs', async () => {
    const input = await pngWithPersonalData();
    expect(pngChunkTypes(input)).toEqual(expect.arrayContaining(['tEXt', 'iTXt', 'zTXt', 'tIME', 'eXIf']));
    const { cleaned } = await prepareImage(input, limits);
    const types = pngChunkTypes(cleaned);
    for (const type of ['tEXt', 'iTXt', 'zTXt', 'tIME', 'eXIf']) expect(types).not.toContain(type);
    expect(types).toContain('pHYs');
    expect((await sharp(cleaned).metadata()).exif).toBeUndefined();
    expect((await sharp(cleaned).metadata()).comments).toBeUndefined();
    expectNoPersonalData(cleaned);
    expect((await rawPixels(cleaned)).equals(await rawPixels(input))).toBe(true);
  });

  it('keeps every frame and the looping of an animated GIF while dropping its comment and XMP', async () => {
    const input = gifWithPersonalData(await animatedGif(5, 30));
    expect(containsText(input, 'XMP DataXMP')).toBe(true);
    const prepared = await prepareImage(input, limits);
    expect(prepared).toMatchObject({ animated: true, frames: 5, width: 30, height: 30 });
    expect(containsText(prepared.cleaned, 'XMP DataXMP')).toBe(false);
    expect(containsText(prepared.cleaned, 'NETSCAPE2.0')).toBe(true);
    expectNoPersonalData(prepared.cleaned);
    const after = await sharp(prepared.cleaned).metadata();
    expect(after.pages).toBe(5);
    expect(after.loop).toBe(0);
    expect((await rawPixels(prepared.cleaned, true)).equals(await rawPixels(input, true))).toBe(true);
  });

  it('keeps every frame of an animated WebP while dropping its EXIF and XMP chunks and flags', async () => {
    const input = await animatedWebpWithPersonalData(4, 30);
    expect(webpChunks(input)).toEqual(expect.arrayContaining(['EXIF', 'XMP ']));
    const prepared = await prepareImage(input, limits);
    expect(prepared).toMatchObject({ animated: true, frames: 4, width: 30, height: 30 });
    const chunks = webpChunks(prepared.cleaned);
    expect(chunks).not.toContain('EXIF');
    expect(chunks).not.toContain('XMP ');
    expect(chunks.filter((c) => c === 'ANMF')).toHaveLength(4);
    expect(prepared.cleaned[20] & 0x0c).toBe(0); // VP8X EXIF and XMP flags
    expect(prepared.cleaned.readUInt32LE(4)).toBe(prepared.cleaned.length - 8);
    expectNoPersonalData(prepared.cleaned);
    const after = await sharp(prepared.cleaned).metadata();
    expect(after.exif).toBeUndefined();
    expect(after.xmp).toBeUndefined();
    expect(after.pages).toBe(4);
    expect((await rawPixels(prepared.cleaned, true)).equals(await rawPixels(input, true))).toBe(true);
  });

  it('hashes exactly the bytes it serves', async () => {
    const { createHash } = await import('node:crypto');
    const prepared = await prepareImage(await jpegWithPersonalData(40, 30), limits);
    expect(prepared.hash).toBe(createHash('sha256').update(prepared.cleaned).digest('hex'));
  });
});
