import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PermissionFlagsBits, escapeMarkdown } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunningServer, type RunningServer } from '../../../cli/server.js';
import { t } from '../../../core/messages.js';
import { FakeDiscord, type FakeUser, type RecordedCall } from '../../fakes/discord-api.js';
import { makeJpeg } from '../../helpers/images.js';
import { DASHBOARD_LINK, openWithPassword } from '../analytics-helpers.js';
import { freePort, testConfig } from '../../helpers/test-core.js';
import { allowOnlyLoopback } from '../loopback-only.js';

allowOnlyLoopback();

/**
 * The Discord bot where real servers differ from a friendly DM: replies refused (403 Missing
 * Permissions, 400 unknown message reference), permissions missing in a channel, a gateway that
 * fails the first login, long answers and user text with markdown in it.
 */

const SUPPRESS_EMBEDS = 1 << 2;
const EPHEMERAL = 1 << 6;
const GALLERY = /\/g\/[A-Za-z0-9_-]{22}/;

async function harness(beforeStart?: (fake: FakeDiscord) => void) {
  const fake = await FakeDiscord.start();
  beforeStart?.(fake);
  const dir = await mkdtemp(path.join(tmpdir(), 'maiimg-discord-channels-'));
  const port = await freePort();
  const running: RunningServer = await createRunningServer(
    testConfig(dir, {
      DISCORD_BOT_TOKEN: 'fake-discord-token',
      DISCORD_APPLICATION_ID: fake.applicationId,
      DISCORD_API_URL: fake.restUrl,
      DISCORD_CDN_HOSTS: '127.0.0.1',
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      PORT: String(port),
      BATCH_QUIET_MS: '300',
    }),
  );
  await fake.whenReady();
  return {
    fake,
    running,
    async close() {
      await running.stop();
      await fake.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const postsTo = (channel: string) => (call: RecordedCall) =>
  call.method === 'POST' && call.path === `/channels/${channel}/messages`;

describe('Discord bot in server channels', () => {
  let h: Awaited<ReturnType<typeof harness>>;
  let photoOf: (user: FakeUser, seed: number) => Promise<ReturnType<FakeDiscord['addAttachment']>>;
  beforeAll(async () => {
    h = await harness();
    photoOf = async (user, seed) =>
      h.fake.addAttachment({
        name: `${user.username}.jpg`,
        data: await makeJpeg(30, 30, seed),
        contentType: 'image/jpeg',
      });
  });
  afterAll(async () => h?.close());

  it('posts without the reference when the message it answers was deleted (400 unknown message reference)', async () => {
    const ann = h.fake.user('ann');
    const since = h.fake.calls.length;
    const sent = h.fake.sendMessage(ann, { attachments: [await photoOf(ann, 1)] });
    // Deleted at once, before the bot answers: Discord refuses a reply to it with 400 (50035).
    h.fake.deleteMessage(h.fake.channelId, sent);
    await h.fake.waitForCall(
      (c) => postsTo(h.fake.channelId)(c) && c.json?.message_reference?.message_id === sent,
      'the refused reply',
    );
    const plain = await h.fake.waitForCall(
      (c) => postsTo(h.fake.channelId)(c) && h.fake.calls.indexOf(c) > since && !c.json?.message_reference,
      'a plain post',
    );
    expect(plain.json.content).toBe(t('en', 'batch.received', { count: 1 }));
    // The answer lands on that message: nobody is left with "Processing…".
    const final = await h.fake.waitForCall(
      (c) => c.method === 'PATCH' && GALLERY.test(c.json?.content ?? '') && h.fake.calls.indexOf(c) > since,
      'the gallery edit',
    );
    expect(final.json.flags & SUPPRESS_EMBEDS).toBe(SUPPRESS_EMBEDS);
  });

  it('falls back to a DM when the channel refuses with 403 Missing Permissions (50013)', async () => {
    const bea = h.fake.user('bea');
    h.fake.failNext('POST', new RegExp(`^/channels/${h.fake.channelId}/messages$`), {
      status: 403,
      body: { message: 'Missing Permissions', code: 50013 },
      times: 2,
    });
    h.fake.sendMessage(bea, { attachments: [await photoOf(bea, 2)] });
    const dmChannel = (BigInt(bea.id) + 1n).toString();
    await h.fake.waitForCall(postsTo(dmChannel), 'a DM to bea');
    await h.fake.waitForCall(
      (c) =>
        c.method === 'PATCH' && c.path.startsWith(`/channels/${dmChannel}/`) && GALLERY.test(c.json?.content ?? ''),
      'the gallery in the DM',
    );
  });

  it('says which permissions it is missing before it starts a batch', async () => {
    const cid = h.fake.user('cid');
    h.fake.denyBot(PermissionFlagsBits.AttachFiles);
    // The gateway delivers the overwrite before the message, as Discord orders its events.
    const since = h.fake.calls.length;
    h.fake.sendMessage(cid, { attachments: [await photoOf(cid, 3)] });
    const answer = await h.fake.waitForCall(
      (c) => postsTo(h.fake.channelId)(c) && h.fake.calls.indexOf(c) >= since,
      'the refusal',
    );
    expect(answer.json.content).toBe(
      t('en', 'discord.missingPermissions', { permissions: t('en', 'discord.permission.AttachFiles') }),
    );
    expect(h.fake.calls.slice(since).some((c) => c.path.startsWith('/attachments/'))).toBe(false);
    h.fake.denyBot(0n);
  });

  it('answers a mention without images with the help, which says how it behaves in servers', async () => {
    const dee = h.fake.user('dee');
    const since = h.fake.calls.length;
    h.fake.sendMessage(dee, {});
    const help = await h.fake.waitForCall(
      (c) => postsTo(h.fake.channelId)(c) && h.fake.calls.indexOf(c) >= since,
      'the help',
    );
    expect(help.json.content).toContain(t('en', 'help.groups.discord'));
    expect(help.json.content).toContain('/gallery stats <link>');
  });
});

describe('Discord bot: markup, long answers, deletes and private answers', () => {
  let h: Awaited<ReturnType<typeof harness>>;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(async () => h?.close());

  const jpeg = async (name: string, seed: number) =>
    h.fake.addAttachment({ name, data: await makeJpeg(30, 30, seed), contentType: 'image/jpeg' });
  const webhookOf = (interaction: { token: string }) => `/webhooks/${h.fake.applicationId}/${interaction.token}`;
  const galleryEdit = (interaction: { token: string }) =>
    h.fake.waitForReplyEdit(interaction as never, (c) => GALLERY.test(c.json?.content ?? ''));

  it('escapes Discord markdown in file names and titles it repeats', async () => {
    const eve = h.fake.user('eve');
    const odd = h.fake.addAttachment({ name: '**not_bold**.txt', data: Buffer.from('hi'), contentType: 'text/plain' });
    const upload = h.fake.slashCommand(eve, 'upload', {
      image1: await jpeg('a.jpg', 11),
      image2: odd,
      title: '*Tom* & _Jerry_',
    });
    const final = await galleryEdit(upload);
    expect(final.json.content).toContain(escapeMarkdown('**not_bold**.txt'));
    expect(final.json.content).not.toContain('**not_bold**');
    const slug = GALLERY.exec(final.json.content)![0].slice(3);

    const list = h.fake.slashCommand(eve, 'list');
    const listed = await h.fake.waitForReplyEdit(list);
    expect(listed.json.content).toContain(escapeMarkdown('*Tom* & _Jerry_'));
    const alerts = h.fake.slashCommand(eve, 'alerts', { link: slug, enabled: false });
    expect((await h.fake.waitForReplyEdit(alerts)).json.content).toBe(
      t('en', 'alerts.off', { title: escapeMarkdown('*Tom* & _Jerry_') }),
    );
  });

  it('suppresses embeds on every message with a gallery or dashboard link', async () => {
    const fay = h.fake.user('fay');
    const upload = h.fake.slashCommand(fay, 'upload', { image1: await jpeg('f.jpg', 12) });
    const final = await galleryEdit(upload);
    expect(final.json.flags & SUPPRESS_EMBEDS).toBe(SUPPRESS_EMBEDS);
    const slug = GALLERY.exec(final.json.content)![0].slice(3);

    const dashboard = h.fake.command(fay, 'dashboard');
    const link = await h.fake.waitForReplyEdit(dashboard);
    expect(link.json.content).toMatch(DASHBOARD_LINK);
    expect(link.json.flags & SUPPRESS_EMBEDS).toBe(SUPPRESS_EMBEDS);
    const button = h.fake.pressButton(fay, `mi:dashboard:${slug}`);
    const pressed = await h.fake.waitForReplyEdit(button);
    expect(pressed.json.content).toMatch(DASHBOARD_LINK);
    expect(pressed.json.flags & SUPPRESS_EMBEDS).toBe(SUPPRESS_EMBEDS);
    const list = h.fake.slashCommand(fay, 'list');
    const listed = await h.fake.waitForReplyEdit(list);
    expect(listed.json.content).toMatch(GALLERY);
    expect(listed.json.flags & SUPPRESS_EMBEDS).toBe(SUPPRESS_EMBEDS);
  });

  it('splits a /gallery list longer than 2,000 characters into several ephemeral messages', async () => {
    const gus = h.fake.user('gus');
    const titles = Array.from({ length: 20 }, (_, i) => `Holiday ${i} `.padEnd(120, 'x'));
    for (const [i, title] of titles.entries()) {
      await h.running.core.service.createGallery({
        owner: { platform: 'discord', userId: gus.id, chatId: h.fake.channelId },
        files: [{ name: `${i}.jpg`, data: await makeJpeg(20, 20, 500 + i) }],
        options: { title },
      });
    }
    const list = h.fake.slashCommand(gus, 'list');
    const first = await h.fake.waitForReplyEdit(list);
    const followUps = () => h.fake.callsMatching((c) => c.method === 'POST' && c.path === webhookOf(list));
    // Each piece is one message; together they hold every gallery.
    await expect
      .poll(() => [first, ...followUps()].map((c) => c.json.content as string).join('\n'), { timeout: 15_000 })
      .toSatisfy((text: string) => titles.every((title) => text.includes(title)));
    const pieces = [first, ...followUps()];
    expect(pieces.length).toBeGreaterThan(1);
    for (const piece of pieces) expect(piece.json.content.length).toBeLessThanOrEqual(2000);
    for (const followUp of followUps()) expect(followUp.json.flags & EPHEMERAL).toBe(EPHEMERAL);
  });

  it('retires the gallery message after a delete: its text says so and its buttons are gone', async () => {
    const hal = h.fake.user('hal');
    const upload = h.fake.slashCommand(hal, 'upload', { image1: await jpeg('h.jpg', 13) });
    const final = await galleryEdit(upload);
    const slug = GALLERY.exec(final.json.content)![0].slice(3);
    const galleryMessage = h.fake.originalMessageId(upload)!;

    const ask = h.fake.slashCommand(hal, 'delete', { link: slug });
    const confirm = await h.fake.waitForReplyEdit(ask);
    expect(confirm.json.content).toContain(t('en', 'untitled'));
    const yes = h.fake.pressButton(
      hal,
      `mi:delete-yes:${slug}`,
      {},
      {
        id: h.fake.originalMessageId(ask),
        type: 0,
        channel_id: h.fake.channelId,
        author: h.fake.botUser,
        content: confirm.json.content,
        timestamp: new Date().toISOString(),
        edited_timestamp: null,
        tts: false,
        mention_everyone: false,
        mentions: [],
        mention_roles: [],
        attachments: [],
        embeds: [],
        pinned: false,
        flags: EPHEMERAL,
        components: confirm.json.components,
      },
    );
    await h.fake.waitForCallback(yes);
    const retired = await h.fake.waitForCall(
      (c) => c.method === 'PATCH' && c.path === `/channels/${h.fake.channelId}/messages/${galleryMessage}`,
      'the gallery message retired',
    );
    expect(retired.json.content).toBe(t('en', 'link.deleted'));
    expect(retired.json.components).toEqual([]);
  });

  it('sends the alerts of a gallery answered privately (a password) to its owner by DM, never to the channel', async () => {
    const ivy = h.fake.user('ivy');
    const upload = h.fake.slashCommand(ivy, 'upload', {
      image1: await jpeg('i.jpg', 14),
      title: '*Private* alert',
      password: 'open sesame',
    });
    expect((await h.fake.waitForCallback(upload)).json.data.flags & EPHEMERAL).toBe(EPHEMERAL);
    const url = /https?:\/\/\S+\/g\/[A-Za-z0-9_-]{22}/.exec((await galleryEdit(upload)).json.content)![0];
    expect(await openWithPassword(url, 'open sesame')).toEqual({ unlockStatus: 303, pageStatus: 200 });
    await h.running.core.analytics.alerts.check();
    const dmChannel = (BigInt(ivy.id) + 1n).toString();
    const alert = await h.fake.waitForCall(
      (c) => postsTo(dmChannel)(c) && /Private/.test(c.json?.content ?? ''),
      'the alert in the DM',
    );
    // The title is the owner's text: escaped, so Discord shows the stars rather than italics.
    expect(alert.json.content).toContain(escapeMarkdown('*Private* alert'));
    expect(alert.json.flags & SUPPRESS_EMBEDS).toBe(SUPPRESS_EMBEDS);
    expect(h.fake.callsMatching((c) => postsTo(h.fake.channelId)(c) && /Private/.test(c.json?.content ?? ''))).toEqual(
      [],
    );
  });
});

describe('Discord bot start', () => {
  it('retries a login whose gateway lookup failed, with backoff, until it connects', async () => {
    const h = await harness((fake) =>
      // More 5xx answers than discord.js retries on its own: the first login fails.
      fake.failNext('GET', /^\/gateway\/bot$/, { status: 502, times: 5 }),
    );
    try {
      const lookups = h.fake.calls.filter((c) => c.path === '/gateway/bot');
      expect(lookups.length).toBeGreaterThan(5);
      expect(h.fake.identifies).toHaveLength(1);
    } finally {
      await h.close();
    }
  });
});
