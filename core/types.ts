/** Core domain types. No platform SDK or web framework types may appear here. */

export type Platform = 'telegram' | 'discord' | 'slack' | 'cli' | 'web';

/** Who owns a gallery: the person who sent the batch, on the platform they used. */
export interface Owner {
  platform: Platform;
  userId: string;
  /** Chat / channel / DM the gallery was made in; alerts go back there. */
  chatId?: string | null;
}

export type Locale = 'en' | 'zh-CN';

export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'webp';

export type LinkState = 'active' | 'disabled';

export interface LinkSettings {
  state: LinkState;
  expiresAt: Date | null;
  /** Maximum number of human opens; null = unlimited. */
  maxOpens: number | null;
  /** Slow salted hash (see password-hasher.ts); never the clear password. */
  passwordHash: string | null;
  downloadsAllowed: boolean;
}

export interface GalleryImage {
  id: string;
  position: number;
  /** The sender's file name, sanitised for display only; never used to build a storage key. */
  originalName: string;
  format: ImageFormat;
  width: number;
  height: number;
  bytes: number;
  /** sha256 (hex) of the cleaned bytes the gallery serves; also the blob key's stem. */
  hash: string;
  animated: boolean;
}

export interface Gallery {
  id: string;
  slug: string;
  owner: Owner;
  title: string | null;
  createdAt: Date;
  settings: LinkSettings;
  /** Human opens counted so far (the counter that `maxOpens` is checked against). */
  openCount: number;
  images: GalleryImage[];
  /**
   * The link the gallery was looked up through (its first link when looked up by its own slug).
   * Absent on galleries that were not read by a slug (lists, a gallery just made).
   */
  link?: GalleryLink;
}

/** A link's own switch: 'deleted' links answer like disabled ones and are no longer listed. */
export type GalleryLinkState = 'enabled' | 'disabled' | 'deleted';

/**
 * One address of a gallery (see GalleryLink in prisma/models.prisma). The first link's slug is the
 * gallery's slug and its id the gallery's id; every share adds one more.
 */
export interface GalleryLink {
  id: string;
  galleryId: string;
  slug: string;
  first: boolean;
  label: string | null;
  platform: string | null;
  chatId: string | null;
  chatName: string | null;
  thread: string | null;
  sharedBy: string | null;
  createdAt: Date;
  state: GalleryLinkState;
  lastOpenAt: Date | null;
}

/** One file of an incoming batch, as an adapter hands it to the core. */
export interface IncomingFile {
  /** Name the sender gave it (or a made-up one such as `photo-3.jpg`); display only. */
  name: string;
  /** Size announced by the platform before download, when known: lets the core refuse early. */
  declaredBytes?: number;
  /**
   * The bytes: already in memory, a stream the core reads (and stops reading early), or a local
   * file (`{ path }`, such as a web upload's spool file) that the core decodes and stores from disk
   * without ever holding it whole in memory; or a function that produces one of these when the
   * core is ready for the file (a download starts then).
   */
  data: IncomingBytes | (() => Promise<IncomingBytes>);
}

export type IncomingBytes = Buffer | AsyncIterable<Uint8Array> | LocalFile;

/** A file on this machine's disk that the core may read by path, as often as it needs. */
export interface LocalFile {
  path: string;
}

export interface GalleryOptions {
  title?: string | null;
  expiresAt?: Date | null;
  maxOpens?: number | null;
  /** Clear-text password chosen by the owner; hashed by the core before storage. */
  password?: string | null;
  downloadsAllowed?: boolean;
}

export interface AcceptedFile {
  file: string;
  format: ImageFormat;
  width: number;
  height: number;
  bytes: number;
}

export interface RejectedFile {
  file: string;
  code: string;
  message: string;
}

export interface BatchProgress {
  done: number;
  total: number;
  file: string;
}

/** The outcome of a batch: a gallery when at least one file was valid, and every file's fate. */
export interface BatchOutcome {
  gallery: Gallery | null;
  url: string | null;
  accepted: AcceptedFile[];
  rejected: RejectedFile[];
}

export interface QrCode {
  png: Buffer;
  svg: string;
  terminal: string;
}

export type SettingsPatch = {
  title?: string | null;
  expiresAt?: Date | null;
  maxOpens?: number | null;
  password?: string | null;
  downloadsAllowed?: boolean;
};

/** A gallery as listed for its owner. */
export interface GallerySummary {
  slug: string;
  url: string;
  title: string | null;
  createdAt: Date;
  state: LinkState;
  /** The link's effective status, taking expiry and the open limit into account. */
  status: LinkStatus;
  imageCount: number;
  openCount: number;
  lastOpenAt: Date | null;
}

export type LinkStatus = 'active' | 'disabled' | 'expired' | 'exhausted';
