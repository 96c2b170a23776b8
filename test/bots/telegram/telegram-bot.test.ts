import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeButton } from '../../../core/chat/chat-commands.js';
import { createRunningServer, type RunningServer } from '../../../cli/server.js';
import { FakeTelegramBotApi, type FakeChat, type FakeUser, type RecordedCall } from '../../fakes/telegram-bot-api.js';
import { makeJpeg, makePhotoJpeg, makePng, pdfFile, textFile } from '../../helpers/images.js';
import { freePort, testConfig } from '../../helpers/test-core.js';
import { DASHBOARD_LINK, isPng, logInWithDashboardLink, openLikeABrowser } from '../analytics-helpers.js';
import { capturedLogger } from '../captured-logs.js';
import { allowOnlyLoopback } from '../loopback-only.js';

// Installed before anything connects: the bots, their SDKs and the fakes may only reach 127.0.0.1.
const network = allowOnlyLoopback();

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

async function startHarness(
  env: Record<string, string> = {},
  fakeOptions: { localMode?: boolean } = {},
): Promise<Harness> {
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
  (
    (
      call.params.reply_markup as
        { inline_keyboard?: Array<Array<{ text: string; callback_data: string }>> } | undefined
    )?.inline_keyboard ?? []
  ).flat();
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
  async function galleryFrom(
    user: FakeUser,
    send: () => Promise<void> | void,
  ): Promise<{ call: RecordedCall; url: string; slug: string }> {
    const since = h.fake.calls.length;
    await send();
    const call = await h.fake.waitForCall('sendPhoto', (c) => chatIdOf(c) === user.id, { since });
    const match = GALLERY_LINK.exec(textOf(call));
    expect(match, textOf(call)).not.toBeNull();
    return { call, url: match![0], slug: match![1]! };
  }

  /** Sends a text message as `user` and waits for the bot's text answer in that chat. */
  async function ask(
    user: FakeUser,
    text: string,
    extra: { replyTo?: number; chat?: FakeChat } = {},
  ): Promise<RecordedCall> {
    const since = h.fake.calls.length;
    const chat = extra.chat ?? privateChat(user);
    const sent = h.fake.userSends({ from: user, chat, text, replyTo: extra.replyTo });
    // The answer threads under the command; a first-open alert the background check posts meanwhile does not.
    const answers = (c: RecordedCall) =>
      (c.params.reply_parameters as { message_id?: number } | undefined)?.message_id === sent.message_id;
    return h.fake.waitForCall('sendMessage', (c) => chatIdOf(c) === chat.id && answers(c), { since });
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
    expect(names(en)).toEqual([
      'start',
      'help',
      'list',
      'stats',
      'disable',
      'enable',
      'delete',
      'expire',
      'maxviews',
      'password',
      'download',
      'title',
      'alerts',
      'share',
      'dashboard',
    ]);
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
    expect(
      call.files
        .find((f) => f.field === 'photo')
        ?.bytes.subarray(1, 4)
        .toString(),
    ).toBe('PNG');
    expect(textOf(call)).toMatch(/\b1 image\b/);
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
    expect(textOf(call)).toContain('3 images');
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
      h.fake.userSends({
        from: carol,
        document: { bytes: await makePng(40, 30, 9), fileName: 'diagram.png', mimeType: 'image/png' },
      });
      h.fake.userSends({
        from: carol,
        document: { bytes: pdfFile(), fileName: 'report.pdf', mimeType: 'application/pdf' },
      });
    });
    expect(textOf(call)).toMatch(/\b1 image\b/);
    expect(textOf(call)).toMatch(/report\.pdf is not a PNG, JPEG, GIF or WebP image/);
    const gallery = await h.running.core.service.getGallery(slug);
    expect(gallery.images.map((i) => i.originalName)).toEqual(['diagram.png']);
  });

  it('refuses a batch of 26 files whole, in the progress message', async () => {
    const dave = newUser();
    const png = await makePng(16, 16, 3);
    const since = h.fake.calls.length;
    for (let i = 1; i <= 26; i++) h.fake.userSends({ from: dave, document: { bytes: png, fileName: `p${i}.png` } });
    const refusal = await h.fake.waitForCall(
      'editMessageText',
      (c) => chatIdOf(c) === dave.id && /at most 25/.test(textOf(c)),
      { since },
    );
    expect(textOf(refusal)).toContain('at most 25');
    expect(await h.running.core.service.listGalleries({ platform: 'telegram', userId: String(dave.id) })).toEqual([]);
    expect(h.fake.calls.slice(since).some((c) => c.method === 'getFile')).toBe(false);
  });

  it('explains the 20 MB cloud download limit and how to lift it, without downloading', async () => {
    const erin = newUser();
    const big = Buffer.concat([await makeJpeg(), Buffer.alloc(21 * 1024 * 1024)]);
    const since = h.fake.calls.length;
    h.fake.userSends({ from: erin, document: { bytes: big, fileName: 'huge.jpg', mimeType: 'image/jpeg' } });
    const answer = await h.fake.waitForCall(
      'editMessageText',
      (c) => chatIdOf(c) === erin.id && /huge\.jpg/.test(textOf(c)),
      { since },
    );
    expect(textOf(answer)).toContain('20 MB Telegram lets bots download');
    expect(textOf(answer)).toContain('self-hosted Telegram Bot API server');
    // Configuration names are for the operator's logs and docs, never for the person in the chat.
    expect(textOf(answer)).not.toMatch(/TELEGRAM_[A-Z_]+/);
    const fetched = h.fake.calls.slice(since).filter((c) => c.method === 'getFile' || c.method === 'downloadFile');
    expect(fetched).toEqual([]);
  });

  it('gives the same 20 MB sentence when the message does not say the size and Telegram refuses the download', async () => {
    const fay = newUser();
    const big = Buffer.concat([await makeJpeg(), Buffer.alloc(21 * 1024 * 1024)]);
    const since = h.fake.calls.length;
    h.fake.userSends({
      from: fay,
      document: { bytes: big, fileName: 'unsized.jpg', mimeType: 'image/jpeg', claimedSize: null },
    });
    const answer = await h.fake.waitForCall(
      'editMessageText',
      (c) => chatIdOf(c) === fay.id && /unsized\.jpg/.test(textOf(c)),
      { since },
    );
    expect(textOf(answer)).toContain('unsized.jpg is larger than the 20 MB Telegram lets bots download');
    // getFile was asked (and refused "file is too big"); nothing was downloaded.
    expect(
      h.fake.calls
        .slice(since)
        .filter((c) => c.method === 'getFile')
        .map((c) => c.status),
    ).toEqual([400]);
    expect(h.fake.calls.slice(since).some((c) => c.method === 'downloadFile')).toBe(false);
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
      const answered = await h.fake.waitForCall('answerCallbackQuery', (c) => c.params.callback_query_id === id, {
        since,
      });
      return { answered, since };
    };

    const disable = await press(owner, encodeButton('disable', slug));
    expect(textOf(disable.answered)).toMatch(/Link disabled/);
    const flipped = await h.fake.waitForCall(
      'editMessageReplyMarkup',
      (c) => Number(c.params.message_id) === galleryMessage.message_id,
      { since: disable.since },
    );
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
    expect(buttonsOf(confirm).map((b) => b.callback_data)).toEqual([
      encodeButton('delete-yes', slug),
      encodeButton('delete-no', slug),
    ]);
    expect(await status(url)).toBe(200);
    const confirmMessage = h.fake.sentTo(owner.id).find((m) => m.text === confirm.params.text)!;
    const yes = await press(owner, encodeButton('delete-yes', slug), confirmMessage.message_id);
    const done = await h.fake.waitForCall(
      'editMessageText',
      (c) => Number(c.params.message_id) === confirmMessage.message_id,
      { since: yes.since },
    );
    expect(textOf(done)).toMatch(/Gallery deleted/);
    expect(await status(url)).toBe(404);
  });

  it('answers in Chinese when the user writes in Chinese', async () => {
    const pierre = newUser('fr');
    expect(textOf(await ask(pierre, '/list'))).toContain('You have no galleries yet');
    const li = newUser('zh-hans');
    expect(textOf(await ask(li, '/list'))).toContain('你还没有相册');
    // A stray text in a private chat earns the help, in the writer's language too.
    expect(textOf(await ask(li, '你好'))).toContain('给我发送照片');
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
    const groupSince = h.fake.calls.length;
    const refused = await ask(hana, `/password ${url} other`, { chat: group });
    expect(textOf(refused)).toMatch(/private chat/);
    // Refused, but the password is in the group's history now: the bot removes it there too.
    const groupMessage = [...h.fake.messages.values()].find(
      (m) => m.chat.id === group.id && m.text === `/password ${url} other`,
    )!;
    await h.fake.waitForCall(
      'deleteMessage',
      (c) => chatIdOf(c) === group.id && Number(c.params.message_id) === groupMessage.message_id,
      { since: groupSince },
    );
    expect(await status(url)).toBe(401);
    expect(
      await h.running.core.service.checkPassword(await h.running.core.service.getGallery(slug), 's3cret-phrase'),
    ).toBe(true);
  });

  it('waits out a 429 for the retry_after Telegram asks and then answers', async () => {
    const ivan = newUser();
    // Only in ivan's chat: the bot's background alerts to other chats must not take the 429.
    h.fake.failNext('sendMessage', { retryAfter: 1, match: (params) => Number(params.chat_id) === ivan.id });
    const since = h.fake.calls.length;
    const answer = await ask(ivan, '/help');
    expect(textOf(answer)).toContain('/stats');
    const attempts = h.fake.calls.slice(since).filter((c) => c.method === 'sendMessage' && chatIdOf(c) === ivan.id);
    expect(attempts.map((c) => c.status)).toEqual([429, 200]);
    // Not sooner than Telegram asked (1 s); the clock's resolution allows a few ms either way.
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(990);
  });

  it('answers /stats with the summary as the caption of a PNG chart, with a Dashboard button', async () => {
    const kim = newUser();
    const { url, slug } = await ownGallery(kim);
    expect(await openLikeABrowser(url)).toBe(200);
    const since = h.fake.calls.length;
    const sent = h.fake.userSends({ from: kim, text: `/stats ${url}` });
    const chart = await h.fake.waitForCall('sendPhoto', (c) => chatIdOf(c) === kim.id, { since });
    expect(textOf(chart)).toContain('1 open by 1 visitor');
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
    const privately = await h.fake.waitForCall(
      'sendMessage',
      (c) => chatIdOf(c) === lea.id && DASHBOARD_LINK.test(textOf(c)),
      { since },
    );
    const notice = await h.fake.waitForCall('sendMessage', (c) => chatIdOf(c) === group.id, { since });
    expect(textOf(notice)).toContain('private message');
    // The link is never in the group.
    expect(
      h.fake.calls
        .slice(since)
        .filter((c) => chatIdOf(c) === group.id)
        .some((c) => /token=/.test(textOf(c))),
    ).toBe(false);

    const login = await logInWithDashboardLink(DASHBOARD_LINK.exec(textOf(privately))![0]);
    expect(login.loginStatus).toBe(303);
    expect(login.cookie).toBeTruthy();
    expect(login.dashboardStatus).toBe(200);
    expect(login.page).toContain(`/dashboard/g/${slug}`);

    // The Dashboard button under a group message goes the same private way.
    const groupMessage = h.fake.sentTo(group.id)[0]!;
    const pressSince = h.fake.calls.length;
    const id = h.fake.userPresses({
      from: lea,
      chatId: group.id,
      messageId: groupMessage.message_id,
      data: encodeButton('dashboard', slug),
    });
    const answered = await h.fake.waitForCall('answerCallbackQuery', (c) => c.params.callback_query_id === id, {
      since: pressSince,
    });
    expect(String(answered.params.text)).toContain('private message');
    await h.fake.waitForCall('sendMessage', (c) => chatIdOf(c) === lea.id && DASHBOARD_LINK.test(textOf(c)), {
      since: pressSince,
    });
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
    expect(
      h.fake.calls
        .slice(since)
        .filter((c) => chatIdOf(c) === group.id)
        .some((c) => /token=/.test(textOf(c))),
    ).toBe(false);
  });

  it('posts the first-open alert into the chat the gallery was made in; its Disable button disables the link', async () => {
    const nina = newUser();
    const { url, slug } = await ownGallery(nina);
    const since = h.fake.calls.length;
    expect(await openLikeABrowser(url)).toBe(200);
    await h.running.core.analytics.alerts.check();
    const alert = await h.fake.waitForCall(
      'sendMessage',
      (c) => chatIdOf(c) === nina.id && /opened for the first time/.test(textOf(c)),
      { since },
    );
    expect(textOf(alert)).toContain('Device: Desktop · Firefox');
    expect(buttonsOf(alert).map((b) => b.callback_data)).toEqual([
      encodeButton('stats', slug),
      encodeButton('disable', slug),
    ]);

    const alertMessage = h.fake.sentTo(nina.id).find((m) => m.text === alert.params.text)!;
    const pressSince = h.fake.calls.length;
    const id = h.fake.userPresses({
      from: nina,
      chatId: nina.id,
      messageId: alertMessage.message_id,
      data: encodeButton('disable', slug),
    });
    const answered = await h.fake.waitForCall('answerCallbackQuery', (c) => c.params.callback_query_id === id, {
      since: pressSince,
    });
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
  it('answers /start with how to make a gallery and the commands', async () => {
    const pia = newUser();
    const answer = textOf(await ask(pia, '/start'));
    expect(answer).toContain('Send me photos');
    for (const command of [
      '/list',
      '/stats',
      '/disable',
      '/enable',
      '/delete',
      '/expire',
      '/maxviews',
      '/password',
      '/download',
      '/title',
    ]) {
      expect(answer).toContain(command);
    }
  });

  it('lists each gallery with its title, image count, state and opens', async () => {
    const quinn = newUser();
    const { url } = await galleryFrom(quinn, async () => {
      h.fake.userSends({ from: quinn, photo: await makeJpeg(60, 40, 301), caption: 'Lake trip' });
    });
    expect(await openLikeABrowser(url)).toBe(200);
    await ask(quinn, `/disable ${url}`);
    const list = textOf(await ask(quinn, '/list'));
    expect(list).toBe(`Lake trip · 1 image · disabled · 1 open · ${url}`);
  });

  it('sets title, expiry, open limit, downloads and password by slug, and the link obeys each', async () => {
    const rosa = newUser();
    const { url, slug } = await ownGallery(rosa);
    const settings = async () => (await h.running.core.service.getGallery(slug)).settings;

    expect(textOf(await ask(rosa, `/title ${slug} Summer   2025`))).toMatch(/Settings saved/);
    expect((await h.running.core.service.getGallery(slug)).title).toBe('Summer 2025');

    const before = Date.now();
    expect(textOf(await ask(rosa, `/expire ${slug} 7d`))).toMatch(/Settings saved/);
    const in7Days = (await settings()).expiresAt!.getTime() - before;
    expect(in7Days).toBeGreaterThanOrEqual(7 * 86_400_000 - 1000);
    expect(in7Days).toBeLessThanOrEqual(7 * 86_400_000 + 60_000);
    await ask(rosa, `/expire ${slug} 2099-12-31`);
    expect((await settings()).expiresAt?.toISOString()).toBe('2099-12-31T00:00:00.000Z');
    expect(textOf(await ask(rosa, `/expire ${slug} someday`))).toMatch(/Invalid value for expiry/);
    expect(textOf(await ask(rosa, `/expire ${slug}`))).toMatch(/Invalid value for expiry: missing value/);
    await ask(rosa, `/expire ${slug} off`);
    expect((await settings()).expiresAt).toBeNull();

    await ask(rosa, `/maxviews ${slug} 1`);
    expect((await settings()).maxOpens).toBe(1);
    expect(await openLikeABrowser(url)).toBe(200);
    expect(await openLikeABrowser(url)).toBe(410);
    expect(textOf(await ask(rosa, `/maxviews ${slug} lots`))).toMatch(/Invalid value for max opens/);
    await ask(rosa, `/maxviews ${slug} off`);
    expect((await settings()).maxOpens).toBeNull();
    expect(await openLikeABrowser(url)).toBe(200);

    await ask(rosa, `/download ${slug} off`);
    expect((await settings()).downloadsAllowed).toBe(false);
    expect(await status(`${url}/download.zip`)).toBe(404);
    await ask(rosa, `/download ${slug} on`);
    expect(await status(`${url}/download.zip`)).toBe(200);
    expect(textOf(await ask(rosa, `/download ${slug} perhaps`))).toMatch(/Invalid value for download/);

    await ask(rosa, `/password ${slug} open-sesame`);
    expect(await status(url)).toBe(401);
    await ask(rosa, `/password ${slug} off`);
    expect((await settings()).passwordHash).toBeNull();
    expect(await status(url)).toBe(200);
  });

  it('asks before /delete, keeps the gallery on Cancel and deletes it on Yes', async () => {
    const sam = newUser();
    const { url, slug } = await ownGallery(sam);
    const confirm = await ask(sam, `/delete ${url}`);
    expect(textOf(confirm)).toMatch(/Delete “Untitled gallery” and its 1 image for good\? This cannot be undone/);
    expect(buttonsOf(confirm).map((b) => [b.text, b.callback_data])).toEqual([
      ['Yes, delete', encodeButton('delete-yes', slug)],
      ['Cancel', encodeButton('delete-no', slug)],
    ]);
    const confirmMessage = h.fake.sentTo(sam.id).find((m) => m.text === confirm.params.text)!;
    const pressOn = async (data: string) => {
      const since = h.fake.calls.length;
      h.fake.userPresses({ from: sam, chatId: sam.id, messageId: confirmMessage.message_id, data });
      return h.fake.waitForCall('editMessageText', (c) => Number(c.params.message_id) === confirmMessage.message_id, {
        since,
      });
    };
    expect(textOf(await pressOn(encodeButton('delete-no', slug)))).toBe('Kept. Nothing was deleted.');
    expect(await status(url)).toBe(200);
    expect(textOf(await pressOn(encodeButton('delete-yes', slug)))).toMatch(/Gallery deleted/);
    expect(await status(url)).toBe(404);
    expect(await h.running.core.service.listGalleries({ platform: 'telegram', userId: String(sam.id) })).toEqual([]);
  });

  it('makes one gallery of 25 photos sent as three albums, showing progress in one edited message', async () => {
    const tess = newUser();
    const photos = await Promise.all(Array.from({ length: 25 }, (_, i) => makeJpeg(48, 32, 400 + i)));
    const since = h.fake.calls.length;
    const { call, slug } = await galleryFrom(tess, async () => {
      for (const [album, range] of [
        ['a', [0, 10]],
        ['b', [10, 20]],
        ['c', [20, 25]],
      ] as const) {
        for (let i = range[0]; i < range[1]; i++)
          h.fake.userSends({ from: tess, photo: photos[i], mediaGroupId: `three-albums-${album}` });
        await delay(400);
      }
    });
    expect(textOf(call)).toContain('25 images');
    expect((await h.running.core.service.getGallery(slug)).images).toHaveLength(25);

    const progress = h.fake.calls.slice(since).filter((c) => c.method === 'sendMessage' && chatIdOf(c) === tess.id);
    expect(progress).toHaveLength(1);
    // The one text message the bot sent in this chat (its text has been edited since).
    const progressMessage = h.fake.sentTo(tess.id).find((m) => m.text !== undefined)!;
    const edits = h.fake.calls
      .slice(since)
      .filter((c) => c.method === 'editMessageText' && Number(c.params.message_id) === progressMessage.message_id)
      .map(textOf);
    expect(edits).toContain('Received 25 files…');
    expect(edits.some((text) => /^Processing \d+\/25…$/.test(text))).toBe(true);
    await h.fake.waitForCall('deleteMessage', (c) => Number(c.params.message_id) === progressMessage.message_id, {
      since,
    });
  });

  it('keeps two people sending photos in the same group apart', async () => {
    const uma = newUser();
    const vic = newUser();
    const group: FakeChat = { id: -100321, type: 'group', title: 'trip' };
    const since = h.fake.calls.length;
    const mention = `@${h.fake.bot.username}`;
    h.fake.userSends({ from: uma, chat: group, photo: await makeJpeg(40, 30, 501), caption: mention });
    h.fake.userSends({ from: vic, chat: group, photo: await makeJpeg(40, 30, 502), caption: mention });
    h.fake.userSends({ from: uma, chat: group, photo: await makeJpeg(40, 30, 503), caption: mention });
    await h.fake.waitForCall('sendPhoto', (c) => chatIdOf(c) === group.id && /2 images/.test(textOf(c)), { since });
    await h.fake.waitForCall('sendPhoto', (c) => chatIdOf(c) === group.id && /\b1 image\b/.test(textOf(c)), { since });
    const galleriesOf = (user: FakeUser) =>
      h.running.core.service.listGalleries({ platform: 'telegram', userId: String(user.id) });
    expect((await galleriesOf(uma)).map((g) => g.imageCount)).toEqual([2]);
    expect((await galleriesOf(vic)).map((g) => g.imageCount)).toEqual([1]);
  });

  it('judges a document by its bytes, not by its name or claimed type', async () => {
    const walt = newUser();
    const { call, slug } = await galleryFrom(walt, async () => {
      h.fake.userSends({
        from: walt,
        document: { bytes: await makeJpeg(40, 30, 601), fileName: 'scan.bin', mimeType: 'application/octet-stream' },
      });
      h.fake.userSends({
        from: walt,
        document: { bytes: textFile(), fileName: 'holiday.jpg', mimeType: 'image/jpeg' },
      });
    });
    expect(textOf(call)).toMatch(/\b1 image\b/);
    expect(textOf(call)).toContain('holiday.jpg is not a PNG, JPEG, GIF or WebP image');
    expect((await h.running.core.service.getGallery(slug)).images.map((i) => i.originalName)).toEqual(['scan.bin']);
  });

  it('retries a Bot API call that failed with a server error', async () => {
    const xena = newUser();
    h.fake.failNext('sendMessage', {
      status: 502,
      description: 'Bad Gateway',
      match: (params) => Number(params.chat_id) === xena.id,
    });
    const since = h.fake.calls.length;
    expect(textOf(await ask(xena, '/help'))).toContain('/stats');
    expect(
      h.fake.calls
        .slice(since)
        .filter((c) => c.method === 'sendMessage' && chatIdOf(c) === xena.id)
        .map((c) => c.status),
    ).toEqual([502, 200]);
  });

  it('sent every text of this run with link previews off', () => {
    // Telegram's preview fetch of a gallery link is no visitor; every message and edit must switch it off.
    const texts = h.fake.calls.filter(
      (c) => (c.method === 'sendMessage' || c.method === 'editMessageText') && c.status === 200,
    );
    expect(texts.length).toBeGreaterThan(0);
    for (const call of texts) expect(call.params.link_preview_options, textOf(call)).toEqual({ is_disabled: true });
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
        message: {
          message_id: updateId,
          date: 0,
          chat: { id: user.id, type: 'private' },
          from: { id: user.id, is_bot: false, first_name: 'u', language_code: 'en' },
          ...message,
        },
      });
      const post = (body: unknown, secret?: string) =>
        fetch(hook, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(secret ? { 'x-telegram-bot-api-secret-token': secret } : {}),
          },
          body: JSON.stringify(body),
        });

      expect((await post(update({ text: '/help' }, 1), 'wrong-secret')).status).toBe(401);
      expect((await post(update({ text: '/help' }, 2))).status).toBe(401);
      expect(h.fake.callsTo('sendMessage')).toHaveLength(0);

      expect(
        (
          await post(
            update({ text: '/help', entities: [{ type: 'bot_command', offset: 0, length: 5 }] }, 3),
            'the-right-secret',
          )
        ).status,
      ).toBe(200);
      await h.fake.waitForCall('sendMessage', (c) => chatIdOf(c) === user.id && textOf(c).includes('/stats'));
      // Webhook mode never polls.
      expect(h.fake.callsTo('getUpdates')).toHaveLength(0);

      // A photo arrives, then the process is told to stop while the batch is still open.
      const stored = h.fake.addFile(await makeJpeg(50, 40, 77));
      expect(
        (await post(update({ photo: [{ ...stored, width: 50, height: 40 }] }, 4), 'the-right-secret')).status,
      ).toBe(200);
      await h.fake.waitForCall('sendMessage', (c) => chatIdOf(c) === user.id && /Received 1 file/.test(textOf(c)));
      await h.running.stop();
      closed = true;
      // stop() returned only after the batch in hand was answered.
      expect(
        h.fake.callsTo('sendPhoto').filter((c) => chatIdOf(c) === user.id && GALLERY_LINK.test(textOf(c))),
      ).toHaveLength(1);
    } finally {
      if (!closed) await h.running.stop();
      await h.fake.close();
      await rm(h.dir, { recursive: true, force: true });
    }
  });
});

