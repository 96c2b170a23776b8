import { randomUUID } from 'node:crypto';
import type { Core } from '../../core/core-app.js';
import type { Clock } from '../../core/ports.js';
import type { Gallery, Owner } from '../../core/types.js';
import type { EnrichedVisitBatch, ImageViewRow, VisitRow } from '../../core/visits/visit-repository.js';
import { freshDatabase, type DatabaseProvider } from '../helpers/databases.js';
import { makeJpeg, makePng } from '../helpers/images.js';
import { startTestCore, type TestCore } from '../helpers/test-core.js';

/** A clock the test moves by hand. */
export class ManualClock implements Clock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current);
  }
  set(at: Date | string): void {
    this.current = new Date(at);
  }
}

export const ALICE: Owner = { platform: 'telegram', userId: 'alice', chatId: 'chat-alice' };
export const BOB: Owner = { platform: 'telegram', userId: 'bob', chatId: 'chat-bob' };

/** A real core on a fresh, migrated database of the given provider (background jobs off, fixed clock). */
export async function startAnalyticsCore(
  provider: DatabaseProvider,
  options: { env?: Record<string, string>; clock?: Clock } = {},
): Promise<TestCore> {
  const database = await freshDatabase(provider);
  const env = { ...(provider === 'postgresql' ? { DATABASE_URL: database.database.url } : {}), ...options.env };
  // The SQLite case uses the core's own file under its temp DATA_DIR; the fresh one is only for PostgreSQL.
  if (provider === 'sqlite') await database.cleanup();
  const test = await startTestCore(env, { clock: options.clock, analyticsJobs: false });
  return {
    ...test,
    async cleanup() {
      await test.cleanup();
      if (provider === 'postgresql') await database.cleanup();
    },
  };
}

export async function makeGallery(core: Core, owner: Owner = ALICE, title = 'Holiday'): Promise<Gallery> {
  const outcome = await core.service.createGallery({
    owner,
    files: [
      { name: 'beach.jpg', data: await makeJpeg(64, 48, 11) },
      { name: 'sunset.png', data: await makePng(48, 64, 12) },
      { name: 'dinner.jpg', data: await makeJpeg(40, 40, 13) },
    ],
    options: { title },
  });
  return outcome.gallery!;
}

export interface SeedVisit extends Partial<Omit<VisitRow, 'id' | 'galleryId' | 'at'>> {
  at: Date | string;
  /** Images (by position) looked at during this open. */
  views?: number[];
}

/** Writes visits through the visit repository (the same write the web's recorder does: details, daily counts and rollups). */
export async function seedVisits(core: Core, gallery: Gallery, visits: SeedVisit[]): Promise<void> {
  const batch = visitBatch(gallery, visits);
  await core.visits.repository.saveBatch(batch);
  // Like the web: each human open is also counted on the gallery (the open limit's counter).
  for (const row of batch.visits) if (row.kind === 'human') await core.repository.tryCountOpen(gallery.slug);
}

/** The batch the recorder would write for these visits (with fresh ids). */
export function visitBatch(gallery: Gallery, visits: SeedVisit[]): EnrichedVisitBatch {
  const rows: VisitRow[] = [];
  const imageViews: ImageViewRow[] = [];
  for (const visit of visits) {
    const at = new Date(visit.at);
    const id = randomUUID();
    const kind = visit.kind ?? 'human';
    rows.push({
      id,
      galleryId: gallery.id,
      at,
      kind,
      previewPlatform: visit.previewPlatform ?? null,
      linkId: visit.linkId ?? null,
      ip: visit.ip ?? '203.0.113.7',
      visitorKey: visit.visitorKey ?? (kind === 'human' ? `visitor-${rows.length}` : null),
      deviceType: visit.deviceType !== undefined ? visit.deviceType : kind === 'human' ? 'desktop' : null,
      deviceVendor: visit.deviceVendor ?? null,
      deviceModel: visit.deviceModel ?? null,
      browser: visit.browser ?? (kind === 'human' ? 'Firefox' : null),
      browserVersion: visit.browserVersion ?? null,
      os: visit.os ?? (kind === 'human' ? 'Linux' : null),
      osVersion: visit.osVersion ?? null,
      country: visit.country ?? null,
      region: visit.region ?? null,
      city: visit.city ?? null,
      referrerHost: visit.referrerHost ?? null,
      language: visit.language ?? 'en',
      userAgent: visit.userAgent ?? null,
    });
    for (const position of visit.views ?? []) {
      imageViews.push({
        id: randomUUID(),
        visitId: id,
        galleryId: gallery.id,
        imageId: gallery.images[position]!.id,
        at,
      });
    }
  }
  return { visits: rows, imageViews };
}
