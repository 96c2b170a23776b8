import type { Readable } from 'node:stream';
import type { Gallery, GalleryImage, LinkSettings, Owner } from './types.js';

/**
 * Where image bytes live. Keys are made by the core only (content hashes and fixed suffixes),
 * never from user input. Implementations: local-blob-store.ts, s3-blob-store.ts.
 */
export interface BlobStore {
  /** Write atomically: a reader sees either nothing or the whole object. */
  put(key: string, data: Buffer, contentType: string): Promise<void>;
  /**
   * Writes the local file at `path` as the object, as atomically as {@link put}, without holding it
   * in memory. Optional: the core falls back to reading the file and calling put. With `move`, the
   * file is the caller's to give away (a copy it made): the store may take the file itself instead
   * of copying it, and the caller must not rely on it being there afterwards.
   */
  putFile?(key: string, path: string, contentType: string, options?: { move?: boolean }): Promise<void>;
  /** Whole object, or null when it does not exist. */
  get(key: string): Promise<Buffer | null>;
  /**
   * A stream of the object (optionally a byte range, inclusive `end`), with its total size,
   * or null when it does not exist.
   */
  stream(key: string, range?: { start: number; end: number }): Promise<{ body: Readable; size: number } | null>;
  /** Size in bytes, or null when it does not exist. */
  stat(key: string): Promise<{ size: number } | null>;
  exists(key: string): Promise<boolean>;
  /** Deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Cheap reachability probe for readiness checks; throws when the store cannot be used. */
  ping(): Promise<void>;
  /** Releases connections (S3's sockets); called once when the core closes. */
  close?(): void;
}

export interface NewGalleryImage extends Omit<GalleryImage, 'id'> {}

export interface NewGallery {
  slug: string;
  owner: Owner;
  title: string | null;
  createdAt: Date;
  settings: LinkSettings;
  images: NewGalleryImage[];
}

/** Persistence of galleries and their images. Implemented over Prisma (SQLite and PostgreSQL). */
export interface GalleryRepository {
  /** Creates the gallery and all its images in one transaction. */
  create(gallery: NewGallery): Promise<Gallery>;
  findBySlug(slug: string): Promise<Gallery | null>;
  listByOwner(owner: Pick<Owner, 'platform' | 'userId'>): Promise<Gallery[]>;
  updateSettings(slug: string, patch: Partial<LinkSettings> & { title?: string | null }): Promise<Gallery>;
  /**
   * Hands the gallery from `from` to `to` (a rotated manage link); false when `from` no longer owns
   * it (a rotation that lost a race). One conditional update.
   */
  transferOwner(
    slug: string,
    from: Pick<Owner, 'platform' | 'userId'>,
    to: Pick<Owner, 'platform' | 'userId'>,
  ): Promise<boolean>;
  /** Deletes the gallery, its images and its visits; returns the image hashes it held. */
  delete(slug: string): Promise<string[]>;
  /** How many images (in any gallery) still use this content hash: a blob is deleted only at zero. */
  countImagesWithHash(hash: string): Promise<number>;
  /**
   * Counts one human open if the link allows it, in one database step (exact under concurrency,
   * across processes): returns false when the open limit was already reached.
   */
  tryCountOpen(slug: string): Promise<boolean>;
  ping(): Promise<void>;
}

/** The time, injected so tests can fix it. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** The subset of pino's interface the core uses. */
export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}
