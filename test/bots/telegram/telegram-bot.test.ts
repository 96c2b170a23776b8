import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeButton } from '../../../core/chat/chat-commands.js';
import { createRunningServer, type RunningServer } from '../../../cli/server.js';
import { FakeTelegramBotApi, type FakeChat, type FakeUser, type RecordedCall } from '../../fakes/telegram-bot-api.js';
import { makeJpeg, makePhotoJpeg, makePng, pdfFile } from '../../helpers/images.js';
import { freePort, testConfig } from '../../helpers/test-core.js';
import { DASHBOARD_LINK, isPng, logInWithDashboardLink, openLikeABrowser } from '../analytics-helpers.js';

/**
 * End to end: the real app (core, web site, Telegram adapter) against a fake Bot API on 127.0.0.1,
 * driven through getUpdates exactly as Telegram would, with the real telegraf client.
 */

let nextUserId = 500;
function newUser(language_code = 'en'): FakeUser {
  const id = nextUserId++;
  return { id, first_name: `user${id}`, language_code };
}
const privateChat = (user: FakeUser): FakeChat => ({ id: user.id, type: 'private' });

const GALLERY_LINK = /https?:\/\/\S+\/g\/([A-Za-z0-9_-]{22})/;

interface Harness {
  fake: FakeTelegramBotApi;
  running: RunningServer;
  dir: string;
  close(): Promise<void>;
}

