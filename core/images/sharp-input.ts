import type { FailOnOptions, SharpOptions } from 'sharp';

/**
 * 'error' stops on truncated or undecodable data (premature end of file, broken deflate streams)
 * but lets through the harmless libjpeg warnings many real cameras and editors trigger, such as
 * "extraneous bytes before marker", which the stricter default 'warning' would reject.
 */
export const FAIL_ON: FailOnOptions = 'error';

/** Options for every decoding sharp call: the pixel fence is per frame, so an animation's strip gets one per page. */
export function decodeOptions(maxImagePixels: number, pages: number, animated: boolean): SharpOptions {
  return {
    animated,
    failOn: FAIL_ON,
    limitInputPixels: maxImagePixels * (animated ? Math.max(1, pages) : 1),
  };
}

export function isPixelLimitError(error: unknown): boolean {
  return error instanceof Error && /pixel limit/i.test(error.message);
}
