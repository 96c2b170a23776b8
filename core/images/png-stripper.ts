import { range, type ByteSource, type Piece } from './byte-source.js';
import { corrupt, hasBytesAt } from './container-bytes.js';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Ancillary chunks allowed through: colour and pixel-geometry information plus APNG animation.
 * An allow-list rather than a block-list, because new text-like chunks (C2PA, vendor) keep appearing.
 */
const KEPT_ANCILLARY = new Set([
  'tRNS',
  'bKGD',
  'iCCP',
  'sRGB',
  'gAMA',
  'cHRM',
  'sBIT',
  'cICP',
  'mDCV',
  'cLLI',
  'pHYs',
  'acTL',
  'fcTL',
  'fdAT',
]);

const IEND = Buffer.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);

export interface StrippedPng {
  pieces: Piece[];
  /** Frame count from the APNG acTL chunk; null for a still PNG. */
  apngFrames: number | null;
}

function isChunkType(input: ByteSource, at: number): boolean {
  for (let i = at; i < at + 4; i++) {
    const c = input.byte(i) | 0x20;
    if (c < 0x61 || c > 0x7a) return false;
  }
  return true;
}

/** Keeps critical chunks and the allow-listed ancillary ones; stops at IEND so trailers go too. */
export function stripPng(input: ByteSource): StrippedPng {
  if (!hasBytesAt(input, 0, SIGNATURE)) throw corrupt('not a PNG stream');
  const parts: Piece[] = [range(0, 8)];
  let pos = 8;
  let apngFrames: number | null = null;
  let first = true;
  let lastType = '';
  for (;;) {
    if (pos === input.length && lastType === 'IDAT') {
      // Ends right after image data, without IEND: a common writer slip that libpng and browsers
      // forgive. A bad checksum on that last chunk usually goes with it; both are mended so every
      // decoder reads the same, and whether the image data is whole is left to the decode.
      parts.push(...withCorrectCrc(input, parts.pop() as { from: number; to: number }), IEND);
      break;
    }
    if (pos + 12 > input.length) throw corrupt('PNG ends before IEND');
    const length = input.u32be(pos);
    if (length > 0x7fffffff || !isChunkType(input, pos + 4)) throw corrupt('malformed PNG chunk');
    const end = pos + 12 + length;
    if (end > input.length) throw corrupt('PNG chunk runs past the end of the file');
    const type = input.latin1(pos + 4, pos + 8);
    if (first && (type !== 'IHDR' || length !== 13)) throw corrupt('PNG does not start with IHDR');
    first = false;
    const critical = (input.byte(pos + 4) & 0x20) === 0;
    if (critical || KEPT_ANCILLARY.has(type)) parts.push(range(pos, end));
    if (type === 'acTL' && length >= 8) apngFrames = input.u32be(pos + 8);
    pos = end;
    lastType = type;
    if (type === 'IEND') break;
  }
  return { pieces: parts, apngFrames };
}

function withCorrectCrc(input: ByteSource, chunk: { from: number; to: number }): Piece[] {
  const crc = input.crc32(chunk.from + 4, chunk.to - 4);
  if (input.u32be(chunk.to - 4) === crc) return [chunk];
  const mended = Buffer.alloc(4);
  mended.writeUInt32BE(crc);
  return [range(chunk.from, chunk.to - 4), mended];
}
