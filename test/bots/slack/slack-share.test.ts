import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunningServer, type RunningServer } from '../../../cli/server.js';
import { t } from '../../../core/messages.js';
import type { GalleryOptions, Owner } from '../../../core/types.js';
import { startFakeSlackApi, type FakeSlackApi, type RecordedSlackCall } from '../../fakes/slack-api.js';
import { makeJpeg } from '../../helpers/images.js';
import { freePort, testConfig } from '../../helpers/test-core.js';
import { allowOnlyLoopback } from '../loopback-only.js';
import { commandFields, postCommand } from './slack-requests.js';

allowOnlyLoopback();

/**
 * `/gallery share` against a fake Slack that refuses posts where the app is not a member
 * (`not_in_channel`, and `channel_not_found` for a private channel it cannot see), with @slack/bolt.
 */

const BOT_TOKEN = 'xoxb-3333-4444-fakesharetoken';
const SECRET = 'slack-signing-secret-for-sharing';
const signing = { secret: SECRET };

let fake: FakeSlackApi;
let running: RunningServer;
let dir: string;
let endpoint: string;
let seed = 1;

beforeAll(async () => {
  fake = await startFakeSlackApi({ botToken: BOT_TOKEN });
  dir = await mkdtemp(path.join(tmpdir(), 'maiimg-slack-share-'));
  const port = await freePort();
  running = await createRunningServer(
    testConfig(dir, {
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: `${fake.url}/api/`,
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      PORT: String(port),
    }),
  );
  endpoint = `http://127.0.0.1:${port}/slack/events`;
});

afterAll(async () => {
  await running?.stop();
  await fake?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const ownerOf = (user: string): Owner => ({ platform: 'slack', userId: user });

async function galleryOf(user: string, options: GalleryOptions = {}, images = 1) {
  const files = await Promise.all(
    Array.from({ length: images }, async (_, i) => ({ name: `p${i}.jpg`, data: await makeJpeg(40, 30, seed++) })),
  );
  return (await running.core.service.createGallery({ owner: ownerOf(user), files, options })).gallery!;
}

const linksOf = (user: string, slug: string) => running.core.links.list({ owner: ownerOf(user), ref: slug });
/** A Block Kit block as posted (only the fields the tests read). */
interface PostedBlock {
  type: string;
  text?: { text: string };
  image_url?: string;
  elements?: Array<Record<string, unknown>>;
}
const blocksOf = (call: RecordedSlackCall) =>
  (typeof call.body.blocks === 'string' ? JSON.parse(call.body.blocks) : call.body.blocks) as PostedBlock[];

/** Runs `/gallery <text>` and returns the text of the (ephemeral) answer. */
async function command(user: string, channel: string, text: string): Promise<string> {
  const responseUrl = fake.responseUrl();
  await postCommand(endpoint, commandFields({ text, user, channel, responseUrl }), signing);
  const [answer] = await fake.waitFor('response', (call) => call.path === new URL(responseUrl).pathname);
  expect(answer!.body.response_type).toBe('ephemeral');
  return String(answer!.body.text);
}

const cardsIn = (channel: string) =>
  fake.callsOf('chat.postMessage', (c) => c.body.channel === channel && !c.failedWith && !!c.body.blocks);

describe('Sharing a gallery from Slack', () => {
  it('posts the card in the channel it was asked in, with a link labelled #channel', async () => {
    const user = 'USHARE1';
    const design = fake.addChannel({ name: 'design', member: true });
    const gallery = await galleryOf(user, { title: 'Moodboard <v2>' }, 2);
    const answer = await command(user, design, `share <${running.core.service.urlFor(gallery.slug)}>`);
    const shared = (await linksOf(user, gallery.slug)).find((link) => !link.first)!;
    expect(shared).toMatchObject({ label: '#design', platform: 'slack', chatId: design, sharedBy: user });
    expect(answer).toBe(t('en', 'share.posted', { where: '#design', url: shared.url }));
    const [card] = cardsIn(design);
    const blocks = blocksOf(card!);
    expect(blocks[0]!.text?.text).toBe('*Moodboard &lt;v2&gt;*\n2 images');
    expect(blocks.find((b) => b.type === 'image')?.image_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    const button = blocks.find((b) => b.type === 'actions')!.elements![0];
    expect(button).toMatchObject({ url: shared.url, text: { text: t('en', 'share.open') } });
    // The card is the preview: Slack must not unfurl the link as well.
    expect(String(card!.body.unfurl_links)).toBe('false');
  });

  it('posts into the channel named as <#C…|name>, as Slack escapes it', async () => {
    const user = 'USHARE2';
    const here = fake.addChannel({ name: 'here', member: true });
    const random = fake.addChannel({ name: 'random', member: true });
    const gallery = await galleryOf(user, { title: 'Cats' });
    await command(user, here, `share ${gallery.slug} <#${random}|random>`);
    expect(cardsIn(random)).toHaveLength(1);
    expect(cardsIn(here)).toHaveLength(0);
    const shared = (await linksOf(user, gallery.slug)).find((link) => !link.first)!;
    expect(shared).toMatchObject({ label: '#random', chatId: random });
  });

  it('says how to invite the app to a channel it is not in, and keeps no link', async () => {
    const user = 'USHARE3';
    const here = fake.addChannel({ name: 'lobby', member: true });
    const outside = fake.addChannel({ name: 'secret-plans', member: false });
    const gallery = await galleryOf(user, { title: 'Plans' });
    const answer = await command(user, here, `share ${gallery.slug} <#${outside}|secret-plans>`);
    expect(answer).toBe(t('en', 'slack.share.invite', { channel: '#secret-plans', app: 'maiimg' }));
    // One attempt, refused by Slack; the link made for it is gone again.
    expect(fake.callsOf('chat.postMessage', (c) => c.body.channel === outside)).toHaveLength(1);
    expect(await linksOf(user, gallery.slug)).toHaveLength(1);
  });

  it('says the same for a private channel it cannot see (channel_not_found)', async () => {
    const user = 'USHARE4';
    const hidden = fake.addChannel({ name: 'board', member: false, isPrivate: true });
    const gallery = await galleryOf(user, { title: 'Board' });
    const answer = await command(user, hidden, `share ${gallery.slug}`);
    expect(answer).toBe(t('en', 'slack.share.invite', { channel: `#${hidden}`, app: 'maiimg' }));
    expect(await linksOf(user, gallery.slug)).toHaveLength(1);
  });

  it('shows no preview image of a password-protected gallery', async () => {
    const user = 'USHARE5';
    const channel = fake.addChannel({ name: 'family', member: true });
    const gallery = await galleryOf(user, { title: 'Wedding', password: 'hunter22' });
    await command(user, channel, `share ${gallery.slug}`);
    const [card] = cardsIn(channel);
    expect(blocksOf(card!).map((b) => b.type)).toEqual(['section', 'actions']);
  });
});
