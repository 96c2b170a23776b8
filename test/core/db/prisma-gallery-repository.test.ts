import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../../core/config.js';
import { isMaiimgError } from '../../../core/errors.js';
import type { NewGallery, NewGalleryImage } from '../../../core/ports.js';
import { createPrismaClient, type DatabaseClient } from '../../../core/db/prisma-client-factory.js';
import { PrismaGalleryRepository } from '../../../core/db/prisma-gallery-repository.js';
import { DATABASE_TEST_TIMEOUT_MS, describeEachDatabase, type FreshDatabase } from '../../helpers/databases.js';

function image(position: number, hash = `hash-${position}`): NewGalleryImage {
  return {
    position,
    originalName: `photo-${position}.jpg`,
    format: 'jpeg',
    width: 4000,
    height: 3000,
    bytes: 1_234_567,
    hash,
    animated: false,
  };
}

function newGallery(slug: string, overrides: Partial<NewGallery> = {}): NewGallery {
  return {
    slug,
    owner: { platform: 'telegram', userId: 'u1', chatId: 'c1' },
    title: 'Holiday',
    createdAt: new Date('2025-06-01T10:00:00.000Z'),
    settings: { state: 'active', expiresAt: null, maxOpens: null, passwordHash: null, downloadsAllowed: true },
    images: [image(0), image(1)],
    ...overrides,
  };
}

