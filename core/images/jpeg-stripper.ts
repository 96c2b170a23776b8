import { range, type ByteSource, type Piece } from './byte-source.js';
import { corrupt, hasBytesAt } from './container-bytes.js';

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const COM = 0xfe;
const APP0 = 0xe0;
const APP2 = 0xe2;
const APP14 = 0xee;
const APP15 = 0xef;

const JFIF = Buffer.from('JFIF\0', 'latin1');
const ICC_PROFILE = Buffer.from('ICC_PROFILE\0', 'latin1');
const ADOBE = Buffer.from('Adobe', 'latin1');

function startsWith(input: ByteSource, start: number, end: number, prefix: Buffer): boolean {
  return end - start >= prefix.length && hasBytesAt(input, start, prefix);
}

/**
 * Only the APPn segments a decoder needs for colour survive (JFIF, ICC, Adobe); Exif, XMP, IPTC,
 * MPF (secondary images) and vendor segments are where personal data lives.
 */
function keepsSegment(marker: number, input: ByteSource, payloadStart: number, end: number): boolean {
  if (marker === COM) return false;
  if (marker < APP0 || marker > APP15) return true;
  if (marker === APP0) return startsWith(input, payloadStart, end, JFIF) && !hasJfifThumbnail(input, payloadStart, end);
  if (marker === APP2) return startsWith(input, payloadStart, end, ICC_PROFILE);
  if (marker === APP14) return startsWith(input, payloadStart, end, ADOBE);
  return false;
}

/** JFIF's fixed fields: identifier (5), version (2), density units (1), densities (4), thumbnail size (2). */
const JFIF_FIELDS = 14;

/**
 * A JFIF segment may carry an uncompressed thumbnail, which need not show the same picture as the
 * photo. Segments without one (or too short to say) are kept as they are.
 */
function hasJfifThumbnail(input: ByteSource, payloadStart: number, end: number): boolean {
  return (
    end - payloadStart > JFIF_FIELDS || (end - payloadStart === JFIF_FIELDS && input.byte(payloadStart + 12) !== 0)
  );
}

/** The JFIF header as written, with a 0x0 thumbnail (decoders read only the version and densities). */
function jfifWithoutThumbnail(input: ByteSource, payloadStart: number): Buffer {
  const segment = Buffer.alloc(4 + JFIF_FIELDS);
  segment.writeUInt16BE(0xff00 | APP0, 0);
  segment.writeUInt16BE(2 + JFIF_FIELDS, 2);
  input.slice(payloadStart, payloadStart + JFIF_FIELDS - 2).copy(segment, 4);
  return segment;
}

/** Returns the offset of the 0xFF that starts the first marker after entropy-coded data. */
function endOfEntropyData(input: ByteSource, from: number): number {
  let at = from;
  for (;;) {
    const ff = input.indexOfByte(0xff, at);
    if (ff < 0 || ff + 1 >= input.length) throw corrupt('JPEG ends inside image data');
    const next = input.byte(ff + 1);
    // 0x00 is byte stuffing, RSTn markers belong to the scan, a second 0xFF is fill before a marker.
    if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) at = ff + 2;
    else if (next === 0xff) at = ff + 1;
    else return ff;
  }
}

/**
 * Walks every marker segment (including those between progressive scans), dropping metadata
 * segments and anything after EOI (motion-photo videos and vendor trailers live there).
 */
export function stripJpeg(input: ByteSource): Piece[] {
  if (input.length < 4 || input.byte(0) !== 0xff || input.byte(1) !== SOI) throw corrupt('not a JPEG stream');
  const parts: Piece[] = [range(0, 2)];
  let pos = 2;
  let sawFrame = false;
  for (;;) {
    if (pos >= input.length || input.byte(pos) !== 0xff) throw corrupt('JPEG marker expected');
    while (pos < input.length && input.byte(pos) === 0xff) pos++;
    if (pos >= input.length) throw corrupt('JPEG ends inside a marker');
    const marker = input.byte(pos);
    const markerStart = pos - 1;
    pos++;
    if (marker === EOI) {
      if (!sawFrame) throw corrupt('JPEG has no image data');
      parts.push(range(markerStart, pos));
      break;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      parts.push(range(markerStart, pos));
      continue;
    }
    if (marker === 0x00 || marker === SOI) throw corrupt('unexpected JPEG marker');
    if (pos + 2 > input.length) throw corrupt('JPEG ends inside a segment length');
    const length = input.u16be(pos);
    if (length < 2 && (marker === COM || (marker >= APP0 && marker <= APP15))) {
      // libjpeg-turbo reads a COM or APPn length below 2 as an empty segment and goes on after the
      // length word, and so do libvips and browsers; an empty segment has nothing to keep.
      pos += 2;
      continue;
    }
    const end = pos + length;
    if (length < 2 || end > input.length) throw corrupt('JPEG segment length out of range');
    if (keepsSegment(marker, input, pos + 2, end)) parts.push(range(markerStart, end));
    else if (marker === APP0 && startsWith(input, pos + 2, end, JFIF)) parts.push(jfifWithoutThumbnail(input, pos + 2));
    pos = end;
    if (marker === SOS) {
      sawFrame = true;
      const scanEnd = endOfEntropyData(input, pos);
      parts.push(range(pos, scanEnd));
      pos = scanEnd;
    }
  }
  return parts;
}
