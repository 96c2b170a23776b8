import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunningServer, type RunningServer } from '../../cli/server.js';
import { t } from '../../core/messages.js';
import type { Gallery, Owner } from '../../core/types.js';
import { commandFields, postCommand } from '../bots/slack/slack-requests.js';
import { FakeDiscord } from '../fakes/discord-api.js';
import { startFakeSlackApi, type FakeSlackApi } from '../fakes/slack-api.js';
import { FakeTelegramBotApi, type FakeUser } from '../fakes/telegram-bot-api.js';
import { makeJpeg, svgFile } from '../helpers/images.js';
import { replyText, waitForReply } from '../helpers/telegram-replies.js';
import { freePort, testConfig } from '../helpers/test-core.js';
import { CHROME_UA } from '../web/web-harness.js';

/**
 * Hostile text: file names that try to climb directories, hide with NUL or right-to-left marks, or
 * run to 300 characters; titles and captions carrying HTML and script. Names are cleaned to what
 * a person can read, and every title is shown as text wherever it appears: gallery page, preview
 * tags, dashboard, downloads, and the replies of all three bots.
 */

const SCRIPT_TITLE = `<script>alert('t')</script><img src=x onerror="alert(2)"> & <!channel> @everyone`;
const SLACK_TOKEN = 'xoxb-names-0000-token';
const SLACK_SECRET = 'names-test-signing-secret';

let telegram: FakeTelegramBotApi;
let slack: FakeSlackApi;
let discord: FakeDiscord;
let running: RunningServer;
let dir: string;
let base: string;

