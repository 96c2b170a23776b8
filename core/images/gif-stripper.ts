import { corrupt, joinIfChanged } from './container-bytes.js';

const EXTENSION = 0x21;
const IMAGE_DESCRIPTOR = 0x2c;
const TRAILER = 0x3b;
const GRAPHIC_CONTROL = 0xf9;
const PLAIN_TEXT = 0x01;
const APPLICATION = 0xff;

/** Application extensions that change how the image looks (looping, colour); XMP and the rest go. */
const KEPT_APPLICATIONS = new Set(['NETSCAPE2.0', 'ANIMEXTS1.0', 'ICCRGBG1012']);

export interface StrippedGif {
  bytes: Buffer;
  frames: number;
}

function colourTableSize(packed: number): number {
  return packed & 0x80 ? 3 * (1 << ((packed & 0x07) + 1)) : 0;
}

/** Returns the offset just after the zero-length terminator of a run of sub-blocks. */
function skipSubBlocks(input: Buffer, from: number): number {
  let pos = from;
  for (;;) {
    if (pos >= input.length) throw corrupt('GIF ends inside a data block');
    const size = input[pos];
    pos += 1 + size;
    if (size === 0) return pos;
  }
}

function keepsExtension(input: Buffer, label: number, dataStart: number): boolean {
  if (label === GRAPHIC_CONTROL || label === PLAIN_TEXT) return true;
  if (label !== APPLICATION) return false;
  if (input[dataStart] !== 11 || dataStart + 12 > input.length) return false;
  return KEPT_APPLICATIONS.has(input.toString('latin1', dataStart + 1, dataStart + 12));
}

/** Drops comment and non-essential application extensions, and anything after the trailer. */
export function stripGif(input: Buffer): StrippedGif {
  const signature = input.length >= 13 ? input.toString('latin1', 0, 6) : '';
  if (signature !== 'GIF87a' && signature !== 'GIF89a') throw corrupt('not a GIF stream');
  let pos = 13 + colourTableSize(input[10]);
  if (pos > input.length) throw corrupt('GIF ends inside its colour table');
  const parts: Buffer[] = [input.subarray(0, pos)];
  let frames = 0;
  for (;;) {
    if (pos >= input.length) {
      // A missing trailer after complete frames is a common encoder slip that every decoder tolerates.
      if (frames === 0) throw corrupt('GIF has no image data');
      parts.push(Buffer.from([TRAILER]));
      break;
    }
    const introducer = input[pos];
    if (introducer === TRAILER) {
      if (frames === 0) throw corrupt('GIF has no image data');
      parts.push(input.subarray(pos, pos + 1));
      break;
    }
    if (introducer === EXTENSION) {
      if (pos + 2 >= input.length) throw corrupt('GIF ends inside an extension');
      const label = input[pos + 1];
      const end = skipSubBlocks(input, pos + 2);
      if (keepsExtension(input, label, pos + 2)) parts.push(input.subarray(pos, end));
      pos = end;
    } else if (introducer === IMAGE_DESCRIPTOR) {
      if (pos + 10 > input.length) throw corrupt('GIF ends inside an image descriptor');
      const dataStart = pos + 10 + colourTableSize(input[pos + 9]) + 1;
      if (dataStart > input.length) throw corrupt('GIF ends inside a local colour table');
      const end = skipSubBlocks(input, dataStart);
      parts.push(input.subarray(pos, end));
      frames++;
      pos = end;
    } else {
      throw corrupt('unknown GIF block');
    }
  }
  return { bytes: joinIfChanged(input, parts), frames };
}
