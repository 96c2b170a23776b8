import { MaiimgError } from '../errors.js';
import type { GalleryRepository, NewGallery } from '../ports.js';
import { randomBytes } from 'node:crypto';
import type {
  Gallery,
  GalleryImage,
  GalleryLink,
  GalleryLinkState,
  ImageFormat,
  LinkSettings,
  LinkState,
  Owner,
  Platform,
} from '../types.js';
import type {
  GalleryImage as ImageRow,
  Gallery as GalleryRow,
  GalleryLink as LinkRow,
} from './generated/sqlite/client.js';
import { toDatabaseError } from './database-errors.js';
import type { DatabaseClient } from './prisma-client-factory.js';

type GalleryWithImages = GalleryRow & { images: ImageRow[] };

const withImages = { images: { orderBy: { position: 'asc' } } } as const;
/** Writes by the gallery's own slug return it as read through that slug: with its first link. */
const withImagesAndFirstLink = { ...withImages, links: { where: { first: true } } } as const;

/** GalleryRepository over Prisma; behaves the same on SQLite and PostgreSQL. */
export class PrismaGalleryRepository implements GalleryRepository {
  constructor(private readonly prisma: DatabaseClient) {}

  async create(gallery: NewGallery): Promise<Gallery> {
    return this.run(async () => {
      // A nested create is one Prisma operation, so the gallery, its images and its first link commit
      // together. The first link's id is the gallery's (as the migration made it for older galleries),
      // so the id is chosen here rather than by the database.
      const id = newGalleryId(gallery.createdAt);
      const row = await this.prisma.gallery.create({
        data: {
          id,
          slug: gallery.slug,
          ownerPlatform: gallery.owner.platform,
          ownerUserId: gallery.owner.userId,
          ownerChatId: gallery.owner.chatId ?? null,
          title: gallery.title,
          createdAt: gallery.createdAt,
          state: gallery.settings.state,
          expiresAt: gallery.settings.expiresAt,
          maxOpens: gallery.settings.maxOpens,
          passwordHash: gallery.settings.passwordHash,
          downloadsAllowed: gallery.settings.downloadsAllowed,
          images: {
            create: gallery.images.map((image) => ({
              position: image.position,
              originalName: image.originalName,
              format: image.format,
              width: image.width,
              height: image.height,
              bytes: image.bytes,
              hash: image.hash,
              animated: image.animated,
            })),
          },
          links: { create: { id, slug: gallery.slug, first: true, createdAt: gallery.createdAt } },
        },
        include: withImagesAndFirstLink,
      });
      return withFirstLink(row);
    });
  }

  /** Any of the gallery's links (its own slug included); the result names the link in `link`. */
  async findBySlug(slug: string): Promise<Gallery | null> {
    return this.run(async () => {
      const link = await this.prisma.galleryLink.findUnique({
        where: { slug },
        include: { gallery: { include: withImages } },
      });
      if (link) return { ...toGallery(link.gallery), link: toLink(link) };
      // A gallery written without its first link (by a process older than links) is still found.
      const row = await this.prisma.gallery.findUnique({ where: { slug }, include: withImages });
      return row ? { ...toGallery(row), link: firstLinkOf(row) } : null;
    });
  }

  /** Newest first. */
  async listByOwner(owner: Pick<Owner, 'platform' | 'userId'>): Promise<Gallery[]> {
    return this.run(async () => {
      const rows = await this.prisma.gallery.findMany({
        where: { ownerPlatform: owner.platform, ownerUserId: owner.userId },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        include: withImages,
      });
      return rows.map(toGallery);
    });
  }

  /** Fields left undefined keep their value. Throws GALLERY_NOT_FOUND for an unknown slug. */
  async updateSettings(slug: string, patch: Partial<LinkSettings> & { title?: string | null }): Promise<Gallery> {
    return this.run(async () => {
      try {
        const row = await this.prisma.gallery.update({
          where: { slug },
          data: {
            title: patch.title,
            state: patch.state,
            expiresAt: patch.expiresAt,
            maxOpens: patch.maxOpens,
            passwordHash: patch.passwordHash,
            downloadsAllowed: patch.downloadsAllowed,
          },
          include: withImagesAndFirstLink,
        });
        return withFirstLink(row);
      } catch (error) {
        if (isRecordNotFound(error)) throw new MaiimgError('GALLERY_NOT_FOUND', { slug }, { cause: error });
        throw error;
      }
    });
  }

