import { createHash } from 'node:crypto';
import { MaiimgError } from '../errors.js';
import type { ImageFormat } from '../types.js';
import { renderUpright, renderWebp, type DecodeSource } from './display-renderer.js';
import { sniffImageFormat } from './format-sniffer.js';
import { carriesForeignFile } from './foreign-content.js';
import { formatMegapixels, inspectImage, swapsAxes } from './image-inspector.js';
import { stripMetadata } from './metadata-stripper.js';

export interface ImageLimits {
  /** Per still image, and per frame of an animation. */
  maxImagePixels: number;
  /** Most frames an animation may have (unlimited when absent). */
  maxAnimationFrames?: number;
  /** Most pixels of all an animation's frames together (unlimited when absent). */
  maxAnimationPixels?: number;
}

export interface PreparedImage {
  format: ImageFormat;
  /** As displayed, after orientation; one frame for animations. */
  width: number;
  height: number;
  animated: boolean;
  frames: number;
  /** Size of `cleaned`. */
  bytes: number;
  /** sha256 hex of `cleaned`. */
  hash: string;
  /** What the gallery serves as the "original": the upload without metadata, upright. */
  cleaned: Buffer;
  /** WebP, long edge at most 480 px (never enlarged), animation kept. */
  thumbnail: Buffer;
}

/**
 * Long edges of the WebP display versions: 480 for grid tiles on small screens, 1080 for tiles on
 * phones with dense screens (a 150 px tile at 3x needs 450 device pixels across, a portrait tile's
 * long edge more), 1600 for the lightbox. Rendered on first request, except the 480 at upload.
 */
export const DISPLAY_SIZES = [480, 1080, 1600] as const satisfies readonly [480, ...number[]];

const THUMBNAIL_EDGE = DISPLAY_SIZES[0];

/**
 * Validates one upload by its bytes, removes personal metadata without re-compressing, and renders
 * its thumbnail.
 *
 * @throws MaiimgError UNSUPPORTED_FORMAT (not PNG/JPEG/GIF/WebP by content), CORRUPT_IMAGE
 *   (truncated or undecodable), IMAGE_TOO_LARGE (`{ pixels, limit }` as e.g. "144 MP", per frame,
 *   or all frames of an animation together), TOO_MANY_FRAMES (`{ frames, limit }`).
 */
export async function prepareImage(input: Buffer, limits: ImageLimits): Promise<PreparedImage> {
  const format = await sniffImageFormat(input);
  // Structural validation happens here, before sharp sees the bytes.
  const stripped = stripMetadata(input, format);
  const header = await inspectImage(input, format, limits.maxImagePixels);
  const frames = header.pages > 1 ? header.pages : Math.max(1, stripped.containerFrames ?? 1);
  const animated = frames > 1;
  if (animated) checkAnimation(frames, header.width * header.frameHeight, limits);
  // Turning an animation would need a per-frame re-encode sharp cannot do; its orientation tag is simply dropped.
  const rotate = header.orientation !== 1 && !animated;
  // A file that is also another kind of file (a JPEG followed by a ZIP, a ZIP inside a kept colour
  // segment...) is written anew by the encoder, so what the gallery serves is only the picture.
  const rewrite = rotate || carriesForeignFile(stripped.bytes);
  const source: DecodeSource = {
    input: stripped.bytes,
    pages: header.pages,
    animated,
    orient: false,
    maxImagePixels: limits.maxImagePixels,
  };

  let cleaned: Buffer;
  let thumbnail: Buffer;
  if (rewrite) {
    // The orientation lives in the EXIF just stripped, so a turn reads the upload itself.
    const oriented: DecodeSource = rotate ? { ...source, input, orient: true } : source;
    [cleaned, thumbnail] = await Promise.all([
      renderUpright(oriented, { format, lossless: stripped.lossless, chromaSubsampling: header.chromaSubsampling }),
      renderWebp(oriented, THUMBNAIL_EDGE),
    ]);
  } else {
    cleaned = stripped.bytes;
    const rendering = renderWebp(source, THUMBNAIL_EDGE);
    // Hashing overlaps the decode, which runs on libuv's thread pool.
    const hash = sha256(cleaned);
    thumbnail = await rendering;
    return result(format, header.width, header.frameHeight, animated, frames, cleaned, hash, thumbnail);
  }
  const [width, height] =
    rotate && swapsAxes(header.orientation) ? [header.frameHeight, header.width] : [header.width, header.frameHeight];
  return result(format, width, height, animated, frames, cleaned, sha256(cleaned), thumbnail);
}

/**
 * Refuses animations that would cost far more to decode than their file size suggests: thousands
 * of small frames, or frames that add up to more pixels than the largest still image allowed.
 * Decided from the header, before any frame is decoded.
 */
function checkAnimation(frames: number, framePixels: number, limits: ImageLimits): void {
  if (limits.maxAnimationFrames !== undefined && frames > limits.maxAnimationFrames) {
    throw new MaiimgError('TOO_MANY_FRAMES', { frames, limit: limits.maxAnimationFrames });
  }
  const total = frames * framePixels;
  if (limits.maxAnimationPixels !== undefined && total > limits.maxAnimationPixels) {
    throw new MaiimgError('IMAGE_TOO_LARGE', {
      pixels: formatMegapixels(total),
      limit: formatMegapixels(limits.maxAnimationPixels),
    });
  }
}

function result(
  format: ImageFormat,
  width: number,
  height: number,
  animated: boolean,
  frames: number,
  cleaned: Buffer,
  hash: string,
  thumbnail: Buffer,
): PreparedImage {
  return { format, width, height, animated, frames, bytes: cleaned.length, hash, cleaned, thumbnail };
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * WebP display version of an already-cleaned image: long edge at most `longEdge`, never enlarged,
 * animation kept. Re-checks format and pixel limit, since stored bytes are read back from a blob store.
 */
export async function renderDisplayVersion(cleaned: Buffer, longEdge: number, limits: ImageLimits): Promise<Buffer> {
  const format = await sniffImageFormat(cleaned);
  const header = await inspectImage(cleaned, format, limits.maxImagePixels);
  const animated = header.pages > 1;
  return renderWebp(
    {
      input: cleaned,
      pages: header.pages,
      animated,
      orient: header.orientation !== 1 && !animated,
      maxImagePixels: limits.maxImagePixels,
    },
    longEdge,
  );
}

const MIME_TYPES: Record<ImageFormat, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
};

const EXTENSIONS: Record<ImageFormat, string> = {
  png: 'png',
  jpeg: 'jpg',
  gif: 'gif',
  webp: 'webp',
};

/** The MIME type the gallery serves a format with. */
export function mimeTypeOf(format: ImageFormat): string {
  return MIME_TYPES[format];
}

/** File extension (no dot) for downloads: png, jpg, gif, webp. */
export function extensionOf(format: ImageFormat): string {
  return EXTENSIONS[format];
}
