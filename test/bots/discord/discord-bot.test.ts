import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayIntentBits } from 'discord.js';
import { createRunningServer, type RunningServer } from '../../../cli/server.js';
import type { OpenCoreOptions } from '../../../core/core-app.js';
import { t } from '../../../core/messages.js';
import { FakeDiscord, type FakeInteraction, type FakeUser, type RecordedCall } from '../../fakes/discord-api.js';
import { makeGif, makeJpeg, makePng, pdfFile } from '../../helpers/images.js';
import { freePort, testConfig } from '../../helpers/test-core.js';
import { DASHBOARD_LINK, isPng, logInWithDashboardLink, openLikeABrowser } from '../analytics-helpers.js';
import { capturedLogger } from '../captured-logs.js';
import { allowOnlyLoopback } from '../loopback-only.js';

// Installed before anything connects: the bots, their SDKs and the fakes may only reach 127.0.0.1.
const network = allowOnlyLoopback();

const EPHEMERAL = 1 << 6;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

interface Harness {
  fake: FakeDiscord;
  running: RunningServer;
  dir: string;
  baseUrl: string;
}

async function startHarness(env: Record<string, string> = {}, options: OpenCoreOptions = {}): Promise<Harness> {
  const fake = await FakeDiscord.start();
  const dir = await mkdtemp(path.join(tmpdir(), 'maiimg-discord-'));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const running = await createRunningServer(
    testConfig(dir, {
      DISCORD_BOT_TOKEN: 'fake-discord-token',
      DISCORD_APPLICATION_ID: fake.applicationId,
      DISCORD_API_URL: fake.restUrl,
      DISCORD_CDN_HOSTS: '127.0.0.1',
      PUBLIC_BASE_URL: baseUrl,
      PORT: String(port),
      BATCH_QUIET_MS: '300',
      ...env,
    }),
    options,
  );
  await fake.whenReady();
  await fake.waitForCall((call) => call.method === 'PUT' && call.path.endsWith('/commands'), 'command registration');
  return { fake, running, dir, baseUrl };
}

async function stopHarness(harness: Harness | undefined): Promise<void> {
  if (!harness) return;
  await harness.running.stop();
  await harness.fake.close();
  await rm(harness.dir, { recursive: true, force: true });
}

const galleryLink = (content: string): string => {
  const match = /(https?:\/\/\S+\/g\/[A-Za-z0-9_-]{22})/.exec(content);
  if (!match) throw new Error(`no gallery link in: ${content}`);
  return match[1]!;
};
const slugOf = (url: string) => url.split('/g/')[1]!;
const customIds = (call: RecordedCall): string[] =>
  (call.json?.components ?? []).flatMap((row: { components: Array<{ custom_id: string }> }) =>
    row.components.map((c) => c.custom_id),
  );
