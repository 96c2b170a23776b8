import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunningServer, type RunningServer } from '../../../cli/server.js';
import { encodeButton } from '../../../core/chat/chat-commands.js';
import { t } from '../../../core/messages.js';
import type { GalleryOptions, Owner } from '../../../core/types.js';
import { FakeTelegramBotApi, type FakeChat, type FakeUser, type RecordedCall } from '../../fakes/telegram-bot-api.js';
import { makeJpeg } from '../../helpers/images.js';
import { freePort, testConfig } from '../../helpers/test-core.js';
import { allowOnlyLoopback } from '../loopback-only.js';

allowOnlyLoopback();

/**
 * Sharing from Telegram against a fake Bot API with inline mode and inline feedback on (BotFather
 * /setinline and /setinlinefeedback): the Share button, inline results that make their link only
 * once sent, `/share` in a group, and chat commands given a share link.
 */

let nextId = 51_000;
const newUser = (): FakeUser => ({ id: nextId++, first_name: `sharer${nextId}`, language_code: 'en' });
const chatIdOf = (call: RecordedCall) => Number(call.params.chat_id);
const textOf = (call: RecordedCall) => String(call.params.text ?? call.params.caption ?? '');
/** reply_markup as the bot sent it (JSON-encoded in multipart requests). */
const markupOf = (call: RecordedCall) => {
  const markup = call.params.reply_markup;
  return (typeof markup === 'string' ? JSON.parse(markup) : markup) as {
    inline_keyboard: Array<Array<Record<string, string>>>;
  };
};

let fake: FakeTelegramBotApi;
let running: RunningServer;
let dir: string;

beforeAll(async () => {
  fake = await FakeTelegramBotApi.start({ inlineMode: true, inlineFeedback: true });
  dir = await mkdtemp(path.join(tmpdir(), 'maiimg-telegram-share-'));
  const port = await freePort();
  running = await createRunningServer(
    testConfig(dir, {
      TELEGRAM_BOT_TOKEN: fake.token,
      TELEGRAM_API_ROOT: fake.url,
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      PORT: String(port),
      BATCH_QUIET_MS: '300',
    }),
  );
  await fake.waitForCall('setMyCommands');
});

