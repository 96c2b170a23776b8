import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunningServer, type RunningServer } from '../../../cli/server.js';
import { t } from '../../../core/messages.js';
import { startFakeSlackApi, type FakeSlackApi, type RecordedSlackCall } from '../../fakes/slack-api.js';
import { makeJpeg } from '../../helpers/images.js';
import { freePort, testConfig } from '../../helpers/test-core.js';
import { allowOnlyLoopback } from '../loopback-only.js';
import { commandFields, fileShareEnvelope, postCommand, postEvent } from './slack-requests.js';

allowOnlyLoopback();

/**
 * The Slack app where real workspaces differ from the happy path: entity-escaped text, Slack Connect
 * files, file messages without the `file_share` subtype, a channel that refuses posts, and messages
 * that are for the app but carry no files.
 */

const BOT_TOKEN = 'xoxb-1111-2222-fakebottoken';
const SECRET = 'slack-signing-secret-for-channels';
const signing = { secret: SECRET };

let fake: FakeSlackApi;
let running: RunningServer;
let dir: string;
let endpoint: string;

beforeAll(async () => {
  fake = await startFakeSlackApi({ botToken: BOT_TOKEN });
  dir = await mkdtemp(path.join(tmpdir(), 'maiimg-slack-channels-'));
  const port = await freePort();
  running = await createRunningServer(
    testConfig(dir, {
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: `${fake.url}/api/`,
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      PORT: String(port),
      BATCH_QUIET_MS: '300',
    }),
  );
  endpoint = `http://127.0.0.1:${port}/slack/events`;
});

afterAll(async () => {
  await running?.stop();
  await fake?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const bodyText = (call: RecordedSlackCall) => String(call.body.text ?? '');
const inChannel = (channel: string) => (call: RecordedSlackCall) =>
  call.body.channel === channel || call.body.channel_id === channel;
const galleriesOf = (user: string) => running.core.service.listGalleries({ platform: 'slack', userId: user });

async function send(envelope: object) {
  expect((await postEvent(endpoint, envelope, signing)).status).toBe(200);
}

async function command(user: string, channel: string, text: string): Promise<RecordedSlackCall> {
  const responseUrl = fake.responseUrl();
  await postCommand(endpoint, commandFields({ text, user, channel, responseUrl }), signing);
  const [answer] = await fake.waitFor('response', (call) => call.path === new URL(responseUrl).pathname);
  return answer!;
}

describe('Slack app in shared workspaces', () => {
  it('decodes &amp; &lt; &gt; in command text: a title "Tom & Jerry" is stored as typed', async () => {
    const user = 'UESC1';
    const dm = fake.directMessageOf(user);
    const outcome = await running.core.service.createGallery({
      owner: { platform: 'slack', userId: user, chatId: dm },
      files: [{ name: 'a.jpg', data: await makeJpeg() }],
    });
    const answer = await command(user, dm, `title <${outcome.url}> Tom &amp; Jerry &lt;3`);
    expect(bodyText(answer)).toContain(t('en', 'link.updated'));
    expect((await galleriesOf(user)).map((g) => g.title)).toEqual(['Tom & Jerry <3']);
  });

  it('fetches a Slack Connect stub file through files.info and makes the gallery', async () => {
    const user = 'UCONNECT';
    const dm = fake.directMessageOf(user);
    const stub = fake.addConnectFile({ name: 'partner.jpg', bytes: await makeJpeg(30, 20, 5) });
    expect(stub).not.toHaveProperty('url_private_download');
    await send(fileShareEnvelope({ user, channel: dm, botUserId: fake.botUserId, files: [stub] }));
    const [post] = await fake.waitFor('chat.postMessage', (c) => inChannel(dm)(c) && /\/g\//.test(bodyText(c)));
    expect(bodyText(post!)).toMatch(/\b1 image\b/);
    expect(fake.callsOf('files.info').map((c) => c.body.file)).toContain(stub.id);
  });

  it('takes files from a message without subtype and from a thread broadcast, never from an edit', async () => {
    const user = 'UNOSUB';
    const dm = fake.directMessageOf(user);
    const plain = fileShareEnvelope({
      user,
      channel: dm,
      botUserId: fake.botUserId,
      files: [fake.addFile({ name: 'plain.jpg', bytes: await makeJpeg(30, 20, 6) })],
    });
    delete (plain.event as Record<string, unknown>).subtype;
    const edited = fileShareEnvelope({
      user,
      channel: dm,
      botUserId: fake.botUserId,
      files: [fake.addFile({ name: 'edited.jpg', bytes: await makeJpeg(30, 20, 7) })],
    });
    (edited.event as Record<string, unknown>).subtype = 'message_changed';
    await send(edited);
    await send(plain);
    const [post] = await fake.waitFor('chat.postMessage', (c) => inChannel(dm)(c) && /\/g\//.test(bodyText(c)));
    expect(bodyText(post!)).toMatch(/\b1 image\b/);
    expect((await galleriesOf(user)).map((g) => g.imageCount)).toEqual([1]);
  });

  it('sends the link by DM when the channel refuses the post (archived)', async () => {
    const user = 'UARCH';
    const channel = 'C0ARCHIVED';
    fake.failNext('chat.postMessage', { error: 'is_archived', match: inChannel(channel) });
    await send(
      fileShareEnvelope({
        user,
        channel,
        channelType: 'channel',
        text: `<@${fake.botUserId}> here`,
        botUserId: fake.botUserId,
        files: [fake.addFile({ name: 'arch.jpg', bytes: await makeJpeg(30, 20, 8) })],
      }),
    );
    const dm = fake.directMessageOf(user);
    const [post] = await fake.waitFor('chat.postMessage', (c) => inChannel(dm)(c) && /\/g\//.test(bodyText(c)));
    expect(post!.body.thread_ts).toBeUndefined();
    expect(fake.callsOf('chat.postMessage', inChannel(channel))[0]?.failedWith).toBe(200);
  });

  it('answers a text-only DM and a mention without files with the help', async () => {
    const user = 'UHELP';
    const dm = fake.directMessageOf(user);
    const textOnly = fileShareEnvelope({ user, channel: dm, botUserId: fake.botUserId, files: [], text: 'hi' });
    delete (textOnly.event as Record<string, unknown>).subtype;
    delete (textOnly.event as Record<string, unknown>).files;
    await send(textOnly);
    const [help] = await fake.waitFor('chat.postMessage', inChannel(dm));
    expect(bodyText(help!)).toContain(t('en', 'help.groups.slack'));

    const channel = 'C0HELP';
    const mention = fileShareEnvelope({
      user,
      channel,
      channelType: 'channel',
      botUserId: fake.botUserId,
      files: [],
      text: `<@${fake.botUserId}> what do you do?`,
    });
    const event = mention.event as Record<string, unknown>;
    event.type = 'app_mention';
    delete event.subtype;
    delete event.files;
    await send(mention);
    const [inThread] = await fake.waitFor('chat.postMessage', inChannel(channel));
    expect(inThread!.body.thread_ts).toBe(event.ts);
    expect(bodyText(inThread!)).toContain('/gallery stats');
  });
});
