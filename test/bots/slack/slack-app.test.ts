import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRunningServer, type RunningServer } from '../../../cli/server.js';
import { encodeButton } from '../../../core/chat/chat-commands.js';
import { errorMessage, t } from '../../../core/messages.js';
import type { Owner } from '../../../core/types.js';
import { startFakeSlackApi, type FakeSlackApi, type RecordedSlackCall } from '../../fakes/slack-api.js';
import { freePort, testConfig } from '../../helpers/test-core.js';
import { makeJpeg, makePng, makeWebp, textFile } from '../../helpers/images.js';
import { DASHBOARD_LINK, isPng, logInWithDashboardLink, openLikeABrowser } from '../analytics-helpers.js';
import { capturedLogger } from '../captured-logs.js';
import { allowOnlyLoopback } from '../loopback-only.js';

// Installed before anything connects: the bots, their SDKs and the fakes may only reach 127.0.0.1.
const network = allowOnlyLoopback();
import {
  buttonPress,
  commandFields,
  fileShareEnvelope,
  postCommand,
  postEvent,
  postInteraction,
} from './slack-requests.js';

const BOT_TOKEN = 'xoxb-1111-2222-fakebottoken';
const SECRET = 'slack-signing-secret-for-tests';
const signing = { secret: SECRET };

let fake: FakeSlackApi;
let running: RunningServer;
let dir: string;
let endpoint: string;
const logs = capturedLogger();

beforeAll(async () => {
  fake = await startFakeSlackApi({ botToken: BOT_TOKEN, locales: { UZH: 'zh-CN' } });
  dir = await mkdtemp(path.join(tmpdir(), 'maiimg-slack-'));
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
    { logger: logs.logger },
  );
  endpoint = `http://127.0.0.1:${port}/slack/events`;
});

