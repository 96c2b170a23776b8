import { LRUCache } from 'lru-cache';
import type { GalleryRepository, NewGallery } from './ports.js';
import type { Gallery, LinkSettings, Owner } from './types.js';

export interface GalleryReadCacheOptions {
  /** How long a read may be reused (0: never). */
  ttlMs: number;
  /** Galleries kept at most; the least recently used go first. */
  maxEntries?: number;
}

/**
 * The gallery repository, with a short-lived in-memory copy of each gallery for the pages that
 * visitors open (`findBySlugCached`). Reading a gallery from the database for every open of a
 * popular link is most of what an open costs; a copy a fraction of a second old is as good,
 * because:
 * - every change made through this process (disable, password, delete, an open counted against a
 *   limit) drops the copy at once, so this instance obeys it immediately;
 * - a change made through another instance is obeyed once the copy is `ttlMs` old (the several-
 *   instances promise is "within one second");
 * - an open limit is never checked against the copy: it is counted in the database (tryCountOpen).
 *
 * Management reads (`findBySlug`) always go to the database, and refresh the copy on the way.
 * Concurrent misses for one gallery share one database read.
 */
export class GalleryReadCache implements GalleryRepository {
  /**
   * Reads in flight are kept too (as promises), so concurrent misses share one. lru-cache's own
   * fetch() is not used: a write during a fetch would reject everyone waiting on it.
   */
  private readonly entries: LRUCache<string, Promise<Gallery | null>> | null;
  /**
   * The link slugs each gallery's copies are kept under (a gallery is read through any of its links):
   * a change to the gallery drops them all.
   */
  private readonly linkSlugs: LRUCache<string, Set<string>> | null;
  /**
   * When each slug was last forgotten (a count of forgets, not a time): a read through a share link
   * that was in flight while its gallery changed is not kept, although its gallery was not known yet.
   */
  private readonly forgottenAt: LRUCache<string, number> | null;
  private forgets = 0;

  constructor(
    private readonly repository: GalleryRepository,
    options: GalleryReadCacheOptions,
  ) {
    const max = options.maxEntries ?? 1000;
    this.entries = options.ttlMs > 0 ? new LRUCache({ max, ttl: options.ttlMs }) : null;
    this.linkSlugs = options.ttlMs > 0 ? new LRUCache({ max }) : null;
    this.forgottenAt = options.ttlMs > 0 ? new LRUCache({ max }) : null;
  }

  /** The gallery as read at most `ttlMs` ago (for serving pages and images, never for managing). */
  findBySlugCached(slug: string): Promise<Gallery | null> {
    return this.entries?.get(slug) ?? this.read(slug);
  }

  async findBySlug(slug: string): Promise<Gallery | null> {
    return this.read(slug);
  }

  async create(gallery: NewGallery): Promise<Gallery> {
    return this.repository.create(gallery);
  }

  async listByOwner(owner: Pick<Owner, 'platform' | 'userId'>): Promise<Gallery[]> {
    return this.repository.listByOwner(owner);
  }

  async updateSettings(slug: string, patch: Partial<LinkSettings> & { title?: string | null }): Promise<Gallery> {
    return this.afterWrite(slug, this.repository.updateSettings(slug, patch));
  }

  async transferOwner(
    slug: string,
    from: Pick<Owner, 'platform' | 'userId'>,
    to: Pick<Owner, 'platform' | 'userId'>,
  ): Promise<boolean> {
    return this.afterWrite(slug, this.repository.transferOwner(slug, from, to));
  }

  async delete(slug: string): Promise<string[]> {
    return this.afterWrite(slug, this.repository.delete(slug));
  }

  async countImagesWithHash(hash: string): Promise<number> {
    return this.repository.countImagesWithHash(hash);
  }

  async tryCountOpen(slug: string): Promise<boolean> {
    // The copy's open count is now behind: the next page reads the gallery afresh.
    return this.afterWrite(slug, this.repository.tryCountOpen(slug));
  }

  async ping(): Promise<void> {
    return this.repository.ping();
  }

  /**
   * Forgets the copy kept under this slug and, when it is a gallery's own slug, the copies read
   * through its other links (a write elsewhere in this process changed it: the gallery, or one link).
   */
  forget(slug: string): void {
    // A read still in flight is dropped with its entry: what it returns is never kept.
    this.entries?.delete(slug);
    this.forgottenAt?.set(slug, ++this.forgets);
    const links = this.linkSlugs?.get(slug);
    if (links) {
      for (const link of links) this.entries?.delete(link);
      this.linkSlugs?.delete(slug);
    }
  }

  private read(slug: string): Promise<Gallery | null> {
    const gallery = this.repository.findBySlug(slug);
    const entries = this.entries;
    if (!entries) return gallery;
    const started = this.forgets;
    entries.set(slug, gallery);
    const drop = () => {
      if (entries.peek(slug) === gallery) entries.delete(slug);
    };
    // Unknown slugs are not kept (a scanner would fill the memory with them), nor failed reads.
    gallery.then((found) => {
      if (found === null) return drop();
      if (found.slug === slug || entries.peek(slug) !== gallery) return;
      if ((this.forgottenAt!.get(found.slug) ?? 0) > started) return drop();
      this.rememberLink(found.slug, slug);
    }, drop);
    return gallery;
  }

  private rememberLink(gallerySlug: string, linkSlug: string): void {
    let links = this.linkSlugs!.get(gallerySlug);
    if (!links) this.linkSlugs!.set(gallerySlug, (links = new Set()));
    links.add(linkSlug);
  }

  private async afterWrite<T>(slug: string, write: Promise<T>): Promise<T> {
    // Forget before and after: a read started during the write must not be kept either.
    this.forget(slug);
    try {
      return await write;
    } finally {
      this.forget(slug);
    }
  }
}
