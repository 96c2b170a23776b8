import { MaiimgError } from '../errors.js';
import type { GalleryReadCache } from '../gallery-read-cache.js';
import { slugFromReference } from '../gallery-ref.js';
import type { GalleryService } from '../gallery-service.js';
import { cleanTitle } from '../link-options.js';
import type { Clock, Logger } from '../ports.js';
import { makeQrCode } from '../qr/qr-code.js';
import { isSlug, newSlug } from '../slug.js';
import type { Gallery, GalleryLink, GallerySummary, Owner } from '../types.js';
import type { LinkOpens, LinkRepository } from './link-repository.js';
import type {
  LinkScope,
  LinkSummary,
  LinksApi,
  ResolvedGallery,
  ShareLinkInput,
  ShareLinkResult,
} from './links-api.js';

export interface LinkServiceDeps {
  links: LinkRepository;
  /** Gallery lookups through any link, and the read cache that a link's change must reach at once. */
  repository: GalleryReadCache;
  service: GalleryService;
  clock: Clock;
  logger: Logger;
  /** Writes the opens this process still holds, so counts include them. */
  flushVisits: () => Promise<void>;
}

/** Chat and people names are shown in lists and alerts: plain text, capped like titles. */
const cleanText = (value: string | undefined) => cleanTitle(value ?? null);

/** The links use cases (see LinksApi). */
export class LinkService implements LinksApi {
  constructor(private readonly deps: LinkServiceDeps) {}

  newShareSlug(): string {
    return newSlug();
  }

  async share(input: ShareLinkInput): Promise<ShareLinkResult> {
    const { gallery } = await this.ownedLink(input.owner, input.ref);
    if (input.slug !== undefined && !isSlug(input.slug)) throw new MaiimgError('INVALID_REFERENCE');
    const created = await this.deps.links.create({
      galleryId: gallery.id,
      slug: input.slug ?? newSlug(),
      label: cleanText(input.label),
      platform: input.platform,
      chatId: input.chatId ?? null,
      chatName: cleanText(input.chatName),
      thread: input.thread ?? null,
      sharedBy: cleanText(input.sharedBy),
      createdAt: this.deps.clock.now(),
    });
    let link: GalleryLink;
    if (created === 'duplicate') {
      // The slug was handed out earlier (a lazily made Telegram result): the same link again, never
      // someone else's.
      const existing = input.slug ? await this.deps.links.findBySlug(input.slug) : null;
      if (!existing || existing.galleryId !== gallery.id || existing.state === 'deleted') {
        throw new MaiimgError('INVALID_REFERENCE');
      }
      link = existing;
    } else {
      link = created;
      this.deps.logger.info({ gallery: gallery.slug, link: link.slug, platform: link.platform }, 'link shared');
    }
    const summary = this.summarize(gallery, link, undefined);
    return {
      link: summary,
      qrPng: (await makeQrCode(summary.url)).png,
      gallery: { id: gallery.id, slug: gallery.slug, title: gallery.title, ...this.cardFacts(gallery, link) },
    };
  }

  /** What a chat card shows of a gallery reached through `link`. */
  private cardFacts(gallery: Gallery, link: GalleryLink): Omit<ShareLinkResult['gallery'], 'id' | 'slug' | 'title'> {
    const first = gallery.images[0];
    // A protected gallery shows nothing of itself; a limited one serves images only to counted opens.
    const previewable = !gallery.settings.passwordHash && gallery.settings.maxOpens == null && first;
    return {
      imageCount: gallery.images.length,
      passwordProtected: gallery.settings.passwordHash !== null,
      previewUrl: previewable ? `${this.deps.service.urlFor(link.slug)}/i/${first.position}/480.webp` : undefined,
    };
  }

  async list({ owner, ref }: { owner: Owner; ref: string }): Promise<LinkSummary[]> {
    const { gallery } = await this.ownedLink(owner, ref);
    return this.linksOf(gallery);
  }

  /** Every link of a gallery with its opens (deleted ones too when asked: the stats still count them). */
  async linksOf(gallery: Gallery, options: { includeDeleted?: boolean } = {}): Promise<LinkSummary[]> {
    await this.deps.flushVisits().catch(() => undefined);
    const [links, opens] = await Promise.all([
      this.deps.links.listByGallery(gallery.id),
      this.deps.links.opensByLink(gallery.id),
    ]);
    return links
      .filter((link) => options.includeDeleted || link.state !== 'deleted')
      .map((link) => this.summarize(gallery, link, opens.get(link.id)));
  }