describe('Telegram bot (self-hosted Bot API in --local mode)', () => {
  it('reads files from the absolute paths a local Bot API server returns; past 20 MB, the 50 MB limit applies', async () => {
    const h = await startHarness({ TELEGRAM_LOCAL_MODE: 'true', BATCH_QUIET_MS: '300' }, { localMode: true });
    try {
      const user = newUser();
      const since = h.fake.calls.length;
      h.fake.userSends({ from: user, document: { bytes: await makeJpeg(60, 40, 5), fileName: 'local.jpg' } });
      const call = await h.fake.waitForCall('sendPhoto', (c) => chatIdOf(c) === user.id, { since });
      expect(textOf(call)).toMatch(/\b1 image\b/);
      // The bytes came from the shared disk, not over HTTP.
      expect(h.fake.calls.slice(since).some((c) => c.method === 'downloadFile')).toBe(false);

      // 21 MB: refused on the cloud API (see above), taken here.
      const big = Buffer.concat([await makeJpeg(60, 40, 6), Buffer.alloc(21 * 1024 * 1024)]);
      const bigSince = h.fake.calls.length;
      h.fake.userSends({ from: user, document: { bytes: big, fileName: 'big.jpg', mimeType: 'image/jpeg' } });
      const taken = await h.fake.waitForCall('sendPhoto', (c) => chatIdOf(c) === user.id, { since: bigSince });
      expect(textOf(taken)).toMatch(/\b1 image\b/);
      expect(textOf(taken)).not.toContain('20 MB');

      // Over MAX_FILE_BYTES (50 MB by default): refused from the size in the message, before any download.
      const hugeSince = h.fake.calls.length;
      h.fake.userSends({
        from: user,
        document: { bytes: await makeJpeg(60, 40, 7), fileName: 'huge.jpg', claimedSize: 51 * 1024 * 1024 },
      });
      const refused = await h.fake.waitForCall(
        'editMessageText',
        (c) => chatIdOf(c) === user.id && /huge\.jpg/.test(textOf(c)),
        { since: hugeSince },
      );
      expect(textOf(refused)).toContain('huge.jpg is larger than the 50 MB limit');
      expect(h.fake.calls.slice(hugeSince).some((c) => c.method === 'getFile')).toBe(false);
    } finally {
      await h.close();
    }
  });
});