  async transferOwner(
    slug: string,
    from: Pick<Owner, 'platform' | 'userId'>,
    to: Pick<Owner, 'platform' | 'userId'>,
  ): Promise<boolean> {
    return this.run(async () => {
      const { count } = await this.prisma.gallery.updateMany({
        where: { slug, ownerPlatform: from.platform, ownerUserId: from.userId },
        data: { ownerPlatform: to.platform, ownerUserId: to.userId },
      });
      return count === 1;
    });
  }

  /**
   * Deletes the gallery; its images, visits, image views and daily counts go with it (ON DELETE
   * CASCADE). Returns the distinct content hashes its images used. Throws GALLERY_NOT_FOUND for an
   * unknown slug.
   */
  async delete(slug: string): Promise<string[]> {
    return this.run(async () => {
      // Images never change after creation, so reading them before the delete needs no transaction
      // (which on SQLite would have to upgrade a read lock to a write lock and could fail as busy).
      const row = await this.prisma.gallery.findUnique({
        where: { slug },
        select: { id: true, images: { select: { hash: true } } },
      });
      if (!row) throw new MaiimgError('GALLERY_NOT_FOUND', { slug });
      const { count } = await this.prisma.gallery.deleteMany({ where: { id: row.id } });
      if (count === 0) throw new MaiimgError('GALLERY_NOT_FOUND', { slug });
      return [...new Set(row.images.map((image) => image.hash))];
    });
  }

  async countImagesWithHash(hash: string): Promise<number> {
    return this.run(() => this.prisma.galleryImage.count({ where: { hash } }));
  }

  async tryCountOpen(slug: string): Promise<boolean> {
    return this.run(async () => {
      // One conditional UPDATE: the limit check and the increment happen in the same statement, so
      // concurrent opens from any number of processes can never push open_count past max_opens.
      const changed = await this.prisma.$executeRaw`
        UPDATE galleries SET open_count = open_count + 1
        WHERE slug = ${slug} AND (max_opens IS NULL OR open_count < max_opens)`;
      return changed === 1;
    });
  }

  async ping(): Promise<void> {
    await this.run(() => this.prisma.$queryRaw`SELECT 1`);
  }

  private async run<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw toDatabaseError(error);
    }
  }
}

function isRecordNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'P2025';
}

/** A gallery row's own fields, as the core sees them (its images and links are read apart). */
export function galleryFields(row: GalleryRow): Omit<Gallery, 'images' | 'link'> {
  return {
    id: row.id,
    slug: row.slug,
    owner: { platform: row.ownerPlatform as Platform, userId: row.ownerUserId, chatId: row.ownerChatId },
    title: row.title,
    createdAt: row.createdAt,
    settings: {
      state: row.state as LinkState,
      expiresAt: row.expiresAt,
      maxOpens: row.maxOpens,
      passwordHash: row.passwordHash,
      downloadsAllowed: row.downloadsAllowed,
    },
    openCount: row.openCount,
  };
}

function toGallery(row: GalleryWithImages): Gallery {
  return { ...galleryFields(row), images: row.images.map(toImage) };
}

function withFirstLink(row: GalleryWithImages & { links: LinkRow[] }): Gallery {
  const first = row.links[0];
  return { ...toGallery(row), link: first ? toLink(first) : firstLinkOf(row) };
}

export function toLink(row: LinkRow): GalleryLink {
  return {
    id: row.id,
    galleryId: row.galleryId,
    slug: row.slug,
    first: row.first,
    label: row.label,
    platform: row.platform,
    chatId: row.chatId,
    chatName: row.chatName,
    thread: row.thread,
    sharedBy: row.sharedBy,
    createdAt: row.createdAt,
    state: row.state as GalleryLinkState,
    lastOpenAt: row.lastOpenAt,
  };
}

function firstLinkOf(row: GalleryRow): GalleryLink {
  return {
    id: row.id,
    galleryId: row.id,
    slug: row.slug,
    first: true,
    label: null,
    platform: null,
    chatId: null,
    chatName: null,
    thread: null,
    sharedBy: null,
    createdAt: row.createdAt,
    state: 'enabled',
    lastOpenAt: null,
  };
}

/**
 * A gallery id that sorts by creation time like Prisma's cuid() ids do (lists break ties on the id):
 * "c", the time in base 36, then 80 random bits.
 */
function newGalleryId(at: Date): string {
  return `c${at.getTime().toString(36).padStart(9, '0')}${randomBytes(10).toString('hex')}`;
}

function toImage(row: ImageRow): GalleryImage {
  return {
    id: row.id,
    position: row.position,
    originalName: row.originalName,
    format: row.format as ImageFormat,
    width: row.width,
    height: row.height,
    bytes: row.bytes,
    hash: row.hash,
    animated: row.animated,
  };
}
