import { PassThrough } from 'node:stream';
import { createDeflate } from 'node:zlib';
import { ZipArchive } from 'archiver';
import sharp from 'sharp';
import type { ErrorCode } from '../../core/errors.js';
import { flatFrames, insertJpegSegments, noise, pngChunk } from '../core/images/image-fixtures.js';

/**
 * The hostile-input corpus, built at run time (nothing binary is checked in). Each entry says what
 * the product must answer: a refusal code, or acceptance (with what the served file must not carry).
 */

export interface HostileFile {
  name: string;
  bytes: Buffer;
  /** The refusal code, or null when the file is a valid picture that must be served cleaned. */
  code: ErrorCode | null;
  why: string;
}

const half = (bytes: Buffer) => bytes.subarray(0, Math.floor(bytes.length / 2));

function damaged(bytes: Buffer, edit: (copy: Buffer) => void): Buffer {
  const copy = Buffer.from(bytes);
  edit(copy);
  return copy;
}

/** A real ZIP archive holding a web page: what a polyglot smuggles. */
export async function zipArchive(): Promise<Buffer> {
  const archive = new ZipArchive({ zlib: { level: 1 } });
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((resolve, reject) => {
    sink.on('end', () => resolve());
    archive.on('error', reject);
  });
  archive.pipe(sink);
  archive.append('<html><script>alert(document.cookie)</script></html>', { name: 'evil.html' });
  archive.append('#!/bin/sh\necho owned\n', { name: 'run.sh' });
  await archive.finalize();
  await ended;
  return Buffer.concat(chunks);
}

export const ZIP_LOCAL_HEADER = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
export const ZIP_END_OF_DIRECTORY = Buffer.from([0x50, 0x4b, 0x05, 0x06]);

/**
 * A 30000 x 30000 PNG (900 megapixels) in about 100 KB: one-bit grey rows of zeros, deflated as a
 * stream so the 112 MB of raw rows never sit in memory at once.
 */
export async function pngBomb(side = 30_000): Promise<Buffer> {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(side, 0);
  header.writeUInt32BE(side, 4);
  header[8] = 1; // bit depth
  header[9] = 0; // greyscale
  const rowBytes = 1 + Math.ceil(side / 8);
  const deflate = createDeflate({ level: 9 });
  const out: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => out.push(chunk));
  const done = new Promise<void>((resolve) => deflate.on('end', () => resolve()));
  const rowsPerChunk = 256;
  const chunk = Buffer.alloc(rowBytes * rowsPerChunk);
  for (let written = 0; written < side; written += rowsPerChunk) {
    const rows = Math.min(rowsPerChunk, side - written);
    if (!deflate.write(rows === rowsPerChunk ? chunk : chunk.subarray(0, rows * rowBytes))) {
      await new Promise((resolve) => deflate.once('drain', resolve));
    }
  }
  deflate.end();
  await done;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', Buffer.concat(out)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A GIF of `frames` small frames, each a different colour so the encoder keeps them all. */
export async function manyFramesGif(frames: number, side = 16): Promise<Buffer> {
  return flatFrames(side, side, frames).gif({ effort: 1 }).toBuffer();
}

/**
 * A JPEG whose EXIF is hostile: one APP1 with an IFD entry claiming a 4 GB ImageDescription, and
 * one filling a whole 64 KB segment with a single description.
 */
export async function jpegWithOversizedExif(marker: string): Promise<Buffer> {
  const jpeg = await noise(120, 80).jpeg().toBuffer();
  const segment = (payload: Buffer) => {
    const head = Buffer.from([0xff, 0xe1, 0, 0]);
    head.writeUInt16BE(payload.length + 2, 2);
    return Buffer.concat([head, payload]);
  };
  const tiff = (count: number, value: Buffer) => {
    const ifd = Buffer.alloc(8 + 2 + 12 + 4);
    ifd.write('II*\0', 0, 'latin1');
    ifd.writeUInt32LE(8, 4);
    ifd.writeUInt16LE(1, 8);
    ifd.writeUInt16LE(0x010e, 10); // ImageDescription
    ifd.writeUInt16LE(2, 12); // ASCII
    ifd.writeUInt32LE(count, 14);
    ifd.writeUInt32LE(ifd.length, 18);
    return Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), ifd, value]);
  };
  const lying = tiff(0xfffffff0, Buffer.from(`${marker}-claims-4GB\0`, 'latin1'));
  const text = Buffer.from(`${marker}-`.padEnd(65_000, 'x') + '\0', 'latin1');
  const huge = tiff(text.length, text);
  return insertJpegSegments(jpeg, [segment(lying), segment(huge)]);
}

/** A JPEG with a ZIP inside its JFIF segment (after the JFIF header), which a metadata stripper keeps. */
export async function jpegWithZipInJfif(zip: Buffer): Promise<Buffer> {
  const jpeg = await noise(40, 30).jpeg().toBuffer();
  const jfif = Buffer.from([0x4a, 0x46, 0x49, 0x46, 0x00, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
  const payload = Buffer.concat([jfif, zip]);
  const head = Buffer.from([0xff, 0xe0, 0, 0]);
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), head, payload, jpeg.subarray(2)]);
}