  async resolve(ref: string): Promise<{ gallery: ResolvedGallery; link: LinkSummary }> {
    await this.deps.flushVisits().catch(() => undefined);
    const gallery = await this.findLive(ref);
    const link = gallery.link!;
    const opens = await this.deps.links.opensByLink(gallery.id);
    return {
      gallery: { ...gallery, ...this.cardFacts(gallery, link) },
      link: this.summarize(gallery, link, opens.get(link.id)),
    };
  }

  async setState(input: {
    owner: Owner;
    ref: string;
    state: 'active' | 'disabled';
  }): Promise<{ link: LinkSummary; scope: LinkScope }> {
    const { gallery, link } = await this.ownedLink(input.owner, input.ref);
    if (link.first) {
      const updated = await this.deps.service.setLinkState({
        owner: input.owner,
        ref: gallery.slug,
        state: input.state,
      });
      return { link: await this.summaryWithOpens(updated, link), scope: 'gallery' };
    }
    const wanted = input.state === 'active' ? 'enabled' : 'disabled';
    let changed = link;
    if (link.state !== wanted) {
      changed = await this.changeLink(link, () => this.deps.links.setState(link.id, wanted));
      this.deps.logger.info({ gallery: gallery.slug, link: link.slug, state: wanted }, 'link state changed');
    }
    return { link: await this.summaryWithOpens(gallery, changed), scope: 'link' };
  }

  async delete({ owner, ref }: { owner: Owner; ref: string }): Promise<{ scope: LinkScope }> {
    const { gallery, link } = await this.ownedLink(owner, ref);
    if (link.first) {
      await this.deps.service.deleteGallery({ owner, ref: gallery.slug });
      return { scope: 'gallery' };
    }
    // The row stays (marked deleted): the link answers 410 like a disabled one, and its opens stay
    // in the gallery's stats.
    await this.changeLink(link, () => this.deps.links.setState(link.id, 'deleted'));
    this.deps.logger.info({ gallery: gallery.slug, link: link.slug }, 'link deleted');
    return { scope: 'link' };
  }

  async findGalleries({
    owner,
    query,
    limit,
  }: {
    owner: Owner;
    query: string;
    limit: number;
  }): Promise<GallerySummary[]> {
    const wanted = query.trim().toLocaleLowerCase();
    const galleries = await this.deps.links.listOwnerGalleries(owner);
    const found = galleries
      .filter((gallery) => (gallery.title ?? '').toLocaleLowerCase().includes(wanted))
      .slice(0, Math.max(0, limit));
    return found.map((gallery) => ({
      ...this.deps.service.summarize({ ...gallery, images: [] }),
      imageCount: gallery.imageCount,
    }));
  }

  /** The gallery and link a reference names, for its owner; deleted links are not found. */
  private async ownedLink(owner: Owner, ref: string): Promise<{ gallery: Gallery; link: GalleryLink }> {
    const gallery = await this.findLive(ref);
    if (gallery.owner.platform !== owner.platform || gallery.owner.userId !== owner.userId) {
      throw new MaiimgError('NOT_OWNER');
    }
    return { gallery, link: gallery.link! };
  }

  private async findLive(ref: string): Promise<Gallery> {
    const slug = slugFromReference(ref);
    const gallery = await this.deps.repository.findBySlug(slug);
    if (!gallery?.link || gallery.link.state === 'deleted') throw new MaiimgError('GALLERY_NOT_FOUND');
    return gallery;
  }

  /** A link's change reaches this process's read cache at once (before and after, like gallery writes). */
  private async changeLink<T>(link: GalleryLink, write: () => Promise<T>): Promise<T> {
    this.deps.repository.forget(link.slug);
    try {
      return await write();
    } finally {
      this.deps.repository.forget(link.slug);
    }
  }

  private async summaryWithOpens(gallery: Gallery, link: GalleryLink): Promise<LinkSummary> {
    await this.deps.flushVisits().catch(() => undefined);
    const opens = await this.deps.links.opensByLink(gallery.id);
    return this.summarize(gallery, link, opens.get(link.id));
  }

  private summarize(gallery: Gallery, link: GalleryLink, opens: LinkOpens | undefined): LinkSummary {
    const state = link.first ? gallery.settings.state : link.state === 'enabled' ? 'active' : 'disabled';
    return {
      id: link.id,
      slug: link.slug,
      url: this.deps.service.urlFor(link.slug),
      first: link.first,
      label: link.label,
      platform: link.platform,
      chatId: link.chatId,
      chatName: link.chatName,
      thread: link.thread,
      sharedBy: link.sharedBy,
      createdAt: link.createdAt,
      state,
      deleted: link.state === 'deleted',
      opens: opens?.opens ?? 0,
      uniqueVisitors: opens?.uniqueVisitors ?? 0,
      lastOpenAt: link.lastOpenAt,
    };
  }
}