afterAll(async () => {
  await running?.stop();
  await fake?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const slackOwner = (user: string): Owner => ({ platform: 'slack', userId: user });
const bodyText = (call: RecordedSlackCall) => String(call.body.text ?? '');
const galleryLink = (text: string) => /(http:\/\/127\.0\.0\.1:\d+\/g\/[A-Za-z0-9_-]{22})/.exec(text)?.[1];
const actionIds = (call: RecordedSlackCall): string[] => {
  const blocks = (
    typeof call.body.blocks === 'string' ? JSON.parse(call.body.blocks) : (call.body.blocks ?? [])
  ) as Array<{ type: string; elements?: Array<{ action_id: string }> }>;
  return blocks.find((b) => b.type === 'actions')?.elements?.map((e) => e.action_id) ?? [];
};
const inChannel = (channel: string) => (call: RecordedSlackCall) =>
  call.body.channel === channel || call.body.channel_id === channel;

/** Shares files as separate messages, as a person dropping them one after another does. */
async function shareFiles(
  user: string,
  channel: string,
  files: Array<{ name: string; bytes: Buffer; loginPage?: boolean }>,
) {
  for (const file of files) {
    const response = await postEvent(
      endpoint,
      fileShareEnvelope({ user, channel, botUserId: fake.botUserId, files: [fake.addFile(file)] }),
      signing,
    );
    expect(response.status).toBe(200);
  }
}

/** Creates a gallery for `user` straight through the core (setup for the management tests). */
async function galleryOf(user: string, channel: string) {
  const outcome = await running.core.service.createGallery({
    owner: { platform: 'slack', userId: user, chatId: channel },
    files: [{ name: 'a.jpg', data: await makeJpeg() }],
  });
  return { slug: outcome.gallery!.slug, url: outcome.url! };
}

/** Runs a slash command typed as `typed`; the request carries it escaped, as Slack sends it. */
async function command(user: string, channel: string, typed: string, name = '/gallery'): Promise<RecordedSlackCall> {
  const responseUrl = fake.responseUrl();
  const sent = Date.now();
  const response = await postCommand(
    endpoint,
    commandFields({ command: name, typed, user, channel, responseUrl }),
    signing,
  );
  expect(response.status).toBe(200);
  // Slack shows the user an error when a command is not acknowledged within 3 s.
  expect(Date.now() - sent).toBeLessThan(3000);
  const [answer] = await fake.waitFor('response', (call) => call.path === new URL(responseUrl).pathname);
  return answer!;
}

describe('Slack app (HTTP mode, end to end)', () => {
  it('makes one gallery from three shared files and answers in the thread with the link and a QR code', async () => {
    await shareFiles('U1', 'D1', [
      { name: 'one.jpg', bytes: await makeJpeg(64, 48, 11) },
      { name: 'two.png', bytes: await makePng(64, 48, 12) },
      { name: 'three.webp', bytes: await makeWebp(64, 48, 13) },
    ]);
    const [post] = await fake.waitFor('chat.postMessage', inChannel('D1'));
    expect(bodyText(post!)).toContain('3 images');
    expect(post!.body.thread_ts).toMatch(/^\d+\.\d+$/);
    expect(post!.body.unfurl_links).toBe('false');
    expect(post!.body.unfurl_media).toBe('false');
    const blocks = JSON.parse(String(post!.body.blocks)) as Array<{
      type: string;
      elements?: Array<{ action_id: string }>;
    }>;
    expect(blocks.find((b) => b.type === 'actions')?.elements?.map((e) => e.action_id)).toEqual([
      'maiimg_stats',
      'maiimg_disable',
      'maiimg_delete',
    ]);

    const [complete] = await fake.waitFor('files.completeUploadExternal', inChannel('D1'));
    expect(complete!.body.thread_ts).toBe(post!.body.thread_ts);
    const uploads = fake.callsOf('upload');
    expect(uploads.some((u) => u.raw.includes(Buffer.from([0x89, 0x50, 0x4e, 0x47])))).toBe(true);
    expect(fake.callsOf('download').every((d) => d.headers.authorization === `Bearer ${BOT_TOKEN}`)).toBe(true);

    const galleries = await running.core.service.listGalleries(slackOwner('U1'));
    expect(galleries.map((g) => g.imageCount)).toEqual([3]);
    const link = galleryLink(bodyText(post!));
    expect(link).toBe(galleries[0]!.url);
    expect((await fetch(link!)).status).toBe(200);
  });

  it('names a shared non-image file among the rejected ones', async () => {
    await shareFiles('U2', 'D2', [
      { name: 'photo.jpg', bytes: await makeJpeg(64, 48, 21) },
      { name: 'notes.txt', bytes: textFile() },
    ]);
    const [post] = await fake.waitFor('chat.postMessage', inChannel('D2'));
    expect(bodyText(post!)).toMatch(/\b1 image\b/);
    expect(bodyText(post!)).toContain(`notes.txt ${errorMessage('en', 'UNSUPPORTED_FORMAT')}`);
  });

  it('explains that Slack sent its sign-in page instead of the file', async () => {
    await shareFiles('U3', 'D3', [{ name: 'holiday.jpg', bytes: await makeJpeg(), loginPage: true }]);
    const [post] = await fake.waitFor('chat.postMessage', inChannel('D3'));
    const text = bodyText(post!);
    expect(text).toContain(errorMessage('en', 'NO_VALID_FILES'));
    expect(text).toContain(t('en', 'slack.loginPage', { files: 'holiday.jpg' }));
    // OAuth scopes are for the admin and the logs, not for the person sharing a photo.
    expect(text).not.toContain('files:read');
    expect(await running.core.service.listGalleries(slackOwner('U3'))).toEqual([]);
  });

  it('answers /gallery stats, disable and enable ephemerally, and the link follows', async () => {
    const { url } = await galleryOf('U4', 'D4');
    const stats = await command('U4', 'D4', `stats ${url}`);
    expect(stats.body.response_type).toBe('ephemeral');
    expect(String(stats.body.text)).toContain(url);
    expect(String(stats.body.text)).toContain('0 opens');

    const disabled = await command('U4', 'D4', `disable ${url}`);
    expect(disabled.body.response_type).toBe('ephemeral');
    expect(String(disabled.body.text)).toContain('Link disabled');
    expect((await fetch(url)).status).toBe(410);

    const enabled = await command('U4', 'D4', `enable ${url}`);
    expect(String(enabled.body.text)).toContain('Link enabled again');
    expect((await fetch(url)).status).toBe(200);
  });

  it('answers in Chinese to a user whose Slack language is Chinese', async () => {
    const help = await command('UZH', 'DZH', 'help');
    expect(String(help.body.text)).toContain(`/gallery list: ${t('zh-CN', 'command.about.list')}`);
  });

  it('refuses requests with a forged signature or a stale timestamp, and does nothing for them', async () => {
    const forgedFile = fake.addFile({ name: 'forged.jpg', bytes: await makeJpeg() });
    const staleFile = fake.addFile({ name: 'stale.jpg', bytes: await makeJpeg() });
    const forged = await postEvent(
      endpoint,
      fileShareEnvelope({ user: 'U5', channel: 'D5', botUserId: fake.botUserId, files: [forgedFile] }),
      {
        secret: SECRET,
        signature: `v0=${'0'.repeat(64)}`,
      },
    );
    const stale = await postEvent(
      endpoint,
      fileShareEnvelope({ user: 'U5', channel: 'D5', botUserId: fake.botUserId, files: [staleFile] }),
      {
        secret: SECRET,
        timestamp: Math.floor(Date.now() / 1000) - 6 * 60,
      },
    );
    expect(forged.status).toBe(401);
    expect(stale.status).toBe(401);
    const wrongSecret = await postCommand(
      endpoint,
      commandFields({ text: 'list', user: 'U5', channel: 'D5', responseUrl: fake.responseUrl() }),
      { secret: 'not-the-secret' },
    );
    expect(wrongSecret.status).toBe(401);

    // A genuine share afterwards in the same chat: had either refused share been taken, its file
    // would be in this batch or in a gallery of its own.
    await shareFiles('U5', 'D5', [{ name: 'real.jpg', bytes: await makeJpeg(64, 48, 51) }]);
    await fake.waitFor('chat.postMessage', inChannel('D5'));
    expect((await running.core.service.listGalleries(slackOwner('U5'))).map((g) => g.imageCount)).toEqual([1]);
    const downloaded = fake.callsOf('download').map((d) => d.path);
    expect(downloaded.some((p) => p.includes(String(forgedFile.id)) || p.includes(String(staleFile.id)))).toBe(false);
  });

  it('makes no second gallery when Slack retries an event', async () => {
    const envelope = fileShareEnvelope({
      user: 'U6',
      channel: 'D6',
      botUserId: fake.botUserId,
      files: [fake.addFile({ name: 'first.jpg', bytes: await makeJpeg(64, 48, 61) })],
    });
    expect((await postEvent(endpoint, envelope, signing)).status).toBe(200);
    await fake.waitFor('chat.postMessage', inChannel('D6'));
    const retried = await postEvent(endpoint, envelope, {
      ...signing,
      headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' },
    });
    expect(retried.status).toBe(200);

    // The next genuine share: a retry that slipped through would join its batch or make a gallery.
    await shareFiles('U6', 'D6', [{ name: 'second.jpg', bytes: await makeJpeg(64, 48, 62) }]);
    await fake.waitFor('chat.postMessage', inChannel('D6'), 2);
    const galleries = await running.core.service.listGalleries(slackOwner('U6'));
    expect(galleries.map((g) => g.imageCount)).toEqual([1, 1]);
  });

  it('refuses a button press by someone who does not own the gallery', async () => {
    const { slug, url } = await galleryOf('U7', 'C7');
    const responseUrl = fake.responseUrl();
    const press = buttonPress({
      user: 'U8',
      channel: 'C7',
      actionId: 'maiimg_disable',
      value: encodeButton('disable', slug),
      responseUrl,
      message: { ts: '1700000007.000100', text: `Your gallery is ready: ${url}`, blocks: [] },
    });
    expect((await postInteraction(endpoint, press, signing)).status).toBe(200);
    const [answer] = await fake.waitFor('response', (call) => call.path === new URL(responseUrl).pathname);
    expect(answer!.body.response_type).toBe('ephemeral');
    expect(answer!.body.replace_original).toBe(false);
    expect(String(answer!.body.text)).toContain(errorMessage('en', 'NOT_OWNER'));
    expect(fake.callsOf('chat.update', inChannel('C7'))).toEqual([]);
    expect((await running.core.service.getGallery(slug)).settings.state).toBe('active');
  });

  it("flips the gallery message's Disable button to Enable when the owner presses it", async () => {
    const { slug, url } = await galleryOf('U9', 'C9');
    const press = buttonPress({
      user: 'U9',
      channel: 'C9',
      actionId: 'maiimg_disable',
      value: encodeButton('disable', slug),
      responseUrl: fake.responseUrl(),
      message: {
        ts: '1700000009.000100',
        text: `Your gallery is ready: ${url}`,
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: url } }],
      },
    });
    expect((await postInteraction(endpoint, press, signing)).status).toBe(200);
    const [update] = await fake.waitFor('chat.update', inChannel('C9'));
    expect(update!.body.ts).toBe('1700000009.000100');
    const blocks = JSON.parse(String(update!.body.blocks)) as Array<{
      type: string;
      elements?: Array<{ action_id: string }>;
    }>;
    expect(blocks[0]!.type).toBe('section');
    expect(blocks.find((b) => b.type === 'actions')?.elements?.map((e) => e.action_id)).toEqual([
      'maiimg_stats',
      'maiimg_enable',
      'maiimg_delete',
    ]);
    expect((await fetch(url)).status).toBe(410);
  });

  it('answers /gallery stats in a DM with the summary and uploads the PNG chart into that DM', async () => {
    // The app's own DM with U10, as conversations.open names it.
    const dm = fake.directMessageOf('U10');
    const { url, slug } = await galleryOf('U10', dm);
    expect(await openLikeABrowser(url)).toBe(200);
    const stats = await command('U10', dm, `stats ${url}`);
    expect(stats.body.response_type).toBe('ephemeral');
    expect(String(stats.body.text)).toContain('1 open by 1 visitor');
    expect(actionIds(stats)).toContain('maiimg_dashboard');
    const [complete] = await fake.waitFor('files.completeUploadExternal', inChannel(dm));
    const [file] = JSON.parse(String(complete!.body.files)) as Array<{ id: string; title: string }>;
    expect(file!.title).toBe('Opens of your gallery');
    expect(isPng(fake.uploadedFile(file!.id)!)).toBe(true);
    const [asked] = fake.callsOf('files.getUploadURLExternal', (call) => call.body.filename === `stats-${slug}.png`);
    expect(asked).toBeDefined();
  });

  it('keeps the chart of /gallery stats in a shared channel private: it goes to the owner’s DM', async () => {
    const { url } = await galleryOf('U11', 'C11');
    const stats = await command('U11', 'C11', `stats ${url}`);
    expect(stats.body.response_type).toBe('ephemeral');
    expect(String(stats.body.text)).toContain('The chart is in our direct messages');
    const [complete] = await fake.waitFor('files.completeUploadExternal', inChannel(fake.directMessageOf('U11')));
    const [file] = JSON.parse(String(complete!.body.files)) as Array<{ id: string }>;
    expect(isPng(fake.uploadedFile(file!.id)!)).toBe(true);
    expect(fake.callsOf('files.completeUploadExternal', inChannel('C11'))).toEqual([]);
  });

  it('answers /dashboard with an ephemeral link that logs in, and so does the Dashboard button', async () => {
    const { slug, url } = await galleryOf('U12', 'C12');
    const answer = await command('U12', 'C12', '', '/dashboard');
    expect(answer.body.response_type).toBe('ephemeral');
    const link = DASHBOARD_LINK.exec(String(answer.body.text))?.[0];
    expect(link, String(answer.body.text)).toBeDefined();
    const login = await logInWithDashboardLink(link!);
    expect(login.loginStatus).toBe(303);
    expect(login.cookie).toBeTruthy();
    expect(login.dashboardStatus).toBe(200);
    expect(login.page).toContain(`/dashboard/g/${slug}`);

    const responseUrl = fake.responseUrl();
    const press = buttonPress({
      user: 'U12',
      channel: 'C12',
      actionId: 'maiimg_dashboard',
      value: encodeButton('dashboard', slug),
      responseUrl,
      message: { ts: '1700000012.000100', text: `Your gallery is ready: ${url}`, blocks: [] },
    });
    expect((await postInteraction(endpoint, press, signing)).status).toBe(200);
    const [pressed] = await fake.waitFor('response', (call) => call.path === new URL(responseUrl).pathname);
    expect(pressed!.body.response_type).toBe('ephemeral');
    expect(pressed!.body.replace_original).toBe(false);
    expect(String(pressed!.body.text)).toMatch(DASHBOARD_LINK);
    expect(fake.callsOf('chat.update', inChannel('C12'))).toEqual([]);
  });

  it('posts the first-open alert in the channel the gallery was shared in; its Disable button disables the link', async () => {
    const envelope = fileShareEnvelope({
      user: 'U13',
      channel: 'C13',
      channelType: 'channel',
      text: `<@${fake.botUserId}> for the family`,
      botUserId: fake.botUserId,
      files: [fake.addFile({ name: 'family.jpg', bytes: await makeJpeg(64, 48, 131) })],
    });
    expect((await postEvent(endpoint, envelope, signing)).status).toBe(200);
    const [post] = await fake.waitFor('chat.postMessage', inChannel('C13'));
    const url = galleryLink(bodyText(post!))!;
    const slug = url.split('/g/')[1]!;

    expect(await openLikeABrowser(url)).toBe(200);
    await running.core.analytics.alerts.check();
    const [alert] = await fake.waitFor(
      'chat.postMessage',
      (call) => inChannel('C13')(call) && /opened for the first time/.test(bodyText(call)),
    );
    expect(bodyText(alert!)).toContain('Device: Desktop · Firefox');
    expect(actionIds(alert!)).toEqual(['maiimg_stats', 'maiimg_disable']);

    const responseUrl = fake.responseUrl();
    const press = buttonPress({
      user: 'U13',
      channel: 'C13',
      actionId: 'maiimg_disable',
      value: encodeButton('disable', slug),
      responseUrl,
      message: {
        ts: '1700000013.000100',
        text: bodyText(alert!),
        blocks: JSON.parse(String(alert!.body.blocks)) as unknown[],
      },
    });
    expect((await postInteraction(endpoint, press, signing)).status).toBe(200);
    const [notice] = await fake.waitFor('response', (call) => call.path === new URL(responseUrl).pathname);
    expect(String(notice!.body.text)).toContain('Link disabled');
    expect((await fetch(url)).status).toBe(410);
  });

  it('sends no first-open alert after /gallery alerts off', async () => {
    const { url, slug } = await galleryOf('U14', 'D14');
    const off = await command('U14', 'D14', `alerts ${url} off`);
    expect(String(off.body.text)).toContain('You will not be told when');
    expect(await openLikeABrowser(url)).toBe(200);
    const sent = await running.core.analytics.alerts.check();
    expect(sent.map((a) => a.slug)).not.toContain(slug);
    expect((await running.core.service.getGallery(slug)).openCount).toBe(1);
    expect(fake.callsOf('chat.postMessage', inChannel('D14'))).toEqual([]);
  });
  it('ignores files shared in a channel unless the app is mentioned', async () => {
    const ignored = fake.addFile({ name: 'ignored.jpg', bytes: await makeJpeg(64, 48, 201) });
    const taken = fake.addFile({ name: 'taken.jpg', bytes: await makeJpeg(64, 48, 202) });
    const share = (files: Array<Record<string, unknown>>, text: string) =>
      postEvent(
        endpoint,
        fileShareEnvelope({
          user: 'U20',
          channel: 'C20',
          channelType: 'channel',
          text,
          botUserId: fake.botUserId,
          files,
        }),
        signing,
      );
    expect((await share([ignored], 'look at this')).status).toBe(200);
    expect((await share([taken], `<@${fake.botUserId}> make a gallery`)).status).toBe(200);
    const [post] = await fake.waitFor('chat.postMessage', inChannel('C20'));
    expect(bodyText(post!)).toMatch(/\b1 image\b/);
    const [gallery] = await running.core.service.listGalleries(slackOwner('U20'));
    expect((await running.core.service.getGallery(gallery!.slug)).images.map((i) => i.originalName)).toEqual([
      'taken.jpg',
    ]);
    expect(fake.callsOf('download').some((d) => d.path.includes(String(ignored.id)))).toBe(false);
  });

  it('answers a Chinese-speaking user’s share in Chinese', async () => {
    await shareFiles('UZH', 'DZH2', [{ name: 'zh.jpg', bytes: await makeJpeg(64, 48, 211) }]);
    const [post] = await fake.waitFor('chat.postMessage', inChannel('DZH2'));
    expect(bodyText(post!)).toContain('相册已生成');
    expect(bodyText(post!)).toContain('1 张图片');
  });

  it('answers /gallery list with each gallery’s title, state and opens', async () => {
    const { url, slug } = await galleryOf('U21', 'D21');
    await running.core.service.updateSettings({
      owner: slackOwner('U21'),
      ref: slug,
      patch: { title: 'Team offsite' },
    });
    expect(await openLikeABrowser(url)).toBe(200);
    await command('U21', 'D21', `disable ${url}`);
    const list = await command('U21', 'D21', 'list');
    expect(list.body.response_type).toBe('ephemeral');
    expect(String(list.body.text)).toBe(`Team offsite · 1 image · disabled · 1 open · ${url}`);
  });

  it('sets expiry, open limit, password, downloads and title with /gallery sub-commands', async () => {
    const { url, slug } = await galleryOf('U22', 'C22');
    const gallery = () => running.core.service.getGallery(slug);
    expect(String((await command('U22', 'C22', `expire ${url} 2099-12-31`)).body.text)).toBe('Settings saved.');
    expect((await gallery()).settings.expiresAt?.toISOString()).toBe('2099-12-31T00:00:00.000Z');
    expect(String((await command('U22', 'C22', `expire ${url} never-ever`)).body.text)).toMatch(
      /^Invalid value for expiry/,
    );
    await command('U22', 'C22', `expire ${slug} off`);
    expect((await gallery()).settings.expiresAt).toBeNull();

    await command('U22', 'C22', `maxviews ${slug} 4`);
    expect((await gallery()).settings.maxOpens).toBe(4);
    await command('U22', 'C22', `maxviews ${slug} off`);
    expect((await gallery()).settings.maxOpens).toBeNull();

    // The command's text and its answer are seen by the sender alone, so a channel is fine for a password.
    expect(String((await command('U22', 'C22', `password ${slug} correct horse`)).body.text)).toBe('Settings saved.');
    expect((await fetch(url)).status).toBe(401);
    await command('U22', 'C22', `password ${slug} off`);
    expect((await fetch(url)).status).toBe(200);

    await command('U22', 'C22', `download ${slug} off`);
    expect((await gallery()).settings.downloadsAllowed).toBe(false);
    await command('U22', 'C22', `download ${slug} on`);
    expect((await gallery()).settings.downloadsAllowed).toBe(true);

    await command('U22', 'C22', `title ${slug} Board   meeting`);
    expect((await gallery()).title).toBe('Board meeting');
  });

  it('answers help, and an unknown sub-command, with the list of sub-commands', async () => {
    for (const text of ['help', '', 'frobnicate']) {
      const answer = String((await command('U23', 'D23', text)).body.text);
      expect(answer).toContain('/gallery list: your galleries');
      // Escaped for Slack's mrkdwn, where a bare < starts a link.
      expect(answer).toContain('/gallery title &lt;link&gt; &lt;text&gt;');
    }
  });

  it('refuses /gallery sub-commands about someone else’s gallery', async () => {
    const { url, slug } = await galleryOf('U24', 'C24');
    expect(String((await command('U25', 'C24', `disable ${url}`)).body.text)).toBe(errorMessage('en', 'NOT_OWNER'));
    expect(String((await command('U25', 'C24', `stats ${url}`)).body.text)).toBe(errorMessage('en', 'NOT_OWNER'));
    expect((await running.core.service.getGallery(slug)).settings.state).toBe('active');
  });

  it('asks to confirm /gallery delete; Cancel keeps the gallery and Yes deletes it', async () => {
    const { url, slug } = await galleryOf('U26', 'D26');
    const confirm = await command('U26', 'D26', `delete ${url}`);
    expect(String(confirm.body.text)).toMatch(/for good\? This cannot be undone/);
    expect(actionIds(confirm)).toEqual(['maiimg_delete-yes', 'maiimg_delete-no']);
    const press = async (action: 'delete-yes' | 'delete-no') => {
      const responseUrl = fake.responseUrl();
      const payload = buttonPress({
        user: 'U26',
        channel: 'D26',
        actionId: `maiimg_${action}`,
        value: encodeButton(action, slug),
        responseUrl,
        ephemeral: true,
      });
      expect((await postInteraction(endpoint, payload, signing)).status).toBe(200);
      const [answer] = await fake.waitFor('response', (call) => call.path === new URL(responseUrl).pathname);
      return answer!;
    };
    const kept = await press('delete-no');
    expect(kept.body.replace_original).toBe(true);
    expect(String(kept.body.text)).toBe('Kept. Nothing was deleted.');
    expect((await fetch(url)).status).toBe(200);
    const deleted = await press('delete-yes');
    expect(String(deleted.body.text)).toContain('Gallery deleted');
    expect((await fetch(url)).status).toBe(404);
  });

  it('puts a confirm dialog on the Delete button; once confirmed, the gallery is deleted and its message retired', async () => {
    await shareFiles('U27', 'D27', [{ name: 'doomed.jpg', bytes: await makeJpeg(64, 48, 271) }]);
    const [post] = await fake.waitFor('chat.postMessage', inChannel('D27'));
    const blocks = JSON.parse(String(post!.body.blocks)) as Array<{
      type: string;
      elements?: Array<{ action_id: string; confirm?: { title: { text: string }; confirm: { text: string } } }>;
    }>;
    const deleteButton = blocks
      .find((b) => b.type === 'actions')!
      .elements!.find((e) => e.action_id === 'maiimg_delete')!;
    expect(deleteButton.confirm).toMatchObject({
      title: { text: 'Delete this gallery?' },
      confirm: { text: 'Yes, delete' },
    });
    const url = galleryLink(bodyText(post!))!;
    const slug = url.split('/g/')[1]!;

    const press = buttonPress({
      user: 'U27',
      channel: 'D27',
      actionId: 'maiimg_delete',
      value: encodeButton('delete', slug),
      responseUrl: fake.responseUrl(),
      message: { ts: '1700000027.000100', text: bodyText(post!), blocks },
    });
    expect((await postInteraction(endpoint, press, signing)).status).toBe(200);
    const [update] = await fake.waitFor('chat.update', inChannel('D27'));
    expect(update!.body.ts).toBe('1700000027.000100');
    expect(bodyText(update!)).toContain('Gallery deleted');
    expect(actionIds(update!)).toEqual([]);
    expect((await fetch(url)).status).toBe(404);
  });

  it('answers the Stats button to the presser alone and flips Enable back to Disable', async () => {
    const { url, slug } = await galleryOf('U28', 'C28');
    const message = {
      ts: '1700000028.000100',
      text: `Your gallery is ready: ${url}`,
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: url } }],
    };
    const statsUrl = fake.responseUrl();
    await postInteraction(
      endpoint,
      buttonPress({
        user: 'U28',
        channel: 'C28',
        actionId: 'maiimg_stats',
        value: encodeButton('stats', slug),
        responseUrl: statsUrl,
        message,
      }),
      signing,
    );
    const [stats] = await fake.waitFor('response', (call) => call.path === new URL(statsUrl).pathname);
    expect(stats!.body.response_type).toBe('ephemeral');
    expect(stats!.body.replace_original).toBe(false);
    expect(String(stats!.body.text)).toContain('0 opens by 0 visitors');

    await command('U28', 'C28', `disable ${url}`);
    await postInteraction(
      endpoint,
      buttonPress({
        user: 'U28',
        channel: 'C28',
        actionId: 'maiimg_enable',
        value: encodeButton('enable', slug),
        responseUrl: fake.responseUrl(),
        message,
      }),
      signing,
    );
    const [update] = await fake.waitFor('chat.update', inChannel('C28'));
    expect(actionIds(update!)).toEqual(['maiimg_stats', 'maiimg_disable', 'maiimg_delete']);
    expect((await fetch(url)).status).toBe(200);
  });

  it('refuses a button press with a bad signature and does nothing', async () => {
    const { slug } = await galleryOf('U29', 'C29');
    const press = buttonPress({
      user: 'U29',
      channel: 'C29',
      actionId: 'maiimg_disable',
      value: encodeButton('disable', slug),
      responseUrl: fake.responseUrl(),
    });
    expect((await postInteraction(endpoint, press, { secret: 'not-the-secret' })).status).toBe(401);
    expect(
      (await postInteraction(endpoint, press, { secret: SECRET, timestamp: Math.floor(Date.now() / 1000) - 301 }))
        .status,
    ).toBe(401);
    expect((await running.core.service.getGallery(slug)).settings.state).toBe('active');
  });

  it('logs a Slack API failure while answering a share, and goes on serving', async () => {
    // chat.postMessage keeps failing: the WebClient's own retries run out.
    // ... in the channel and in the DM it falls back to.
    const fallback = fake.directMessageOf('U30');
    fake.failNext('chat.postMessage', {
      status: 500,
      times: 6,
      match: (call) => inChannel('D30')(call) || inChannel(fallback)(call),
    });
    await shareFiles('U30', 'D30', [{ name: 'lost.jpg', bytes: await makeJpeg(64, 48, 301) }]);
    await expect
      .poll(() => logs.messages().includes('chat: could not deliver the answer to a batch'), { timeout: 15_000 })
      .toBe(true);
    await shareFiles('U30', 'D30', [{ name: 'next.jpg', bytes: await makeJpeg(64, 48, 302) }]);
    const posted = await fake.waitFor('chat.postMessage', (call) => inChannel('D30')(call) && !call.failedWith);
    expect(bodyText(posted[0]!)).toMatch(/\b1 image\b/);
  });

  it('posted every message of this run with link and media unfurling off', () => {
    // Slack's unfurler would fetch the gallery; every message the app posts must say no.
    const posts = fake.callsOf('chat.postMessage', (call) => !call.failedWith);
    expect(posts.length).toBeGreaterThan(0);
    for (const post of posts)
      expect([post.body.unfurl_links, post.body.unfurl_media], bodyText(post)).toEqual(['false', 'false']);
  });
});

