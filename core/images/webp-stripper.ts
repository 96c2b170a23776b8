import { piecesLength, range, type ByteSource, type Piece } from './byte-source.js';
import { corrupt } from './container-bytes.js';

/** Chunks a WebP decoder uses; EXIF, XMP and unknown chunks are dropped. */
const KEPT_CHUNKS = new Set(['VP8 ', 'VP8L', 'VP8X', 'ALPH', 'ANIM', 'ANMF', 'ICCP']);
const IMAGE_CHUNKS = new Set(['VP8 ', 'VP8L', 'ANMF']);
const VP8X_EXIF_FLAG = 0x08;
const VP8X_XMP_FLAG = 0x04;

export interface StrippedWebp {
  pieces: Piece[];
  /** True when the (first) bitstream is VP8L, so a re-encode should stay lossless. */
  lossless: boolean;
}

/** Rebuilds the RIFF container without metadata chunks, clearing their VP8X flags and fixing the size. */
export function stripWebp(input: ByteSource): StrippedWebp {
  if (input.length < 20 || input.latin1(0, 4) !== 'RIFF' || input.latin1(8, 12) !== 'WEBP') {
    throw corrupt('not a WebP stream');
  }
  const riffEnd = 8 + input.u32le(4);
  if (riffEnd > input.length) throw corrupt('WebP is shorter than its RIFF size');
  const chunks: Piece[] = [];
  let pos = 12;
  let lossless: boolean | null = null;
  let hasImage = false;
  let changed = riffEnd !== input.length;
  while (pos < riffEnd) {
    if (pos + 8 > riffEnd) throw corrupt('WebP chunk header runs past the RIFF end');
    const fourcc = input.latin1(pos, pos + 4);
    const size = input.u32le(pos + 4);
    const dataEnd = pos + 8 + size;
    if (dataEnd > riffEnd) throw corrupt('WebP chunk runs past the RIFF end');
    // Some writers omit the pad byte after an odd-sized final chunk; tolerate only that case.
    const end = Math.min(dataEnd + (size & 1), riffEnd);
    if (IMAGE_CHUNKS.has(fourcc)) hasImage = true;
    if (lossless === null && (fourcc === 'VP8 ' || fourcc === 'VP8L')) lossless = fourcc === 'VP8L';
    if (lossless === null && fourcc === 'ANMF' && size >= 24) {
      // A frame's first sub-chunk is ALPH or VP8 (lossy) or VP8L (lossless).
      const inner = input.latin1(pos + 8 + 16, pos + 8 + 20);
      if (inner === 'VP8 ' || inner === 'VP8L' || inner === 'ALPH') lossless = inner === 'VP8L';
    }
    if (!KEPT_CHUNKS.has(fourcc)) {
      changed = true;
    } else if (fourcc === 'VP8X') {
      if (size < 10) throw corrupt('WebP VP8X chunk too short');
      // Only the chunk header and the flags byte are rewritten; the rest is copied as it is.
      const head = Buffer.from(input.slice(pos, pos + 9));
      const flags = head[8];
      const cleared = flags & ~(VP8X_EXIF_FLAG | VP8X_XMP_FLAG);
      if (cleared !== flags) changed = true;
      head[8] = cleared;
      chunks.push(head, range(pos + 9, end));
    } else {
      chunks.push(range(pos, end));
    }
    if (end - pos !== 8 + size + (size & 1)) {
      changed = true;
      if (KEPT_CHUNKS.has(fourcc)) chunks.push(Buffer.alloc(1));
    }
    pos = end;
  }
  if (!hasImage) throw corrupt('WebP has no image data');
  if (!changed) return { pieces: [range(0, input.length)], lossless: lossless ?? false };
  const body = 4 + piecesLength(chunks);
  const header = Buffer.alloc(12);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(body, 4);
  header.write('WEBP', 8, 'latin1');
  return { pieces: [header, ...chunks], lossless: lossless ?? false };
}
