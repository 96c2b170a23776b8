import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRunningServer, type RunningServer } from '../../cli/server.js';
import { MaiimgError, isMaiimgError } from '../../core/errors.js';
import { createLogger } from '../../core/logger.js';
import type { BlobStore } from '../../core/ports.js';
import { PendingRemovals } from '../../core/storage/pending-removals.js';
import { t } from '../../core/messages.js';
import { createS3Client } from '../../core/storage/s3-blob-store.js';
import type { Owner } from '../../core/types.js';
import { FakeTelegramBotApi, type FakeUser, type RecordedCall } from '../fakes/telegram-bot-api.js';
import { makeJpeg, makePng } from '../helpers/images.js';
import { replyText, waitForReply } from '../helpers/telegram-replies.js';
import { startS3Server, type TestS3Server } from '../helpers/s3-server.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { freePort, startTestCore, testConfig, type TestCore } from '../helpers/test-core.js';

/**
 * The S3 store goes away in the middle of a batch (a proxy in front of s3rver is cut right when the
 * second object upload starts): the sender is told "storage unavailable, try again", no gallery row
 * is left behind, and once the store is back nothing this batch wrote is left in the bucket.
 */

const alice: Owner = { platform: 'cli', userId: 'alice' };
const silentLogger = createLogger('silent');

let s3: TestS3Server;
let proxy: TcpProxy;

beforeAll(async () => {
  s3 = await startS3Server();
  proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(s3.endpoint).port) });
});
afterAll(async () => {
  await proxy?.close();
  await s3?.stop();
});

function s3Env(): Record<string, string> {
  return {
    STORAGE_DRIVER: 's3',
    S3_BUCKET: s3.bucket,
    S3_REGION: s3.region,
    S3_ENDPOINT: `http://127.0.0.1:${proxy.port}`,
    S3_ACCESS_KEY_ID: s3.accessKeyId,
    S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    S3_FORCE_PATH_STYLE: 'true',
  };
}

/** Every key in the bucket, read from s3rver directly (not through the proxy). */
async function bucketKeys(): Promise<string[]> {
  const client = createS3Client({
    driver: 's3',
    bucket: s3.bucket,
    region: s3.region,
    endpoint: s3.endpoint,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    forcePathStyle: true,
  });
  try {
    const listed = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket }));
    return (listed.Contents ?? []).map((object) => object.Key!).sort();
  } finally {
    client.destroy();
  }
}

/** Cuts the proxy when the `n`th object upload (PUT of a key in the bucket) starts. */
function cutAtUpload(n: number): void {
  let uploads = 0;
  const marker = `PUT /${s3.bucket}/`;
  proxy.onClientData = (chunk) => {
    if (!chunk.toString('latin1', 0, Math.min(chunk.length, 200)).startsWith(marker)) return false;
    uploads += 1;
    if (uploads < n) return false;
    proxy.onClientData = undefined;
    return true;
  };
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  await vi.waitFor(async () => expect(await check()).toBe(true), { timeout: timeoutMs, interval: 50 });
}

describe('the store unreachable during a batch (S3 behind a proxy that is cut)', () => {
  let test: TestCore;
  beforeAll(async () => {
    test = await startTestCore(s3Env(), { analyticsJobs: false });
  });
  afterAll(async () => {
    proxy.onClientData = undefined;
    await proxy.restore();
    await test?.cleanup();
  });

  it('answers STORAGE_UNAVAILABLE, leaves no gallery row, and leaves nothing in the bucket once it is back', async () => {
    const before = await bucketKeys();
    const files = [
      { name: 'a.jpg', data: await makeJpeg(60, 40, 11) },
      { name: 'b.png', data: await makePng(60, 40, 12) },
      { name: 'c.jpg', data: await makeJpeg(60, 40, 13) },
    ];
    cutAtUpload(3);
    const error = await test.core.service.createGallery({ owner: alice, files }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isMaiimgError(error, 'STORAGE_UNAVAILABLE')).toBe(true);
    // The first two uploads went through before the cut: they are what could be orphaned.
    expect((await bucketKeys()).length).toBeGreaterThan(before.length);
    expect(await test.core.service.listGalleries(alice)).toEqual([]);

    await proxy.restore();
    // What the failed batch wrote is removed as soon as the store answers again.
    await eventually(async () => (await bucketKeys()).length === before.length);
    expect(await bucketKeys()).toEqual(before);

    // And the same batch now succeeds.
    const outcome = await test.core.service.createGallery({ owner: alice, files });
    expect(outcome.gallery?.images).toHaveLength(3);
    expect(await test.core.service.listGalleries(alice)).toHaveLength(1);
  });
});

