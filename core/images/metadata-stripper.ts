import type { ImageFormat } from '../types.js';
import { stripGif } from './gif-stripper.js';
import { stripJpeg } from './jpeg-stripper.js';
import { stripPng } from './png-stripper.js';
import { stripWebp } from './webp-stripper.js';

export interface StrippedImage {
  /** Same pixels and compressed data as the upload, without metadata. */
  bytes: Buffer;
  /** Animation frames the container declares when sharp cannot count them itself (APNG). */
  containerFrames: number | null;
  /** Whether a re-encode should be lossless to stay faithful (WebP VP8L, PNG). */
  lossless: boolean;
}

/**
 * Removes EXIF, XMP, IPTC, comments and timestamps at the container level, so the served file keeps
 * its original compressed pixels. Throws CORRUPT_IMAGE on any structural inconsistency.
 */
export function stripMetadata(input: Buffer, format: ImageFormat): StrippedImage {
  switch (format) {
    case 'jpeg':
      return { bytes: stripJpeg(input), containerFrames: null, lossless: false };
    case 'png': {
      const png = stripPng(input);
      return { bytes: png.bytes, containerFrames: png.apngFrames, lossless: true };
    }
    case 'gif': {
      const gif = stripGif(input);
      return { bytes: gif.bytes, containerFrames: null, lossless: true };
    }
    case 'webp': {
      const webp = stripWebp(input);
      return { bytes: webp.bytes, containerFrames: null, lossless: webp.lossless };
    }
  }
}