describe('Telegram bot (hard maximum of a batch window)', () => {
  it('closes a batch at BATCH_MAX_WAIT_MS even while photos keep coming, and starts the next one', async () => {
    const h = await startHarness({ BATCH_QUIET_MS: '1200', BATCH_MAX_WAIT_MS: '2000' });
    try {
      const user = newUser();
      const photos = await Promise.all(Array.from({ length: 10 }, (_, i) => makeJpeg(40, 30, 700 + i)));
      const since = h.fake.calls.length;
      // A photo every 500 ms for 5 s: never quiet for 1.2 s, so only the 2 s maximum can close a batch.
      for (const photo of photos) {
        h.fake.userSends({ from: user, photo });
        await delay(500);
      }
      const lastSentAt = Date.now() - 500;
      const first = await h.fake.waitForCall('sendPhoto', (c) => chatIdOf(c) === user.id, { since });
      // The first gallery was answered while photos were still arriving.
      expect(first.at).toBeLessThan(lastSentAt);
      const galleries = () => h.running.core.service.listGalleries({ platform: 'telegram', userId: String(user.id) });
      // Every photo ends up in exactly one gallery, spread over more than one batch.
      await expect
        .poll(async () => (await galleries()).reduce((sum, g) => sum + g.imageCount, 0), { timeout: 20_000 })
        .toBe(10);
      expect((await galleries()).length).toBeGreaterThanOrEqual(2);
    } finally {
      await h.close();
    }
  });
});

