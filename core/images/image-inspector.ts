import type { Metadata } from 'sharp';
import { MaiimgError } from '../errors.js';
import type { ImageFormat } from '../types.js';
import { corrupt } from './container-bytes.js';
import { requireSharp } from './sharp-loader.js';
import { isPixelLimitError } from './sharp-input.js';

const sharp = requireSharp();

export interface ImageHeader {
  /** Stored width and height of one frame (before EXIF orientation). */
  width: number;
  frameHeight: number;
  pages: number;
  /** EXIF orientation 1-8; 1 when absent or out of range. */
  orientation: number;
  chromaSubsampling: string | undefined;
}

/** "144 MP": the unit senders understand; a few significant digits so 100.4 MP is not shown as the 100 MP limit. */
export function formatMegapixels(pixels: number): string {
  const megapixels = pixels / 1_000_000;
  return `${megapixels >= 1000 ? Math.round(megapixels) : Number(megapixels.toPrecision(4))} MP`;
}

function tooLarge(pixels: number, limit: number): MaiimgError {
  return new MaiimgError('IMAGE_TOO_LARGE', { pixels: formatMegapixels(pixels), limit: formatMegapixels(limit) });
}

async function readMetadata(input: Buffer | string, limitInputPixels: number | false): Promise<Metadata> {
  return sharp(input, { limitInputPixels }).metadata();
}

/**
 * Reads dimensions from the header only (no pixel decoding) and refuses pixel bombs before any
 * decode. For animations the limit applies to one frame, not the whole strip.
 */
export async function inspectImage(
  input: Buffer | string,
  format: ImageFormat,
  maxImagePixels: number,
): Promise<ImageHeader> {
  let metadata: Metadata;
  try {
    metadata = await readMetadata(input, maxImagePixels);
  } catch (error) {
    if (!isPixelLimitError(error)) throw corrupt('unreadable image header', error);
    // Only to phrase the refusal: still a header read, and the image is refused right after.
    const unfenced = await readMetadata(input, false).catch((cause: unknown) => {
      throw corrupt('unreadable image header', cause);
    });
    throw tooLarge(unfenced.width * (unfenced.pageHeight ?? unfenced.height), maxImagePixels);
  }
  if (metadata.format !== format || !(metadata.width > 0) || !(metadata.height > 0)) {
    throw corrupt(`header says ${String(metadata.format)} ${metadata.width}x${metadata.height}`);
  }
  const frameHeight = metadata.pageHeight ?? metadata.height;
  const pixels = metadata.width * frameHeight;
  if (pixels > maxImagePixels) throw tooLarge(pixels, maxImagePixels);
  const orientation =
    metadata.orientation && metadata.orientation >= 1 && metadata.orientation <= 8 ? metadata.orientation : 1;
  return {
    width: metadata.width,
    frameHeight,
    pages: Math.max(1, metadata.pages ?? 1),
    orientation,
    chromaSubsampling: metadata.chromaSubsampling,
  };
}

/** Orientations 5-8 turn the picture a quarter, so its displayed width and height trade places. */
export function swapsAxes(orientation: number): boolean {
  return orientation >= 5;
}
