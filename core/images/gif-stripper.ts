import { range, type ByteSource, type Piece } from './byte-source.js';
import { corrupt } from './container-bytes.js';

const EXTENSION = 0x21;
const IMAGE_DESCRIPTOR = 0x2c;
const TRAILER = 0x3b;
const GRAPHIC_CONTROL = 0xf9;
const PLAIN_TEXT = 0x01;
const APPLICATION = 0xff;

/**
 * The one application extension a picture needs is the loop count, under either name browsers read.
 * XMP, ICC profiles (`ICCRGBG1012`: libvips and browsers ignore them in GIFs) and the rest go.
 */
const LOOP_APPLICATIONS = new Set(['NETSCAPE2.0', 'ANIMEXTS1.0']);

export interface StrippedGif {
  pieces: Piece[];
  frames: number;
}

function colourTableSize(packed: number): number {
  return packed & 0x80 ? 3 * (1 << ((packed & 0x07) + 1)) : 0;
}

/** Returns the offset just after the zero-length terminator of a run of sub-blocks. */
function skipSubBlocks(input: ByteSource, from: number): number {
  let pos = from;
  for (;;) {
    if (pos >= input.length) throw corrupt('GIF ends inside a data block');
    const size = input.byte(pos);
    pos += 1 + size;
    if (size === 0) return pos;
  }
}

function keepsExtension(label: number): boolean {
  return label === GRAPHIC_CONTROL || label === PLAIN_TEXT;
}

/**
 * A loop extension rebuilt from its loop count alone: the block may carry further sub-blocks
 * (buffering hints, or anything at all) that no decoder needs. Null when it holds no loop count.
 */
function loopExtension(input: ByteSource, dataStart: number, end: number): Buffer | null {
  if (input.byte(dataStart) !== 11 || dataStart + 17 > end) return null;
  if (!LOOP_APPLICATIONS.has(input.latin1(dataStart + 1, dataStart + 12))) return null;
  const subBlock = dataStart + 12;
  if (input.byte(subBlock) !== 3 || input.byte(subBlock + 1) !== 1) return null;
  const block = Buffer.alloc(19);
  input.slice(dataStart - 2, dataStart + 12).copy(block, 0);
  block[14] = 3;
  block[15] = 1;
  block[16] = input.byte(subBlock + 2);
  block[17] = input.byte(subBlock + 3);
  return block;
}

/** Drops comments, application extensions other than the loop count, and anything after the trailer. */
export function stripGif(input: ByteSource): StrippedGif {
  const signature = input.length >= 13 ? input.latin1(0, 6) : '';
  if (signature !== 'GIF87a' && signature !== 'GIF89a') throw corrupt('not a GIF stream');
  let pos = 13 + colourTableSize(input.byte(10));
  if (pos > input.length) throw corrupt('GIF ends inside its colour table');
  const parts: Piece[] = [range(0, pos)];
  let frames = 0;
  for (;;) {
    if (pos >= input.length) {
      // A missing trailer after complete frames is a common encoder slip that every decoder tolerates.
      if (frames === 0) throw corrupt('GIF has no image data');
      parts.push(Buffer.from([TRAILER]));
      break;
    }
    const introducer = input.byte(pos);
    if (introducer === TRAILER) {
      if (frames === 0) throw corrupt('GIF has no image data');
      parts.push(range(pos, pos + 1));
      break;
    }
    if (introducer === EXTENSION) {
      if (pos + 2 >= input.length) throw corrupt('GIF ends inside an extension');
      const label = input.byte(pos + 1);
      const end = skipSubBlocks(input, pos + 2);
      if (keepsExtension(label)) parts.push(range(pos, end));
      else if (label === APPLICATION) {
        const loop = loopExtension(input, pos + 2, end);
        if (loop) parts.push(end - pos === loop.length && loop.equals(input.slice(pos, end)) ? range(pos, end) : loop);
      }
      pos = end;
    } else if (introducer === IMAGE_DESCRIPTOR) {
      if (pos + 10 > input.length) throw corrupt('GIF ends inside an image descriptor');
      const dataStart = pos + 10 + colourTableSize(input.byte(pos + 9)) + 1;
      if (dataStart > input.length) throw corrupt('GIF ends inside a local colour table');
      const end = skipSubBlocks(input, dataStart);
      parts.push(range(pos, end));
      frames++;
      pos = end;
    } else {
      throw corrupt('unknown GIF block');
    }
  }
  return { pieces: parts, frames };
}