describe('Telegram bot (stopping while polling)', () => {
  it('answers the batch in hand before stop() returns', async () => {
    // A quiet window far longer than the test: only the graceful stop can close this batch.
    const h = await startHarness({ BATCH_QUIET_MS: '600000', BATCH_MAX_WAIT_MS: '600000' });
    let stopped = false;
    try {
      const user = newUser();
      h.fake.userSends({ from: user, photo: await makeJpeg(50, 40, 801) });
      await h.fake.waitForCall('sendMessage', (c) => chatIdOf(c) === user.id && /Received 1 file/.test(textOf(c)));
      await h.running.stop();
      stopped = true;
      expect(
        h.fake.callsTo('sendPhoto').filter((c) => chatIdOf(c) === user.id && GALLERY_LINK.test(textOf(c))),
      ).toHaveLength(1);
    } finally {
      if (!stopped) await h.running.stop();
      await h.fake.close();
      await rm(h.dir, { recursive: true, force: true });
    }
  });
});

describe('Telegram bot (Telegram unreachable)', () => {
  it('keeps running while the Bot API cannot be reached and serves users once it is back', async () => {
    const apiPort = await freePort();
    const dir = await mkdtemp(path.join(tmpdir(), 'maiimg-telegram-down-'));
    const port = await freePort();
    const logs = capturedLogger();
    const running = await createRunningServer(
      testConfig(dir, {
        TELEGRAM_BOT_TOKEN: '123456789:AAtest-token_for-the-fake-api-0000000',
        TELEGRAM_API_ROOT: `http://127.0.0.1:${apiPort}`,
        PORT: String(port),
        PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      }),
      { logger: logs.logger },
    );
    let fake: FakeTelegramBotApi | undefined;
    try {
      expect(running.bots.map((b) => b.name)).toEqual(['telegram']);
      // Nothing listens there: every call fails with ECONNREFUSED for a while.
      await delay(1500);
      expect(await status(`http://127.0.0.1:${port}/healthz`)).toBe(200);
      expect(logs.messages()).toContain('telegram: cannot fetch updates; retrying');
      fake = await FakeTelegramBotApi.start({ port: apiPort });
      const user = newUser();
      fake.userSends({ from: user, text: '/help' });
      const answer = await fake.waitForCall('sendMessage', (c) => chatIdOf(c) === user.id, { timeoutMs: 30_000 });
      expect(textOf(answer)).toContain('/stats');
      // The command menu was registered too, once Telegram answered.
      await fake.waitForCall('setMyCommands');
    } finally {
      await running.stop();
      await fake?.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

it('reached no host but the loopback fakes during this file', () => {
  expect(network.attempts).toEqual([]);
  network.restore();
});