const status = async (url: string) =>
  (await fetch(url, { headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0' } })).status;

describe('Discord bot, end to end against a fake Discord', () => {
  let harness: Harness;
  let fake: FakeDiscord;
  let alice: FakeUser;
  let mallory: FakeUser;

  const logs = capturedLogger();
  beforeAll(async () => {
    harness = await startHarness({}, { logger: logs.logger });
    fake = harness.fake;
    alice = fake.user('alice');
    mallory = fake.user('mallory');
  });
  afterAll(() => stopHarness(harness));

  /** Runs `/gallery upload` and returns the final edit of the reply (the one with the QR code). */
  async function upload(
    user: FakeUser,
    options: Record<string, unknown>,
    locale?: string,
  ): Promise<{ interaction: FakeInteraction; final: RecordedCall }> {
    const interaction = fake.slashCommand(user, 'upload', options as never, { locale });
    const final = await fake.waitForReplyEdit(interaction, (call) =>
      /\/g\/|None of the files|没有可用/.test(call.json?.content ?? ''),
    );
    return { interaction, final };
  }

  async function manage(
    user: FakeUser,
    subcommand: string,
    options: Record<string, string | boolean> = {},
    locale?: string,
  ): Promise<RecordedCall> {
    const interaction = fake.slashCommand(user, subcommand, options, { locale });
    const callback = await fake.waitForCallback(interaction);
    expect(callback.json.data.flags & EPHEMERAL).toBe(EPHEMERAL);
    return fake.waitForReplyEdit(interaction);
  }

  it('registers the /gallery command globally, with an upload taking as many attachments as Discord allows', async () => {
    const put = await fake.waitForCall((call) => call.method === 'PUT' && call.path.endsWith('/commands'));
    expect(put.path).toBe(`/applications/${fake.applicationId}/commands`);
    const [command] = put.json;
    expect(command.name).toBe('gallery');
    const upload = command.options.find((o: { name: string }) => o.name === 'upload');
    expect(upload.options.filter((o: { type: number }) => o.type === 11)).toHaveLength(20);
    expect(command.options.map((o: { name: string }) => o.name)).toEqual(
      expect.arrayContaining([
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
      ]),
    );
    expect(command.description_localizations['zh-CN']).toBe(t('zh-CN', 'discord.command'));
    const alerts = command.options.find((o: { name: string }) => o.name === 'alerts');
    expect(alerts.options.map((o: { name: string; type: number }) => [o.name, o.type])).toEqual([
      ['link', 3],
      ['enabled', 5],
    ]);
    const dashboard = put.json.find((c: { name: string }) => c.name === 'dashboard');
    expect(dashboard.description).toBe(t('en', 'command.about.dashboard'));
    expect(dashboard.description_localizations['zh-CN']).toBe(t('zh-CN', 'command.about.dashboard'));
  });

  it('turns /gallery upload with three attachments into one gallery and answers with the link and a QR code', async () => {
    const files = [
      fake.addAttachment({ name: 'beach.jpg', data: await makeJpeg(80, 60, 11), contentType: 'image/jpeg' }),
      fake.addAttachment({ name: 'map.png', data: await makePng(40, 40, 12), contentType: 'image/png' }),
      fake.addAttachment({ name: 'wave.gif', data: await makeGif(16, 16, 13), contentType: 'image/gif' }),
    ];
    const { interaction, final } = await upload(alice, {
      image1: files[0],
      image2: files[1],
      image3: files[2],
      title: 'Holiday',
    });

    const callback = await fake.waitForCallback(interaction);
    expect(callback.json.type).toBe(5);
    expect(callback.json.data?.flags ?? 0).toBe(0);
    expect(final.files).toHaveLength(1);
    expect(final.files[0]!.name).toBe('qr.png');
    expect(final.files[0]!.data.subarray(0, 4)).toEqual(PNG_SIGNATURE);
    expect(final.json.content).toContain(t('en', 'gallery.count', { count: 3 }));
    const url = galleryLink(final.json.content);
    expect(url.startsWith(harness.baseUrl)).toBe(true);
    expect(customIds(final)).toEqual([
      `mi:stats:${slugOf(url)}`,
      `mi:disable:${slugOf(url)}`,
      `mi:delete:${slugOf(url)}`,
    ]);
    expect(fake.callsMatching((call) => call.method === 'GET' && call.path.startsWith('/attachments/'))).toHaveLength(
      3,
    );

    const gallery = await harness.running.core.service.getGallery(slugOf(url));
    expect(gallery.title).toBe('Holiday');
    expect(gallery.owner).toMatchObject({ platform: 'discord', userId: alice.id, chatId: fake.channelId });
    expect(await status(url)).toBe(200);
  });

  it('names a non-image attachment among the rejected files', async () => {
    const photo = fake.addAttachment({ name: 'cat.jpg', data: await makeJpeg(50, 50, 21), contentType: 'image/jpeg' });
    const notes = fake.addAttachment({ name: 'notes.pdf', data: pdfFile(), contentType: 'application/pdf' });
    const { final } = await upload(alice, { image1: photo, image2: notes });

    expect(final.json.content).toContain(t('en', 'gallery.count', { count: 1 }));
    expect(final.json.content).toContain(
      t('en', 'gallery.rejectedLine', { file: 'notes.pdf', reason: t('en', 'UNSUPPORTED_FORMAT') }),
    );
  });

  it('refuses an oversized attachment and one from a host outside DISCORD_CDN_HOSTS without downloading either', async () => {
    const photo = fake.addAttachment({ name: 'ok.png', data: await makePng(30, 30, 31), contentType: 'image/png' });
    const huge = fake.addAttachment({ name: 'huge.jpg', data: await makeJpeg(20, 20, 32), size: 60 * 1024 * 1024 });
    const elsewhere = fake.addAttachment({ name: 'elsewhere.jpg', data: await makeJpeg(20, 20, 33) });
    elsewhere.url = elsewhere.url.replace('127.0.0.1', 'localhost');
    const { final } = await upload(alice, { image1: photo, image2: huge, image3: elsewhere });

    expect(final.json.content).toContain(t('en', 'gallery.count', { count: 1 }));
    expect(final.json.content).toContain('huge.jpg');
    expect(final.json.content).toContain(
      t('en', 'gallery.rejectedLine', { file: 'elsewhere.jpg', reason: t('en', 'DOWNLOAD_FAILED') }),
    );
    const downloaded = fake.callsMatching((call) => call.path.startsWith('/attachments/')).map((call) => call.path);
    expect(downloaded.some((p) => p.endsWith('/huge.jpg') || p.endsWith('/elsewhere.jpg'))).toBe(false);
  });

  it('makes one gallery from images sent in a DM over several messages', async () => {
    const bob = fake.user('bob');
    const first = fake.addAttachment({ name: 'one.jpg', data: await makeJpeg(40, 30, 41), contentType: 'image/jpeg' });
    const second = fake.addAttachment({ name: 'two.png', data: await makePng(30, 40, 42), contentType: 'image/png' });
    const third = fake.addAttachment({ name: 'three.gif', data: await makeGif(20, 20, 43), contentType: 'image/gif' });
    fake.sendMessage(bob, { dm: true, attachments: [first] });
    fake.sendMessage(bob, { dm: true, attachments: [second, third] });

    const dmChannel = (BigInt(bob.id) + 1n).toString();
    const reply = await fake.waitForCall(
      (call) => call.method === 'POST' && call.path === `/channels/${dmChannel}/messages`,
      'the progress reply',
    );
    expect(reply.json.message_reference).toBeDefined();
    const final = await fake.waitForCall(
      (call) =>
        call.method === 'PATCH' && call.path.startsWith(`/channels/${dmChannel}/messages/`) && call.files.length > 0,
      'the final answer with the QR code',
    );
    expect(final.files[0]!.name).toBe('qr.png');
    expect(final.json.content).toContain(t('en', 'gallery.count', { count: 3 }));
    expect(
      fake.callsMatching((call) => call.method === 'POST' && call.path === `/channels/${dmChannel}/messages`),
    ).toHaveLength(1);
    expect(await status(galleryLink(final.json.content))).toBe(200);
  });

  it('takes images from channel messages only when the bot is mentioned', async () => {
    const carol = fake.user('carol');
    const ignored = fake.addAttachment({
      name: 'ignored.jpg',
      data: await makeJpeg(20, 20, 51),
      contentType: 'image/jpeg',
    });
    const taken = fake.addAttachment({
      name: 'taken.jpg',
      data: await makeJpeg(20, 20, 52),
      contentType: 'image/jpeg',
    });
    fake.sendMessage(carol, { attachments: [ignored], mentionBot: false });
    fake.sendMessage(carol, { attachments: [taken] });

    const final = await fake.waitForCall(
      (call) =>
        call.method === 'PATCH' &&
        call.path.startsWith(`/channels/${fake.channelId}/messages/`) &&
        call.files.length > 0,
      'the answer in the channel',
    );
    expect(final.json.content).toContain(t('en', 'gallery.count', { count: 1 }));
    const gallery = await harness.running.core.service.getGallery(slugOf(galleryLink(final.json.content)));
    expect(gallery.images.map((image) => image.originalName)).toEqual(['taken.jpg']);
  });

  it('shows stats, disables the link (it answers 410) and enables it again, each answer ephemeral', async () => {
    const photo = fake.addAttachment({
      name: 'stats.jpg',
      data: await makeJpeg(30, 30, 61),
      contentType: 'image/jpeg',
    });
    const url = galleryLink((await upload(alice, { image1: photo })).final.json.content);
    expect(await status(url)).toBe(200);

    const stats = await manage(alice, 'stats', { link: url });
    expect(stats.json.content.length).toBeGreaterThan(0);
    expect(customIds(stats)).toContain(`mi:stats:${slugOf(url)}`);

    const disabled = await manage(alice, 'disable', { link: url });
    expect(disabled.json.content).toBe(t('en', 'link.disabled'));
    expect(await status(url)).toBe(410);

    const enabled = await manage(alice, 'enable', { link: slugOf(url) });
    expect(enabled.json.content).toBe(t('en', 'link.enabled'));
    expect(await status(url)).toBe(200);
  });

  it('refuses a button press by someone who is not the owner', async () => {
    const photo = fake.addAttachment({ name: 'mine.jpg', data: await makeJpeg(30, 30, 71), contentType: 'image/jpeg' });
    const url = galleryLink((await upload(alice, { image1: photo })).final.json.content);

    const press = fake.pressButton(mallory, `mi:disable:${slugOf(url)}`);
    const notice = await fake.waitForFollowUp(press);
    expect(notice.json.content).toBe(t('en', 'NOT_OWNER'));
    expect(notice.json.flags & EPHEMERAL).toBe(EPHEMERAL);
    expect(await status(url)).toBe(200);
  });

  it('flips the Disable button to Enable when the owner presses it', async () => {
    const photo = fake.addAttachment({ name: 'flip.jpg', data: await makeJpeg(30, 30, 81), contentType: 'image/jpeg' });
    const url = galleryLink((await upload(alice, { image1: photo })).final.json.content);
    const slug = slugOf(url);

    const press = fake.pressButton(alice, `mi:disable:${slug}`);
    expect((await fake.waitForCallback(press)).json.type).toBe(6);
    const edit = await fake.waitForReplyEdit(press);
    expect(customIds(edit)).toEqual([`mi:stats:${slug}`, `mi:enable:${slug}`, `mi:delete:${slug}`]);
    expect((await fake.waitForFollowUp(press)).json.content).toBe(t('en', 'link.disabled'));
    expect(await status(url)).toBe(410);
  });

  it('asks to confirm before deleting from the Delete button, then deletes', async () => {
    const photo = fake.addAttachment({ name: 'gone.jpg', data: await makeJpeg(30, 30, 91), contentType: 'image/jpeg' });
    const url = galleryLink((await upload(alice, { image1: photo })).final.json.content);
    const slug = slugOf(url);

    const ask = fake.pressButton(alice, `mi:delete:${slug}`);
    const confirm = await fake.waitForReplyEdit(ask);
    expect(customIds(confirm)).toEqual([`mi:delete-yes:${slug}`, `mi:delete-no:${slug}`]);
    expect(await status(url)).toBe(200);

    const yes = fake.pressButton(alice, `mi:delete-yes:${slug}`);
    expect((await fake.waitForReplyEdit(yes)).json.content).toBe(t('en', 'link.deleted'));
    expect(await status(url)).toBe(404);
  });

  it('answers /gallery stats privately with the summary and the chart attached as a PNG', async () => {
    const photo = fake.addAttachment({
      name: 'chart.jpg',
      data: await makeJpeg(30, 30, 131),
      contentType: 'image/jpeg',
    });
    const url = galleryLink((await upload(alice, { image1: photo })).final.json.content);
    expect(await openLikeABrowser(url)).toBe(200);

    const stats = await manage(alice, 'stats', { link: url });
    expect(stats.json.content).toContain('1 open by 1 visitor');
    expect(stats.files).toHaveLength(1);
    expect(stats.files[0]!.name).toBe(`stats-${slugOf(url)}.png`);
    expect(isPng(stats.files[0]!.data)).toBe(true);
    expect(customIds(stats)).toContain(`mi:dashboard:${slugOf(url)}`);
  });

  it('answers /dashboard with an ephemeral link that logs in, and so does the Dashboard button', async () => {
    const photo = fake.addAttachment({
      name: 'dash.jpg',
      data: await makeJpeg(30, 30, 141),
      contentType: 'image/jpeg',
    });
    const slug = slugOf(galleryLink((await upload(alice, { image1: photo })).final.json.content));

    const command = fake.command(alice, 'dashboard');
    expect((await fake.waitForCallback(command)).json.data.flags & EPHEMERAL).toBe(EPHEMERAL);
    const answer = await fake.waitForReplyEdit(command);
    const link = DASHBOARD_LINK.exec(answer.json.content)?.[0];
    expect(link, answer.json.content).toBeDefined();
    const login = await logInWithDashboardLink(link!);
    expect(login.loginStatus).toBe(303);
    expect(login.cookie).toBeTruthy();
    expect(login.dashboardStatus).toBe(200);
    expect(login.page).toContain(`/dashboard/g/${slug}`);

    // On a message everyone in the channel sees, the button still answers only the presser.
    const press = fake.pressButton(alice, `mi:dashboard:${slug}`);
    const callback = await fake.waitForCallback(press);
    expect(callback.json.type).toBe(5);
    expect(callback.json.data.flags & EPHEMERAL).toBe(EPHEMERAL);
    expect((await fake.waitForReplyEdit(press)).json.content).toMatch(DASHBOARD_LINK);
  });

  it('posts the first-open alert in the channel the gallery was made in; its Disable button disables the link', async () => {
    const photo = fake.addAttachment({
      name: 'alert.jpg',
      data: await makeJpeg(30, 30, 151),
      contentType: 'image/jpeg',
    });
    const url = galleryLink((await upload(alice, { image1: photo, title: 'First-open alert' })).final.json.content);
    const slug = slugOf(url);
    expect(await openLikeABrowser(url)).toBe(200);
    await harness.running.core.analytics.alerts.check();
    const alert = await fake.waitForCall(
      (call) =>
        call.method === 'POST' &&
        call.path === `/channels/${fake.channelId}/messages` &&
        /“First-open alert” was just opened for the first time/.test(call.json?.content ?? ''),
      'the first-open alert',
    );
    expect(alert.json.content).toContain('Device: Desktop · Firefox');
    expect(customIds(alert)).toEqual([`mi:stats:${slug}`, `mi:disable:${slug}`]);

    const press = fake.pressButton(alice, `mi:disable:${slug}`);
    expect((await fake.waitForFollowUp(press)).json.content).toBe(t('en', 'link.disabled'));
    expect(await status(url)).toBe(410);
  });

  it('sends the alert as a DM when the gallery has no channel', async () => {
    const erin = fake.user('erin');
    const outcome = await harness.running.core.service.createGallery({
      owner: { platform: 'discord', userId: erin.id, chatId: null },
      files: [{ name: 'dm.jpg', data: await makeJpeg(30, 30, 171) }],
      options: { title: 'No channel' },
    });
    expect(await openLikeABrowser(outcome.url!)).toBe(200);
    await harness.running.core.analytics.alerts.check();
    const opened = await fake.waitForCall(
      (call) => call.method === 'POST' && call.path === '/users/@me/channels' && call.json?.recipient_id === erin.id,
      'a DM opened',
    );
    expect(opened).toBeDefined();
    const dmChannel = (BigInt(erin.id) + 1n).toString();
    const alert = await fake.waitForCall(
      (call) => call.method === 'POST' && call.path === `/channels/${dmChannel}/messages`,
      'the alert in the DM',
    );
    expect(alert.json.content).toContain('“No channel” was just opened for the first time');
  });

  it('sends no first-open alert after /gallery alerts enabled:false', async () => {
    const photo = fake.addAttachment({
      name: 'quiet.jpg',
      data: await makeJpeg(30, 30, 161),
      contentType: 'image/jpeg',
    });
    const url = galleryLink((await upload(alice, { image1: photo, title: 'Quiet one' })).final.json.content);
    const off = await manage(alice, 'alerts', { link: url, enabled: false });
    expect(off.json.content).toBe(t('en', 'alerts.off', { title: 'Quiet one' }));

    expect(await openLikeABrowser(url)).toBe(200);
    const sent = await harness.running.core.analytics.alerts.check();
    expect(sent.map((a) => a.slug)).not.toContain(slugOf(url));
    expect((await harness.running.core.service.getGallery(slugOf(url))).openCount).toBe(1);
    expect(fake.callsMatching((call) => call.method === 'POST' && /Quiet one/.test(call.json?.content ?? ''))).toEqual(
      [],
    );
  });

  it('answers in Chinese when the interaction locale is Chinese', async () => {
    const reply = await manage(fake.user('zhang'), 'list', {}, 'zh-CN');
    expect(reply.json.content).toBe(t('zh-CN', 'list.empty'));
  });

  it('completes the link option with the user’s own galleries only', async () => {
    const photo = fake.addAttachment({ name: 'own.jpg', data: await makeJpeg(30, 30, 101), contentType: 'image/jpeg' });
    const slug = slugOf(
      galleryLink((await upload(alice, { image1: photo, title: 'Autocomplete me' })).final.json.content),
    );

    const mine = fake.autocomplete(alice, 'stats', 'link', 'autocomplete');
    const mineCallback = await fake.waitForCallback(mine);
    expect(mineCallback.json.type).toBe(8);
    expect(mineCallback.json.data.choices.map((c: { value: string }) => c.value)).toEqual([slug]);

    const theirs = fake.autocomplete(mallory, 'stats', 'link', '');
    expect((await fake.waitForCallback(theirs)).json.data.choices).toEqual([]);
  });

  it('sets link options given to /gallery upload, and refuses a bad expiry without making a gallery', async () => {
    const photo = fake.addAttachment({
      name: 'opts.jpg',
      data: await makeJpeg(30, 30, 111),
      contentType: 'image/jpeg',
    });
    const { final } = await upload(alice, { image1: photo, max_views: 5, download: false, expires: '7d' });
    const gallery = await harness.running.core.service.getGallery(slugOf(galleryLink(final.json.content)));
    expect(gallery.settings).toMatchObject({ maxOpens: 5, downloadsAllowed: false });
    expect(gallery.settings.expiresAt).not.toBeNull();

    const bad = fake.slashCommand(alice, 'upload', { image1: photo, expires: 'someday' });
    const refusal = await fake.waitForReplyEdit(bad);
    expect(refusal.json.content).toContain(t('en', 'INVALID_OPTION', { option: 'expiry', reason: '' }).split(':')[0]!);
    expect(refusal.files).toHaveLength(0);
  });

  it('shows progress by editing its reply before the final answer', async () => {
    const files = await Promise.all(
      [1, 2, 3].map(async (i) =>
        fake.addAttachment({ name: `p${i}.jpg`, data: await makeJpeg(60, 40, 200 + i), contentType: 'image/jpeg' }),
      ),
    );
    const { interaction, final } = await upload(alice, { image1: files[0], image2: files[1], image3: files[2] });
    const edits = fake.callsMatching(
      (call) =>
        call.method === 'PATCH' &&
        call.path === `/webhooks/${fake.applicationId}/${interaction.token}/messages/@original`,
    );
    const finalIndex = edits.indexOf(final);
    expect(finalIndex).toBeGreaterThan(0);
    expect(edits.slice(0, finalIndex).map((call) => call.json?.content)).toContainEqual(
      expect.stringMatching(/^Processing \d\/3…$/),
    );
    expect(edits.slice(0, finalIndex).every((call) => call.files.length === 0)).toBe(true);
  });

  it('protects the gallery with the password option and keeps that answer to the sender in a channel', async () => {
    const photo = fake.addAttachment({
      name: 'secret.jpg',
      data: await makeJpeg(30, 30, 211),
      contentType: 'image/jpeg',
    });
    const { interaction, final } = await upload(alice, { image1: photo, password: 'hunter2' });
    expect((await fake.waitForCallback(interaction)).json.data.flags & EPHEMERAL).toBe(EPHEMERAL);
    const url = galleryLink(final.json.content);
    expect((await harness.running.core.service.getGallery(slugOf(url))).settings.passwordHash).toBeTruthy();
    expect(await status(url)).toBe(401);
  });

  it('lists the user’s galleries with title, state and opens', async () => {
    const fiona = fake.user('fiona');
    const photo = fake.addAttachment({ name: 'f.jpg', data: await makeJpeg(30, 30, 221), contentType: 'image/jpeg' });
    const url = galleryLink((await upload(fiona, { image1: photo, title: 'Fiona’s pics' })).final.json.content);
    expect(await openLikeABrowser(url)).toBe(200);
    await manage(fiona, 'disable', { link: url });
    const list = await manage(fiona, 'list');
    expect(list.json.content).toBe(`Fiona’s pics · 1 image · disabled · 1 open · ${url}`);
  });

  it('sets expiry, open limit, password, downloads and title through the subcommands’ options', async () => {
    const photo = fake.addAttachment({ name: 'set.jpg', data: await makeJpeg(30, 30, 231), contentType: 'image/jpeg' });
    const url = galleryLink((await upload(alice, { image1: photo })).final.json.content);
    const slug = slugOf(url);
    const gallery = () => harness.running.core.service.getGallery(slug);
    const saved = t('en', 'link.updated');

    expect((await manage(alice, 'expire', { link: slug, when: '2099-12-31' })).json.content).toBe(saved);
    expect((await gallery()).settings.expiresAt?.toISOString()).toBe('2099-12-31T00:00:00.000Z');
    expect((await manage(alice, 'expire', { link: slug, when: 'whenever' })).json.content).toMatch(
      /^Invalid value for expiry/,
    );
    await manage(alice, 'expire', { link: slug, when: 'off' });
    expect((await gallery()).settings.expiresAt).toBeNull();

    expect((await manage(alice, 'maxviews', { link: url, count: '3' })).json.content).toBe(saved);
    expect((await gallery()).settings.maxOpens).toBe(3);
    await manage(alice, 'maxviews', { link: url, count: 'off' });
    expect((await gallery()).settings.maxOpens).toBeNull();

    expect((await manage(alice, 'password', { link: url, password: 'open sesame' })).json.content).toBe(saved);
    expect(await status(url)).toBe(401);
    await manage(alice, 'password', { link: url, password: 'off' });
    expect(await status(url)).toBe(200);

    expect((await manage(alice, 'download', { link: url, allowed: false })).json.content).toBe(saved);
    expect((await gallery()).settings.downloadsAllowed).toBe(false);
    await manage(alice, 'download', { link: url, allowed: true });
    expect((await gallery()).settings.downloadsAllowed).toBe(true);

    expect((await manage(alice, 'title', { link: url, text: 'Renamed' })).json.content).toBe(saved);
    expect((await gallery()).title).toBe('Renamed');
    await manage(alice, 'title', { link: url });
    expect((await gallery()).title).toBeNull();
  });

  it('refuses management commands from someone who is not the owner', async () => {
    const photo = fake.addAttachment({
      name: 'owned.jpg',
      data: await makeJpeg(30, 30, 241),
      contentType: 'image/jpeg',
    });
    const url = galleryLink((await upload(alice, { image1: photo })).final.json.content);
    expect((await manage(mallory, 'disable', { link: url })).json.content).toBe(t('en', 'NOT_OWNER'));
    expect((await manage(mallory, 'title', { link: url, text: 'pwned' })).json.content).toBe(t('en', 'NOT_OWNER'));
    expect((await manage(mallory, 'stats', { link: url })).json.content).toBe(t('en', 'NOT_OWNER'));
    expect(await status(url)).toBe(200);
  });

  it('asks to confirm /gallery delete; Cancel keeps the gallery, Yes deletes it', async () => {
    const photo = fake.addAttachment({ name: 'del.jpg', data: await makeJpeg(30, 30, 251), contentType: 'image/jpeg' });
    const url = galleryLink((await upload(alice, { image1: photo })).final.json.content);
    const slug = slugOf(url);
    const confirm = await manage(alice, 'delete', { link: url });
    expect(confirm.json.content).toBe(t('en', 'delete.confirm', { title: t('en', 'untitled'), count: 1 }));
    expect(customIds(confirm)).toEqual([`mi:delete-yes:${slug}`, `mi:delete-no:${slug}`]);

    const cancel = fake.pressButton(alice, `mi:delete-no:${slug}`);
    expect((await fake.waitForCallback(cancel)).json.type).toBe(6);
    const kept = await fake.waitForReplyEdit(cancel);
    expect(kept.json.content).toBe(t('en', 'delete.cancelled'));
    expect(customIds(kept)).toEqual([`mi:stats:${slug}`, `mi:disable:${slug}`, `mi:delete:${slug}`]);
    expect(await status(url)).toBe(200);

    const yes = fake.pressButton(alice, `mi:delete-yes:${slug}`);
    expect((await fake.waitForReplyEdit(yes)).json.content).toBe(t('en', 'link.deleted'));
    expect(await status(url)).toBe(404);
  });

  it('answers the Stats button privately with the summary and the chart, and flips Enable back to Disable', async () => {
    const photo = fake.addAttachment({ name: 'btn.jpg', data: await makeJpeg(30, 30, 261), contentType: 'image/jpeg' });
    const url = galleryLink((await upload(alice, { image1: photo })).final.json.content);
    const slug = slugOf(url);

    const stats = fake.pressButton(alice, `mi:stats:${slug}`);
    const callback = await fake.waitForCallback(stats);
    expect(callback.json.type).toBe(5);
    expect(callback.json.data.flags & EPHEMERAL).toBe(EPHEMERAL);
    const answer = await fake.waitForReplyEdit(stats);
    expect(answer.json.content).toContain('0 opens by 0 visitors');
    expect(isPng(answer.files[0]!.data)).toBe(true);

    await manage(alice, 'disable', { link: url });
    const enable = fake.pressButton(alice, `mi:enable:${slug}`);
    expect(customIds(await fake.waitForReplyEdit(enable))).toEqual([
      `mi:stats:${slug}`,
      `mi:disable:${slug}`,
      `mi:delete:${slug}`,
    ]);
    expect((await fake.waitForFollowUp(enable)).json.content).toBe(t('en', 'link.enabled'));
    expect(await status(url)).toBe(200);
  });

  it('answers in Chinese for any zh-* locale, and in English otherwise', async () => {
    expect((await manage(fake.user('wang'), 'list', {}, 'zh-TW')).json.content).toBe(t('zh-CN', 'list.empty'));
    expect((await manage(fake.user('jean'), 'list', {}, 'fr')).json.content).toBe(t('en', 'list.empty'));
  });

  it('asks the gateway for no privileged intent', async () => {
    const intents = Number(fake.identifies[0]?.intents);
    expect(intents & GatewayIntentBits.MessageContent).toBe(0);
    for (const needed of [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.DirectMessages])
      expect(intents & needed).toBe(needed);
  });

  it('logs a failed Discord call and goes on serving', async () => {
    const photo = fake.addAttachment({
      name: 'late.jpg',
      data: await makeJpeg(30, 30, 271),
      contentType: 'image/jpeg',
    });
    // Discord answers an interaction token that has expired with 404 "Unknown interaction".
    fake.failNext('POST', /^\/interactions\/\d+\/[^/]+\/callback$/, { status: 404 });
    const lost = fake.slashCommand(alice, 'upload', { image1: photo });
    await fake.waitForCallback(lost);
    await expect
      .poll(() => logs.messages().some((msg) => msg === 'discord: interaction failed'), { timeout: 10_000 })
      .toBe(true);
    // Nothing was done for the lost interaction, and the next one is served as usual.
    const again = fake.addAttachment({
      name: 'again.jpg',
      data: await makeJpeg(30, 30, 272),
      contentType: 'image/jpeg',
    });
    const { final } = await upload(alice, { image1: again });
    expect(final.json.content).toContain(t('en', 'gallery.count', { count: 1 }));
  });
});

describe('Discord bot, registration and shutdown', () => {
  let harness: Harness | undefined;
  afterAll(() => stopHarness(harness));

  it('registers to DISCORD_GUILD_ID and finishes the batch in hand when stopped', async () => {
    // A quiet window far longer than the test: only the graceful stop can close this batch.
    harness = await startHarness({
      BATCH_QUIET_MS: '600000',
      BATCH_MAX_WAIT_MS: '600000',
      DISCORD_GUILD_ID: '800000000000000001',
    });
    const { fake: discord, running } = harness;
    const put = discord.calls.find((call) => call.method === 'PUT')!;
    expect(put.path).toBe(`/applications/${discord.applicationId}/guilds/${discord.guildId}/commands`);
    expect(Number(discord.identifies[0]?.intents) & GatewayIntentBits.MessageContent).toBe(0);

    const dave = discord.user('dave');
    const photo = discord.addAttachment({
      name: 'last.jpg',
      data: await makeJpeg(30, 30, 121),
      contentType: 'image/jpeg',
    });
    discord.sendMessage(dave, { dm: true, attachments: [photo] });
    const dmChannel = (BigInt(dave.id) + 1n).toString();
    await discord.waitForCall(
      (call) => call.method === 'POST' && call.path === `/channels/${dmChannel}/messages`,
      'the progress reply',
    );

    await running.stop();
    const finals = discord.callsMatching(
      (call) =>
        call.method === 'PATCH' && call.path.startsWith(`/channels/${dmChannel}/messages/`) && call.files.length > 0,
    );
    expect(finals).toHaveLength(1);
    expect(finals[0]!.json.content).toContain(t('en', 'gallery.count', { count: 1 }));
  });
});

it('reached no host but the loopback fakes during this file', () => {
  expect(network.attempts).toEqual([]);
  network.restore();
});
