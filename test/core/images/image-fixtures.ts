import { deflateSync } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';

/** Test images are generated at run time: no binary fixtures in the repository. */

export function noise(width: number, height: number, pageHeight?: number): Sharp {
  // sharp's types require a background; with noise present it is ignored.
  return sharp({
    create: {
      width,
      height,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 50 },
      ...(pageHeight ? { pageHeight } : {}),
    },
  });
}

/** Cheap to encode at large sizes, for tests about geometry rather than pixels. */
export function flat(width: number, height: number, pageHeight?: number): Sharp {
  return sharp({
    create: { width, height, channels: 3, background: '#4080c0', ...(pageHeight ? { pageHeight } : {}) },
  });
}

/** An animation whose frames are flat but different colours, so encoders cannot merge them. */
export function flatFrames(width: number, frameHeight: number, frames: number): Sharp {
  const raw = Buffer.alloc(width * frameHeight * frames * 3);
  for (let frame = 0; frame < frames; frame++) {
    raw.fill(
      Buffer.from([40 * frame, 255 - 40 * frame, 128]),
      frame * width * frameHeight * 3,
      (frame + 1) * width * frameHeight * 3,
    );
  }
  return sharp(raw, { raw: { width, height: frameHeight * frames, channels: 3, pageHeight: frameHeight } });
}

export const CAMERA_MAKE = 'AcmeCamCorp';
export const CAMERA_MODEL = 'SpyShooter9000';
export const CAMERA_SERIAL = 'SN-778899-XYZ';
export const TAKEN_AT = '2024:05:06 07:08:09';
export const COMMENT = 'meet me at the old oak tree';
export const XMP_SECRET = 'xmp-secret-location';
export const IPTC_SECRET = 'iptc-byline-jane';

export const PERSONAL_STRINGS = [
  CAMERA_MAKE,
  CAMERA_MODEL,
  CAMERA_SERIAL,
  TAKEN_AT,
  COMMENT,
  XMP_SECRET,
  IPTC_SECRET,
  'Exif',
];

export const EXIF = {
  IFD0: { Make: CAMERA_MAKE, Model: CAMERA_MODEL, DateTime: TAKEN_AT, ImageDescription: COMMENT },
  IFD2: { BodySerialNumber: CAMERA_SERIAL, DateTimeOriginal: TAKEN_AT },
  IFD3: {
    GPSLatitudeRef: 'N',
    GPSLatitude: '51/1 30/1 2600/100',
    GPSLongitudeRef: 'W',
    GPSLongitude: '0/1 7/1 3900/100',
  },
};

