import { describe, expect, it } from 'vitest';
import { MaiimgError } from '../../../core/errors.js';
import { prepareImage } from '../../../core/images/image-pipeline.js';
import { stripMetadata } from '../../../core/images/metadata-stripper.js';
import type { ImageFormat } from '../../../core/types.js';
import {
  animatedGif,
  animatedWebpWithPersonalData,
  gifWithPersonalData,
  insertJpegSegments,
  jpegWithPersonalData,
  noise,
  pngChunk,
  pngWithPersonalData,
} from './image-fixtures.js';
import { expectCode } from './expect-error.js';

const limits = { maxImagePixels: 100_000_000 };

function half(bytes: Buffer): Buffer {
  return bytes.subarray(0, Math.floor(bytes.length / 2));
}

describe('corrupt images', () => {
  it.each([
    ['JPEG', () => noise(300, 200).jpeg().toBuffer()],
    ['progressive JPEG', () => noise(300, 200).jpeg({ progressive: true }).toBuffer()],
    ['PNG', () => noise(300, 200).png().toBuffer()],
    ['GIF', () => animatedGif(4, 60)],
    ['still WebP', () => noise(300, 200).webp().toBuffer()],
    ['animated WebP', () => animatedWebpWithPersonalData(3, 60)],
  ])('refuses a %s cut at half as CORRUPT_IMAGE', async (_name, make) => {
    await expectCode(prepareImage(half(await make()), limits), 'CORRUPT_IMAGE');
  });

  it('refuses a JPEG header followed by garbage', async () => {
    const garbage = Buffer.alloc(4000);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919) & 0xff;
    const input = Buffer.concat([
      Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]),
      Buffer.from('JFIF\0', 'latin1'),
      garbage,
    ]);
    await expectCode(prepareImage(input, limits), 'CORRUPT_IMAGE');
  });

  it('refuses a PNG whose compressed image data is damaged inside an intact container', async () => {
    const png = await noise(120, 80).png().toBuffer();
    const idat = png.indexOf(Buffer.from('IDAT', 'latin1'));
    const length = png.readUInt32BE(idat - 4);
    const data = Buffer.from(png.subarray(idat + 4, idat + 4 + length));
    data.fill(0xff, 10, Math.min(60, data.length - 4));
    const rebuilt = Buffer.concat([
      png.subarray(0, idat - 4),
      pngChunk('IDAT', data),
      png.subarray(idat + 4 + length + 4),
    ]);
    await expectCode(prepareImage(rebuilt, limits), 'CORRUPT_IMAGE');
  });

  it('still accepts a JPEG that only triggers a harmless decoder warning (extraneous bytes before EOI)', async () => {
    const jpeg = await noise(120, 80).jpeg().toBuffer();
    const withJunk = Buffer.concat([
      jpeg.subarray(0, jpeg.length - 2),
      Buffer.from([1, 2, 3, 4, 5]),
      jpeg.subarray(jpeg.length - 2),
    ]);
    await expect(prepareImage(withJunk, limits)).resolves.toMatchObject({ format: 'jpeg', width: 120, height: 80 });
  });

  it.each([
    ['JPEG segment length of 0', Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0x00, 0x00, 0xff, 0xd9]), 'jpeg'],
    ['JPEG segment length past the end', Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0xff, 0xf0, 0x45, 0x78]), 'jpeg'],
    ['JPEG made only of fill bytes', Buffer.concat([Buffer.from([0xff, 0xd8]), Buffer.alloc(100, 0xff)]), 'jpeg'],
    [
      'PNG chunk length 0xFFFFFFFF',
      Buffer.concat([
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0xff, 0xff, 0xff]),
        Buffer.from('IHDR', 'latin1'),
        Buffer.alloc(20),
      ]),
      'png',
    ],
    [
      'PNG without IHDR first',
      Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IEND', Buffer.alloc(0))]),
      'png',
    ],
    [
      'WebP RIFF size past the end',
      Buffer.concat([
        Buffer.from('RIFF', 'latin1'),
        Buffer.from([0xff, 0xff, 0xff, 0x7f]),
        Buffer.from('WEBPVP8 ', 'latin1'),
        Buffer.alloc(12),
      ]),
      'webp',
    ],
    [
      'WebP chunk size past the RIFF end',
      Buffer.concat([
        Buffer.from('RIFF', 'latin1'),
        Buffer.from([20, 0, 0, 0]),
        Buffer.from('WEBPVP8 ', 'latin1'),
        Buffer.from([0xff, 0xff, 0xff, 0xff]),
        Buffer.alloc(8),
      ]),
      'webp',
    ],
    [
      'WebP without image data',
      Buffer.concat([
        Buffer.from('RIFF', 'latin1'),
        Buffer.from([16, 0, 0, 0]),
        Buffer.from('WEBPEXIF', 'latin1'),
        Buffer.from([4, 0, 0, 0]),
        Buffer.alloc(4),
      ]),
      'webp',
    ],
    [
      'GIF sub-block past the end',
      Buffer.concat([Buffer.from('GIF89a', 'latin1'), Buffer.from([1, 0, 1, 0, 0, 0, 0, 0x21, 0xfe, 0xf0, 1, 2])]),
      'gif',
    ],
    [
      'GIF with an unknown block',
      Buffer.concat([Buffer.from('GIF89a', 'latin1'), Buffer.from([1, 0, 1, 0, 0, 0, 0, 0x99])]),
      'gif',
    ],
    [
      'GIF without frames',
      Buffer.concat([Buffer.from('GIF89a', 'latin1'), Buffer.from([1, 0, 1, 0, 0, 0, 0, 0x3b])]),
      'gif',
    ],
  ] as const)('the container parser turns a %s into CORRUPT_IMAGE', (_name, bytes, format) => {
    expect(() => stripMetadata(bytes, format)).toThrow(expect.objectContaining({ code: 'CORRUPT_IMAGE' }));
  });

  it('the container parsers survive truncation at many points and random damage with CORRUPT_IMAGE or a result, never another error', async () => {
    const samples: Array<[ImageFormat, Buffer]> = [
      ['jpeg', await jpegWithPersonalData(40, 30)],
      ['jpeg', insertJpegSegments(await noise(40, 30).jpeg({ progressive: true }).toBuffer(), [])],
      ['png', await pngWithPersonalData()],
      ['gif', gifWithPersonalData(await animatedGif(3, 12))],
      ['webp', await animatedWebpWithPersonalData(2, 12)],
      [
        'webp',
        await noise(20, 20)
          .webp({ lossless: true })
          .withExif({ IFD0: { Make: 'x' } })
          .toBuffer(),
      ],
    ];
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const check = (format: ImageFormat, bytes: Buffer) => {
      try {
        stripMetadata(bytes, format);
      } catch (error) {
        expect(error).toBeInstanceOf(MaiimgError);
        expect((error as MaiimgError).code).toBe('CORRUPT_IMAGE');
      }
    };
    for (const [format, bytes] of samples) {
      const step = Math.max(1, Math.floor(bytes.length / 150));
      for (let length = 0; length < bytes.length; length += step) check(format, bytes.subarray(0, length));
      for (let length = bytes.length - 40; length < bytes.length; length++) check(format, bytes.subarray(0, length));
      for (let round = 0; round < 100; round++) {
        const damaged = Buffer.from(bytes);
        for (let hits = 0; hits < 4; hits++)
          damaged[Math.floor(random() * damaged.length)] = Math.floor(random() * 256);
        check(format, damaged);
      }
    }
  });
});
