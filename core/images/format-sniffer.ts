import { MaiimgError } from '../errors.js';
import type { ImageFormat } from '../types.js';
import { corrupt } from './container-bytes.js';

/** Enough for file-type to see past a PNG's IHDR to an acTL or IDAT chunk; all the sniffing reads. */
export const SNIFF_HEAD_BYTES = 64 * 1024;

const FORMAT_BY_MIME: Record<string, ImageFormat> = {
  'image/png': 'png',
  'image/apng': 'png',
  'image/jpeg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

/**
 * The format the bytes really are; names and claimed MIME types are never consulted, so an SVG
 * renamed to .png can never reach sharp (which would happily rasterise it).
 */
export async function sniffImageFormat(input: Buffer): Promise<ImageFormat> {
  const certain = certainFormat(input);
  if (certain) return certain;
  // Loaded only for what the signatures above do not settle: it takes as long to load as a photo takes to decode.
  const { fileTypeFromBuffer } = await import('file-type');
  const detected = await fileTypeFromBuffer(input.subarray(0, SNIFF_HEAD_BYTES));
  const format = detected ? FORMAT_BY_MIME[detected.mime] : undefined;
  if (!format) {
    if (!detected && isDamagedPngOrJpeg(input)) throw corrupt('damaged PNG or JPEG signature');
    throw new MaiimgError('UNSUPPORTED_FORMAT', {});
  }
  return format;
}

/**
 * JPEG and GIF by the signatures file-type itself decides them by, with the same answer: no other
 * type it knows starts with these bytes (FF D8 FF F7 is JPEG-LS, which it names apart). Everything
 * else (PNG and APNG need their chunks walked, WebP its RIFF form) is left to file-type.
 */
function certainFormat(input: Buffer): ImageFormat | null {
  if (input.length >= 4 && input[0] === 0xff && input[1] === 0xd8 && input[2] === 0xff && input[3] !== 0xf7) {
    return 'jpeg';
  }
  if (input.length >= 3 && input[0] === 0x47 && input[1] === 0x49 && input[2] === 0x46) return 'gif';
  return null;
}

const PNG_NAME = Buffer.from('\x89PNG', 'latin1');
const JPEG_APP_NAMES = [Buffer.from('JFIF\0', 'latin1'), Buffer.from('Exif\0', 'latin1')];

/** SOI followed, after a stray byte or two, by a real JPEG marker (tables, frame or APPn). */
function startsWithMarkerSoon(input: Buffer): boolean {
  for (let at = 2; at < 6 && at + 1 < input.length; at++) {
    if (input[at] === 0xff && input[at + 1] >= 0xc0 && input[at + 1] <= 0xfe) return true;
  }
  return false;
}

/**
 * A PNG or JPEG whose signature was damaged, most often by a text-mode transfer turning line ends
 * into CR LF (or back): it is a photo the sender has, just broken, so it is reported as damaged
 * rather than as a kind of file we do not take.
 */
function isDamagedPngOrJpeg(input: Buffer): boolean {
  if (input.subarray(0, 4).equals(PNG_NAME)) return input.subarray(4, 24).includes('IHDR');
  if (input[0] === 0xff && input[1] === 0xd8) {
    const head = input.subarray(2, 32);
    return JPEG_APP_NAMES.some((name) => head.includes(name)) || startsWithMarkerSoon(input);
  }
  return false;
}
