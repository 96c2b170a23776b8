import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunningServer, type RunningServer } from '../../../cli/server.js';
import { t } from '../../../core/messages.js';
import { FakeTelegramBotApi, type FakeChat, type FakeUser, type RecordedCall } from '../../fakes/telegram-bot-api.js';
import { makeJpeg } from '../../helpers/images.js';
import { freePort, testConfig } from '../../helpers/test-core.js';
import { allowOnlyLoopback } from '../loopback-only.js';

allowOnlyLoopback();

/**
 * The Telegram bot in real group chats, against a fake Bot API that behaves like Telegram there:
 * privacy mode, anonymous admins and channels (`sender_chat`), forum topics (`message_thread_id`),
 * a 429 in one chat, and GIFs turned into MP4 animations.
 */

let nextId = 9100;
const newUser = (): FakeUser => ({ id: nextId++, first_name: `member${nextId}`, language_code: 'en' });
const newGroup = (extra: Partial<FakeChat> = {}): FakeChat => ({
  id: -1_000_000 - nextId++,
  type: 'supergroup',
  title: 'friends',
  ...extra,
});

const chatIdOf = (call: RecordedCall) => Number(call.params.chat_id);
const textOf = (call: RecordedCall) => String(call.params.text ?? call.params.caption ?? '');
const threadOf = (call: RecordedCall) =>
  call.params.message_thread_id === undefined ? undefined : Number(call.params.message_thread_id);

