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
import { encodeButton } from '../../../core/chat/chat-commands.js';
import { errorMessage } from '../../../core/messages.js';
import { openWithPassword } from '../analytics-helpers.js';
import {
  buttonPress,
  commandFields,
  fileShareEnvelope,
  postCommand,
  postEvent,
  postInteraction,
} from './slack-requests.js';

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

/** Runs a slash command with the text as the person typed it (the fake escapes it as Slack does). */
async function command(user: string, channel: string, typed: string): Promise<RecordedSlackCall> {
  const responseUrl = fake.responseUrl();
  await postCommand(endpoint, commandFields({ typed, user, channel, responseUrl }), signing);
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
    const answer = await command(user, dm, `title ${outcome.url} Tom & Jerry <3`);
    expect(bodyText(answer)).toContain(t('en', 'link.updated'));
    expect((await galleriesOf(user)).map((g) => g.title)).toEqual(['Tom & Jerry <3']);
  });

  it('stores `/gallery password <link> a&b` as typed, and a visitor typing a&b gets in', async () => {
    const user = 'UPASS';
    const dm = fake.directMessageOf(user);
    const outcome = await running.core.service.createGallery({
      owner: { platform: 'slack', userId: user, chatId: dm },
      files: [{ name: 'p.jpg', data: await makeJpeg(30, 20, 9) }],
    });
    const answer = await command(user, dm, `password ${outcome.url} a&b`);
    expect(bodyText(answer)).toContain(t('en', 'link.updated'));
    expect(await openWithPassword(outcome.url!, 'a&amp;b')).toMatchObject({ unlockStatus: 401 });
    expect(await openWithPassword(outcome.url!, 'a&b')).toEqual({ unlockStatus: 303, pageStatus: 200 });
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

    // A thread reply also sent to the channel, mentioning the app: its files make a gallery, answered in that thread.
    const channel = 'C0BROADCAST';
    const broadcast = fileShareEnvelope({
      user,
      channel,
      channelType: 'channel',
      text: `<@${fake.botUserId}> from the thread`,
      botUserId: fake.botUserId,
      files: [fake.addFile({ name: 'broadcast.jpg', bytes: await makeJpeg(30, 20, 10) })],
    });
    Object.assign(broadcast.event, { subtype: 'thread_broadcast', thread_ts: '1700000001.000100' });
    await send(broadcast);
    const [inThread] = await fake.waitFor(
      'chat.postMessage',
      (c) => inChannel(channel)(c) && /\/g\//.test(bodyText(c)),
    );
    expect(inThread!.body.thread_ts).toBe('1700000001.000100');
    expect((await galleriesOf(user)).map((g) => g.imageCount)).toEqual([1, 1]);
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

describe('Slack app: button presses in threads', () => {
  const THREAD = '1700000020.000100';
  const galleryMessage = (url: string) => ({
    ts: '1700000020.000200',
    thread_ts: THREAD,
    text: `Your gallery is ready: ${url}`,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: url } }],
  });
  async function press(user: string, channel: string, action: 'disable' | 'stats', slug: string, url: string) {
    const responseUrl = fake.responseUrl();
    const payload = buttonPress({
      user,
      channel,
      actionId: `maiimg_${action}`,
      value: encodeButton(action, slug),
      responseUrl,
      message: galleryMessage(url),
    });
    expect((await postInteraction(endpoint, payload, signing)).status).toBe(200);
    const [answer] = await fake.waitFor('response', (call) => call.path === new URL(responseUrl).pathname);
    return answer!;
  }
  async function gallery(user: string, channel: string) {
    const outcome = await running.core.service.createGallery({
      owner: { platform: 'slack', userId: user, chatId: channel },
      files: [{ name: 't.jpg', data: await makeJpeg(30, 20, 21) }],
    });
    return { slug: outcome.gallery!.slug, url: outcome.url! };
  }

  it('keeps ephemeral answers and refusals in the gallery’s thread', async () => {
    const { slug, url } = await gallery('UTHREAD', 'CTHREAD');
    const refusal = await press('USTRANGER', 'CTHREAD', 'disable', slug, url);
    expect(refusal.body.response_type).toBe('ephemeral');
    expect(String(refusal.body.text)).toContain(errorMessage('en', 'NOT_OWNER'));
    expect(refusal.body.thread_ts).toBe(THREAD);
    const stats = await press('UTHREAD', 'CTHREAD', 'stats', slug, url);
    expect(stats.body.response_type).toBe('ephemeral');
    expect(stats.body.thread_ts).toBe(THREAD);
  });

  it('tells the presser what happened when the gallery message cannot be updated', async () => {
    const { slug, url } = await gallery('UNOUPDATE', 'CNOUPDATE');
    fake.failNext('chat.update', { error: 'message_not_found', match: inChannel('CNOUPDATE') });
    const answer = await press('UNOUPDATE', 'CNOUPDATE', 'disable', slug, url);
    expect(fake.callsOf('chat.update', inChannel('CNOUPDATE'))[0]?.failedWith).toBe(200);
    expect(answer.body.response_type).toBe('ephemeral');
    expect(answer.body.replace_original).toBe(false);
    expect(answer.body.thread_ts).toBe(THREAD);
    expect(String(answer.body.text)).toContain(t('en', 'link.disabled'));
    expect((await fetch(url)).status).toBe(410);
  });
});