export const XMP = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:source="${XMP_SECRET}"/></rdf:RDF></x:xmpmeta>`;

function jpegSegment(marker: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header[0] = 0xff;
  header[1] = marker;
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([header, payload]);
}

/** Puts segments right after SOI (and after APP0 JFIF when present, like real writers do). */
export function insertJpegSegments(jpeg: Buffer, segments: Buffer[]): Buffer {
  let at = 2;
  if (jpeg[2] === 0xff && jpeg[3] === 0xe0) at = 4 + jpeg.readUInt16BE(4);
  return Buffer.concat([jpeg.subarray(0, at), ...segments, jpeg.subarray(at)]);
}

export function commentSegment(text: string): Buffer {
  return jpegSegment(0xfe, Buffer.from(text, 'latin1'));
}

export function iptcSegment(text: string): Buffer {
  return jpegSegment(
    0xed,
    Buffer.concat([Buffer.from('Photoshop 3.0\0', 'latin1'), Buffer.from(`8BIM\x04\x04\0\0${text}`, 'latin1')]),
  );
}

export function appSegment(n: number, text: string): Buffer {
  return jpegSegment(0xe0 + n, Buffer.from(text, 'latin1'));
}

/** A photo as a phone would send it: EXIF with GPS, camera and times, XMP, IPTC and a comment. */
export async function jpegWithPersonalData(width = 96, height = 64, orientation?: number): Promise<Buffer> {
  let image = noise(width, height).jpeg({ quality: 90 }).withExif(EXIF).withXmp(XMP);
  if (orientation) image = image.withMetadata({ orientation });
  const jpeg = await image.toBuffer();
  return insertJpegSegments(jpeg, [commentSegment(COMMENT), iptcSegment(IPTC_SECRET), appSegment(3, 'vendor')]);
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

/** Inserts chunks right after IHDR. */
export function insertPngChunks(png: Buffer, chunks: Buffer[]): Buffer {
  const afterIhdr = 8 + 12 + 13;
  return Buffer.concat([png.subarray(0, afterIhdr), ...chunks, png.subarray(afterIhdr)]);
}

export async function pngWithPersonalData(): Promise<Buffer> {
  const png = await noise(50, 40).png().toBuffer();
  const exif = await sharp(await noise(8, 8).jpeg().withExif(EXIF).toBuffer()).metadata();
  const tiff = exif.exif!.subarray(6); // the eXIf chunk holds the TIFF structure without the "Exif\0\0" prefix
  return insertPngChunks(png, [
    pngChunk('tEXt', Buffer.from(`Comment\0${COMMENT}`, 'latin1')),
    pngChunk('iTXt', Buffer.from(`XML:com.adobe.xmp\0\0\0\0\0${XMP}`, 'utf8')),
    pngChunk('zTXt', Buffer.concat([Buffer.from('Author\0\0', 'latin1'), deflateSync(Buffer.from(CAMERA_SERIAL))])),
    pngChunk('tIME', Buffer.from([0x07, 0xe8, 5, 6, 7, 8, 9])),
    pngChunk('eXIf', tiff),
    pngChunk('pHYs', Buffer.from([0, 0, 0x0b, 0x13, 0, 0, 0x0b, 0x13, 1])),
  ]);
}

/**
 * A real, decodable 20000 x 20000 PNG (400 MP) of one colour. Built by hand as a 1-bit palette image
 * because having sharp encode 400 MP takes minutes on a busy two-core machine.
 */
export function pngPixelBomb(side = 20000): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 3; // palette
  const rowBytes = 1 + Math.ceil(side / 8);
  const raw = Buffer.alloc(rowBytes * side); // filter 0, palette index 0 everywhere
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('PLTE', Buffer.from([0x33, 0x66, 0x99])),
    pngChunk('IDAT', deflateSync(raw, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

export async function animatedGif(frames = 4, side = 40): Promise<Buffer> {
  return noise(side, side * frames, side)
    .gif({ loop: 0, delay: new Array<number>(frames).fill(100) })
    .toBuffer();
}

function gifSubBlocks(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < data.length; at += 255) {
    const piece = data.subarray(at, at + 255);
    parts.push(Buffer.from([piece.length]), piece);
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

/** Adds a comment extension and an XMP application extension before the first frame. */
export function gifWithPersonalData(gif: Buffer): Buffer {
  const packed = gif[10];
  const afterColourTable = 13 + (packed & 0x80 ? 3 * (1 << ((packed & 7) + 1)) : 0);
  const comment = Buffer.concat([Buffer.from([0x21, 0xfe]), gifSubBlocks(Buffer.from(COMMENT, 'latin1'))]);
  const xmp = Buffer.concat([
    Buffer.from([0x21, 0xff, 11]),
    Buffer.from('XMP DataXMP', 'latin1'),
    gifSubBlocks(Buffer.from(XMP, 'utf8')),
  ]);
  return Buffer.concat([gif.subarray(0, afterColourTable), comment, xmp, gif.subarray(afterColourTable)]);
}

export async function animatedWebpWithPersonalData(frames = 3, side = 40): Promise<Buffer> {
  return noise(side, side * frames, side)
    .webp({ loop: 0, delay: new Array<number>(frames).fill(100) })
    .withExif(EXIF)
    .withXmp(XMP)
    .toBuffer();
}

export function webpChunks(webp: Buffer): string[] {
  const names: string[] = [];
  for (let at = 12; at + 8 <= webp.length;) {
    names.push(webp.toString('latin1', at, at + 4));
    const size = webp.readUInt32LE(at + 4);
    at += 8 + size + (size & 1);
  }
  return names;
}

export function pngChunkTypes(png: Buffer): string[] {
  const types: string[] = [];
  for (let at = 8; at + 12 <= png.length; at += 12 + png.readUInt32BE(at))
    types.push(png.toString('latin1', at + 4, at + 8));
  return types;
}

export async function rawPixels(image: Buffer, animated = false): Promise<Buffer> {
  return sharp(image, { animated, limitInputPixels: false }).raw().toBuffer();
}

export function containsText(haystack: Buffer, needle: string): boolean {
  return haystack.includes(Buffer.from(needle, 'latin1'));
}