async function harness(privacyMode: boolean) {
  const fake = await FakeTelegramBotApi.start({ privacyMode });
  const dir = await mkdtemp(path.join(tmpdir(), 'maiimg-telegram-groups-'));
  const port = await freePort();
  const running: RunningServer = await createRunningServer(
    testConfig(dir, {
      TELEGRAM_BOT_TOKEN: fake.token,
      TELEGRAM_API_ROOT: fake.url,
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      PORT: String(port),
      BATCH_QUIET_MS: '2000',
      BATCH_MAX_WAIT_MS: '20000',
    }),
  );
  // The bot knows its own name once getMe was answered; mentions are judged by it.
  await fake.waitForCall('setMyCommands');
  const galleriesOf = (user: FakeUser | string) =>
    running.core.service.listGalleries({
      platform: 'telegram',
      userId: typeof user === 'string' ? user : String(user.id),
    });
  return {
    fake,
    running,
    galleriesOf,
    mention: `@${fake.bot.username}`,
    async close() {
      await running.stop();
      await fake.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

describe('Telegram bot in groups with privacy mode on (the default)', () => {
  let h: Awaited<ReturnType<typeof harness>>;
  beforeAll(async () => {
    h = await harness(true);
  });
  afterAll(async () => h?.close());

  it('takes a photo whose caption mentions it, titled without the mention; others never reach it', async () => {
    const ana = newUser();
    const group = newGroup();
    const since = h.fake.calls.length;
    const ignored = h.fake.userSends({ from: ana, chat: group, photo: await makeJpeg(40, 30, 1), caption: 'lunch' });
    expect(h.fake.withheld).toContain(ignored);
    h.fake.userSends({ from: ana, chat: group, photo: await makeJpeg(40, 30, 2), caption: `${h.mention} Lake trip` });
    const answer = await h.fake.waitForCall('sendPhoto', (c) => chatIdOf(c) === group.id, { since });
    expect(textOf(answer)).toMatch(/\b1 image\b/);
    expect((await h.galleriesOf(ana)).map((g) => g.title)).toEqual(['Lake trip']);
  });

  it('takes a photo that replies to one of its messages', async () => {
    const ben = newUser();
    const group = newGroup();
    const since = h.fake.calls.length;
    h.fake.userSends({ from: ben, chat: group, text: `/help@${h.fake.bot.username}` });
    const help = await h.fake.waitForCall('sendMessage', (c) => chatIdOf(c) === group.id, { since });
    const botMessage = h.fake.sentTo(group.id).find((m) => m.text === textOf(help))!;
    h.fake.userSends({ from: ben, chat: group, photo: await makeJpeg(40, 30, 3), replyTo: botMessage.message_id });
    await h.fake.waitForCall('sendPhoto', (c) => chatIdOf(c) === group.id, { since });
    expect(await h.galleriesOf(ben)).toHaveLength(1);
  });

  it('says how it behaves in groups in /help', async () => {
    const cat = newUser();
    const group = newGroup();
    const since = h.fake.calls.length;
    h.fake.userSends({ from: cat, chat: group, text: '/help' });
    const help = await h.fake.waitForCall('sendMessage', (c) => chatIdOf(c) === group.id, { since });
    expect(textOf(help)).toContain(t('en', 'help.groups.telegram'));
  });

  it('ignores commands for other bots and commands it does not know in a group', async () => {
    const dan = newUser();
    const group = newGroup();
    const since = h.fake.calls.length;
    h.fake.userSends({ from: dan, chat: group, text: '/list@other_bot' });
    h.fake.userSends({ from: dan, chat: group, text: '/weather' });
    h.fake.userSends({ from: dan, chat: group, text: `/list@${h.fake.bot.username}` });
    const answer = await h.fake.waitForCall('sendMessage', (c) => chatIdOf(c) === group.id, { since });
    expect(textOf(answer)).toBe(t('en', 'list.empty'));
    const toGroup = h.fake.calls.slice(since).filter((c) => c.method === 'sendMessage' && chatIdOf(c) === group.id);
    expect(toGroup).toHaveLength(1);
  });

  it('refuses anonymous admins and channels, so no identity is shared across chats', async () => {
    const eve = newUser();
    const groupA = newGroup();
    const channel: FakeChat = { id: -1_009_999, type: 'channel', title: 'news' };
    const since = h.fake.calls.length;
    // An anonymous admin: from = GroupAnonymousBot, sender_chat = the group itself.
    h.fake.userSends({
      from: eve,
      chat: groupA,
      senderChat: groupA,
      photo: await makeJpeg(40, 30, 4),
      caption: h.mention,
    });
    const refusal = await h.fake.waitForCall('sendMessage', (c) => chatIdOf(c) === groupA.id, { since });
    expect(textOf(refusal)).toBe(t('en', 'chat.anonymous'));
    // A post "as the channel", and a command from an anonymous admin: refused the same way.
    h.fake.userSends({ from: eve, chat: groupA, senderChat: channel, text: `/list@${h.fake.bot.username}` });
    await h.fake.waitForCall(
      'sendMessage',
      (c) => chatIdOf(c) === groupA.id && textOf(c) === t('en', 'chat.anonymous') && c !== refusal,
      { since },
    );
    for (const shared of ['1087968824', '136817688', '777000', String(eve.id)])
      expect(await h.galleriesOf(shared)).toEqual([]);
  });

  it('keeps every message of a batch in its forum topic, and two topics are two batches', async () => {
    const fay = newUser();
    const forum = newGroup({ is_forum: true });
    const since = h.fake.calls.length;
    h.fake.userSends({ from: fay, chat: forum, threadId: 7, photo: await makeJpeg(40, 30, 5), caption: h.mention });
    h.fake.userSends({ from: fay, chat: forum, threadId: 9, photo: await makeJpeg(40, 30, 6), caption: h.mention });
    const inTopic = (thread: number) => (c: RecordedCall) => chatIdOf(c) === forum.id && threadOf(c) === thread;
    await h.fake.waitForCall('sendPhoto', inTopic(7), { since });
    await h.fake.waitForCall('sendPhoto', inTopic(9), { since });
    expect((await h.galleriesOf(fay)).map((g) => g.imageCount)).toEqual([1, 1]);
    const sends = h.fake.calls
      .slice(since)
      .filter((c) => (c.method === 'sendMessage' || c.method === 'sendPhoto') && chatIdOf(c) === forum.id);
    expect(sends.length).toBeGreaterThanOrEqual(4); // progress and answer in each topic
    for (const call of sends) expect([7, 9]).toContain(threadOf(call));
    // A command in a topic is answered in that topic.
    const asked = h.fake.calls.length;
    h.fake.userSends({ from: fay, chat: forum, threadId: 9, text: `/list@${h.fake.bot.username}` });
    const list = await h.fake.waitForCall('sendMessage', inTopic(9), { since: asked });
    expect(textOf(list)).toContain('1 image');
  });

  it('sends stats asked for in a group privately, with a short notice in the group', async () => {
    const gus = newUser();
    const group = newGroup();
    h.fake.userSends({ from: gus, text: '/start' }); // opens the private chat
    const since = h.fake.calls.length;
    h.fake.userSends({ from: gus, chat: group, photo: await makeJpeg(40, 30, 7), caption: h.mention });
    const gallery = await h.fake.waitForCall('sendPhoto', (c) => chatIdOf(c) === group.id, { since });
    const link = /\/g\/([A-Za-z0-9_-]{22})/.exec(textOf(gallery))![1]!;
    const asked = h.fake.calls.length;
    h.fake.userSends({ from: gus, chat: group, text: `/stats ${link}` });
    const notice = await h.fake.waitForCall('sendMessage', (c) => chatIdOf(c) === group.id, { since: asked });
    expect(textOf(notice)).toBe(t('en', 'telegram.statsPrivately'));
    const privately = h.fake.calls
      .slice(asked)
      .find((c) => (c.method === 'sendPhoto' || c.method === 'sendMessage') && chatIdOf(c) === gus.id);
    expect(privately).toBeDefined();
    const inGroup = h.fake.calls.slice(asked).filter((c) => chatIdOf(c) === group.id && c.method === 'sendPhoto');
    expect(inGroup).toEqual([]);
  });

  it('explains that Telegram turned a GIF into a video', async () => {
    const hal = newUser();
    const since = h.fake.calls.length;
    h.fake.userSends({ from: hal, animation: Buffer.from('not really an mp4') });
    const answer = await h.fake.waitForCall('sendMessage', (c) => chatIdOf(c) === hal.id, { since });
    expect(textOf(answer)).toBe(t('en', 'telegram.animation'));
    expect(h.fake.calls.slice(since).some((c) => c.method === 'getFile')).toBe(false);
  });

  it('keeps serving other chats while one chat waits out a 429', async () => {
    const ida = newUser();
    const jon = newUser();
    h.fake.failNext('sendMessage', { retryAfter: 3, match: (p) => Number(p.chat_id) === ida.id });
    const since = h.fake.calls.length;
    h.fake.userSends({ from: ida, text: '/list' });
    const refused = () => h.fake.calls.slice(since).find((c) => c.status === 429);
    await expect.poll(refused, { timeout: 30_000 }).toBeDefined();
    const refusedAt = refused()!.at;
    h.fake.userSends({ from: jon, text: '/list' });
    const jonAnswer = await h.fake.waitForCall('sendMessage', (c) => chatIdOf(c) === jon.id, { since });
    const idaAnswer = await h.fake.waitForCall('sendMessage', (c) => chatIdOf(c) === ida.id, { since });
    // Jon was answered while Ida's answer was still waiting for the time Telegram asked for.
    expect(jonAnswer.at).toBeLessThan(idaAnswer.at);
    expect(idaAnswer.at - refusedAt).toBeGreaterThanOrEqual(3000);
  });
  it('follows a group that became a supergroup, and stops retrying an alert for a user who blocked the bot', async () => {
    const notifier = h.running.core.analytics.notifiers.get('telegram')!;
    const old = newGroup({ type: 'group' });
    const upgraded = newGroup();
    h.fake.migrateChat(old.id, upgraded.id);
    const owner = newUser();
    const alert = (chatId: string | null) => ({
      kind: 'first-open' as const,
      owner: { platform: 'telegram' as const, userId: String(owner.id), chatId },
      locale: 'en' as const,
      slug: 'a'.repeat(22),
      text: 'Your gallery was opened for the first time.',
      buttons: [],
    });
    const since = h.fake.calls.length;
    await notifier.notify(alert(String(old.id)));
    const delivered = await h.fake.waitForCall('sendMessage', (c) => chatIdOf(c) === upgraded.id, { since });
    expect(textOf(delivered)).toContain('opened for the first time');
    // Blocked: no chat accepts the alert, and that will not heal, so notify does not ask for a retry.
    h.fake.blockBot(owner.id);
    await expect(notifier.notify(alert(null))).resolves.toBeUndefined();
  });
});

describe('Telegram bot in groups where it sees every message (admin, or privacy off)', () => {
  let h: Awaited<ReturnType<typeof harness>>;
  beforeAll(async () => {
    h = await harness(false);
  });
  afterAll(async () => h?.close());

  it('ignores photos not addressed to it, and takes a whole album when any item mentions it', async () => {
    const kim = newUser();
    const group = newGroup();
    const since = h.fake.calls.length;
    const stray = h.fake.userSends({ from: kim, chat: group, photo: await makeJpeg(40, 30, 10) });
    expect(h.fake.withheld).not.toContain(stray);
    const album = 'album-kim';
    h.fake.userSends({ from: kim, chat: group, photo: await makeJpeg(40, 30, 11), mediaGroupId: album });
    h.fake.userSends({
      from: kim,
      chat: group,
      photo: await makeJpeg(40, 30, 12),
      mediaGroupId: album,
      caption: `Beach ${h.mention}`,
    });
    h.fake.userSends({ from: kim, chat: group, photo: await makeJpeg(40, 30, 13), mediaGroupId: album });
    const answer = await h.fake.waitForCall('sendPhoto', (c) => chatIdOf(c) === group.id, { since });
    expect(textOf(answer)).toContain('3 images');
    expect((await h.galleriesOf(kim)).map((g) => [g.title, g.imageCount])).toEqual([['Beach', 3]]);
  });
});
