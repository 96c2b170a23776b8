import type sharpModule from 'sharp';

export type SharpModule = typeof sharpModule;

let loading: Promise<SharpModule> | undefined;

/**
 * sharp (libvips, a native module that takes a noticeable part of a second to load), loaded by the
 * first piece of work that draws or decodes an image, so commands that never do (`maiimg list`) do
 * not pay for it. Process-wide settings are applied once here: libvips' operation cache (50 MB and
 * 100 files by default) only holds memory in a server that sees each image once or twice, since
 * display versions are stored and never rendered again.
 */
export function loadSharp(): Promise<SharpModule> {
  return (loading ??= import('sharp').then(({ default: sharp }) => {
    sharp.cache(false);
    return sharp;
  }));
}