describe('removals the store refused', () => {
  /** An in-memory store that refuses everything while `down`. */
  function flakyStore() {
    const objects = new Map<string, Buffer>();
    const state = { down: false, refusedDeletes: 0 };
    const guard = () => {
      if (state.down) throw new MaiimgError('STORAGE_UNAVAILABLE');
    };
    const blobs: BlobStore = {
      async put(key, data) {
        guard();
        objects.set(key, data);
      },
      async get(key) {
        guard();
        return objects.get(key) ?? null;
      },
      async stream() {
        guard();
        return null;
      },
      async stat(key) {
        guard();
        return objects.has(key) ? { size: objects.get(key)!.length } : null;
      },
      async exists(key) {
        guard();
        return objects.has(key);
      },
      async delete(key) {
        if (state.down) state.refusedDeletes += 1;
        guard();
        objects.delete(key);
      },
      async ping() {
        guard();
      },
    };
    return { blobs, objects, state };
  }

  it('are retried until the store answers, but spare an object a later gallery uses again', async () => {
    const { blobs, objects, state } = flakyStore();
    const used = new Set<string>();
    const pending = new PendingRemovals({
      blobs,
      logger: silentLogger,
      stillUsed: async (key) => used.has(key),
      retryMs: 20,
      maxRetryMs: 50,
    });
    await blobs.put('originals/a', Buffer.from('a'), 'image/png');
    await blobs.put('originals/b', Buffer.from('b'), 'image/png');
    state.down = true;
    await pending.remove(['originals/a', 'originals/b']);
    expect(pending.size).toBe(2);
    // While the store was down, another batch stored the same picture as `b` and made a gallery of it.
    used.add('originals/b');
    // Retried (and refused) at least once more after the first attempts, still while the store is down.
    const firstAttempts = state.refusedDeletes;
    await vi.waitFor(() => expect(state.refusedDeletes).toBeGreaterThan(firstAttempts), { timeout: 5000 });
    expect(objects.size).toBe(2);
    state.down = false;
    await eventually(async () => pending.size === 0, 2000);
    expect([...objects.keys()]).toEqual(['originals/b']);
    await pending.close();
  });

  it('make a last attempt on close', async () => {
    const { blobs, objects, state } = flakyStore();
    const pending = new PendingRemovals({ blobs, logger: silentLogger, stillUsed: async () => false, retryMs: 60_000 });
    await blobs.put('originals/a', Buffer.from('a'), 'image/png');
    state.down = true;
    await pending.remove(['originals/a']);
    state.down = false;
    await pending.close();
    expect(objects.size).toBe(0);
  });
});

describe('the store unreachable while a Telegram user sends photos', () => {
  let fake: FakeTelegramBotApi;
  let running: RunningServer;
  let dir: string;
  beforeAll(async () => {
    fake = await FakeTelegramBotApi.start();
    dir = await mkdtemp(path.join(tmpdir(), 'maiimg-fault-s3-'));
    const port = await freePort();
    running = await createRunningServer(
      testConfig(dir, {
        ...s3Env(),
        TELEGRAM_BOT_TOKEN: fake.token,
        TELEGRAM_API_ROOT: fake.url,
        PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
        PORT: String(port),
        BATCH_QUIET_MS: '300',
        BATCH_MAX_WAIT_MS: '5000',
      }),
      { analyticsJobs: false },
    );
  });
  afterAll(async () => {
    proxy.onClientData = undefined;
    await proxy.restore();
    await running?.stop();
    await fake?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const user: FakeUser = { id: 4242, first_name: 'sam', language_code: 'en' };
  const textOf = replyText;
  const toUser = (call: RecordedCall) => Number(call.params.chat_id) === user.id;

  it('tells the sender storage is unavailable, keeps nothing, and works again once the store is back', async () => {
    const before = await bucketKeys();
    cutAtUpload(2);
    let since = fake.calls.length;
    fake.userSends({ from: user, photo: await makeJpeg(64, 48, 31), mediaGroupId: 'album-1', caption: 'trip' });
    fake.userSends({ from: user, photo: await makeJpeg(64, 48, 32), mediaGroupId: 'album-1' });
    const unavailable = t('en', 'STORAGE_UNAVAILABLE');
    const answer = await waitForReply(fake, (c) => toUser(c) && textOf(c) === unavailable, { since });
    expect(textOf(answer)).toBe(unavailable);
    expect(await running.core.service.listGalleries({ platform: 'telegram', userId: String(user.id) })).toEqual([]);

    await proxy.restore();
    await eventually(async () => (await bucketKeys()).length === before.length);

    since = fake.calls.length;
    fake.userSends({ from: user, photo: await makeJpeg(64, 48, 31) });
    const ready = await waitForReply(fake, (c) => c.method === 'sendPhoto' && toUser(c) && /\/g\//.test(textOf(c)), {
      since,
    });
    expect(textOf(ready)).toContain(t('en', 'gallery.count', { count: 1 }));
    expect(await running.core.service.listGalleries({ platform: 'telegram', userId: String(user.id) })).toHaveLength(1);
  });
});
