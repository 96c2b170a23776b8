import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRunningServer, type RunningServer } from '../../cli/server.js';
import { startFakeSlackApi, type FakeSlackApi } from '../fakes/slack-api.js';
import { fileShareEnvelope, postEvent } from '../bots/slack/slack-requests.js';
import { DATABASE_TEST_TIMEOUT_MS, freshPostgres, type FreshDatabase } from '../helpers/databases.js';
import { makeJpeg } from '../helpers/images.js';
import { freePort, testConfig } from '../helpers/test-core.js';

/**
 * Slack in HTTP mode behind a load balancer: one person's file shares, and Slack's retry of one of
 * them, land on different instances. The batch window and the record of deliveries live in the
 * shared state (PostgreSQL here), so the shares become one gallery, and the retry adds nothing.
 */

const BOT_TOKEN = 'xoxb-5555-6666-fakebottoken';
const SECRET = 'slack-signing-secret-spread';

let db: FreshDatabase;
let fake: FakeSlackApi;
let dir: string;
const endpoints: string[] = [];
const instances: RunningServer[] = [];

describe('Slack HTTP requests spread over two instances', { timeout: DATABASE_TEST_TIMEOUT_MS }, () => {
  beforeAll(async () => {
    [db, fake] = await Promise.all([freshPostgres(), startFakeSlackApi({ botToken: BOT_TOKEN })]);
    dir = await mkdtemp(path.join(tmpdir(), 'maiimg-slack-spread-'));
    for (const name of ['a', 'b']) {
      const port = await freePort();
      const running = await createRunningServer(
        testConfig(path.join(dir, name), {
          DATABASE_URL: db.database.url,
          STORAGE_DIR: path.join(dir, 'files'),
          SESSION_SECRET: 'one-secret-for-every-instance-0123456789',
          PORT: String(port),
          PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
          SLACK_BOT_TOKEN: BOT_TOKEN,
          SLACK_SIGNING_SECRET: SECRET,
          SLACK_API_URL: `${fake.url}/api/`,
          BATCH_QUIET_MS: '1500',
        }),
        { processMetrics: false },
      );
      instances.push(running);
      endpoints.push(`http://127.0.0.1:${port}/slack/events`);
    }
  }, DATABASE_TEST_TIMEOUT_MS);

  afterAll(async () => {
    await Promise.all(instances.map((running) => running.stop()));
    await fake?.close();
    await db?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('makes one gallery of shares that reached different instances, and ignores a retry sent to the other one', async () => {
    const user = 'USPREAD1';
    const channel = 'DSPREAD1';
    const shares = await Promise.all(
      [1, 2].map(async (seed) =>
        fileShareEnvelope({
          user,
          channel,
          botUserId: fake.botUserId,
          files: [fake.addFile({ name: `p${seed}.jpg`, bytes: await makeJpeg(50, 40, 800 + seed) })],
        }),
      ),
    );
    expect((await postEvent(endpoints[0]!, shares[0]!, { secret: SECRET })).status).toBe(200);
    expect((await postEvent(endpoints[1]!, shares[1]!, { secret: SECRET })).status).toBe(200);
    // Slack did not see the first answer in time and delivers the first share again, elsewhere.
    const retry = await postEvent(endpoints[1]!, shares[0]!, {
      secret: SECRET,
      headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' },
    });
    expect(retry.status).toBe(200);

    const [post] = await fake.waitFor('chat.postMessage', (call) => call.body.channel === channel);
    expect(String(post!.body.text ?? '')).toContain('2 images');
    // The repeated delivery has been judged (Bolt answers before it handles an event): both
    // deliveries of the first share are counted in the shared state.
    const delivery = `slack-delivery:${channel}:${shares[0]!.event.ts}:collect`;
    await vi.waitFor(async () => expect(await instances[0]!.core.shared.counters.peek(delivery)).toBe(2), {
      timeout: 20_000,
    });
    const galleries = await instances[0]!.core.service.listGalleries({ platform: 'slack', userId: user });
    expect(galleries).toHaveLength(1);
    expect(galleries[0]!.imageCount).toBe(2);
    // A graceful stop processes every batch either instance still holds: a second gallery would be
    // posted by now.
    await Promise.all(instances.map((running) => running.stop()));
    expect(
      fake.calls.filter((call) => call.method === 'chat.postMessage' && call.body.channel === channel),
    ).toHaveLength(1);
  });
});
