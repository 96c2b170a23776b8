import type { Gallery, GalleryLink, GalleryLinkState, Owner } from '../types.js';

/** What a new link is made of; its id, state and last open come from the database. */
export type NewLink = Pick<
  GalleryLink,
  'galleryId' | 'slug' | 'label' | 'platform' | 'chatId' | 'chatName' | 'thread' | 'sharedBy' | 'createdAt'
>;

/** Human opens and distinct visitors through one link, from the rollups the visit writer keeps. */
export interface LinkOpens {
  opens: number;
  uniqueVisitors: number;
}

/** A gallery as searched for its owner: everything but the images, which are only counted. */
export type GalleryWithImageCount = Omit<Gallery, 'images' | 'link'> & { imageCount: number };

/** Persistence of gallery links (implemented over Prisma for SQLite and PostgreSQL). */
export interface LinkRepository {
  /** Adds a link; DUPLICATE when the slug is taken (by this gallery or another). */
  create(link: NewLink): Promise<GalleryLink | 'duplicate'>;
  findBySlug(slug: string): Promise<GalleryLink | null>;
  /** Every link of the gallery, deleted ones included: the first link, then the oldest first. */
  listByGallery(galleryId: string): Promise<GalleryLink[]>;
  /** Opens and unique visitors per link id (links never opened are absent). */
  opensByLink(galleryId: string): Promise<Map<string, LinkOpens>>;
  setState(linkId: string, state: GalleryLinkState): Promise<GalleryLink>;
  /** The owner's galleries, newest first. */
  listOwnerGalleries(owner: Pick<Owner, 'platform' | 'userId'>): Promise<GalleryWithImageCount[]>;
}
