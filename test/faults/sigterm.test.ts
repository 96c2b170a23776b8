import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openCore } from '../../core/core-app.js';
import type { Owner } from '../../core/types.js';
import { FakeTelegramBotApi, type FakeUser, type RecordedCall } from '../fakes/telegram-bot-api.js';
import { replyText, waitForReply } from '../helpers/telegram-replies.js';
import { makeJpeg, makePhotoJpeg } from '../helpers/images.js';
import { freePort, testConfig } from '../helpers/test-core.js';
import { CHROME_UA } from '../web/web-harness.js';

/**
 * The real process (`maiimg serve` from the source, SQLite and local files under a temp DATA_DIR) is sent
 * SIGTERM while it is busy. It must stop by itself with exit code 0, having written every open it
 * answered and finished (or cleanly refused) every batch in hand; the database tells.
 */

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../scripts/maiimg-source.mjs');

interface Child {
  process: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: ChildProcess[] = [];
const dirs: string[] = [];
const fakes: FakeTelegramBotApi[] = [];
afterEach(async () => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const fake of fakes.splice(0)) await fake.close();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'maiimg-sigterm-'));
  dirs.push(dir);
  return dir;
}

/** The environment the child sees: only what the test sets (no developer .env, no inherited DATABASE_URL). */
function childEnv(dir: string, port: number, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATA_DIR: dir,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'info',
    DEFAULT_LOCALE: 'en',
    SESSION_SECRET: 'sigterm-test-secret',
    ...extra,
  };
}

/** Starts `maiimg serve` and resolves once it says it is running. */
async function serve(dir: string, env: NodeJS.ProcessEnv): Promise<Child> {
  const child = spawn(process.execPath, [BIN, 'serve'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  const deadline = Date.now() + 45_000;
  while (!output.includes('maiimg is running on')) {
    if (child.exitCode !== null) throw new Error(`maiimg serve exited early:\n${output}`);
    if (Date.now() > deadline) throw new Error(`maiimg serve did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { process: child, output: () => output, exited };
}

/** Opens a core on the child's files after it has exited, to read what it wrote. */
async function inspect<T>(dir: string, read: (core: Awaited<ReturnType<typeof openCore>>) => Promise<T>): Promise<T> {
  const core = await openCore(testConfig(dir, { SESSION_SECRET: 'sigterm-test-secret' }), {
    logLevel: 'silent',
    analyticsJobs: false,
  });
  try {
    return await read(core);
  } finally {
    await core.close();
  }
}

describe('SIGTERM during a load of opens', () => {
  it('answers or refuses every request, writes every open it answered, and exits 0', async () => {
    const dir = await tempDir();
    const owner: Owner = { platform: 'cli', userId: 'ops' };
    const slug = await inspect(dir, async (core) => {
      const outcome = await core.service.createGallery({
        owner,
        files: [{ name: 'a.jpg', data: await makeJpeg(64, 48, 3) }],
      });
      return outcome.gallery!.slug;
    });
    const port = await freePort();
    const child = await serve(dir, childEnv(dir, port));

    // Opens keep coming from several "visitors" while the process is told to stop.
    const answered: number[] = [];
    let refused = 0;
    let stop = false;
    const visitor = async () => {
      while (!stop) {
        try {
          const response = await fetch(`http://127.0.0.1:${port}/g/${slug}`, { headers: { 'user-agent': CHROME_UA } });
          await response.arrayBuffer();
          answered.push(response.status);
        } catch {
          // Connection refused or reset once the server stopped accepting: the visitor saw no page.
          refused += 1;
          if (child.process.exitCode !== null) return;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    };
    const visitors = Array.from({ length: 6 }, visitor);
    await vi.waitFor(() => expect(answered.length).toBeGreaterThanOrEqual(40), { timeout: 60_000, interval: 10 });
    child.process.kill('SIGTERM');
    const exit = await child.exited;
    stop = true;
    await Promise.all(visitors);

    expect(exit, child.output()).toEqual({ code: 0, signal: null });
    expect(child.output()).toContain('stopped');
    // Every page answered was a real page (never a half-stopped error), and each one is an open on record.
    expect(new Set(answered)).toEqual(new Set([200]));
    const recorded = await inspect(dir, async (core) => {
      const gallery = await core.service.getGallery(slug);
      const summary = await core.visits.repository.summarize(gallery.id);
      return { counted: gallery.openCount, visits: summary.humanOpens };
    });
    expect(recorded).toEqual({ counted: answered.length, visits: answered.length });
    expect(refused).toBeGreaterThan(0);
  });
});

