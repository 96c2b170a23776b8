import { fileTypeFromBuffer } from 'file-type';
import { MaiimgError } from '../errors.js';
import type { ImageFormat } from '../types.js';

/** Enough for file-type to see past a PNG's IHDR to an acTL or IDAT chunk. */
const HEAD_BYTES = 64 * 1024;

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
  const detected = await fileTypeFromBuffer(input.subarray(0, HEAD_BYTES));
  const format = detected ? FORMAT_BY_MIME[detected.mime] : undefined;
  if (!format) throw new MaiimgError('UNSUPPORTED_FORMAT', {});
  return format;
}
