import { createHash, type Hash } from 'node:crypto';
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { mkdtemp, open, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { MaiimgError } from '../errors.js';
import type { ImageFormat } from '../types.js';
import { FileByteSource, isWholeSource, piecesLength, readPieces, type Piece } from './byte-source.js';
import { renderUpright, renderUprightToFile, renderWebp, type DecodeSource } from './display-renderer.js';
import { SNIFF_HEAD_BYTES, sniffImageFormat } from './format-sniffer.js';
import { carriesForeignBytes, carriesForeignFile } from './foreign-content.js';
import { DISPLAY_SIZES } from './image-formats.js';
import { formatMegapixels, inspectImage, swapsAxes, type ImageHeader } from './image-inspector.js';
import { planStrip, stripMetadata } from './metadata-stripper.js';

export { DISPLAY_SIZES, extensionOf, mimeTypeOf } from './image-formats.js';

export interface ImageLimits {
  /** Per still image, and per frame of an animation. */
  maxImagePixels: number;
  /** Most frames an animation may have (unlimited when absent). */
  maxAnimationFrames?: number;
  /** Most pixels of all an animation's frames together (unlimited when absent). */
  maxAnimationPixels?: number;
}

export interface PreparedImage<Cleaned = Buffer> {
  format: ImageFormat;
  /** As displayed, after orientation; one frame for animations. */
  width: number;
  height: number;
  animated: boolean;
  frames: number;
  /** Size of `cleaned`. */
  bytes: number;
  /** sha256 hex of `cleaned`. */
  hash: string;
  /** What the gallery serves as the "original": the upload without metadata, upright. */
  cleaned: Cleaned;
  /** WebP, long edge at most 480 px (never enlarged), animation kept. */
  thumbnail: Buffer;
}

const THUMBNAIL_EDGE = DISPLAY_SIZES[0];

/**
 * Validates one upload by its bytes, removes personal metadata without re-compressing, and renders
 * its thumbnail.
 *
 * @throws MaiimgError UNSUPPORTED_FORMAT (not PNG/JPEG/GIF/WebP by content), CORRUPT_IMAGE
 *   (truncated or undecodable), IMAGE_TOO_LARGE (`{ pixels, limit }` as e.g. "144 MP", per frame,
 *   or all frames of an animation together), TOO_MANY_FRAMES (`{ frames, limit }`).
 */
export async function prepareImage(input: Buffer, limits: ImageLimits): Promise<PreparedImage> {
  const format = await sniffImageFormat(input);
  // Structural validation happens here, before sharp sees the bytes.
  const stripped = stripMetadata(input, format);
  const header = await inspectImage(input, format, limits.maxImagePixels);
  const { frames, animated, rotate } = judge(header, stripped.containerFrames, limits);
  // A file that is also another kind of file (a JPEG followed by a ZIP, a ZIP inside a kept colour
  // segment...) is written anew by the encoder, so what the gallery serves is only the picture.
  const rewrite = rotate || carriesForeignFile(stripped.bytes);
  const source: DecodeSource = {
    input: stripped.bytes,
    pages: header.pages,
    animated,
    orient: false,
    maxImagePixels: limits.maxImagePixels,
  };

  let cleaned: Buffer;
  let thumbnail: Buffer;
  if (rewrite) {
    // The orientation lives in the EXIF just stripped, so a turn reads the upload itself.
    const oriented: DecodeSource = rotate ? { ...source, input, orient: true } : source;
    [cleaned, thumbnail] = await Promise.all([
      renderUpright(oriented, { format, lossless: stripped.lossless, chromaSubsampling: header.chromaSubsampling }),
      renderWebp(oriented, THUMBNAIL_EDGE),
    ]);
  } else {
    cleaned = stripped.bytes;
    const rendering = renderWebp(source, THUMBNAIL_EDGE);
    // Hashing overlaps the decode, which runs on libuv's thread pool.
    const hash = sha256(cleaned);
    thumbnail = await rendering;
    return result(format, header.width, header.frameHeight, animated, frames, cleaned, cleaned.length, hash)(thumbnail);
  }
  const [width, height] = displayedSize(header, rotate);
  return result(format, width, height, animated, frames, cleaned, cleaned.length, sha256(cleaned))(thumbnail);
}

/** A prepared upload whose cleaned bytes are a file; `dispose` removes the files made for it. */
export interface PreparedFile extends PreparedImage<string> {
  /** True when `cleaned` is a file made for this image rather than the upload itself: it may be moved, not copied. */
  cleanedIsCopy: boolean;
  dispose(): Promise<void>;
}

/**
 * {@link prepareImage} for an upload on disk (a web upload's spool file), never holding it in
 * memory: the metadata is stripped through a one-window reader into a file in `workDir` (or not at
 * all when there is none), hashed while it is written, and sharp decodes from a file (a JPEG from
 * the upload, while its copy is written). Memory per image is a window and libvips' own, whatever
 * the file's size.
 */
export async function prepareImageFile(
  file: { path: string; bytes: number },
  limits: ImageLimits,
  workDir: string,
): Promise<PreparedFile> {
  const format = await sniffImageFormat(readHead(file.path, SNIFF_HEAD_BYTES));
  const plan = FileByteSource.use(file.path, file.bytes, (source) => {
    const { pieces, containerFrames, lossless } = planStrip(source, format);
    const whole = isWholeSource(pieces, source.length);
    const foreign = carriesForeignBytes(piecesLength(pieces), (from, to) => readPieces(source, pieces, from, to));
    return { pieces, containerFrames, lossless, whole, foreign };
  });
  const header = await inspectImage(file.path, format, limits.maxImagePixels);
  const { frames, animated, rotate } = judge(header, plan.containerFrames, limits);
  const rewrite = rotate || plan.foreign;

  const source: DecodeSource = {
    input: file.path,
    pages: header.pages,
    animated,
    orient: false,
    maxImagePixels: limits.maxImagePixels,
  };
  // A JPEG loses only metadata segments and what follows its end, never a segment its pixels come
  // from, so the upload decodes to the same thumbnail as the cleaned copy: the decode starts now,
  // and the copy is written meanwhile. Other formats decode from the copy.
  const early = !rewrite && (plan.whole || format === 'jpeg') ? renderWebp(source, THUMBNAIL_EDGE) : null;
  let dir: string;
  try {
    dir = await mkdtemp(path.join(workDir, 'image-'));
  } catch (error) {
    await early?.catch(() => undefined);
    throw error;
  }
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    if (!rewrite) {
      const cleaned = plan.whole ? file.path : path.join(dir, 'stripped');
      // Written (or only read, when nothing is removed) and hashed in one pass.
      const writing = plan.whole ? hashFile(file.path) : writePieces(file.path, plan.pieces, cleaned);
      const rendering = early ?? writing.then(() => renderWebp({ ...source, input: cleaned }, THUMBNAIL_EDGE));
      const [thumbnail, hash] = await settledBoth(rendering, writing);
      const bytes = plan.whole ? file.bytes : piecesLength(plan.pieces);
      const prepared = result(format, header.width, header.frameHeight, animated, frames, cleaned, bytes, hash);
      return { ...prepared(thumbnail), cleanedIsCopy: !plan.whole, dispose };
    }
    let stripped = file.path;
    // A turn decodes the upload itself (its orientation is in the metadata a copy would lose).
    if (!plan.whole && !rotate) {
      stripped = path.join(dir, 'stripped');
      await writePieces(file.path, plan.pieces, stripped);
    }
    const oriented: DecodeSource = rotate ? { ...source, orient: true } : { ...source, input: stripped };
    const out = path.join(dir, 'upright');
    const [, thumbnail] = await Promise.all([
      renderUprightToFile(
        oriented,
        { format, lossless: plan.lossless, chromaSubsampling: header.chromaSubsampling },
        out,
      ),
      renderWebp(oriented, THUMBNAIL_EDGE),
    ]);
    const [width, height] = displayedSize(header, rotate);
    const prepared = result(format, width, height, animated, frames, out, (await stat(out)).size, await hashFile(out));
    return { ...prepared(thumbnail), cleanedIsCopy: true, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/** Frames, animation limits and whether the picture must be turned, from the header. */
function judge(header: ImageHeader, containerFrames: number | null, limits: ImageLimits) {
  const frames = header.pages > 1 ? header.pages : Math.max(1, containerFrames ?? 1);
  const animated = frames > 1;
  if (animated) checkAnimation(frames, header.width * header.frameHeight, limits);
  // Turning an animation would need a per-frame re-encode sharp cannot do; its orientation tag is simply dropped.
  const rotate = header.orientation !== 1 && !animated;
  return { frames, animated, rotate };
}

function displayedSize(header: ImageHeader, rotate: boolean): [number, number] {
  return rotate && swapsAxes(header.orientation)
    ? [header.frameHeight, header.width]
    : [header.width, header.frameHeight];
}

const COPY_CHUNK_BYTES = 1024 * 1024;

/** Read as the strip plan reads (synchronously, from the page cache the upload was just written through). */
function readHead(file: string, bytes: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(bytes);
    return head.subarray(0, readSync(fd, head, 0, bytes, 0));
  } finally {
    closeSync(fd);
  }
}

/**
 * Both results, once both have settled: a failed decode must not remove the work folder while the
 * cleaned copy is still being written into it.
 */
async function settledBoth<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [first, second] = await Promise.allSettled([a, b]);
  if (first.status === 'rejected') throw first.reason;
  if (second.status === 'rejected') throw second.reason;
  return [first.value, second.value];
}

/** Writes the cleaned image the pieces describe to `output`, a chunk at a time, and returns its sha256. */
async function writePieces(input: string, pieces: Piece[], output: string): Promise<string> {
  const hash = createHash('sha256');
  const from = await open(input, 'r');
  try {
    const to = await open(output, 'wx');
    try {
      const chunk = Buffer.allocUnsafe(COPY_CHUNK_BYTES);
      for (const piece of pieces) {
        if (Buffer.isBuffer(piece)) {
          await writeHashed(to, piece, hash);
          continue;
        }
        for (let at = piece.from; at < piece.to;) {
          const { bytesRead } = await from.read(chunk, 0, Math.min(chunk.length, piece.to - at), at);
          if (bytesRead === 0) throw new Error('upload shrank while being cleaned');
          await writeHashed(to, chunk.subarray(0, bytesRead), hash);
          at += bytesRead;
        }
      }
    } finally {
      await to.close();
    }
  } finally {
    await from.close();
  }
  return hash.digest('hex');
}

async function writeHashed(to: FileHandle, bytes: Buffer, hash: Hash): Promise<void> {
  hash.update(bytes);
  for (let at = 0; at < bytes.length;) at += (await to.write(bytes, at, bytes.length - at)).bytesWritten;
}

async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: COPY_CHUNK_BYTES })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Refuses animations that would cost far more to decode than their file size suggests: thousands
 * of small frames, or frames that add up to more pixels than the largest still image allowed.
 * Decided from the header, before any frame is decoded.
 */