describe('Slack app (stopping)', () => {
  it('answers the share in hand before stop() returns', async () => {
    const stopDir = await mkdtemp(path.join(tmpdir(), 'maiimg-slack-stop-'));
    const port = await freePort();
    // A quiet window far longer than the test: only the graceful stop can close this batch.
    const server = await createRunningServer(
      testConfig(stopDir, {
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: `${fake.url}/api/`,
        PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
        PORT: String(port),
        BATCH_QUIET_MS: '600000',
        BATCH_MAX_WAIT_MS: '600000',
      }),
    );
    let stopped = false;
    try {
      const envelope = fileShareEnvelope({
        user: 'U90',
        channel: 'D90',
        botUserId: fake.botUserId,
        files: [fake.addFile({ name: 'last.jpg', bytes: await makeJpeg(64, 48, 901) })],
      });
      expect((await postEvent(`http://127.0.0.1:${port}/slack/events`, envelope, signing)).status).toBe(200);
      // The event is acknowledged before it is handled: wait until the handler has put the file in a
      // batch window (open for ten minutes: any window due before then is this one).
      await vi.waitFor(async () => expect(await server.core.shared.batchWindows.overdue(-600_000)).toHaveLength(1), {
        timeout: 20_000,
      });
      expect(fake.callsOf('chat.postMessage', inChannel('D90'))).toEqual([]);
      await server.stop();
      stopped = true;
      const posts = fake.callsOf('chat.postMessage', inChannel('D90'));
      expect(posts).toHaveLength(1);
      expect(bodyText(posts[0]!)).toMatch(/\b1 image\b/);
      expect(fake.callsOf('files.completeUploadExternal', inChannel('D90'))).toHaveLength(1);
    } finally {
      if (!stopped) await server.stop();
      await rm(stopDir, { recursive: true, force: true });
    }
  });
});

it('reached no host but the loopback fakes during this file', () => {
  expect(network.attempts).toEqual([]);
  network.restore();
});
