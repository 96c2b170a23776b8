import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import { openCore, type Core } from '../../../core/core-app.js';
import { openSqlite } from '../../../core/db/sqlite-driver.js';
import { ALICE, makeGallery, visitBatch } from '../../analytics/analytics-fixtures.js';
import { describeEachDatabase, type FreshDatabase } from '../../helpers/databases.js';
import { testConfig } from '../../helpers/test-core.js';

const CHROME_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const human = (ip: string) => ({
  method: 'GET',
  userAgent: CHROME_UA,
  ip,
  referer: null,
  acceptLanguage: 'en',
  secPurpose: null,
  purpose: null,
  range: null,
});

describeEachDatabase('gallery copies and open counts', ({ provider, fresh }) => {
  let database: FreshDatabase | undefined;
  const cores: Core[] = [];
  const dirs: string[] = [];

  /** One more process on the same database (its own memory, its own copies of galleries). */
  async function instance(env: Record<string, string> = {}): Promise<Core> {
    database ??= await fresh();
    const dir = await mkdtemp(path.join(tmpdir(), 'maiimg-cache-'));
    dirs.push(dir);
    // One store for every instance, as a deployment shares S3.
    const core = await openCore(
      testConfig(dir, { DATABASE_URL: database.database.url, STORAGE_DIR: path.join(dirs[0]!, 'files'), ...env }),
      {
        logLevel: 'silent',
        analyticsJobs: false,
        processMetrics: false,
      },
    );
    cores.push(core);
    return core;
  }

  afterEach(async () => {
    await Promise.all(cores.splice(0).map((core) => core.close()));
    await database?.cleanup();
    database = undefined;
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('serves visitors a copy at most GALLERY_CACHE_MS old, and obeys changes made through the same instance at once', async () => {
    const web = await instance({ GALLERY_CACHE_MS: '400' });
    const bots = await instance({ GALLERY_CACHE_MS: '400' });
    const gallery = await makeGallery(bots);
    expect((await web.repository.findBySlugCached(gallery.slug))?.settings.state).toBe('active');

    // Disabled through another instance: this one may still use its copy, but not for long.
    await bots.service.setLinkState({ owner: ALICE, ref: gallery.slug, state: 'disabled' });
    // Once its copy ages out, every read sees the change: wait for that event, with no wall-clock bound
    // (a bound fails on a busy machine).
    await expect
      .poll(async () => (await web.repository.findBySlugCached(gallery.slug))?.settings.state, {
        timeout: 30_000,
        interval: 50,
      })
      .toBe('disabled');

    // Enabled through this instance: seen by the very next read.
    await web.service.setLinkState({ owner: ALICE, ref: gallery.slug, state: 'active' });
    expect((await web.repository.findBySlugCached(gallery.slug))?.settings.state).toBe('active');
    await web.service.updateSettings({ owner: ALICE, ref: gallery.slug, patch: { password: 'sesame' } });
    expect((await web.repository.findBySlugCached(gallery.slug))?.settings.passwordHash).toBeTruthy();
    await web.service.deleteGallery({ owner: ALICE, ref: gallery.slug });
    expect(await web.repository.findBySlugCached(gallery.slug)).toBeNull();
  });

  it('obeys a share link switched off like a gallery: at once here, within GALLERY_CACHE_MS elsewhere', async () => {
    const web = await instance({ GALLERY_CACHE_MS: '400' });
    const bots = await instance({ GALLERY_CACHE_MS: '400' });
    const gallery = await makeGallery(bots);
    const shared = await bots.links.share({ owner: ALICE, ref: gallery.slug, platform: 'slack' });
    const cachedState = async (core: Core, slug: string) => (await core.repository.findBySlugCached(slug))?.link?.state;
    expect(await cachedState(web, shared.link.slug)).toBe('enabled');

    await bots.links.setState({ owner: ALICE, ref: shared.link.slug, state: 'disabled' });
    await expect.poll(() => cachedState(web, shared.link.slug), { timeout: 30_000, interval: 50 }).toBe('disabled');
    // The gallery's other link is untouched.
    expect(await cachedState(web, gallery.slug)).toBe('enabled');

    await web.links.setState({ owner: ALICE, ref: shared.link.slug, state: 'active' });
    expect(await cachedState(web, shared.link.slug)).toBe('enabled');
    await web.links.delete({ owner: ALICE, ref: shared.link.slug });
    expect(await cachedState(web, shared.link.slug)).toBe('deleted');
  });

  it('drops the copies read through every link when the gallery changes on this instance', async () => {
    const web = await instance({ GALLERY_CACHE_MS: '5000' });
    const gallery = await makeGallery(web);
    const shared = await web.links.share({ owner: ALICE, ref: gallery.slug, platform: 'discord' });
    expect((await web.repository.findBySlugCached(shared.link.slug))?.settings.state).toBe('active');
    await web.service.setLinkState({ owner: ALICE, ref: gallery.slug, state: 'disabled' });
    expect((await web.repository.findBySlugCached(shared.link.slug))?.settings.state).toBe('disabled');
    await web.service.deleteGallery({ owner: ALICE, ref: gallery.slug });
    expect(await web.repository.findBySlugCached(shared.link.slug)).toBeNull();
  });

  it('reads the database every time with GALLERY_CACHE_MS=0', async () => {
    const web = await instance({ GALLERY_CACHE_MS: '0' });
    const bots = await instance();
    const gallery = await makeGallery(bots);
    expect((await web.repository.findBySlugCached(gallery.slug))?.settings.state).toBe('active');
    await bots.service.setLinkState({ owner: ALICE, ref: gallery.slug, state: 'disabled' });
    expect((await web.repository.findBySlugCached(gallery.slug))?.settings.state).toBe('disabled');
  });

  it('answers from its copy until it is too old, without asking the database', async () => {
    const web = await instance({ GALLERY_CACHE_MS: '5000' });
    const bots = await instance();
    const gallery = await makeGallery(bots, ALICE, 'Before');
    expect((await web.repository.findBySlugCached(gallery.slug))?.title).toBe('Before');
    await bots.service.updateSettings({ owner: ALICE, ref: gallery.slug, patch: { title: 'After' } });
    expect((await web.repository.findBySlugCached(gallery.slug))?.title).toBe('Before');
    // Managing always reads the database (and refreshes the copy on the way).
    expect((await web.service.getGallery(gallery.slug)).title).toBe('After');
    expect((await web.repository.findBySlugCached(gallery.slug))?.title).toBe('After');
  });

  it('does not keep unknown galleries: one created afterwards is found at once', async () => {
    const web = await instance({ GALLERY_CACHE_MS: '5000' });
    const gallery = await makeGallery(web);
    await web.service.deleteGallery({ owner: ALICE, ref: gallery.slug });
    expect(await web.repository.findBySlugCached(gallery.slug)).toBeNull();
    const other = await makeGallery(web, ALICE, 'Other');
    expect((await web.repository.findBySlugCached(other.slug))?.title).toBe('Other');
  });

  it('counts the opens of a gallery without a limit when their visits are written, exactly once', async () => {
    const core = await instance();
    const gallery = await makeGallery(core);
    for (let i = 0; i < 7; i++)
      expect((await core.visits.opener.open(gallery, human(`198.51.100.${i}`))).outcome).toBe('opened');
    // Not yet: the opens wait in memory with their visits.
    expect((await core.service.getGallery(gallery.slug)).openCount).toBe(0);
    await core.visits.recorder.flush();
    expect((await core.service.getGallery(gallery.slug)).openCount).toBe(7);
    expect((await core.service.listGalleries(ALICE))[0]).toMatchObject({ openCount: 7 });

    // A batch written twice (its first commit was not acknowledged) counts once.
    const batch = visitBatch(gallery, [{ at: new Date().toISOString() }, { at: new Date().toISOString() }]);
    for (const visit of batch.visits) visit.countsOpen = true;
    await core.visits.repository.saveBatch(batch);
    await core.visits.repository.saveBatch(batch);
    expect((await core.service.getGallery(gallery.slug)).openCount).toBe(9);
    expect((await core.stats({ owner: ALICE, ref: gallery.slug })).humanOpens).toBe(9);
  });

  it('counts the opens of a limited gallery before serving them, and never again when writing', async () => {
    const core = await instance();
    const gallery = await makeGallery(core);
    const limited = await core.service.updateSettings({ owner: ALICE, ref: gallery.slug, patch: { maxOpens: 3 } });
    const outcomes = [];
    for (let i = 0; i < 5; i++)
      outcomes.push((await core.visits.opener.open(limited, human(`198.51.100.${i}`))).outcome);
    expect(outcomes).toEqual(['opened', 'opened', 'opened', 'limit-reached', 'limit-reached']);
    expect((await core.service.getGallery(gallery.slug)).openCount).toBe(3);
    await core.visits.recorder.flush();
    expect((await core.service.getGallery(gallery.slug)).openCount).toBe(3);
    expect((await core.stats({ owner: ALICE, ref: gallery.slug })).humanOpens).toBe(3);
  });

  if (provider === 'sqlite') {
    it('waits for another process holding the write lock instead of failing or blocking the event loop', async () => {
      const core = await instance();
      const gallery = await makeGallery(core);
      const other = openSqlite(core.config.database.provider === 'sqlite' ? core.config.database.file : '');
      other.exec('BEGIN IMMEDIATE');
      let ticks = 0;
      const ticker = setInterval(() => (ticks += 1), 5);
      try {
        const written = core.visits.repository.saveBatch(visitBatch(gallery, [{ at: new Date().toISOString() }]));
        // Still serving other work meanwhile: the event loop keeps ticking while the write waits.
        await vi.waitFor(() => expect(ticks).toBeGreaterThan(5), { timeout: 10_000, interval: 5 });
        other.exec('COMMIT');
        await written;
      } finally {
        clearInterval(ticker);
        if (other.inTransaction) other.exec('ROLLBACK');
        other.close();
      }
      expect((await core.stats({ owner: ALICE, ref: gallery.slug })).humanOpens).toBe(1);
    });
  }
});
