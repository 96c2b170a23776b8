import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunningServer, type RunningServer } from '../../cli/server.js';
import { t } from '../../core/messages.js';
import { FakeDiscord } from '../fakes/discord-api.js';
import { startFakeSlackApi, type FakeSlackApi } from '../fakes/slack-api.js';
import { FakeTelegramBotApi, type FakeUser } from '../fakes/telegram-bot-api.js';
import { commandFields, fileShareEnvelope, postCommand, postEvent } from '../bots/slack/slack-requests.js';
import { makeJpeg } from '../helpers/images.js';
import { replyText, waitForReply } from '../helpers/telegram-replies.js';
import { freePort, testConfig } from '../helpers/test-core.js';

/**
 * Each platform's API answers the bot's reply with 429 (rate limited, with the wait it asks for) or
 * with a 5xx: the reply is sent again after waiting, and the sender still gets the gallery link.
 */

interface Running {
  running: RunningServer;
  dir: string;
}

async function startApp(env: Record<string, string>): Promise<Running> {
  const dir = await mkdtemp(path.join(tmpdir(), 'maiimg-retries-'));
  const port = await freePort();
  const running = await createRunningServer(
    testConfig(dir, { PUBLIC_BASE_URL: `http://127.0.0.1:${port}`, PORT: String(port), BATCH_QUIET_MS: '300', ...env }),
    { analyticsJobs: false },
  );
  return { running, dir };
}

async function stopApp(app: Running | undefined): Promise<void> {
  if (!app) return;
  await app.running.stop();
  await rm(app.dir, { recursive: true, force: true });
}

const GALLERY_LINK = /\/g\/[A-Za-z0-9_-]{22}/;

describe('Telegram answering 429 and 5xx', () => {
  let fake: FakeTelegramBotApi;
  let app: Running;
  beforeAll(async () => {
    fake = await FakeTelegramBotApi.start();
    app = await startApp({ TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.url });
  });
  afterAll(async () => {
    await stopApp(app);
    await fake?.close();
  });

  const sendPhoto = async (user: FakeUser, seed: number) => {
    const since = fake.calls.length;
    fake.userSends({ from: user, photo: await makeJpeg(60, 40, seed) });
    const reply = await waitForReply(
      fake,
      (c) => c.method === 'sendPhoto' && Number(c.params.chat_id) === user.id && GALLERY_LINK.test(replyText(c)),
      { since },
    );
    return fake.calls.slice(since).filter((c) => c.method === 'sendPhoto' && c.at <= reply.at);
  };

  it('waits the retry_after of a 429 before sending the gallery link again', async () => {
    fake.failNext('sendPhoto', { status: 429, retryAfter: 2 });
    const attempts = await sendPhoto({ id: 7101, first_name: 'a', language_code: 'en' }, 1);
    expect(attempts.map((c) => c.status)).toEqual([429, 200]);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(1900);
  });

  it('retries 5xx answers with a growing pause', async () => {
    fake.failNext('sendPhoto', { status: 502, times: 2 });
    const attempts = await sendPhoto({ id: 7102, first_name: 'b', language_code: 'en' }, 2);
    expect(attempts.map((c) => c.status)).toEqual([502, 502, 200]);
    const firstPause = attempts[1]!.at - attempts[0]!.at;
    const secondPause = attempts[2]!.at - attempts[1]!.at;
    expect(firstPause).toBeGreaterThanOrEqual(900);
    expect(secondPause).toBeGreaterThan(firstPause);
  });
});

