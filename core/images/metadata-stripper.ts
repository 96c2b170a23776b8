import type { ImageFormat } from '../types.js';
import { BufferByteSource, type ByteSource, type Piece } from './byte-source.js';
import { stripGif } from './gif-stripper.js';
import { stripJpeg } from './jpeg-stripper.js';
import { stripPng } from './png-stripper.js';
import { stripWebp } from './webp-stripper.js';

export interface StripPlan {
  /** The upload without metadata, as ranges of it and the few bytes rewritten: same pixels and compressed data. */
  pieces: Piece[];
  /** Animation frames the container declares when sharp cannot count them itself (APNG). */
  containerFrames: number | null;
  /** Whether a re-encode should be lossless to stay faithful (WebP VP8L, PNG). */
  lossless: boolean;
}

export interface StrippedImage extends Omit<StripPlan, 'pieces'> {
  /** Same pixels and compressed data as the upload, without metadata. */
  bytes: Buffer;
}

/**
 * Removes EXIF, XMP, IPTC, comments and timestamps at the container level, so the served file keeps
 * its original compressed pixels. Reads only the container's structure through `input`, so an
 * upload on disk is cleaned without being held in memory. Throws CORRUPT_IMAGE on any structural
 * inconsistency.
 */
export function planStrip(input: ByteSource, format: ImageFormat): StripPlan {
  switch (format) {
    case 'jpeg':
      return { pieces: coalesce(stripJpeg(input)), containerFrames: null, lossless: false };
    case 'png': {
      const png = stripPng(input);
      return { pieces: coalesce(png.pieces), containerFrames: png.apngFrames, lossless: true };
    }
    case 'gif':
      return { pieces: coalesce(stripGif(input).pieces), containerFrames: null, lossless: true };
    case 'webp': {
      const webp = stripWebp(input);
      return { pieces: coalesce(webp.pieces), containerFrames: null, lossless: webp.lossless };
    }
  }
}

/** {@link planStrip} for bytes in memory: the cleaned bytes are the input itself when nothing was removed. */
export function stripMetadata(input: Buffer, format: ImageFormat): StrippedImage {
  const source = new BufferByteSource(input);
  const { pieces, ...plan } = planStrip(source, format);
  return { bytes: source.join(pieces), ...plan };
}

/** Adjacent ranges as one: a JPEG is dozens of kept segments, written out in a few large reads. */
function coalesce(pieces: Piece[]): Piece[] {
  const out: Piece[] = [];
  for (const piece of pieces) {
    const last = out[out.length - 1];
    if (!Buffer.isBuffer(piece) && last && !Buffer.isBuffer(last) && last.to === piece.from) {
      out[out.length - 1] = { from: last.from, to: piece.to };
    } else {
      out.push(piece);
    }
  }
  return out;
}
