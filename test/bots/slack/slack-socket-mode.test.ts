import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunningServer, type RunningServer } from '../../../cli/server.js';
import { startFakeSlackApi, type FakeSlackApi, type RecordedSlackCall } from '../../fakes/slack-api.js';
import { makeJpeg, makePng } from '../../helpers/images.js';
import { freePort, testConfig } from '../../helpers/test-core.js';
import { allowOnlyLoopback } from '../loopback-only.js';
import { commandFields, fileShareEnvelope } from './slack-requests.js';

/**
 * The Slack app in Socket Mode (SLACK_APP_TOKEN, no public URL): the real app opens its
 * connection through apps.connections.open on SLACK_API_URL, and Slack's envelopes arrive over a
 * WebSocket on the fake. Also runs with a renamed slash command (SLACK_COMMAND).
 */

const BOT_TOKEN = 'xoxb-3333-4444-socketbottoken';
const APP_TOKEN = 'xapp-1-A0001-5555-socketapptoken';

const network = allowOnlyLoopback();
let fake: FakeSlackApi;
let running: RunningServer;
let dir: string;
let baseUrl: string;

beforeAll(async () => {
  fake = await startFakeSlackApi({ botToken: BOT_TOKEN, appToken: APP_TOKEN });
  dir = await mkdtemp(path.join(tmpdir(), 'maiimg-slack-socket-'));
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  running = await createRunningServer(
    testConfig(dir, {
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_APP_TOKEN: APP_TOKEN,
      SLACK_API_URL: `${fake.url}/api/`,
      SLACK_COMMAND: '/photos',
      PUBLIC_BASE_URL: baseUrl,
      PORT: String(port),
      BATCH_QUIET_MS: '300',
    }),
  );
});

afterAll(async () => {
  await running?.stop();
  await fake?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  network.restore();
});

const inChannel = (channel: string) => (call: RecordedSlackCall) =>
  call.body.channel === channel || call.body.channel_id === channel;

describe('Slack app (Socket Mode)', () => {
  it('connects through apps.connections.open on SLACK_API_URL with the app token, and serves no HTTP endpoint', async () => {
    await fake.whenSocketConnected();
    const [open] = fake.callsOf('apps.connections.open');
    expect(open!.headers.authorization).toBe(`Bearer ${APP_TOKEN}`);
    expect(running.bots.map((bot) => bot.name)).toEqual(['slack']);
    // Without a signing secret there is nothing to verify requests with: no /slack/events.
    expect((await fetch(`${baseUrl}/slack/events`, { method: 'POST', body: '{}' })).status).toBe(404);
  });

  it('acknowledges file shares over the socket and answers in the thread with the gallery and its QR code', async () => {
    const deliver = async (name: string, bytes: Buffer) => {
      const envelope = fileShareEnvelope({
        user: 'US1',
        channel: 'DS1',
        botUserId: fake.botUserId,
        files: [fake.addFile({ name, bytes })],
      });
      const id = fake.socketDeliver('events_api', envelope);
      await fake.waitForAck(id);
    };
    await deliver('one.jpg', await makeJpeg(64, 48, 901));
    await deliver('two.png', await makePng(64, 48, 902));
    const [post] = await fake.waitFor('chat.postMessage', inChannel('DS1'));
    expect(String(post!.body.text)).toContain('2 images');
    expect(post!.body.thread_ts).toMatch(/^\d+\.\d+$/);
    await fake.waitFor('files.completeUploadExternal', inChannel('DS1'));
    expect(
      (await running.core.service.listGalleries({ platform: 'slack', userId: 'US1' })).map((g) => g.imageCount),
    ).toEqual([2]);
  });

  it('makes no second gallery when Slack redelivers an envelope', async () => {
    const envelope = fileShareEnvelope({
      user: 'US2',
      channel: 'DS2',
      botUserId: fake.botUserId,
      files: [fake.addFile({ name: 'once.jpg', bytes: await makeJpeg(64, 48, 911) })],
    });
    await fake.waitForAck(fake.socketDeliver('events_api', envelope));
    await fake.waitFor('chat.postMessage', inChannel('DS2'));
    await fake.waitForAck(fake.socketDeliver('events_api', envelope, 1));
    // A later, genuine share answers separately; a redelivery that slipped through would show as a second gallery of once.jpg.
    const next = fileShareEnvelope({
      user: 'US2',
      channel: 'DS2',
      botUserId: fake.botUserId,
      files: [fake.addFile({ name: 'later.jpg', bytes: await makeJpeg(64, 48, 912) })],
    });
    await fake.waitForAck(fake.socketDeliver('events_api', next));
    await fake.waitFor('chat.postMessage', inChannel('DS2'), 2);
    expect(
      (await running.core.service.listGalleries({ platform: 'slack', userId: 'US2' })).map((g) => g.imageCount),
    ).toEqual([1, 1]);
  });

  it('answers the renamed slash command, acknowledged over the socket', async () => {
    const responseUrl = fake.responseUrl();
    const id = fake.socketDeliver(
      'slash_commands',
      commandFields({ command: '/photos', text: 'list', user: 'US3', channel: 'DS3', responseUrl }),
    );
    await fake.waitForAck(id);
    const [answer] = await fake.waitFor('response', (call) => call.path === new URL(responseUrl).pathname);
    expect(answer!.body.response_type).toBe('ephemeral');
    expect(String(answer!.body.text)).toContain('You have no galleries yet');

    const help = fake.responseUrl();
    await fake.waitForAck(
      fake.socketDeliver(
        'slash_commands',
        commandFields({ command: '/photos', text: 'help', user: 'US3', channel: 'DS3', responseUrl: help }),
      ),
    );
    const [helpAnswer] = await fake.waitFor('response', (call) => call.path === new URL(help).pathname);
    // The help names the command as it is configured.
    expect(String(helpAnswer!.body.text)).toContain('/photos list: your galleries');
  });

  it('disconnects on stop', async () => {
    await running.stop();
    await expect.poll(() => fake.socketConnections, { timeout: 10_000 }).toBe(0);
  });
});

it('reached no host but the loopback fakes during this file', () => {
  expect(network.attempts).toEqual([]);
});
