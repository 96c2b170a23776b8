import { statSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { LRUCache } from 'lru-cache';
import { displayKey, hashOfKey, originalKey } from './blob-keys.js';
import type { Config } from './config.js';
import { MaiimgError, isMaiimgError } from './errors.js';
import { slugFromReference } from './gallery-ref.js';
import { DISPLAY_SIZES, mimeTypeOf } from './images/image-formats.js';
import type { PreparedFile, PreparedImage } from './images/image-pipeline.js';
import { loadSharp } from './images/sharp-loader.js';
import { checkPassword, cleanTitle, displayFileName } from './link-options.js';
import { errorMessage, formatBytes } from './messages.js';
import { hashPassword, verifyPassword } from './password-hasher.js';
import type { BlobStore, Clock, GalleryRepository, Logger, NewGalleryImage } from './ports.js';
import { ImageWorkQueue } from './images/image-work-queue.js';
import { makeQrCode } from './qr/qr-code.js';
import { newSlug } from './slug.js';
import { PendingRemovals } from './storage/pending-removals.js';
import { removeStaleFolders } from './storage/stale-folders.js';
import type {
  AcceptedFile,
  BatchOutcome,
  BatchProgress,
  Gallery,
  GalleryImage,
  GalleryOptions,
  GallerySummary,
  IncomingBytes,
  IncomingFile,
  LinkState,
  LocalFile,
  LinkStatus,
  Locale,
  Owner,
  QrCode,
  RejectedFile,
  SettingsPatch,
} from './types.js';

/** Age after which a cleaning folder in the work folder is known to be abandoned. */
const STALE_WORK_MS = 60 * 60 * 1000;

export interface GalleryServiceDeps {
  repository: GalleryRepository;
  blobs: BlobStore;
  clock: Clock;
  logger: Logger;
  limits: Config['limits'];
  publicBaseUrl: string;
  /** How many images of one batch are read and handed to the image queue at once; defaults to cores plus one. */
  concurrency?: number;
  /**
   * The process's one queue for image work (decoding uploads, rendering display versions); a queue of
   * its own, one per core, when absent.
   */
  imageQueue?: ImageWorkQueue;
  /** Last open per gallery, when visit recording is wired in (the web issue); null otherwise. */
  lastOpenAt?: (galleryIds: string[]) => Promise<Map<string, Date>>;
  /**
   * Writes the opens this process still holds in memory. Galleries without an open limit have their
   * opens counted when the visits are written, so lists flush first to show this process's opens.
   */
  flushVisits?: () => Promise<void>;
  /** Where an upload on disk is cleaned into before it is stored; the system's temp folder when absent. */
  workDir?: string;
}

export interface CreateGalleryInput {
  owner: Owner;
  files: IncomingFile[];
  options?: GalleryOptions;
  /** Language of the `message` of each rejected file. */
  locale?: Locale;
  onProgress?: (progress: BatchProgress) => void;
}

interface OwnedRef {
  owner: Owner;
  ref: string;
}

let pipeline: Promise<typeof import('./images/image-pipeline.js')> | undefined;

/**
 * The image pipeline (sharp and file-type), loaded by the first upload or display render: commands
 * and processes that only read galleries never load it.
 */
function imagePipeline(): Promise<typeof import('./images/image-pipeline.js')> {
  return (pipeline ??= loadSharp().then(() => import('./images/image-pipeline.js')));
}

/** What the batch keeps of a prepared image once its bytes are written. */
type ImageFacts = Omit<PreparedImage, 'cleaned' | 'thumbnail'>;

function factsOf({ cleaned: _cleaned, thumbnail: _thumbnail, ...facts }: PreparedImage | PreparedFile): ImageFacts {
  const {
    dispose: _dispose,
    cleanedIsCopy: _copy,
    ...rest
  } = facts as ImageFacts & {
    dispose?: unknown;
    cleanedIsCopy?: unknown;
  };
  return rest;
}

/**
 * The product's use cases. Every adapter (bots, CLI, web) calls these and nothing deeper, so the
 * rules (limits, ownership, link states) live in one place.
 */
export class GalleryService {
  private readonly deps: GalleryServiceDeps;
  private readonly concurrency: number;
  /** Objects to delete that the store refused (it was down): retried until it answers. */
  readonly pendingRemovals: PendingRemovals;
  /** QR codes of the galleries made last, drawn while their images were processed. */
  private readonly recentQrCodes = new LRUCache<string, Promise<QrCode>>({ max: 64, ttl: 10 * 60 * 1000 });
  readonly imageQueue: ImageWorkQueue;
  /** Display versions being rendered now, by storage key: concurrent first requests share one render. */
  private readonly rendering = new Map<string, Promise<string>>();

  constructor(deps: GalleryServiceDeps) {
    this.deps = deps;
    this.concurrency = Math.max(1, deps.concurrency ?? defaultBatchConcurrency());
    this.imageQueue = deps.imageQueue ?? new ImageWorkQueue(availableParallelism());
    this.pendingRemovals = new PendingRemovals({
      blobs: deps.blobs,
      logger: deps.logger,
      stillUsed: async (key) => {
        const hash = hashOfKey(key);
        return hash !== null && (await deps.repository.countImagesWithHash(hash)) > 0;
      },
    });
  }

  get limits(): Config['limits'] {
    return this.deps.limits;
  }

  urlFor(slug: string): string {
    return `${this.deps.publicBaseUrl}/g/${slug}`;
  }

  /**
   * Validates a batch, stores its valid images and creates the gallery.
   * A batch over the file limit is refused whole (TOO_MANY_FILES, nothing read or stored).
   * A batch with no valid file creates nothing and returns `gallery: null` with every rejection.
   * If storing or saving fails, everything this batch wrote is removed again before the error
   * propagates, so no half-made gallery or orphaned file is left behind.
   */
  async createGallery(input: CreateGalleryInput): Promise<BatchOutcome> {
    const { owner, files, locale = 'en', onProgress } = input;
    const { limits, clock, logger } = this.deps;
    if (files.length === 0) throw new MaiimgError('EMPTY_BATCH');
    if (files.length > limits.maxBatchFiles) {
      throw new MaiimgError('TOO_MANY_FILES', { count: files.length, limit: limits.maxBatchFiles });
    }
    const options = await this.settingsFromOptions(input.options ?? {});
    const { prepareImage, prepareImageFile } = await imagePipeline();

    const results: Array<{ name: string; prepared?: ImageFacts; error?: MaiimgError }> = new Array(files.length);
    let done = 0;
    // The link is decided now, so its QR code is drawn while the images are being processed: once
    // the first image is done, when the next ones are being decoded on other threads (drawn first,
    // it kept the cores idle before any decoding began).
    const slug = newSlug();
    let qrDrawn = false;
    const drawQrCodeOnce = () => {
      if (qrDrawn) return;
      qrDrawn = true;
      this.drawQrCode(slug);
    };
    // Each image is written as soon as it is ready, so the store's I/O overlaps the decoding of the
    // next ones. Failures are collected, not thrown, and acted on once every write has settled.
    const written: string[] = [];
    const storing = new Map<string, Promise<void>>();
    const storeFailures: unknown[] = [];
    const store = (image: PreparedImage | PreparedFile): void => {
      const dispose = 'dispose' in image ? image.dispose : undefined;
      // The cleaned copy is thrown away after the write anyway: the store may take the file itself.
      const move = 'cleanedIsCopy' in image && image.cleanedIsCopy;
      if (storing.has(image.hash)) {
        void dispose?.();
        return;
      }
      // allSettled, not all: the clean-up after a failure must wait for the sibling write too, or
      // that write could land after the clean-up and stay orphaned.
      const writing = Promise.allSettled([
        this.putOnce(originalKey(image.hash), image.cleaned, mimeTypeOf(image.format), written, move),
        this.putOnce(displayKey(image.hash, DISPLAY_SIZES[0]), image.thumbnail, 'image/webp', written),
      ]).then(async (settled) => {
        await dispose?.();
        for (const result of settled) if (result.status === 'rejected') storeFailures.push(result.reason);
      });
      storing.set(image.hash, writing);
    };
    await runLimited(files, this.concurrency, async (file, index) => {
      const name = displayFileName(file.name, `file-${index + 1}`);
      try {
        // The file is read inside its slot of the image queue, so the bytes held in memory are
        // bounded by the queue's size, not by how many uploads arrive at once. A file on disk is
        // never read whole: sharp decodes it from the disk, and it is stored from there.
        const image = await this.imageQueue.run(async () => {
          const data = await openIncoming(file, limits.maxFileBytes);
          if (!isLocalFile(data)) return prepareImage(await readBytes(data, limits.maxFileBytes), limits);
          // A file stream with a path (what `maiimg upload` hands over) is read by path: its own
          // descriptor is let go rather than left open until the process ends.
          if ('destroy' in data && typeof data.destroy === 'function') (data as { destroy(): void }).destroy();
          return prepareImageFile(await sizedLocalFile(data, limits.maxFileBytes), limits, await this.workDir());
        });
        // Identical files come out identical, and are written once (by content hash). The batch
        // keeps what is known about each image, not its bytes: those are let go once written, so
        // 25 large photos never sit in memory together.
        store(image);
        results[index] = { name, prepared: factsOf(image) };
      } catch (error) {
        if (!isMaiimgError(error)) logger.warn({ err: error, file: name }, 'unexpected error while reading a file');
        results[index] = {
          name,
          error: isMaiimgError(error) ? error : new MaiimgError('CORRUPT_IMAGE', {}, { cause: error }),
        };
      }
      done += 1;
      drawQrCodeOnce();
      onProgress?.({ done, total: files.length, file: name });
    });

    const accepted: AcceptedFile[] = [];
    const rejected: RejectedFile[] = [];
    const images: NewGalleryImage[] = [];
    for (const result of results) {
      if (result.error || !result.prepared) {
        const error = result.error ?? new MaiimgError('CORRUPT_IMAGE');
        rejected.push({ file: result.name, code: error.code, message: errorMessage(locale, error.code, error.params) });
        continue;
      }
      const image = result.prepared;
      accepted.push({
        file: result.name,
        format: image.format,
        width: image.width,
        height: image.height,
        bytes: image.bytes,
      });
      images.push({
        position: images.length,
        originalName: result.name,
        format: image.format,
        width: image.width,
        height: image.height,
        bytes: image.bytes,
        hash: image.hash,
        animated: image.animated,
      });
    }
    if (images.length === 0) {
      this.recentQrCodes.delete(slug);
      return { gallery: null, url: null, accepted, rejected };
    }

    try {
      await Promise.all(storing.values());
      if (storeFailures.length > 0) throw storeFailures[0];
      const gallery = await this.deps.repository.create({
        slug,
        owner: { platform: owner.platform, userId: owner.userId, chatId: owner.chatId ?? null },
        title: options.title,
        createdAt: clock.now(),
        settings: options.settings,
        images,
      });
      logger.info(
        { slug: gallery.slug, images: images.length, rejected: rejected.length, platform: owner.platform },
        'gallery created',
      );
      return { gallery, url: this.urlFor(gallery.slug), accepted, rejected };
    } catch (error) {
      this.recentQrCodes.delete(slug);
      await this.removeQuietly(written);
      if (isMaiimgError(error)) throw error;
      throw new MaiimgError('INTERNAL', {}, { cause: error });
    }
  }

  /** Public lookup (the web site): any state, GALLERY_NOT_FOUND when there is none. */
  async getGallery(ref: string): Promise<Gallery> {
    const gallery = await this.deps.repository.findBySlug(slugFromReference(ref));
    if (!gallery) throw new MaiimgError('GALLERY_NOT_FOUND');
    return gallery;
  }

  /** A gallery its owner wants to manage: GALLERY_NOT_FOUND or NOT_OWNER otherwise. */
  async getOwnedGallery({ owner, ref }: OwnedRef): Promise<Gallery> {
    const gallery = await this.getGallery(ref);
    if (!isOwner(gallery, owner)) throw new MaiimgError('NOT_OWNER');
    return gallery;
  }

  async listGalleries(owner: Owner): Promise<GallerySummary[]> {
    // A database that is down shows in the listing itself; the opens stay buffered.
    await this.deps.flushVisits?.().catch(() => undefined);
    const galleries = await this.deps.repository.listByOwner(owner);
    const lastOpen = this.deps.lastOpenAt
      ? await this.deps.lastOpenAt(galleries.map((g) => g.id))
      : new Map<string, Date>();
    return galleries.map((gallery) => this.summarize(gallery, lastOpen.get(gallery.id) ?? null));
  }

  summarize(gallery: Gallery, lastOpenAt: Date | null = null): GallerySummary {
    return {
      slug: gallery.slug,
      url: this.urlFor(gallery.slug),
      title: gallery.title,
      createdAt: gallery.createdAt,
      state: gallery.settings.state,
      status: this.linkStatus(gallery),
      imageCount: gallery.images.length,
      openCount: gallery.openCount,
      lastOpenAt,
    };
  }

  /** The link's effective status: disabled wins over expired, which wins over the open limit. */
  linkStatus(gallery: Gallery): LinkStatus {
    const { settings } = gallery;
    if (settings.state === 'disabled') return 'disabled';
    if (settings.expiresAt && settings.expiresAt.getTime() <= this.deps.clock.now().getTime()) return 'expired';
    if (settings.maxOpens != null && gallery.openCount >= settings.maxOpens) return 'exhausted';
    return 'active';
  }

  async setLinkState({ owner, ref, state }: OwnedRef & { state: LinkState }): Promise<Gallery> {
    const gallery = await this.getOwnedGallery({ owner, ref });
    if (gallery.settings.state === state) return gallery;
    const updated = await this.deps.repository.updateSettings(gallery.slug, { state });
    this.deps.logger.info({ slug: gallery.slug, state }, 'link state changed');
    return updated;
  }

  async updateSettings({ owner, ref, patch }: OwnedRef & { patch: SettingsPatch }): Promise<Gallery> {
    const gallery = await this.getOwnedGallery({ owner, ref });
    const update: Parameters<GalleryRepository['updateSettings']>[1] = {};
    if (patch.title !== undefined) update.title = cleanTitle(patch.title);
    if (patch.expiresAt !== undefined) update.expiresAt = patch.expiresAt;
    if (patch.maxOpens !== undefined) update.maxOpens = patch.maxOpens;
    if (patch.downloadsAllowed !== undefined) update.downloadsAllowed = patch.downloadsAllowed;
    if (patch.password !== undefined) {
      update.passwordHash = patch.password === null ? null : await hashPassword(checkPassword(patch.password));
    }
    return this.deps.repository.updateSettings(gallery.slug, update);
  }

  /** Deletes the records, then every stored file no other gallery still uses. */
  async deleteGallery({ owner, ref }: OwnedRef): Promise<void> {
    const gallery = await this.getOwnedGallery({ owner, ref });
    const hashes = await this.deps.repository.delete(gallery.slug);
    for (const hash of new Set(hashes)) {
      if ((await this.deps.repository.countImagesWithHash(hash)) > 0) continue;
      await this.removeQuietly([originalKey(hash), ...DISPLAY_SIZES.map((size) => displayKey(hash, size))]);
    }
    this.deps.logger.info({ slug: gallery.slug }, 'gallery deleted');
  }

  async checkPassword(gallery: Gallery, password: string): Promise<boolean> {
    if (!gallery.settings.passwordHash) return true;
    return verifyPassword(password, gallery.settings.passwordHash);
  }

  async qrCode(slug: string): Promise<QrCode> {
    return this.recentQrCodes.get(slug) ?? makeQrCode(this.urlFor(slug));
  }

  /** Starts drawing a new gallery's QR code, kept for the adapter that sends it right after. */
  private drawQrCode(slug: string): Promise<QrCode> {
    const drawing = makeQrCode(this.urlFor(slug));
    // A failure here is not the batch's: qrCode() draws it again when asked.
    drawing.catch(() => this.recentQrCodes.delete(slug));
    this.recentQrCodes.set(slug, drawing);
    return drawing;
  }

  /**
   * The storage key of an image's display version (WebP, long edge `size`), rendering and caching
   * it in the store on first request.
   */
  async displayVersionKey(image: GalleryImage, size: (typeof DISPLAY_SIZES)[number]): Promise<string> {
    // A larger version of an image no larger than the smallest one would be the same picture:
    // the smallest (rendered at upload) is served instead.
    const smallest = DISPLAY_SIZES[0];
    if (size !== smallest && Math.max(image.width, image.height) <= smallest) {
      return this.displayVersionKey(image, smallest);
    }
    const key = displayKey(image.hash, size);
    if (await this.deps.blobs.exists(key)) return key;
    let render = this.rendering.get(key);
    if (!render) {
      render = this.renderDisplayVersion(image, key, size).finally(() => this.rendering.delete(key));
      this.rendering.set(key, render);
    }
    return render;
  }

  private async renderDisplayVersion(image: GalleryImage, key: string, size: number): Promise<string> {
    return this.imageQueue.run(async () => {
      // Another instance (or a request just before) may have stored it while this one waited.
      if (await this.deps.blobs.exists(key)) return key;
      const original = await this.deps.blobs.get(originalKey(image.hash));
      if (!original) throw new MaiimgError('GALLERY_NOT_FOUND');
      const { renderDisplayVersion } = await imagePipeline();
      const rendered = await renderDisplayVersion(original, size, { maxImagePixels: this.deps.limits.maxImagePixels });
      await this.deps.blobs.put(key, rendered, 'image/webp');
      return key;
    });
  }

  private async settingsFromOptions(options: GalleryOptions) {
    const now = this.deps.clock.now();
    if (options.expiresAt && options.expiresAt.getTime() <= now.getTime()) {
      throw new MaiimgError('INVALID_OPTION', { option: 'option.expiry', reason: 'reason.future' });
    }
    if (options.maxOpens != null && (!Number.isInteger(options.maxOpens) || options.maxOpens < 1)) {
      throw new MaiimgError('INVALID_OPTION', { option: 'option.maxOpens', reason: 'reason.wholeNumber' });
    }
    return {
      title: cleanTitle(options.title),
      settings: {
        state: 'active' as const,
        expiresAt: options.expiresAt ?? null,
        maxOpens: options.maxOpens ?? null,
        passwordHash: options.password ? await hashPassword(checkPassword(options.password)) : null,
        downloadsAllowed: options.downloadsAllowed ?? true,
      },
    };
  }

  /**
   * Content-addressed: an object that already exists is identical, so it is neither rewritten nor
   * owned by this batch. `data` is the bytes, or the path of a file holding them.
   */
  private async putOnce(
    key: string,
    data: Buffer | string,
    contentType: string,
    written: string[],
    move = false,
  ): Promise<void> {
    const { blobs } = this.deps;
    if (await blobs.exists(key)) return;
    // Counted as written before the put: a put that fails on the client side (connection reset,
    // timeout) may still have landed in the store, and must be cleaned up like one that succeeded.
    written.push(key);
    if (typeof data !== 'string') await blobs.put(key, data, contentType);
    else if (blobs.putFile) await blobs.putFile(key, data, contentType, move ? { move } : undefined);
    else await blobs.put(key, await readFile(data), contentType);
  }

  private workDirReady: Promise<string> | undefined;

  /**
   * Removes the cleaning folders (`image-*` in the work folder) that a process killed mid-batch left
   * behind; each holds up to one stripped copy of an upload. Folders in use are seconds old, so an
   * hour's age is safe even when several processes share the data folder. Returns how many went.
   */
  async removeStaleWork(): Promise<number> {
    if (!this.deps.workDir) return 0;
    return removeStaleFolders(this.deps.workDir, STALE_WORK_MS, this.deps.clock.now().getTime());
  }

  private workDir(): Promise<string> {
    const dir = this.deps.workDir ?? tmpdir();
    this.workDirReady ??= mkdir(dir, { recursive: true }).then(() => dir);
    return this.workDirReady;
  }

  /** Deletes now, or later when the store is unreachable (see PendingRemovals): never throws. */
  private async removeQuietly(keys: string[]): Promise<void> {
    await this.pendingRemovals.remove(keys);
  }

  /** Last attempt at pending removals; call when the process stops. */
  async close(): Promise<void> {
    await this.pendingRemovals.close();
  }
}

/**
 * Images of a batch processed at once: one per core, plus one. Each image also waits on I/O
 * (reading the upload, writing to the store), and the extra one keeps the cores decoding meanwhile;
 * memory grows by one image, not by a batch.
 */
export function defaultBatchConcurrency(): number {
  return availableParallelism() + 1;
}

export function isOwner(gallery: Gallery, owner: Owner): boolean {
  return gallery.owner.platform === owner.platform && gallery.owner.userId === owner.userId;
}

function isLocalFile(data: IncomingBytes): data is LocalFile {
  return !Buffer.isBuffer(data) && 'path' in data && typeof data.path === 'string';
}

function tooLargeFor(maxBytes: number): MaiimgError {
  return new MaiimgError('FILE_TOO_LARGE', { limit: formatBytes(maxBytes) });
}

/**
 * An incoming file's bytes as the adapter gives them, asking for them (which starts a download)
 * when it gave a function; refused before that when the announced size is over the limit or zero.
 */
async function openIncoming(file: IncomingFile, maxBytes: number): Promise<IncomingBytes> {
  if (file.declaredBytes !== undefined && file.declaredBytes > maxBytes) throw tooLargeFor(maxBytes);
  if (file.declaredBytes === 0) throw new MaiimgError('EMPTY_FILE');
  try {
    return typeof file.data === 'function' ? await file.data() : file.data;
  } catch (error) {
    if (isMaiimgError(error)) throw error;
    throw new MaiimgError('DOWNLOAD_FAILED', {}, { cause: error });
  }
}

/** A file on disk with its size, refused as {@link readIncoming} would refuse it (too large, empty) without reading it. */
async function sizedLocalFile(file: LocalFile, maxBytes: number): Promise<{ path: string; bytes: number }> {
  let bytes: number;
  try {
    // Synchronous, as the strip plan reads: a stat queued in libuv's pool waited up to 150 ms
    // behind other images' fsyncs, holding an image-queue slot while the cores idled.
    const info = statSync(file.path);
    if (!info.isFile()) throw new Error('not a file');
    bytes = info.size;
  } catch (error) {
    throw new MaiimgError('FILE_UNREADABLE', {}, { cause: error });
  }
  if (bytes === 0) throw new MaiimgError('EMPTY_FILE');
  if (bytes > maxBytes) throw tooLargeFor(maxBytes);
  return { path: file.path, bytes };
}

/**
 * Reads an incoming file into memory, refusing it as soon as it is known to be over the limit:
 * before reading when the size was announced, otherwise as soon as the stream passes the limit.
 */
export async function readIncoming(file: IncomingFile, maxBytes: number): Promise<Buffer> {
  return readBytes(await openIncoming(file, maxBytes), maxBytes);
}

async function readBytes(data: IncomingBytes, maxBytes: number): Promise<Buffer> {
  const tooLarge = () => tooLargeFor(maxBytes);
  let source: Buffer | AsyncIterable<Uint8Array>;
  if (isLocalFile(data)) {
    await sizedLocalFile(data, maxBytes);
    source = await readFile(data.path).catch((error: unknown) => {
      throw new MaiimgError('FILE_UNREADABLE', {}, { cause: error });
    });
  } else {
    source = data;
  }
  let bytes: Buffer;
  if (Buffer.isBuffer(source)) {
    bytes = source;
  } else {
    const chunks: Buffer[] = [];
    let total = 0;
    const iterator = source[Symbol.asyncIterator]();
    try {
      for (;;) {
        const { value, done } = await iterator.next();
        if (done) break;
        total += value.byteLength;
        if (total > maxBytes) {
          // Stop the producer: a network download is aborted instead of being read to the end.
          await iterator.return?.();
          throw tooLarge();
        }
        chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
      }
    } catch (error) {
      if (isMaiimgError(error)) throw error;
      throw new MaiimgError('DOWNLOAD_FAILED', {}, { cause: error });
    }
    bytes = Buffer.concat(chunks, total);
  }
  if (bytes.length === 0) throw new MaiimgError('EMPTY_FILE');
  if (bytes.length > maxBytes) throw tooLarge();
  return bytes;
}

async function runLimited<T>(
  items: T[],
  limit: number,
  worker: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      await worker(items[index]!, index);
    }
  });
  await Promise.all(runners);
}