describeEachDatabase('PrismaGalleryRepository', ({ provider, fresh }) => {
  let db: FreshDatabase;
  let prisma: DatabaseClient;
  let repo: PrismaGalleryRepository;
  const extraClients: DatabaseClient[] = [];

  beforeAll(async () => {
    db = await fresh();
    prisma = await createPrismaClient(db.database);
    repo = new PrismaGalleryRepository(prisma);
  }, DATABASE_TEST_TIMEOUT_MS);
  afterEach(async () => {
    await Promise.all(extraClients.splice(0).map((client) => client.$disconnect()));
  }, DATABASE_TEST_TIMEOUT_MS);
  afterAll(async () => {
    await prisma?.$disconnect();
    await db?.cleanup();
  }, DATABASE_TEST_TIMEOUT_MS);

  it('creates a gallery with its images and finds it again by slug', async () => {
    const created = await repo.create(
      newGallery('round-trip', {
        settings: {
          state: 'active',
          expiresAt: new Date('2030-01-01T00:00:00.000Z'),
          maxOpens: 5,
          passwordHash: 'scrypt$abc',
          downloadsAllowed: false,
        },
      }),
    );
    expect(created.id).toEqual(expect.any(String));
    expect(created.openCount).toBe(0);
    expect(created.images.map((i) => i.position)).toEqual([0, 1]);

    const found = await repo.findBySlug('round-trip');
    expect(found).toEqual(created);
    expect(found).toMatchObject({
      slug: 'round-trip',
      owner: { platform: 'telegram', userId: 'u1', chatId: 'c1' },
      title: 'Holiday',
      createdAt: new Date('2025-06-01T10:00:00.000Z'),
      settings: {
        state: 'active',
        expiresAt: new Date('2030-01-01T00:00:00.000Z'),
        maxOpens: 5,
        passwordHash: 'scrypt$abc',
        downloadsAllowed: false,
      },
    });
    expect(found?.images[0]).toEqual({ ...image(0), id: expect.any(String) });
  });

  it('returns null for an unknown slug', async () => {
    expect(await repo.findBySlug('nope')).toBeNull();
  });

  it('returns images ordered by position whatever order they were given in', async () => {
    const created = await repo.create(newGallery('shuffled', { images: [image(2), image(0), image(3), image(1)] }));
    expect(created.images.map((i) => i.position)).toEqual([0, 1, 2, 3]);
    expect((await repo.findBySlug('shuffled'))?.images.map((i) => i.position)).toEqual([0, 1, 2, 3]);
  });

  it('rejects a duplicate slug and writes nothing for it', async () => {
    await repo.create(newGallery('taken'));
    await expect(repo.create(newGallery('taken', { images: [image(0, 'only-in-duplicate')] }))).rejects.toThrow();
    expect(await repo.countImagesWithHash('only-in-duplicate')).toBe(0);
  });

  it('lists an owner’s galleries newest first, and nobody else’s', async () => {
    const owner = { platform: 'discord' as const, userId: 'lister' };
    await repo.create(newGallery('old', { owner, createdAt: new Date('2025-01-01T00:00:00Z') }));
    await repo.create(newGallery('new', { owner, createdAt: new Date('2025-03-01T00:00:00Z') }));
    await repo.create(newGallery('other', { owner: { platform: 'slack', userId: 'lister' } }));
    const listed = await repo.listByOwner(owner);
    expect(listed.map((g) => g.slug)).toEqual(['new', 'old']);
    expect(listed[0].images).toHaveLength(2);
    expect(await repo.listByOwner({ platform: 'telegram', userId: 'nobody' })).toEqual([]);
  });

  it('updates only the settings it is given', async () => {
    await repo.create(newGallery('settings', { settings: { ...newGallery('x').settings, maxOpens: 3 } }));
    const updated = await repo.updateSettings('settings', { state: 'disabled', title: null });
    expect(updated.settings).toEqual({
      state: 'disabled',
      expiresAt: null,
      maxOpens: 3,
      passwordHash: null,
      downloadsAllowed: true,
    });
    expect(updated.title).toBeNull();
    const again = await repo.updateSettings('settings', {
      maxOpens: null,
      expiresAt: new Date('2031-02-03T04:05:06.789Z'),
      passwordHash: 'h',
      downloadsAllowed: false,
    });
    expect(again.settings).toEqual({
      state: 'disabled',
      expiresAt: new Date('2031-02-03T04:05:06.789Z'),
      maxOpens: null,
      passwordHash: 'h',
      downloadsAllowed: false,
    });
    expect(await repo.findBySlug('settings')).toEqual(again);
  });

  it('throws GALLERY_NOT_FOUND when updating a missing gallery', async () => {
    const error = await repo.updateSettings('missing', { state: 'disabled' }).catch((e: unknown) => e);
    expect(isMaiimgError(error, 'GALLERY_NOT_FOUND')).toBe(true);
  });

  it('deletes a gallery with its images, visits, views and daily counts, returning its hashes', async () => {
    const created = await repo.create(
      newGallery('doomed', { images: [image(0, 'shared'), image(1, 'mine'), image(2, 'shared')] }),
    );
    await repo.create(newGallery('survivor', { images: [image(0, 'shared')] }));
    const visit = await prisma.visit.create({ data: { galleryId: created.id, kind: 'human', country: 'NL' } });
    await prisma.imageView.create({
      data: { galleryId: created.id, imageId: created.images[0].id, visitId: visit.id },
    });
    await prisma.visitDaily.create({ data: { galleryId: created.id, day: '2025-06-01', kind: 'human', count: 1 } });
    expect(await repo.countImagesWithHash('shared')).toBe(3);

    const hashes = await repo.delete('doomed');
    expect(hashes.sort()).toEqual(['mine', 'shared']);
    expect(await repo.findBySlug('doomed')).toBeNull();
    expect(await repo.countImagesWithHash('shared')).toBe(1);
    expect(await repo.countImagesWithHash('mine')).toBe(0);
    expect(await prisma.galleryImage.count({ where: { galleryId: created.id } })).toBe(0);
    expect(await prisma.visit.count({ where: { galleryId: created.id } })).toBe(0);
    expect(await prisma.imageView.count({ where: { galleryId: created.id } })).toBe(0);
    expect(await prisma.visitDaily.count({ where: { galleryId: created.id } })).toBe(0);
    expect(await repo.findBySlug('survivor')).not.toBeNull();
  });

  it('keeps image views when their visit is pruned (visit_id set to null)', async () => {
    const created = await repo.create(newGallery('pruned'));
    const visit = await prisma.visit.create({ data: { galleryId: created.id, kind: 'human' } });
    const view = await prisma.imageView.create({
      data: { galleryId: created.id, imageId: created.images[1].id, visitId: visit.id },
    });
    await prisma.visit.delete({ where: { id: visit.id } });
    expect(await prisma.imageView.findUnique({ where: { id: view.id } })).toMatchObject({ visitId: null });
  });

  it('throws GALLERY_NOT_FOUND when deleting a missing gallery', async () => {
    const error = await repo.delete('never-was').catch((e: unknown) => e);
    expect(isMaiimgError(error, 'GALLERY_NOT_FOUND')).toBe(true);
  });

  it('counts images by content hash across galleries', async () => {
    await repo.create(newGallery('hash-a', { images: [image(0, 'h-common'), image(1, 'h-a')] }));
    await repo.create(newGallery('hash-b', { images: [image(0, 'h-common')] }));
    expect(await repo.countImagesWithHash('h-common')).toBe(2);
    expect(await repo.countImagesWithHash('h-a')).toBe(1);
    expect(await repo.countImagesWithHash('h-none')).toBe(0);
  });

  it('counts opens without limit when maxOpens is null, and refuses unknown slugs', async () => {
    await repo.create(newGallery('unlimited'));
    for (let i = 0; i < 3; i++) expect(await repo.tryCountOpen('unlimited')).toBe(true);
    expect((await repo.findBySlug('unlimited'))?.openCount).toBe(3);
    expect(await repo.tryCountOpen('unknown-slug')).toBe(false);
  });

  it('allows exactly maxOpens opens under 50 concurrent attempts from separate clients', async () => {
    await repo.create(newGallery('limited', { settings: { ...newGallery('x').settings, maxOpens: 10 } }));
    // Separate clients mimic separate processes: on PostgreSQL each has its own pool, on SQLite its
    // own connection to the same file.
    const clientCount = provider === 'postgresql' ? 5 : 2;
    for (let i = 0; i < clientCount; i++) {
      extraClients.push(await createPrismaClient(db.database, { poolSize: 4, connectTimeoutMs: 60_000 }));
    }
    const repos = extraClients.map((client) => new PrismaGalleryRepository(client));

    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => repos[i % repos.length].tryCountOpen('limited')),
    );
    expect(results.filter(Boolean)).toHaveLength(10);
    expect((await repo.findBySlug('limited'))?.openCount).toBe(10);
    expect(await repo.tryCountOpen('limited')).toBe(false);
  });

  it('answers ping', async () => {
    await expect(repo.ping()).resolves.toBeUndefined();
  });
});

