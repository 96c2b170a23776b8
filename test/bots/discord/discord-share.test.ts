import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PermissionFlagsBits } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunningServer, type RunningServer } from '../../../cli/server.js';
import { t } from '../../../core/messages.js';
import type { GalleryOptions, Owner } from '../../../core/types.js';
import { FakeDiscord, type FakeInteraction, type FakeUser, type RecordedCall } from '../../fakes/discord-api.js';
import { makeJpeg } from '../../helpers/images.js';
import { freePort, testConfig } from '../../helpers/test-core.js';
import { allowOnlyLoopback } from '../loopback-only.js';

allowOnlyLoopback();

/**
 * `/gallery share` against a fake Discord that enforces channel permissions the way Discord does
 * (overwrites on the channel, 403 on a post the bot may not make), with the real discord.js.
 */

let fake: FakeDiscord;
let running: RunningServer;
let dir: string;
let seed = 1;

beforeAll(async () => {
  fake = await FakeDiscord.start();
  dir = await mkdtemp(path.join(tmpdir(), 'maiimg-discord-share-'));
  const port = await freePort();
  running = await createRunningServer(
    testConfig(dir, {
      DISCORD_BOT_TOKEN: 'fake-discord-token',
      DISCORD_APPLICATION_ID: fake.applicationId,
      DISCORD_API_URL: fake.restUrl,
      DISCORD_CDN_HOSTS: '127.0.0.1',
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      PORT: String(port),
    }),
  );
  await fake.whenReady();
});

afterAll(async () => {
  await running?.stop();
  await fake?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const ownerOf = (user: FakeUser): Owner => ({ platform: 'discord', userId: user.id });

async function galleryOf(user: FakeUser, options: GalleryOptions = {}, images = 1) {
  const files = await Promise.all(
    Array.from({ length: images }, async (_, i) => ({ name: `p${i}.jpg`, data: await makeJpeg(40, 30, seed++) })),
  );
  return (await running.core.service.createGallery({ owner: ownerOf(user), files, options })).gallery!;
}

const linksOf = (user: FakeUser, slug: string) => running.core.links.list({ owner: ownerOf(user), ref: slug });
const postsTo = (channel: string, since: number) => (call: RecordedCall) =>
  call.method === 'POST' && call.path === `/channels/${channel}/messages` && fake.calls.indexOf(call) >= since;
const answerTo = async (interaction: FakeInteraction) =>
  String((await fake.waitForReplyEdit(interaction)).json.content);

describe('Sharing a gallery from Discord', () => {
  it('posts a public card in the current channel, with a link of its own labelled #channel (server)', async () => {
    const ann = fake.user('share-ann');
    const gallery = await galleryOf(ann, { title: 'Lake *trip*' }, 2);
    const since = fake.calls.length;
    const interaction = fake.slashCommand(ann, 'share', { link: running.core.service.urlFor(gallery.slug) });
    const post = await fake.waitForCall(postsTo(fake.channelId, since), 'the card');
    const [embed] = post.json.embeds;
    // Markdown in a title is shown literally.
    expect(embed.title).toBe('Lake \\*trip\\*');
    expect(embed.description).toBe('2 images');
    expect(embed.thumbnail.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    const shared = (await linksOf(ann, gallery.slug)).find((link) => !link.first)!;
    expect(shared).toMatchObject({
      label: '#general (Fake guild)',
      platform: 'discord',
      chatId: fake.channelId,
      sharedBy: ann.id,
    });
    const [button] = post.json.components[0].components;
    expect(button).toMatchObject({ style: 5, url: shared.url, label: t('en', 'share.open') });
    expect(embed.url).toBe(shared.url);
    expect(await answerTo(interaction)).toBe(
      t('en', 'share.posted', { where: '#general (Fake guild)', url: shared.url }),
    );
  });

  it('posts into the channel named by the channel option', async () => {
    const bea = fake.user('share-bea');
    const gallery = await galleryOf(bea, { title: 'Garden' });
    const design = fake.addChannel('design');
    const since = fake.calls.length;
    fake.slashCommand(bea, 'share', { link: gallery.slug, channel: { channel: design } });
    await fake.waitForCall(postsTo(design, since), 'the card in #design');
    const shared = (await linksOf(bea, gallery.slug)).find((link) => !link.first)!;
    expect(shared).toMatchObject({ label: '#design (Fake guild)', chatId: design, chatName: '#design' });
  });

  it('shows no preview of a password-protected gallery', async () => {
    const cid = fake.user('share-cid');
    const gallery = await galleryOf(cid, { title: 'Secret', password: 'hunter22' });
    const since = fake.calls.length;
    fake.slashCommand(cid, 'share', { link: gallery.slug });
    const post = await fake.waitForCall(postsTo(fake.channelId, since), 'the card');
    expect(post.json.embeds[0]).not.toHaveProperty('thumbnail');
    expect(post.json.embeds[0]).not.toHaveProperty('image');
  });

  it('names the permission the person is missing in the channel, and makes no link', async () => {
    const dee = fake.user('share-dee');
    const gallery = await galleryOf(dee, { title: 'Party' });
    const announcements = fake.addChannel('announcements', [
      { id: dee.id, type: 1, allow: '0', deny: String(PermissionFlagsBits.SendMessages) },
    ]);
    const since = fake.calls.length;
    const interaction = fake.slashCommand(dee, 'share', { link: gallery.slug, channel: { channel: announcements } });
    expect(await answerTo(interaction)).toBe(
      t('en', 'discord.share.userMissing', {
        channel: '#announcements',
        permissions: t('en', 'discord.permission.SendMessages'),
      }),
    );
    expect(fake.calls.slice(since).some((c) => c.path === `/channels/${announcements}/messages`)).toBe(false);
    expect(await linksOf(dee, gallery.slug)).toHaveLength(1);
  });

  it('names the permission the bot is missing (Embed Links for the card), and makes no link', async () => {
    const eve = fake.user('share-eve');
    const gallery = await galleryOf(eve, { title: 'Picnic' });
    const quiet = fake.addChannel('quiet', [
      { id: fake.botUser.id, type: 1, allow: '0', deny: String(PermissionFlagsBits.EmbedLinks) },
    ]);
    const interaction = fake.slashCommand(eve, 'share', { link: gallery.slug, channel: { channel: quiet } });
    expect(await answerTo(interaction)).toBe(
      t('en', 'discord.share.botMissing', { channel: '#quiet', permissions: t('en', 'discord.permission.EmbedLinks') }),
    );
    expect(await linksOf(eve, gallery.slug)).toHaveLength(1);
  });

  it('registers the channel option of the share sub-command', async () => {
    const registration = await fake.waitForCall(
      (c) => c.method === 'PUT' && /\/commands$/.test(c.path),
      'the command registration',
    );
    const gallery = registration.json.find((c: { name: string }) => c.name === 'gallery');
    const share = gallery.options.find((o: { name: string }) => o.name === 'share');
    expect(share.options.map((o: { name: string; type: number }) => [o.name, o.type])).toEqual([
      ['link', 3],
      ['channel', 7],
    ]);
  });
});
