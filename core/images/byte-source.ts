import { closeSync, openSync, readSync } from 'node:fs';
import { crc32 } from 'node:zlib';

/**
 * Random access to an upload's bytes, whether they sit in memory or in a spool file. The metadata
 * strippers read container structure through it (chunk headers, markers, sub-block lengths) and
 * answer with {@link Piece}s, so a 47 MB file is never held whole to be cleaned.
 */
export interface ByteSource {
  readonly length: number;
  /** The byte at `at`; NaN past either end (compares false like a Buffer's undefined). */
  byte(at: number): number;
  u16be(at: number): number;
  u32be(at: number): number;
  u32le(at: number): number;
  latin1(from: number, to: number): string;
  /** The bytes in [from, to), for small structures; may share memory with the source: do not modify. */
  slice(from: number, to: number): Buffer;
  /** First offset at or after `from` holding `value`, or -1. */
  indexOfByte(value: number, from: number): number;
  /** CRC-32 of [from, to), read piecewise. */
  crc32(from: number, to: number): number;
}

/** What a cleaned image is made of: ranges of the upload, in order, and the few bytes rewritten. */
export type Piece = { from: number; to: number } | Buffer;

export function range(from: number, to: number): Piece {
  return { from, to };
}

export function piecesLength(pieces: Piece[]): number {
  let total = 0;
  for (const piece of pieces) total += Buffer.isBuffer(piece) ? piece.length : piece.to - piece.from;
  return total;
}

/** True when the pieces are the whole source, unchanged: nothing was removed or rewritten. */
export function isWholeSource(pieces: Piece[], length: number): boolean {
  let expected = 0;
  for (const piece of pieces) {
    if (Buffer.isBuffer(piece) || piece.from !== expected) return false;
    expected = piece.to;
  }
  return expected === length;
}

/** The bytes of [from, to) of the cleaned image the pieces describe (for the small windows checked for foreign files). */
export function readPieces(source: ByteSource, pieces: Piece[], from: number, to: number): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  for (const piece of pieces) {
    const length = Buffer.isBuffer(piece) ? piece.length : piece.to - piece.from;
    const start = Math.max(from, at);
    const end = Math.min(to, at + length);
    if (start < end) {
      out.push(
        Buffer.isBuffer(piece)
          ? piece.subarray(start - at, end - at)
          : source.slice(piece.from + start - at, piece.from + end - at),
      );
    }
    at += length;
    if (at >= to) break;
  }
  return Buffer.concat(out);
}

export class BufferByteSource implements ByteSource {
  constructor(readonly buffer: Buffer) {}

  get length(): number {
    return this.buffer.length;
  }

  byte(at: number): number {
    return at >= 0 && at < this.buffer.length ? this.buffer[at] : NaN;
  }

  u16be(at: number): number {
    return this.buffer.readUInt16BE(at);
  }

  u32be(at: number): number {
    return this.buffer.readUInt32BE(at);
  }

  u32le(at: number): number {
    return this.buffer.readUInt32LE(at);
  }

  latin1(from: number, to: number): string {
    return this.buffer.toString('latin1', from, to);
  }

  slice(from: number, to: number): Buffer {
    return this.buffer.subarray(from, to);
  }

  indexOfByte(value: number, from: number): number {
    return this.buffer.indexOf(value, from);
  }

  crc32(from: number, to: number): number {
    return crc32(this.buffer.subarray(from, to));
  }

  /** The cleaned image as one buffer; the source itself when nothing changed (no copy). */
  join(pieces: Piece[]): Buffer {
    if (isWholeSource(pieces, this.buffer.length)) return this.buffer;
    return Buffer.concat(
      pieces.map((piece) => (Buffer.isBuffer(piece) ? piece : this.buffer.subarray(piece.from, piece.to))),
      piecesLength(pieces),
    );
  }
}

const WINDOW_BYTES = 1024 * 1024;

/**
 * A spool file read through one 1 MiB window. Reads are synchronous: the strippers are plain
 * synchronous parsers, they walk the file forward, and a window comes from the page cache the
 * upload was just written through; memory stays at one window whatever the file's size.
 */
export class FileByteSource implements ByteSource {
  private window: Buffer = Buffer.allocUnsafe(0);
  /** The loaded part of `window`, made once per load: a JPEG's scan asks for the next 0xFF some 17,000 times per 4 MB. */
  private loaded: Buffer = this.window;
  private windowStart = 0;
  private windowEnd = 0;

  private constructor(
    private readonly fd: number,
    readonly length: number,
  ) {}

  /** Opens `path` (of `length` bytes, as stat said) for `use`, and closes it afterwards. */
  static use<T>(path: string, length: number, use: (source: FileByteSource) => T): T {
    const fd = openSync(path, 'r');
    try {
      return use(new FileByteSource(fd, length));
    } finally {
      closeSync(fd);
    }
  }

  private load(at: number, need: number): void {
    if (at >= this.windowStart && at + need <= this.windowEnd) return;
    const size = Math.min(Math.max(WINDOW_BYTES, need), this.length - at);
    if (this.window.length < size) this.window = Buffer.allocUnsafe(Math.max(WINDOW_BYTES, size));
    let filled = 0;
    while (filled < size) {
      const read = readSync(this.fd, this.window, filled, size - filled, at + filled);
      if (read === 0) throw new RangeError(`file is shorter than ${this.length} bytes`);
      filled += read;
    }
    this.windowStart = at;
    this.windowEnd = at + size;
    this.loaded = this.window.subarray(0, size);
  }

  private within(at: number, width: number): number {
    if (at < 0 || at + width > this.length) throw new RangeError(`offset ${at} is out of range`);
    this.load(at, width);
    return at - this.windowStart;
  }

  byte(at: number): number {
    if (at < 0 || at >= this.length) return NaN;
    // The offset first: loading a window may replace the buffer.
    const offset = this.within(at, 1);
    return this.window[offset];
  }

  u16be(at: number): number {
    const offset = this.within(at, 2);
    return this.window.readUInt16BE(offset);
  }

  u32be(at: number): number {
    const offset = this.within(at, 4);
    return this.window.readUInt32BE(offset);
  }

  u32le(at: number): number {
    const offset = this.within(at, 4);
    return this.window.readUInt32LE(offset);
  }

  latin1(from: number, to: number): string {
    const start = this.within(from, to - from);
    return this.window.toString('latin1', start, start + to - from);
  }

  slice(from: number, to: number): Buffer {
    const start = this.within(from, to - from);
    return Buffer.from(this.window.subarray(start, start + to - from));
  }

  indexOfByte(value: number, from: number): number {
    let at = Math.max(0, from);
    while (at < this.length) {
      const start = this.within(at, 1);
      const found = this.loaded.indexOf(value, start);
      if (found >= 0) return this.windowStart + found;
      at = this.windowEnd;
    }
    return -1;
  }

  crc32(from: number, to: number): number {
    let value = 0;
    for (let at = from; at < to;) {
      const start = this.within(at, 1);
      const end = Math.min(this.windowEnd, to) - this.windowStart;
      value = crc32(this.window.subarray(start, end), value);
      at = this.windowStart + end;
    }
    return value;
  }
}
