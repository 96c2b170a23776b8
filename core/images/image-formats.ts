import type { ImageFormat } from '../types.js';

// What the rest of the product needs to know about image formats and display sizes, apart from the
// image pipeline (sharp and file-type), which only uploads and display renders load.

/**
 * Long edges of the WebP display versions: 480 for grid tiles on small screens, 1080 for tiles on
 * phones with dense screens (a 150 px tile at 3x needs 450 device pixels across, a portrait tile's
 * long edge more), 1600 for the lightbox. Rendered on first request, except the 480 at upload.
 */
export const DISPLAY_SIZES = [480, 1080, 1600] as const satisfies readonly [480, ...number[]];

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