describe('PrismaGalleryRepository on SQLite', { timeout: DATABASE_TEST_TIMEOUT_MS }, () => {
  it('runs with WAL journal, a busy timeout and foreign keys on', async () => {
    const { freshSqlite } = await import('../../helpers/databases.js');
    const db = await freshSqlite();
    const prisma = await createPrismaClient(db.database);
    try {
      const pragma = async (name: string) => {
        const rows = await prisma.$queryRawUnsafe<Record<string, unknown>[]>(`PRAGMA ${name}`);
        return String(Object.values(rows[0])[0]);
      };
      expect(await pragma('journal_mode')).toBe('wal');
      expect(await pragma('busy_timeout')).toBe('5000');
      expect(await pragma('foreign_keys')).toBe('1');
    } finally {
      await prisma.$disconnect();
      await db.cleanup();
    }
  });
});

describe('PrismaGalleryRepository when PostgreSQL is unreachable', () => {
  // Nothing listens on port 1 of the loopback interface, so connections are refused at once.
  const unreachable: Config['database'] = { provider: 'postgresql', url: 'postgresql://postgres@127.0.0.1:1/test' };

  it.each([
    ['findBySlug', (repo: PrismaGalleryRepository) => repo.findBySlug('x')],
    ['tryCountOpen', (repo: PrismaGalleryRepository) => repo.tryCountOpen('x')],
    ['ping', (repo: PrismaGalleryRepository) => repo.ping()],
    ['create', (repo: PrismaGalleryRepository) => repo.create(newGallery('x'))],
  ])('%s throws DATABASE_UNAVAILABLE', async (_name, call) => {
    const prisma = await createPrismaClient(unreachable);
    try {
      const error = await call(new PrismaGalleryRepository(prisma)).catch((e: unknown) => e);
      expect(isMaiimgError(error, 'DATABASE_UNAVAILABLE')).toBe(true);
      expect((error as Error).cause).toBeDefined();
    } finally {
      await prisma.$disconnect().catch(() => undefined);
    }
  });
});