function checkAnimation(frames: number, framePixels: number, limits: ImageLimits): void {
  if (limits.maxAnimationFrames !== undefined && frames > limits.maxAnimationFrames) {
    throw new MaiimgError('TOO_MANY_FRAMES', { frames, limit: limits.maxAnimationFrames });
  }
  const total = frames * framePixels;
  if (limits.maxAnimationPixels !== undefined && total > limits.maxAnimationPixels) {
    throw new MaiimgError('IMAGE_TOO_LARGE', {
      pixels: formatMegapixels(total),
      limit: formatMegapixels(limits.maxAnimationPixels),
    });
  }
}

function result<Cleaned>(
  format: ImageFormat,
  width: number,
  height: number,
  animated: boolean,
  frames: number,
  cleaned: Cleaned,
  bytes: number,
  hash: string,
): (thumbnail: Buffer) => PreparedImage<Cleaned> {
  return (thumbnail) => ({ format, width, height, animated, frames, bytes, hash, cleaned, thumbnail });
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * WebP display version of an already-cleaned image: long edge at most `longEdge`, never enlarged,
 * animation kept. Re-checks format and pixel limit, since stored bytes are read back from a blob store.
 */
export async function renderDisplayVersion(cleaned: Buffer, longEdge: number, limits: ImageLimits): Promise<Buffer> {
  const format = await sniffImageFormat(cleaned);
  const header = await inspectImage(cleaned, format, limits.maxImagePixels);
  const animated = header.pages > 1;
  return renderWebp(
    {
      input: cleaned,
      pages: header.pages,
      animated,
      orient: header.orientation !== 1 && !animated,
      maxImagePixels: limits.maxImagePixels,
    },
    longEdge,
  );
}
