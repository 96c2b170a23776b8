import type { Sharp } from 'sharp';
import { MaiimgError } from '../errors.js';
import type { ImageFormat } from '../types.js';
import { corrupt } from './container-bytes.js';
import { formatMegapixels } from './image-inspector.js';
import { decodeOptions, isPixelLimitError } from './sharp-input.js';
import { requireSharp } from './sharp-loader.js';

const sharp = requireSharp();

export interface DecodeSource {
  /** The encoded image, in memory or as a file path (libvips then reads the file itself, as it needs it). */
  input: Buffer | string;
  pages: number;
  animated: boolean;
  /** Apply EXIF orientation (only ever set for still images: sharp cannot turn an animation a quarter). */
  orient: boolean;
  maxImagePixels: number;
}

function decodeFailure(error: unknown, source: DecodeSource): MaiimgError {
  if (error instanceof MaiimgError) return error;
  if (isPixelLimitError(error)) {
    return new MaiimgError(
      'IMAGE_TOO_LARGE',
      { pixels: 'unknown', limit: formatMegapixels(source.maxImagePixels) },
      { cause: error },
    );
  }
  return corrupt('image data cannot be decoded', error);
}

function open(source: DecodeSource): Sharp {
  const image = sharp(source.input, decodeOptions(source.maxImagePixels, source.pages, source.animated));
  return source.orient ? image.autoOrient() : image;
}

/**
 * A WebP whose long edge is at most `longEdge`, never enlarged, animation kept. Resizing straight
 * from the encoded input lets libjpeg shrink on load, and decoding every frame in full is what
 * exposes truncated or damaged data.
 */
export async function renderWebp(source: DecodeSource, longEdge: number): Promise<Buffer> {
  try {
    return await open(source)
      .resize({ width: longEdge, height: longEdge, fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 80 })
      .toBuffer();
  } catch (error) {
    throw decodeFailure(error, source);
  }
}

export interface UprightOptions {
  format: ImageFormat;
  lossless: boolean;
  chromaSubsampling: string | undefined;
}

/**
 * The one accepted re-encode: when EXIF orientation is not 1 the pixels must be turned, since the
 * EXIF that told viewers to do so is removed. Same format, high quality, colour profile kept.
 */
export async function renderUpright(source: DecodeSource, options: UprightOptions): Promise<Buffer> {
  try {
    return await uprightPipeline(source, options).toBuffer();
  } catch (error) {
    throw decodeFailure(error, source);
  }
}

/** {@link renderUpright} written to the file `output` instead of memory. */
export async function renderUprightToFile(
  source: DecodeSource,
  options: UprightOptions,
  output: string,
): Promise<void> {
  try {
    await uprightPipeline(source, options).toFile(output);
  } catch (error) {
    throw decodeFailure(error, source);
  }
}

function uprightPipeline(source: DecodeSource, options: UprightOptions): Sharp {
  const image = open(source).keepIccProfile();
  switch (options.format) {
    case 'jpeg':
      return image.jpeg({
        quality: 95,
        mozjpeg: true,
        chromaSubsampling: options.chromaSubsampling === '4:4:4' ? '4:4:4' : '4:2:0',
      });
    case 'png':
      return image.png();
    case 'webp':
      return image.webp(options.lossless ? { lossless: true } : { quality: 95 });
    case 'gif':
      return image.gif();
  }
}