async function startHarness(env: Record<string, string> = {}, fakeOptions: { localMode?: boolean } = {}): Promise<Harness> {
  const fake = await FakeTelegramBotApi.start(fakeOptions);
  const dir = await mkdtemp(path.join(tmpdir(), 'maiimg-telegram-'));
  const port = await freePort();
  const running = await createRunningServer(
    testConfig(dir, {
      TELEGRAM_BOT_TOKEN: fake.token,
      TELEGRAM_API_ROOT: fake.url,
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      PORT: String(port),
      // Holds an album whose items arrive a second apart even on a busy machine.
      BATCH_QUIET_MS: '2500',
      BATCH_MAX_WAIT_MS: '20000',
      ...env,
    }),
  );
  return {
    fake,
    running,
    dir,
    async close() {
      await running.stop();
      await fake.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const chatIdOf = (call: RecordedCall) => Number(call.params.chat_id);
const textOf = (call: RecordedCall) => String(call.params.text ?? call.params.caption ?? '');
const buttonsOf = (call: RecordedCall) =>
  ((call.params.reply_markup as { inline_keyboard?: Array<Array<{ text: string; callback_data: string }>> } | undefined)?.inline_keyboard ?? []).flat();
const status = async (url: string) => (await fetch(url, { redirect: 'manual' })).status;

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Telegram bot (long polling against a fake Bot API)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  /** Sends messages as `user` and waits for the gallery photo (sendPhoto) in their chat. */
  async function galleryFrom(user: FakeUser, send: () => Promise<void> | void): Promise<{ call: RecordedCall; url: string; slug: string }> {
    const since = h.fake.calls.length;
    await send();
    const call = await h.fake.waitForCall('sendPhoto', (c) => chatIdOf(c) === user.id, { since });
    const match = GALLERY_LINK.exec(textOf(call));
    expect(match, textOf(call)).not.toBeNull();
    return { call, url: match![0], slug: match![1]! };
  }

  /** Sends a text message as `user` and waits for the bot's text answer in that chat. */
  async function ask(user: FakeUser, text: string, extra: { replyTo?: number; chat?: FakeChat } = {}): Promise<RecordedCall> {
    const since = h.fake.calls.length;
    const chat = extra.chat ?? privateChat(user);
    h.fake.userSends({ from: user, chat, text, replyTo: extra.replyTo });
    return h.fake.waitForCall('sendMessage', (c) => chatIdOf(c) === chat.id, { since });
  }

  async function ownGallery(user: FakeUser) {
    return galleryFrom(user, async () => {
      h.fake.userSends({ from: user, photo: await makeJpeg(80, 60, user.id) });
    });
  }

  it('registers its commands in English and Chinese', async () => {
    const en = await h.fake.waitForCall('setMyCommands', (c) => !c.params.language_code);
    const zh = await h.fake.waitForCall('setMyCommands', (c) => c.params.language_code === 'zh');
    const names = (call: RecordedCall) => (call.params.commands as Array<{ command: string }>).map((c) => c.command);
    expect(names(en)).toEqual(['start', 'help', 'list', 'stats', 'disable', 'enable', 'delete', 'expire', 'maxviews', 'password', 'download', 'title', 'alerts', 'dashboard']);
    expect(names(zh)).toEqual(names(en));
    expect((zh.params.commands as Array<{ description: string }>)[0]!.description).toMatch(/[\u4e00-\u9fff]/);
  });

  it('answers a single photo with a QR code whose caption holds the link, and the link opens', async () => {
    const alice = newUser();
    const since = h.fake.calls.length;
    let sent: { message_id: number } | undefined;
    const { call, url } = await galleryFrom(alice, async () => {
      sent = h.fake.userSends({ from: alice, photo: await makeJpeg(80, 60, 11) });
    });
    // The answer threads under the photo it answers.
    expect(call.params.reply_parameters).toMatchObject({ message_id: sent!.message_id });
    expect(call.files.find((f) => f.field === 'photo')?.bytes.subarray(1, 4).toString()).toBe('PNG');
    expect(textOf(call)).toContain('1 image(s)');
    expect(buttonsOf(call).map((b) => b.text)).toEqual(['Stats', 'Disable', 'Delete']);
    expect(await status(url)).toBe(200);
    // Progress was one message, edited, then removed once the answer was there.
    const progress = h.fake.calls.slice(since).filter((c) => c.method === 'sendMessage' && chatIdOf(c) === alice.id);
    expect(progress).toHaveLength(1);
    expect(textOf(progress[0]!)).toMatch(/Received 1 file/);
    await h.fake.waitForCall('deleteMessage', (c) => chatIdOf(c) === alice.id, { since });
    // Every text the bot sent had link previews switched off (Telegram's preview fetch is no visitor).
    for (const sent of h.fake.callsTo('sendMessage').concat(h.fake.callsTo('editMessageText'))) {
      expect(sent.params.link_preview_options).toEqual({ is_disabled: true });
    }
  });

  it('makes one gallery of an album of three photos arriving over two seconds, titled by its caption', async () => {
    const bob = newUser();
    const photos = await Promise.all([1, 2, 3].map((seed) => makePhotoJpeg(320, 240, seed + 40)));
    const since = h.fake.calls.length;
    const { slug, call } = await galleryFrom(bob, async () => {
      h.fake.userSends({ from: bob, photo: photos[0], mediaGroupId: 'album-1' });
      await delay(1000);
      h.fake.userSends({ from: bob, photo: photos[1], mediaGroupId: 'album-1', caption: 'Beach day' });
      await delay(1000);
      h.fake.userSends({ from: bob, photo: photos[2], mediaGroupId: 'album-1' });
    });
    expect(textOf(call)).toContain('3 image(s)');
    const gallery = await h.running.core.service.getGallery(slug);
    expect(gallery.images).toHaveLength(3);
    expect(gallery.title).toBe('Beach day');
    // Still exactly one answer once the batch is over.
    await h.fake.waitForCall('deleteMessage', (c) => chatIdOf(c) === bob.id, { since });
    expect(h.fake.calls.slice(since).filter((c) => c.method === 'sendPhoto' && chatIdOf(c) === bob.id)).toHaveLength(1);
  });

  it('takes an image sent as a file and rejects a PDF by its name', async () => {
    const carol = newUser();
    const { call, slug } = await galleryFrom(carol, async () => {
      h.fake.userSends({ from: carol, document: { bytes: await makePng(40, 30, 9), fileName: 'diagram.png', mimeType: 'image/png' } });
      h.fake.userSends({ from: carol, document: { bytes: pdfFile(), fileName: 'report.pdf', mimeType: 'application/pdf' } });
    });
    expect(textOf(call)).toContain('1 image(s)');
    expect(textOf(call)).toMatch(/report\.pdf is not a PNG, JPEG, GIF or WebP image/);
    const gallery = await h.running.core.service.getGallery(slug);
    expect(gallery.images.map((i) => i.originalName)).toEqual(['diagram.png']);
  });

  it('refuses a batch of 26 files whole, in the progress message', async () => {
    const dave = newUser();
    const png = await makePng(16, 16, 3);
    const since = h.fake.calls.length;
    for (let i = 1; i <= 26; i++) h.fake.userSends({ from: dave, document: { bytes: png, fileName: `p${i}.png` } });
    const refusal = await h.fake.waitForCall('editMessageText', (c) => chatIdOf(c) === dave.id && /26 files/.test(textOf(c)), { since });
    expect(textOf(refusal)).toContain('at most 25');
    expect(await h.running.core.service.listGalleries({ platform: 'telegram', userId: String(dave.id) })).toEqual([]);
    expect(h.fake.calls.slice(since).some((c) => c.method === 'getFile')).toBe(false);
  });

  it('explains the 20 MB cloud download limit and how to lift it, without downloading', async () => {
    const erin = newUser();
    const big = Buffer.concat([await makeJpeg(), Buffer.alloc(21 * 1024 * 1024)]);
    const since = h.fake.calls.length;
    h.fake.userSends({ from: erin, document: { bytes: big, fileName: 'huge.jpg', mimeType: 'image/jpeg' } });
    const answer = await h.fake.waitForCall('editMessageText', (c) => chatIdOf(c) === erin.id && /huge\.jpg/.test(textOf(c)), { since });
    expect(textOf(answer)).toContain('20 MB Telegram lets bots download');
    expect(textOf(answer)).toContain('TELEGRAM_API_ROOT');
    expect(textOf(answer)).toContain('TELEGRAM_LOCAL_MODE=true');
    const fetched = h.fake.calls.slice(since).filter((c) => c.method === 'getFile' || c.method === 'downloadFile');
    expect(fetched).toEqual([]);
  });

  it('shows stats, and /disable makes the link answer 410 until /enable', async () => {
    const frank = newUser();
    const { url } = await ownGallery(frank);
    const since = h.fake.calls.length;
    h.fake.userSends({ from: frank, text: `/stats ${url}` });
    const stats = await h.fake.waitForCall('sendPhoto', (c) => chatIdOf(c) === frank.id, { since });
    expect(textOf(stats)).toMatch(/open/i);
    expect(textOf(await ask(frank, `/disable ${url}`))).toMatch(/Link disabled/);
    expect(await status(url)).toBe(410);
    expect(textOf(await ask(frank, `/enable ${url}`))).toMatch(/Link enabled/);
    expect(await status(url)).toBe(200);
  });

  it('accepts a command sent as a reply to the gallery message instead of a link', async () => {
    const gina = newUser();
    const { url, call } = await ownGallery(gina);
    const galleryMessage = h.fake.sentTo(gina.id).find((m) => m.caption === call.params.caption)!;
    expect(textOf(await ask(gina, '/disable', { replyTo: galleryMessage.message_id }))).toMatch(/Link disabled/);
    expect(await status(url)).toBe(410);
  });

  it("refuses another user's /disable politely and leaves the link alone", async () => {
    const owner = newUser();
    const stranger = newUser();
    const { url } = await ownGallery(owner);
    const refusal = await ask(stranger, `/disable ${url}`);
    expect(textOf(refusal)).toContain('only the person who made this gallery');
    expect(await status(url)).toBe(200);
  });

  it('flips Disable to Enable on the gallery message, refuses strangers, and deletes after confirmation', async () => {
    const owner = newUser();
    const stranger = newUser();
    const { url, slug } = await ownGallery(owner);
    const galleryMessage = h.fake.sentTo(owner.id).find((m) => m.photo)!;
    const press = async (from: FakeUser, data: string, messageId = galleryMessage.message_id) => {
      const since = h.fake.calls.length;
      const id = h.fake.userPresses({ from, chatId: owner.id, messageId, data });
      const answered = await h.fake.waitForCall('answerCallbackQuery', (c) => c.params.callback_query_id === id, { since });
      return { answered, since };
    };

    const disable = await press(owner, encodeButton('disable', slug));
    expect(textOf(disable.answered)).toMatch(/Link disabled/);
    const flipped = await h.fake.waitForCall('editMessageReplyMarkup', (c) => Number(c.params.message_id) === galleryMessage.message_id, { since: disable.since });
    expect(buttonsOf(flipped).map((b) => b.text)).toEqual(['Stats', 'Enable', 'Delete']);
    expect(await status(url)).toBe(410);

    const enable = await press(owner, encodeButton('enable', slug));
    const back = await h.fake.waitForCall('editMessageReplyMarkup', () => true, { since: enable.since });
    expect(buttonsOf(back).map((b) => b.text)).toEqual(['Stats', 'Disable', 'Delete']);
    expect(await status(url)).toBe(200);

    const intruder = await press(stranger, encodeButton('disable', slug));
    expect(intruder.answered.params.show_alert).toBe(true);
    expect(String(intruder.answered.params.text)).toContain('only the person who made this gallery');
    expect(await status(url)).toBe(200);

    const stats = await press(owner, encodeButton('stats', slug));
    const statsMessage = await h.fake.waitForCall('sendPhoto', (c) => chatIdOf(c) === owner.id, { since: stats.since });
    expect(textOf(statsMessage)).toMatch(/open/i);
    expect(isPng(statsMessage.files.find((f) => f.field === 'photo')!.bytes)).toBe(true);

    const del = await press(owner, encodeButton('delete', slug));
    const confirm = await h.fake.waitForCall('sendMessage', (c) => chatIdOf(c) === owner.id, { since: del.since });
    expect(textOf(confirm)).toMatch(/cannot be undone/);
    expect(buttonsOf(confirm).map((b) => b.callback_data)).toEqual([encodeButton('delete-yes', slug), encodeButton('delete-no', slug)]);
    expect(await status(url)).toBe(200);
    const confirmMessage = h.fake.sentTo(owner.id).find((m) => m.text === confirm.params.text)!;
    const yes = await press(owner, encodeButton('delete-yes', slug), confirmMessage.message_id);
    const done = await h.fake.waitForCall('editMessageText', (c) => Number(c.params.message_id) === confirmMessage.message_id, { since: yes.since });
    expect(textOf(done)).toMatch(/Gallery deleted/);
    expect(await status(url)).toBe(404);
  });

  it('answers in Chinese when the user writes in Chinese', async () => {
    const li = newUser('zh-hans');
    expect(textOf(await ask(li, '/list'))).toContain('你还没有相册');
    const { call } = await ownGallery(li);
    expect(textOf(call)).toContain('相册已生成');
    expect(buttonsOf(call).map((b) => b.text)).toEqual(['统计', '停用', '删除']);
  });

  it('sets a password only in a private chat and deletes the message that holds it', async () => {
    const hana = newUser();
    const { url, slug } = await ownGallery(hana);
    const since = h.fake.calls.length;
    const saved = await ask(hana, `/password ${url} s3cret-phrase`);
    expect(textOf(saved)).toMatch(/Settings saved/);
    const userMessage = [...h.fake.messages.values()].find((m) => m.text === `/password ${url} s3cret-phrase`)!;
    await h.fake.waitForCall('deleteMessage', (c) => Number(c.params.message_id) === userMessage.message_id, { since });
    expect((await h.running.core.service.getGallery(slug)).settings.passwordHash).toBeTruthy();

    const group: FakeChat = { id: -100777, type: 'group', title: 'friends' };
    const refused = await ask(hana, `/password ${url} other`, { chat: group });
    expect(textOf(refused)).toMatch(/private chat/);
  });

  it('waits out a 429 for the retry_after Telegram asks and then answers', async () => {
    const ivan = newUser();
    h.fake.failNext('sendMessage', { retryAfter: 1 });
    const since = h.fake.calls.length;
    const answer = await ask(ivan, '/help');
    expect(textOf(answer)).toContain('/stats');
    const attempts = h.fake.calls.slice(since).filter((c) => c.method === 'sendMessage');
    expect(attempts.map((c) => c.status)).toEqual([429, 200]);
  });

  it('answers /stats with the summary as the caption of a PNG chart, with a Dashboard button', async () => {
    const kim = newUser();
    const { url, slug } = await ownGallery(kim);
    expect(await openLikeABrowser(url)).toBe(200);
    const since = h.fake.calls.length;
    const sent = h.fake.userSends({ from: kim, text: `/stats ${url}` });
    const chart = await h.fake.waitForCall('sendPhoto', (c) => chatIdOf(c) === kim.id, { since });
    expect(textOf(chart)).toContain('1 open(s) by 1 visitor(s)');
    const photo = chart.files.find((f) => f.field === 'photo')!;
    expect(photo.filename).toBe(`stats-${slug}.png`);
    expect(isPng(photo.bytes)).toBe(true);
    expect(chart.params.reply_parameters).toMatchObject({ message_id: sent.message_id });
    expect(buttonsOf(chart).map((b) => b.callback_data)).toContain(encodeButton('dashboard', slug));
  });

  it('sends /dashboard from a group privately, says so in the group, and the link logs in', async () => {
    const lea = newUser();
    const { slug } = await ownGallery(lea);
    const group: FakeChat = { id: -100999, type: 'group', title: 'family' };
    const since = h.fake.calls.length;
    h.fake.userSends({ from: lea, chat: group, text: '/dashboard' });
    const privately = await h.fake.waitForCall('sendMessage', (c) => chatIdOf(c) === lea.id && DASHBOARD_LINK.test(textOf(c)), { since });
    const notice = await h.fake.waitForCall('sendMessage', (c) => chatIdOf(c) === group.id, { since });
    expect(textOf(notice)).toContain('private message');
    // The link is never in the group.
    expect(h.fake.calls.slice(since).filter((c) => chatIdOf(c) === group.id).some((c) => /token=/.test(textOf(c)))).toBe(false);

    const login = await logInWithDashboardLink(DASHBOARD_LINK.exec(textOf(privately))![0]);
    expect(login.loginStatus).toBe(303);
    expect(login.cookie).toBeTruthy();
    expect(login.dashboardStatus).toBe(200);
    expect(login.page).toContain(`/dashboard/g/${slug}`);

    // The Dashboard button under a group message goes the same private way.
    const groupMessage = h.fake.sentTo(group.id)[0]!;
    const pressSince = h.fake.calls.length;
    const id = h.fake.userPresses({ from: lea, chatId: group.id, messageId: groupMessage.message_id, data: encodeButton('dashboard', slug) });
    const answered = await h.fake.waitForCall('answerCallbackQuery', (c) => c.params.callback_query_id === id, { since: pressSince });
    expect(String(answered.params.text)).toContain('private message');
    await h.fake.waitForCall('sendMessage', (c) => chatIdOf(c) === lea.id && DASHBOARD_LINK.test(textOf(c)), { since: pressSince });
  });

  it('tells a group member who never started the bot how to, without posting the link', async () => {
    const max = newUser();
    h.fake.neverStarted(max.id);
    const group: FakeChat = { id: -100555, type: 'group', title: 'club' };
    const since = h.fake.calls.length;
    h.fake.userSends({ from: max, chat: group, text: `/dashboard@${h.fake.bot.username}` });
    const notice = await h.fake.waitForCall('sendMessage', (c) => chatIdOf(c) === group.id, { since });
    expect(textOf(notice)).toContain(`open a chat with @${h.fake.bot.username}, press Start`);
    const tried = h.fake.calls.slice(since).filter((c) => c.method === 'sendMessage' && chatIdOf(c) === max.id);
    expect(tried.map((c) => c.status)).toEqual([403]);
    expect(h.fake.calls.slice(since).filter((c) => chatIdOf(c) === group.id).some((c) => /token=/.test(textOf(c)))).toBe(false);
  });

  it('posts the first-open alert into the chat the gallery was made in; its Disable button disables the link', async () => {
    const nina = newUser();
    const { url, slug } = await ownGallery(nina);
    const since = h.fake.calls.length;
    expect(await openLikeABrowser(url)).toBe(200);
    await h.running.core.analytics.alerts.check();
    const alert = await h.fake.waitForCall('sendMessage', (c) => chatIdOf(c) === nina.id && /opened for the first time/.test(textOf(c)), { since });
    expect(textOf(alert)).toContain('Device: Desktop · Firefox');
    expect(buttonsOf(alert).map((b) => b.callback_data)).toEqual([encodeButton('stats', slug), encodeButton('disable', slug)]);

    const alertMessage = h.fake.sentTo(nina.id).find((m) => m.text === alert.params.text)!;
    const pressSince = h.fake.calls.length;
    const id = h.fake.userPresses({ from: nina, chatId: nina.id, messageId: alertMessage.message_id, data: encodeButton('disable', slug) });
    const answered = await h.fake.waitForCall('answerCallbackQuery', (c) => c.params.callback_query_id === id, { since: pressSince });
    expect(String(answered.params.text)).toMatch(/Link disabled/);
    expect(await status(url)).toBe(410);
    expect((await h.running.core.service.getGallery(slug)).settings.state).toBe('disabled');
  });

  it('sends no first-open alert after /alerts off', async () => {
    const olga = newUser();
    const { url, slug } = await ownGallery(olga);
    expect(textOf(await ask(olga, `/alerts ${url} off`))).toContain('You will not be told when');
    const since = h.fake.calls.length;
    expect(await openLikeABrowser(url)).toBe(200);
    const sent = await h.running.core.analytics.alerts.check();
    expect(sent.map((a) => a.slug)).not.toContain(slug);
    expect((await h.running.core.service.getGallery(slug)).openCount).toBe(1);
    expect(h.fake.calls.slice(since).filter((c) => chatIdOf(c) === olga.id)).toEqual([]);
    expect(textOf(await ask(olga, `/alerts ${url} maybe`))).toMatch(/Invalid value for alerts/);
  });

  it('ignores a command addressed to another bot in a group', async () => {
    const jo = newUser();
    const group: FakeChat = { id: -100888, type: 'group', title: 'group' };
    h.fake.userSends({ from: jo, chat: group, text: '/list@some_other_bot' });
    // A command to us afterwards is answered, and it is the only answer in that chat.
    const answer = await ask(jo, `/list@${h.fake.bot.username}`, { chat: group });
    expect(textOf(answer)).toContain('no galleries yet');
    expect(h.fake.callsTo('sendMessage').filter((c) => chatIdOf(c) === group.id)).toHaveLength(1);
  });
});

describe('Telegram bot (webhook mode and stopping)', () => {
  it('refuses a webhook call with a wrong secret, serves a right one, and finishes an open batch on stop', async () => {
    const port = await freePort();
    const h = await startHarness({
      PORT: String(port),
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      TELEGRAM_WEBHOOK_URL: `http://127.0.0.1:${port}/telegram/webhook`,
      TELEGRAM_WEBHOOK_SECRET: 'the-right-secret',
    });
    let closed = false;
    try {
      const hook = `http://127.0.0.1:${port}/telegram/webhook`;
      const setWebhook = await h.fake.waitForCall('setWebhook');
      expect(setWebhook.params).toMatchObject({ url: hook, secret_token: 'the-right-secret' });

      const user = newUser();
      const update = (message: Record<string, unknown>, updateId: number) => ({
        update_id: updateId,
        message: { message_id: updateId, date: 0, chat: { id: user.id, type: 'private' }, from: { id: user.id, is_bot: false, first_name: 'u', language_code: 'en' }, ...message },
      });
      const post = (body: unknown, secret?: string) =>
        fetch(hook, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(secret ? { 'x-telegram-bot-api-secret-token': secret } : {}) },
          body: JSON.stringify(body),
        });

      expect((await post(update({ text: '/help' }, 1), 'wrong-secret')).status).toBe(401);
      expect((await post(update({ text: '/help' }, 2))).status).toBe(401);
      expect(h.fake.callsTo('sendMessage')).toHaveLength(0);

      expect((await post(update({ text: '/help', entities: [{ type: 'bot_command', offset: 0, length: 5 }] }, 3), 'the-right-secret')).status).toBe(200);
      await h.fake.waitForCall('sendMessage', (c) => chatIdOf(c) === user.id && textOf(c).includes('/stats'));
      // Webhook mode never polls.
      expect(h.fake.callsTo('getUpdates')).toHaveLength(0);

      // A photo arrives, then the process is told to stop while the batch is still open.
      const stored = h.fake.addFile(await makeJpeg(50, 40, 77));
      expect((await post(update({ photo: [{ ...stored, width: 50, height: 40 }] }, 4), 'the-right-secret')).status).toBe(200);
      await h.fake.waitForCall('sendMessage', (c) => chatIdOf(c) === user.id && /Received 1 file/.test(textOf(c)));
      await h.running.stop();
      closed = true;
      // stop() returned only after the batch in hand was answered.
      expect(h.fake.callsTo('sendPhoto').filter((c) => chatIdOf(c) === user.id && GALLERY_LINK.test(textOf(c)))).toHaveLength(1);
    } finally {
      if (!closed) await h.running.stop();
      await h.fake.close();
      await rm(h.dir, { recursive: true, force: true });
    }
  });
});

describe('Telegram bot (self-hosted Bot API in --local mode)', () => {
  it('reads files from the absolute paths a local Bot API server returns', async () => {
    const h = await startHarness({ TELEGRAM_LOCAL_MODE: 'true', BATCH_QUIET_MS: '300' }, { localMode: true });
    try {
      const user = newUser();
      const since = h.fake.calls.length;
      h.fake.userSends({ from: user, document: { bytes: await makeJpeg(60, 40, 5), fileName: 'local.jpg' } });
      const call = await h.fake.waitForCall('sendPhoto', (c) => chatIdOf(c) === user.id, { since });
      expect(textOf(call)).toContain('1 image(s)');
      // The bytes came from the shared disk, not over HTTP.
      expect(h.fake.calls.slice(since).some((c) => c.method === 'downloadFile')).toBe(false);
    } finally {
      await h.close();
    }
  });
});