describe('Discord answering 429 and 5xx', () => {
  let fake: FakeDiscord;
  let app: Running;
  beforeAll(async () => {
    fake = await FakeDiscord.start();
    app = await startApp({
      DISCORD_BOT_TOKEN: 'fake-discord-token',
      DISCORD_APPLICATION_ID: fake.applicationId,
      DISCORD_API_URL: fake.restUrl,
      DISCORD_CDN_HOSTS: '127.0.0.1',
    });
    await fake.whenReady();
    await fake.waitForCall((call) => call.method === 'PUT' && call.path.endsWith('/commands'), 'command registration');
  });
  afterAll(async () => {
    await stopApp(app);
    await fake?.close();
  });

  const ORIGINAL_REPLY = /^\/webhooks\/\d+\/[^/]+\/messages\/@original$/;

  async function upload(name: string, seed: number) {
    const since = fake.calls.length;
    const image = fake.addAttachment({
      name: 'photo.jpg',
      data: await makeJpeg(60, 40, seed),
      contentType: 'image/jpeg',
    });
    const interaction = fake.slashCommand(fake.user(name), 'upload', { image1: image });
    const final = await fake.waitForReplyEdit(interaction, (call) => GALLERY_LINK.test(call.json?.content ?? ''));
    const edits = fake.calls
      .slice(since)
      .filter((c) => c.method === 'PATCH' && ORIGINAL_REPLY.test(c.path) && c.at <= final.at);
    return { final, edits };
  }

  it('waits the retry_after of a 429 before editing the reply with the gallery link', async () => {
    fake.failNext('PATCH', ORIGINAL_REPLY, { status: 429, retryAfter: 2 });
    const { final, edits } = await upload('rita', 1);
    const limited = edits.find((c) => c.failedWith === 429)!;
    expect(limited).toBeDefined();
    expect(final.at - limited.at).toBeGreaterThanOrEqual(1900);
    expect(final.json.content).toContain(t('en', 'gallery.count', { count: 1 }));
  });

  it('still delivers the gallery link when Discord answers 5xx longer than discord.js retries on its own', async () => {
    // discord.js tries a request four times in a row, with no pause, then gives up: twelve failures
    // outlast any edit's own tries, so the link only arrives if the bot tries again later.
    fake.failNext('PATCH', ORIGINAL_REPLY, { status: 502, times: 12 });
    const { final, edits } = await upload('sven', 2);
    const failures = edits.filter((c) => c.failedWith === 502);
    expect(failures).toHaveLength(12);
    // Not all in one burst: the bot paused (1 s) before trying the final edit again.
    expect(failures.at(-1)!.at - failures[0]!.at).toBeGreaterThanOrEqual(900);
    expect(final.json.content).toContain(t('en', 'gallery.count', { count: 1 }));
  });
});

describe('Slack answering 429 and 5xx', () => {
  const BOT_TOKEN = 'xoxb-1111-2222-retrytoken';
  const SECRET = 'slack-signing-secret-retries';
  let fake: FakeSlackApi;
  let app: Running;
  let endpoint: string;
  beforeAll(async () => {
    fake = await startFakeSlackApi({ botToken: BOT_TOKEN });
    app = await startApp({
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: `${fake.url}/api/`,
    });
    endpoint = `${app.running.core.config.publicBaseUrl}/slack/events`;
  });
  afterAll(async () => {
    await stopApp(app);
    await fake?.close();
  });

  it('waits out a 429 (Retry-After) and retries a 5xx before posting the gallery link', async () => {
    fake.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    fake.failNext('chat.postMessage', { status: 503 });
    const channel = 'DRETRY1';
    const response = await postEvent(
      endpoint,
      fileShareEnvelope({
        user: 'URETRY1',
        channel,
        botUserId: fake.botUserId,
        files: [fake.addFile({ name: 'a.jpg', bytes: await makeJpeg(60, 40, 3) })],
      }),
      { secret: SECRET },
    );
    expect(response.status).toBe(200);
    const posts = await fake.waitFor('chat.postMessage', (c) => c.body.channel === channel && !c.failedWith, 1, 30_000);
    const attempts = fake.callsOf('chat.postMessage', (c) => c.body.channel === channel);
    expect(attempts.map((c) => c.failedWith ?? 200)).toEqual([429, 503, 200]);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(950);
    expect(String(posts[0]!.body.text)).toMatch(GALLERY_LINK);
  });

  it('retries a slash command answer whose response_url answered 5xx', async () => {
    fake.failNext('response', { status: 502 });
    const responseUrl = fake.responseUrl();
    const pathname = new URL(responseUrl).pathname;
    const response = await postCommand(
      endpoint,
      commandFields({ command: '/gallery', text: 'list', user: 'URETRY2', channel: 'DRETRY2', responseUrl }),
      { secret: SECRET },
    );
    expect(response.status).toBe(200);
    const answered = await fake.waitFor('response', (c) => c.path === pathname && !c.failedWith, 1, 30_000);
    expect(String(answered[0]!.body.text)).toContain(t('en', 'list.empty'));
    expect(fake.callsOf('response', (c) => c.path === pathname).map((c) => c.failedWith ?? 200)).toEqual([502, 200]);
  });
});