beforeAll(async () => {
  telegram = await FakeTelegramBotApi.start();
  slack = await startFakeSlackApi({ botToken: SLACK_TOKEN });
  discord = await FakeDiscord.start();
  dir = await mkdtemp(path.join(tmpdir(), 'maiimg-names-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  running = await createRunningServer(
    testConfig(dir, {
      PUBLIC_BASE_URL: base,
      PORT: String(port),
      BATCH_QUIET_MS: '300',
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_API_ROOT: telegram.url,
      SLACK_BOT_TOKEN: SLACK_TOKEN,
      SLACK_SIGNING_SECRET: SLACK_SECRET,
      SLACK_API_URL: `${slack.url}/api/`,
      DISCORD_BOT_TOKEN: 'fake-discord-token',
      DISCORD_APPLICATION_ID: discord.applicationId,
      DISCORD_API_URL: discord.restUrl,
      DISCORD_CDN_HOSTS: '127.0.0.1',
    }),
    { analyticsJobs: false },
  );
  await discord.whenReady();
}, 120_000);

afterAll(async () => {
  await running?.stop();
  await telegram?.close();
  await slack?.close();
  await discord?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const get = (pathname: string, headers: Record<string, string> = {}) =>
  fetch(base + pathname, { headers: { 'user-agent': CHROME_UA, ...headers }, redirect: 'manual' });

/** No character a file system or a terminal treats specially, no lone half of a surrogate pair. */
function isReadableName(name: string): boolean {
  return (
    // eslint-disable-next-line no-control-regex
    !/[\u0000-\u001f\u007f\u200e\u200f\u202a-\u202e\u2066-\u2069/\\]/.test(name) &&
    !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(name) &&
    name !== '.' &&
    name !== '..'
  );
}

describe('hostile file names', () => {
  const owner: Owner = { platform: 'cli', userId: 'names' };
  const emoji = '\u{1F600}';
  const names = [
    '../../../etc/passwd.jpg',
    '..\\..\\windows\\win.ini.jpg',
    'nul\u0000byte.jpg',
    'invoice\u202Egpj.exe',
    'rlm\u200F\u200Emarks.jpg',
    'a'.repeat(300) + '.jpg',
    // An odd prefix so a cut at 120 UTF-16 units falls inside a pair.
    'x' + emoji.repeat(150) + '.jpg',
    '..',
  ];
  let gallery: Gallery;

  beforeAll(async () => {
    const files = await Promise.all(
      names.map(async (name, index) => ({ name, data: await makeJpeg(30, 20, 60 + index) })),
    );
    gallery = (await running.core.service.createGallery({ owner, files })).gallery!;
  });

  it('keeps only a readable base name, at most 120 characters', () => {
    const stored = gallery.images.map((image) => image.originalName);
    expect(stored).toHaveLength(names.length);
    for (const name of stored) {
      expect(isReadableName(name), JSON.stringify(name)).toBe(true);
      expect([...name].length).toBeLessThanOrEqual(120);
    }
    expect(stored.slice(0, 5)).toEqual(['passwd.jpg', 'win.ini.jpg', 'nulbyte.jpg', 'invoicegpj.exe', 'rlmmarks.jpg']);
    // Long names are cut to 120 characters, never inside an emoji, keeping the extension.
    expect(stored[5]).toBe('a'.repeat(116) + '.jpg');
    expect(stored[6]).toBe('x' + emoji.repeat(115) + '.jpg');
    expect(stored[7]).toBe('file-8');
  });

  it('downloads each original under a safe file name', async () => {
    for (const image of gallery.images) {
      const response = await get(`/g/${gallery.slug}/i/${image.position}/original`);
      expect(response.status, image.originalName).toBe(200);
      const disposition = response.headers.get('content-disposition') ?? '';
      expect(disposition).toMatch(/^attachment;/);
      expect(disposition).not.toMatch(/\.\.|\/|\\/);
      await response.arrayBuffer();
    }
  });

  it('builds the ZIP with flat, readable entry names', async () => {
    const zip = Buffer.from(await (await get(`/g/${gallery.slug}/download.zip`)).arrayBuffer());
    const entries: string[] = [];
    for (let at = zip.indexOf('PK\x01\x02', 0, 'latin1'); at >= 0; at = zip.indexOf('PK\x01\x02', at + 4, 'latin1')) {
      const nameLength = zip.readUInt16LE(at + 28);
      const extra = zip.readUInt16LE(at + 30);
      const comment = zip.readUInt16LE(at + 32);
      entries.push(zip.toString('utf8', at + 46, at + 46 + nameLength));
      at += 46 + nameLength + extra + comment - 4;
    }
    expect(entries).toHaveLength(names.length);
    for (const entry of entries) expect(isReadableName(entry), entry).toBe(true);
  });

  it('names a rejected file by its cleaned name in the reply', async () => {
    const outcome = await running.core.service.createGallery({
      owner,
      files: [
        { name: '<img src=x onerror=alert(1)>\u202E.svg', data: svgFile() },
        { name: 'fine.jpg', data: await makeJpeg(20, 20, 99) },
      ],
    });
    // Kept as the text it is; each adapter renders it as text (see the title tests below).
    expect(outcome.rejected.map((r) => r.file)).toEqual(['<img src=x onerror=alert(1)>.svg']);
  });
});

describe('titles and captions carrying HTML and script', () => {
  const user: FakeUser = { id: 6161, first_name: 'eve', language_code: 'en' };
  let slug: string;

  beforeAll(async () => {
    // The caption of a Telegram photo becomes the gallery's title.
    const since = telegram.calls.length;
    telegram.userSends({ from: user, photo: await makeJpeg(40, 30, 5), caption: SCRIPT_TITLE });
    const reply = await waitForReply(
      telegram,
      (c) => c.method === 'sendPhoto' && Number(c.params.chat_id) === user.id,
      { since },
    );
    slug = /\/g\/([A-Za-z0-9_-]{22})/.exec(replyText(reply))![1]!;
  });

  const rawScript = /<script>alert|<img src=x|onerror="/i;

  it('stores the title as plain text', async () => {
    const gallery = await running.core.service.getGallery(slug);
    expect(gallery.title).toBe(SCRIPT_TITLE);
  });

  it('escapes it on the gallery page: title, heading and preview tags', async () => {
    const html = await (await get(`/g/${slug}`)).text();
    expect(html).not.toMatch(rawScript);
    expect(html).toContain(
      '<title>&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt;&lt;img src=x onerror=&quot;alert(2)&quot;&gt; &amp; &lt;!channel&gt; @everyone</title>',
    );
    expect(html).toContain('<meta property="og:title" content="&lt;script&gt;');
    expect(html).toContain('<h1>&lt;script&gt;');
  });

  it('escapes it on the owner dashboard', async () => {
    const owner: Owner = { platform: 'telegram', userId: String(user.id) };
    const login = new URL(running.core.dashboardLink(owner).url);
    const loggedIn = await get(login.pathname + login.search);
    const cookie = loggedIn.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    for (const page of ['/dashboard', `/dashboard/g/${slug}`]) {
      const response = await get(page, { cookie });
      expect(response.status, page).toBe(200);
      const html = await response.text();
      expect(html, page).not.toMatch(rawScript);
      expect(html, page).toContain('&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt;');
    }
  });

  it('sends it to Telegram as plain text, never as HTML or Markdown', async () => {
    const since = telegram.calls.length;
    telegram.userSends({ from: user, text: '/list' });
    const reply = await waitForReply(
      telegram,
      (c) => c.method === 'sendMessage' && Number(c.params.chat_id) === user.id,
      { since },
    );
    expect(replyText(reply)).toContain(SCRIPT_TITLE);
    for (const call of telegram.calls.filter((c) => Number(c.params.chat_id) === user.id))
      expect(call.params.parse_mode, call.method).toBeUndefined();
  });

  it('escapes it for Slack, where <!channel> would notify everyone', async () => {
    const slackOwner: Owner = { platform: 'slack', userId: 'UEVE', chatId: 'DUEVE' };
    const made = await running.core.service.createGallery({
      owner: slackOwner,
      files: [{ name: 'a.jpg', data: await makeJpeg(30, 30, 8) }],
      options: { title: SCRIPT_TITLE },
    });
    const responseUrl = slack.responseUrl();
    await postCommand(
      `${base}/slack/events`,
      commandFields({ text: 'list', user: 'UEVE', channel: 'DUEVE', responseUrl }),
      { secret: SLACK_SECRET },
    );
    const [answer] = await slack.waitFor('response', (c) => c.path === new URL(responseUrl).pathname);
    const text = String(answer!.body.text);
    expect(text).toContain(made.gallery!.slug);
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).toContain('&lt;script&gt;');
    expect(text).not.toMatch(/<!channel>|<script/);
  });

  it('lets no title mention anyone on Discord', async () => {
    const image = discord.addAttachment({ name: 'a.jpg', data: await makeJpeg(30, 30, 9), contentType: 'image/jpeg' });
    const interaction = discord.slashCommand(discord.user('eve'), 'upload', { image1: image, title: SCRIPT_TITLE });
    const final = await discord.waitForReplyEdit(interaction, (call) => /\/g\//.test(call.json?.content ?? ''));
    expect(final.json.allowed_mentions).toMatchObject({ parse: [] });
    const discordSlug = /\/g\/([A-Za-z0-9_-]{22})/.exec(final.json.content as string)![1]!;
    expect((await running.core.service.getGallery(discordSlug)).title).toBe(SCRIPT_TITLE);
  });

  it('drops characters that reorder or hide text around a title', async () => {
    const owner: Owner = { platform: 'cli', userId: 'bidi' };
    const made = await running.core.service.createGallery({
      owner,
      files: [{ name: 'a.jpg', data: await makeJpeg(20, 20, 10) }],
      options: { title: 'safe\u202Etxt.exe\u0000\u2066x' },
    });
    expect(made.gallery!.title).toBe('safe txt.exe x');
    expect(t('en', 'untitled')).not.toBe('');
  });
});