afterAll(async () => {
  await running?.stop();
  await fake?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const ownerOf = (user: FakeUser): Owner => ({ platform: 'telegram', userId: String(user.id) });

async function galleryOf(user: FakeUser, options: GalleryOptions = {}, images = 1) {
  const files = await Promise.all(
    Array.from({ length: images }, async (_, i) => ({ name: `p${i}.jpg`, data: await makeJpeg(40, 30, nextId + i) })),
  );
  const outcome = await running.core.service.createGallery({ owner: ownerOf(user), files, options });
  return outcome.gallery!;
}

const linksOf = (user: FakeUser, slug: string) => running.core.links.list({ owner: ownerOf(user), ref: slug });

describe('Sharing a gallery from Telegram', () => {
  it('puts a Share button under the gallery message that opens the chat picker with that gallery', async () => {
    const ann = newUser();
    const since = fake.calls.length;
    fake.userSends({ from: ann, photo: await makeJpeg(40, 30, 1) });
    const answer = await fake.waitForCall('sendPhoto', (c) => chatIdOf(c) === ann.id, { since });
    const [gallery] = await running.core.service.listGalleries(ownerOf(ann));
    const buttons = markupOf(answer).inline_keyboard.flat();
    expect(buttons).toContainEqual({ text: t('en', 'share.button'), switch_inline_query: gallery!.slug });
    // Disable flips its button; the Share row stays under the gallery message.
    const message = fake.sentTo(ann.id).find((m) => m.photo && !m.deleted)!;
    fake.userPresses({
      from: ann,
      chatId: ann.id,
      messageId: message.message_id,
      data: encodeButton('disable', gallery!.slug),
    });
    const flipped = await fake.waitForCall('editMessageReplyMarkup', (c) => chatIdOf(c) === ann.id, { since });
    expect(
      markupOf(flipped)
        .inline_keyboard.flat()
        .map((b) => b.text),
    ).toEqual(['Stats', 'Enable', 'Delete', t('en', 'share.button')]);
  });

  it("offers the owner's galleries inline and makes the link only when the card is sent", async () => {
    const ben = newUser();
    const lake = await galleryOf(ben, { title: 'Lake trip' }, 2);
    await galleryOf(ben, { title: 'Birthday' });
    const queryId = fake.userTypesInline({ from: ben, query: 'lake', chatType: 'supergroup' });
    const answer = await fake.waitForInlineAnswer(queryId);
    // Each result carries a link made for this query alone: never cached, never another user's.
    expect(answer.options).toMatchObject({ cache_time: 0, is_personal: true });
    expect(answer.results).toHaveLength(1);
    const [card] = answer.results;
    expect(card).toMatchObject({ type: 'article', title: 'Lake trip' });
    expect(String(card!.description)).toContain('2 images');
    expect(card!.thumbnail_url).toEqual(expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\//));
    const button = (card!.reply_markup as { inline_keyboard: Array<Array<{ text: string; url: string }>> })
      .inline_keyboard[0]![0]!;
    expect(button.text).toBe(t('en', 'share.open'));
    // Offered, not sent: only the gallery's first link exists.
    expect(await linksOf(ben, lake.slug)).toHaveLength(1);

    const group: FakeChat = { id: -100_051_001, type: 'supergroup', title: 'Hiking club' };
    fake.userChoosesResult({ queryId, resultId: card!.id, chat: group });
    await expect.poll(async () => (await linksOf(ben, lake.slug)).length, { timeout: 20_000 }).toBe(2);
    const shared = (await linksOf(ben, lake.slug)).find((link) => !link.first)!;
    expect(shared.url).toBe(button.url);
    expect(shared.platform).toBe('telegram');
    expect(shared.label).toMatch(/^Telegram group, \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);
    expect(shared.sharedBy).toBe(String(ben.id));
  });

  it('leaves no link behind for results that were offered but never sent', async () => {
    const cat = newUser();
    const trip = await galleryOf(cat, { title: 'City trip' });
    // The Share button's query names the gallery by its code.
    const unsent = fake.userTypesInline({ from: cat, query: trip.slug, chatType: 'private' });
    const offered = await fake.waitForInlineAnswer(unsent);
    expect(offered.results.map((r) => r.title)).toEqual(['City trip']);
    const sent = fake.userTypesInline({ from: cat, query: 'city', chatType: 'private' });
    const [chosen] = (await fake.waitForInlineAnswer(sent)).results;
    expect(chosen!.id).not.toBe(offered.results[0]!.id);
    fake.userChoosesResult({ queryId: sent, resultId: chosen!.id, chat: { id: 77_001, type: 'private' } });
    await expect.poll(async () => (await linksOf(cat, trip.slug)).length, { timeout: 20_000 }).toBe(2);
    const links = await linksOf(cat, trip.slug);
    expect(links.filter((link) => !link.first).map((link) => link.label)).toEqual([
      expect.stringMatching(/^Telegram private chat, /),
    ]);
  });

  it('never shows a preview of a password-protected gallery, inline or in a group', async () => {
    const dan = newUser();
    const secret = await galleryOf(dan, { title: 'Private party', password: 'hunter22' });
    const queryId = fake.userTypesInline({ from: dan, query: 'party', chatType: 'group' });
    const [card] = (await fake.waitForInlineAnswer(queryId)).results;
    expect(card).not.toHaveProperty('thumbnail_url');
    expect(String(card!.description)).toContain(t('en', 'share.inline.protected', { count: 1 }));

    const group: FakeChat = { id: -100_051_002, type: 'supergroup', title: 'Family' };
    const since = fake.calls.length;
    fake.userSends({ from: dan, chat: group, text: `/share ${running.core.service.urlFor(secret.slug)}` });
    const posted = await fake.waitForCall('sendMessage', (c) => chatIdOf(c) === group.id, { since });
    expect(fake.calls.slice(since).some((c) => c.method === 'sendPhoto' && chatIdOf(c) === group.id)).toBe(false);
    expect(textOf(posted)).toBe(t('en', 'share.card', { title: 'Private party', count: 1 }));
  });

  it('/share in a group posts the card there, in the topic, with a link labelled by the group title', async () => {
    const eve = newUser();
    const gallery = await galleryOf(eve, { title: 'Lunch' }, 3);
    const forum: FakeChat = { id: -100_051_003, type: 'supergroup', title: 'Foodies', is_forum: true };
    const since = fake.calls.length;
    fake.userSends({
      from: eve,
      chat: forum,
      threadId: 12,
      text: `/share ${running.core.service.urlFor(gallery.slug)}`,
    });
    // Not protected: the card is the preview picture with the text as its caption.
    const card = await fake.waitForCall('sendPhoto', (c) => chatIdOf(c) === forum.id, { since });
    expect(Number(card.params.message_thread_id)).toBe(12);
    expect(textOf(card)).toBe(t('en', 'share.card', { title: 'Lunch', count: 3 }));
    const links = await linksOf(eve, gallery.slug);
    const shared = links.find((link) => !link.first)!;
    expect(shared).toMatchObject({
      label: 'Foodies',
      platform: 'telegram',
      chatId: String(forum.id),
      chatName: 'Foodies',
      thread: '12',
    });
    expect(markupOf(card).inline_keyboard[0]![0]).toEqual({ text: t('en', 'share.open'), url: shared.url });
  });

  it("refuses to share someone else's gallery in a group, and makes no link", async () => {
    const owner = newUser();
    const stranger = newUser();
    const gallery = await galleryOf(owner, { title: 'Mine' });
    const group: FakeChat = { id: -100_051_004, type: 'group', title: 'Strangers' };
    const since = fake.calls.length;
    fake.userSends({ from: stranger, chat: group, text: `/share ${running.core.service.urlFor(gallery.slug)}` });
    const refusal = await fake.waitForCall('sendMessage', (c) => chatIdOf(c) === group.id, { since });
    expect(textOf(refusal)).toBe(t('en', 'NOT_OWNER'));
    expect(await linksOf(owner, gallery.slug)).toHaveLength(1);
  });

  it('/share in a private chat says how to share, with a Share button for the gallery', async () => {
    const fay = newUser();
    const gallery = await galleryOf(fay, { title: 'Beach' });
    const since = fake.calls.length;
    fake.userSends({ from: fay, text: `/share ${gallery.slug}` });
    const answer = await fake.waitForCall('sendMessage', (c) => chatIdOf(c) === fay.id, { since });
    expect(textOf(answer)).toBe(t('en', 'share.telegram.private', { bot: fake.bot.username }));
    expect(markupOf(answer).inline_keyboard[0]![0]).toEqual({
      text: t('en', 'share.button'),
      switch_inline_query: gallery.slug,
    });
  });

  it('/disable, /enable and /delete given a share link act on that link alone', async () => {
    const gus = newUser();
    const gallery = await galleryOf(gus, { title: 'Garden' });
    const { link } = await running.core.links.share({
      owner: ownerOf(gus),
      ref: gallery.slug,
      platform: 'telegram',
      label: 'Neighbours',
    });
    const ask = async (text: string) => {
      const since = fake.calls.length;
      fake.userSends({ from: gus, text });
      return textOf(await fake.waitForCall('sendMessage', (c) => chatIdOf(c) === gus.id, { since }));
    };
    expect(await ask(`/disable ${link.url}`)).toBe(t('en', 'share.linkDisabled'));
    const states = async () =>
      Object.fromEntries((await linksOf(gus, gallery.slug)).map((l) => [l.first ? 'first' : l.label, l.state]));
    expect(await states()).toEqual({ first: 'active', Neighbours: 'disabled' });
    expect(await ask(`/enable ${link.url}`)).toBe(t('en', 'share.linkEnabled'));
    expect(await states()).toEqual({ first: 'active', Neighbours: 'active' });
    expect(await ask(`/delete ${link.url}`)).toBe(t('en', 'share.linkDeleted'));
    expect(await states()).toEqual({ first: 'active' });
    expect(await running.core.service.listGalleries(ownerOf(gus))).toHaveLength(1);
  });
});