/** Offset of the first frame's LZW minimum code size byte (after the colour tables and extensions). */
function firstGifFrameCodeSize(gif: Buffer): number {
  const tableSize = (packed: number) => (packed & 0x80 ? 3 * (1 << ((packed & 7) + 1)) : 0);
  let pos = 13 + tableSize(gif[10]!);
  while (gif[pos] === 0x21) {
    pos += 2;
    while (gif[pos] !== 0) pos += 1 + gif[pos]!;
    pos += 1;
  }
  if (gif[pos] !== 0x2c) throw new Error('no GIF image descriptor found');
  return pos + 10 + tableSize(gif[pos + 9]!);
}

/** Every hostile file, with the answer it must get. */
export async function hostileCorpus(): Promise<HostileFile[]> {
  const jpeg = await noise(200, 150).jpeg().toBuffer();
  const png = await noise(200, 150).png().toBuffer();
  const gif = await noise(200, 150).gif().toBuffer();
  const webp = await noise(200, 150).webp().toBuffer();
  const zip = await zipArchive();
  const dht = jpeg.indexOf(Buffer.from([0xff, 0xc4]));
  const vp8 = webp.indexOf(Buffer.from('VP8 ', 'latin1'));
  const lzwCodeSize = firstGifFrameCodeSize(gif);

  return [
    { name: 'truncated.jpg', bytes: half(jpeg), code: 'CORRUPT_IMAGE', why: 'JPEG cut in half' },
    { name: 'truncated.png', bytes: half(png), code: 'CORRUPT_IMAGE', why: 'PNG cut in half' },
    { name: 'truncated.gif', bytes: half(gif), code: 'CORRUPT_IMAGE', why: 'GIF cut in half' },
    { name: 'truncated.webp', bytes: half(webp), code: 'CORRUPT_IMAGE', why: 'WebP cut in half' },
    {
      name: 'bad-huffman.jpg',
      bytes: damaged(jpeg, (b) => b.fill(0xee, dht + 5, dht + 21)),
      code: 'CORRUPT_IMAGE',
      why: 'JPEG with a bogus Huffman table',
    },
    {
      name: 'bad-deflate.png',
      bytes: damaged(png, (b) => b.fill(0x5a, png.length >> 1, (png.length >> 1) + 64)),
      code: 'CORRUPT_IMAGE',
      why: 'PNG with garbage in its image data',
    },
    {
      name: 'bad-lzw.gif',
      bytes: damaged(gif, (b) => (b[lzwCodeSize] = 0x0f)),
      code: 'CORRUPT_IMAGE',
      why: 'GIF with an impossible LZW code size',
    },
    {
      name: 'bad-frame.webp',
      bytes: damaged(webp, (b) => b.fill(0x55, vp8 + 11, vp8 + 14)),
      code: 'CORRUPT_IMAGE',
      why: 'WebP with a broken VP8 frame header',
    },
    { name: 'bomb.png', bytes: await pngBomb(), code: 'IMAGE_TOO_LARGE', why: '30000 x 30000 PNG' },
    {
      name: 'thousands-of-frames.gif',
      bytes: await manyFramesGif(3000),
      code: 'TOO_MANY_FRAMES',
      why: 'GIF with 3000 frames',
    },
    {
      name: 'script.svg',
      bytes: Buffer.from(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="alert(1)"><script>alert(document.domain)</script></svg>',
      ),
      code: 'UNSUPPORTED_FORMAT',
      why: 'SVG carrying script',
    },
    {
      name: 'page.jpg',
      bytes: Buffer.from('<!doctype html><html><body><script>alert(1)</script></body></html>'),
      code: 'UNSUPPORTED_FORMAT',
      why: 'HTML renamed .jpg',
    },
    { name: 'archive.jpg', bytes: zip, code: 'UNSUPPORTED_FORMAT', why: 'ZIP renamed .jpg' },
    { name: 'polyglot.jpg', bytes: Buffer.concat([jpeg, zip]), code: null, why: 'JPEG followed by a ZIP' },
    { name: 'zip-in-jfif.jpg', bytes: await jpegWithZipInJfif(zip), code: null, why: 'ZIP inside the JFIF segment' },
    { name: 'polyglot.png', bytes: Buffer.concat([png, zip]), code: null, why: 'PNG followed by a ZIP' },
    {
      name: 'oversized-exif.jpg',
      bytes: await jpegWithOversizedExif('HOSTILE-EXIF'),
      code: null,
      why: 'EXIF claiming a 4 GB field, and a 64 KB one',
    },
  ];
}

/** Whether sharp can decode the bytes as a picture of the given format. */
export async function decodesAs(bytes: Buffer, format: string): Promise<boolean> {
  try {
    const { info } = await sharp(bytes, { failOn: 'error' }).raw().toBuffer({ resolveWithObject: true });
    return info.width > 0 && (await sharp(bytes).metadata()).format === format;
  } catch {
    return false;
  }
}
