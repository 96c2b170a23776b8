import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunningServer, type RunningServer } from '../../cli/server.js';
import { FakeTelegramBotApi, type RecordedCall } from '../fakes/telegram-bot-api.js';
import { DATABASE_TEST_TIMEOUT_MS, freshPostgres, type FreshDatabase } from '../helpers/databases.js';
import { makeJpeg } from '../helpers/images.js';
import { freePort, testConfig } from '../helpers/test-core.js';

/**
 * Telegram webhooks behind a load balancer: the updates of one album land on different instances.
 * The batch window lives in the shared state (PostgreSQL here), so the album still becomes exactly
 * one gallery, made by exactly one instance.
 */

const SECRET = 'spread-webhook-secret';
const USER = { id: 9001, is_bot: false, first_name: 'alb', language_code: 'en' };

let db: FreshDatabase;
let fake: FakeTelegramBotApi;
let dir: string;
const instances: Array<{ running: RunningServer; hook: string }> = [];

const chatIdOf = (call: RecordedCall) => Number(call.params.chat_id);
const textOf = (call: RecordedCall) => String(call.params.text ?? call.params.caption ?? '');

describe('Telegram webhooks spread over two instances', { timeout: DATABASE_TEST_TIMEOUT_MS }, () => {
  beforeAll(async () => {
    [db, fake] = await Promise.all([freshPostgres(), FakeTelegramBotApi.start()]);
    dir = await mkdtemp(path.join(tmpdir(), 'maiimg-spread-'));
    for (const name of ['a', 'b']) {
      const port = await freePort();
      const config = testConfig(path.join(dir, name), {
        DATABASE_URL: db.database.url,
        STORAGE_DIR: path.join(dir, 'files'),
        SESSION_SECRET: 'one-secret-for-every-instance-0123456789',
        PORT: String(port),
        PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
        TELEGRAM_BOT_TOKEN: fake.token,
        TELEGRAM_API_ROOT: fake.url,
        TELEGRAM_WEBHOOK_URL: `http://127.0.0.1:${port}/telegram/webhook`,
        TELEGRAM_WEBHOOK_SECRET: SECRET,
        BATCH_QUIET_MS: '1500',
        BATCH_MAX_WAIT_MS: '20000',
      });
      expect(config.sharedState.driver).toBe('database');
      const running = await createRunningServer(config, { processMetrics: false });
      instances.push({ running, hook: `http://127.0.0.1:${port}/telegram/webhook` });
    }
  }, DATABASE_TEST_TIMEOUT_MS);

  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.running.stop()));
    await fake?.close();
    await db?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('makes one gallery of an album whose photos were delivered to different instances', async () => {
    const photos = await Promise.all([1, 2, 3].map((seed) => makeJpeg(60, 40, 700 + seed)));
    const since = fake.calls.length;
    for (const [i, bytes] of photos.entries()) {
      const stored = fake.addFile(bytes);
      const update = {
        update_id: 100 + i,
        message: {
          message_id: 100 + i,
          date: 0,
          chat: { id: USER.id, type: 'private' },
          from: USER,
          media_group_id: 'spread-album',
          photo: [{ ...stored, width: 60, height: 40 }],
          ...(i === 1 ? { caption: 'Spread album' } : {}),
        },
      };
      // a, b, a: as a round-robin balancer would deliver them.
      const target = instances[i % 2]!;
      const response = await fetch(target.hook, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
        body: JSON.stringify(update),
      });
      expect(response.status).toBe(200);
    }
    const gallery = await fake.waitForCall('sendPhoto', (c) => chatIdOf(c) === USER.id, { since, timeoutMs: 60_000 });
    expect(textOf(gallery)).toContain('3 images');
    const galleries = await instances[0]!.running.core.service.listGalleries({
      platform: 'telegram',
      userId: String(USER.id),
    });
    expect(galleries).toHaveLength(1);
    // The caption came with the second photo, at the other instance.
    expect(galleries[0]).toMatchObject({ imageCount: 3, title: 'Spread album' });
    // Still one gallery, not one per instance: a graceful stop processes every batch window either
    // instance still waits on, so a second claim of the album would have sent its gallery by now.
    await Promise.all(instances.map((instance) => instance.running.stop()));
    expect(fake.calls.slice(since).filter((c) => c.method === 'sendPhoto' && chatIdOf(c) === USER.id)).toHaveLength(1);
  });
});