describe('SIGTERM during a batch', () => {
  const user: FakeUser = { id: 3131, first_name: 'tess', language_code: 'en' };
  const textOf = replyText;
  const toUser = (call: RecordedCall) => Number(call.params.chat_id) === user.id;

  async function start() {
    const fake = await FakeTelegramBotApi.start();
    fakes.push(fake);
    const dir = await tempDir();
    const port = await freePort();
    const child = await serve(
      dir,
      childEnv(dir, port, {
        TELEGRAM_BOT_TOKEN: fake.token,
        TELEGRAM_API_ROOT: fake.url,
        BATCH_QUIET_MS: '1500',
        BATCH_MAX_WAIT_MS: '20000',
      }),
    );
    await fake.waitForCall('getUpdates');
    return { fake, dir, child };
  }

  async function storedFiles(dir: string): Promise<number> {
    const entries = await readdir(path.join(dir, 'files'), { recursive: true, withFileTypes: true }).catch(() => []);
    return entries.filter((entry) => entry.isFile()).length;
  }

  /** SIGTERM the server, expect a clean exit and exactly one gallery answer to the user; its slug. */
  async function stopAndTakeTheOneGallery(
    fake: Awaited<ReturnType<typeof start>>['fake'],
    child: Awaited<ReturnType<typeof start>>['child'],
  ): Promise<string> {
    child.process.kill('SIGTERM');
    const exit = await child.exited;
    expect(exit, child.output()).toEqual({ code: 0, signal: null });
    const replies = fake.callsTo('sendPhoto').filter((c) => c.status === 200 && toUser(c));
    expect(replies).toHaveLength(1);
    return /\/g\/([A-Za-z0-9_-]{22})/.exec(textOf(replies[0]!))![1]!;
  }

  it('finishes an album still being collected before exiting, and the gallery is whole', async () => {
    const { fake, dir, child } = await start();
    const photos = await Promise.all([0, 1, 2].map((i) => makeJpeg(80, 60, 40 + i)));
    photos.forEach((photo, i) =>
      fake.userSends({ from: user, photo, mediaGroupId: 'album-t', caption: i === 0 ? 'stop test' : undefined }),
    );
    await waitForReply(fake, (c) => toUser(c) && /Received 3 file/.test(textOf(c)));
    // The album's quiet period (1.5 s) has not passed: the batch is still open when the signal comes.
    const slug = await stopAndTakeTheOneGallery(fake, child);
    const gallery = await inspect(dir, (core) => core.service.getGallery(slug));
    expect(gallery.title).toBe('stop test');
    expect(gallery.images).toHaveLength(3);
    // Three originals and three thumbnails, nothing more.
    expect(await storedFiles(dir)).toBe(6);
  });

  it('finishes a batch already being processed before exiting', async () => {
    const { fake, dir, child } = await start();
    // Large enough photos that processing is still running when the signal arrives.
    // Made before sending: on a busy machine, making one between sends can outlast the album's quiet window.
    const photos = await Promise.all([0, 1, 2, 3].map((i) => makePhotoJpeg(2400, 1600, 60 + i)));
    for (const photo of photos) fake.userSends({ from: user, photo, mediaGroupId: 'album-p' });
    // Processing has begun once the bot fetches the files. Its "Processing" progress edit is not a
    // reliable signal: the progress throttle skips edits that a newer one has already superseded.
    await vi.waitFor(() => expect(fake.calls.some((c) => c.method === 'getFile')).toBe(true), {
      timeout: 30_000,
      interval: 20,
    });
    const slug = await stopAndTakeTheOneGallery(fake, child);
    const galleries = await inspect(dir, (core) =>
      core.service.listGalleries({ platform: 'telegram', userId: String(user.id) }),
    );
    expect(galleries.map((g) => [g.slug, g.imageCount])).toEqual([[slug, 4]]);
    expect(await storedFiles(dir)).toBe(8);
  });
});
