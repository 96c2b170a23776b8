import { createRequire } from 'node:module';
import type sharpModule from 'sharp';

export type SharpModule = typeof sharpModule;

let sharp: SharpModule | undefined;

/**
 * sharp (libvips, a native module that takes a noticeable part of a second to load), loaded by the
 * first piece of work that draws or decodes an image, so commands that never do (`maiimg list`) do
 * not pay for it. Process-wide settings are applied once here: libvips' operation cache (50 MB and
 * 100 files by default) only holds memory in a server that sees each image once or twice, since
 * display versions are stored and never rendered again.
 *
 * Loaded with require(): sharp is CommonJS, and on Node 20 importing it from an ES module (which
 * lexes its sources for their exports) costs more than twice as much as requiring it (~100 ms of
 * CPU more per process on these machines).
 */
export function requireSharp(): SharpModule {
  if (!sharp) {
    sharp = createRequire(import.meta.url)('sharp') as SharpModule;
    sharp.cache(false);
  }
  return sharp;
}

/** requireSharp() for callers that await it (a failure to load becomes a rejection). */
export function loadSharp(): Promise<SharpModule> {
  return Promise.resolve().then(requireSharp);
}
