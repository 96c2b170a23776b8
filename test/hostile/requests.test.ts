import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunningServer, type RunningServer } from '../../cli/server.js';
import { t } from '../../core/messages.js';
import type { Gallery, Owner } from '../../core/types.js';
import { commandFields, postCommand, postSigned, slackSignature } from '../bots/slack/slack-requests.js';
import { startFakeSlackApi, type FakeSlackApi } from '../fakes/slack-api.js';
import { FakeTelegramBotApi } from '../fakes/telegram-bot-api.js';
import { makeJpeg } from '../helpers/images.js';
import { replyText, waitForReply } from '../helpers/telegram-replies.js';
import { freePort, testConfig } from '../helpers/test-core.js';
import { followLoginLink } from '../helpers/login-link.js';
import { CHROME_UA, startWeb } from '../web/web-harness.js';

/**
 * Requests nobody legitimate sends: forged or tampered Slack signatures, Telegram webhook calls
 * without the secret, dashboard links altered, confused or expired, and slugs guessed at random.
 * Each is refused, changes nothing, and the process keeps serving the genuine requests after it.
 */

const SLACK_TOKEN = 'xoxb-hostile-0000-token';
const SLACK_SECRET = 'hostile-test-signing-secret';
const TELEGRAM_SECRET = 'the-webhook-secret-0123456789';
const owner: Owner = { platform: 'cli', userId: 'hostile-owner' };

let slack: FakeSlackApi;
let telegram: FakeTelegramBotApi;
let running: RunningServer;
let dir: string;
let base: string;
let gallery: Gallery;
let disabled: Gallery;

beforeAll(async () => {
  slack = await startFakeSlackApi({ botToken: SLACK_TOKEN });
  telegram = await FakeTelegramBotApi.start();
  dir = await mkdtemp(path.join(tmpdir(), 'maiimg-hostile-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  running = await createRunningServer(
    testConfig(dir, {
      PUBLIC_BASE_URL: base,
      PORT: String(port),
      SLACK_BOT_TOKEN: SLACK_TOKEN,
      SLACK_SIGNING_SECRET: SLACK_SECRET,
      SLACK_API_URL: `${slack.url}/api/`,
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_API_ROOT: telegram.url,
      TELEGRAM_WEBHOOK_URL: `${base}/telegram/webhook`,
      TELEGRAM_WEBHOOK_SECRET: TELEGRAM_SECRET,
      // Requests carry X-Forwarded-For, as behind a reverse proxy, so one test can be many clients.
      TRUST_PROXY: 'loopback',
      NOT_FOUND_RATE_LIMIT: '5/1m',
    }),
    { analyticsJobs: false },
  );
  await telegram.waitForCall('setWebhook');
  gallery = (
    await running.core.service.createGallery({ owner, files: [{ name: 'a.jpg', data: await makeJpeg(50, 40, 1) }] })
  ).gallery!;
  disabled = (
    await running.core.service.createGallery({ owner, files: [{ name: 'b.jpg', data: await makeJpeg(50, 40, 2) }] })
  ).gallery!;
  await running.core.service.setLinkState({ owner, ref: disabled.slug, state: 'disabled' });
});

afterAll(async () => {
  await running?.stop();
  await slack?.close();
  await telegram?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const from = (ip: string, extra: Record<string, string> = {}) => ({
  'user-agent': CHROME_UA,
  'x-forwarded-for': ip,
  ...extra,
});
const get = (pathname: string, headers: Record<string, string> = {}) =>
  fetch(base + pathname, { headers, redirect: 'manual' });
const randomSlug = () => randomBytes(16).toString('base64url').slice(0, 22);

describe('slugs guessed at random', () => {
  it('answers 429 to a client after NOT_FOUND_RATE_LIMIT unknown galleries, for further unknown addresses, until the window ends', async () => {
    const guesser = from('203.0.113.7');
    const misses = [
      `/g/${randomSlug()}`,
      `/g/${randomSlug()}`,
      '/g/not-a-slug',
      `/g/${randomSlug()}/i/0/original`,
      `/g/${randomSlug()}/download.zip`,
    ];
    for (const miss of misses) expect((await get(miss, guesser)).status, miss).toBe(404);
    const blocked = await get(`/g/${randomSlug()}`, guesser);
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('cache-control')).toBe('no-store');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await blocked.text()).toContain(t('en', 'web.tooMany.body'));
    // A gallery that exists is never refused, not even to the scanner: a shared address (an office,
    // a carrier's NAT) must not lock everyone behind it out of real links.
    expect((await get(`/g/${gallery.slug}`, guesser)).status).toBe(200);
    expect((await get(`/g/${gallery.slug}/i/0/480.webp`, guesser)).status).toBe(200);
    // Other clients are not affected, and the rest of the site serves the guesser too.
    expect((await get(`/g/${gallery.slug}`, from('198.51.100.20'))).status).toBe(200);
    expect((await get('/healthz', guesser)).status).toBe(200);
  });

  it('never counts real galleries, disabled or not, against a client', async () => {
    const visitor = from('198.51.100.30');
    for (let i = 0; i < 12; i++) {
      expect((await get(`/g/${gallery.slug}`, visitor)).status).toBe(200);
      expect((await get(`/g/${disabled.slug}`, visitor)).status).toBe(410);
    }
  });

  it('does not count missing image positions or variants of a real gallery', async () => {
    const visitor = from('198.51.100.31');
    for (let i = 0; i < 12; i++) {
      expect((await get(`/g/${gallery.slug}/i/${90 + i}/480.webp`, visitor)).status).toBe(404);
      expect((await get(`/g/${gallery.slug}/i/0/huge.png`, visitor)).status).toBe(404);
    }
    expect((await get(`/g/${randomSlug()}`, visitor)).status).toBe(404);
    expect((await get(`/g/${gallery.slug}`, visitor)).status).toBe(200);
  });

  it('can be turned off', async () => {
    const web = await startWeb({ NOT_FOUND_RATE_LIMIT: 'off' });
    try {
      const statuses = new Set<number>();
      for (let i = 0; i < 40; i++) statuses.add((await web.get(`/g/${randomSlug()}`)).status);
      expect([...statuses]).toEqual([404]);
    } finally {
      await web.stop();
    }
  });
});

describe('forged Slack requests', () => {
  const endpoint = () => `${base}/slack/events`;
  const list = (user: string, responseUrl: string) =>
    new URLSearchParams(commandFields({ text: 'list', user, channel: `D${user}`, responseUrl })).toString();
  const FORM = 'application/x-www-form-urlencoded';

  it('refuses tampered, re-timed, unsigned and wrongly signed requests, and acts on none of them', async () => {
    const responseUrl = slack.responseUrl();
    const now = Math.floor(Date.now() / 1000);
    const genuine = list('UGOOD', responseUrl);
    const tampered = list('UEVIL', responseUrl);
    const attempts: Array<[string, Promise<Response>]> = [
      // A real signature, on a body changed afterwards.
      [
        'tampered body',
        postSigned(endpoint(), tampered, FORM, {
          secret: SLACK_SECRET,
          signature: slackSignature(SLACK_SECRET, now, genuine),
        }),
      ],
      // A real signature, with the timestamp header moved (replaying it later).
      [
        'moved timestamp',
        postSigned(endpoint(), genuine, FORM, {
          secret: SLACK_SECRET,
          timestamp: now + 1,
          signature: slackSignature(SLACK_SECRET, now, genuine),
        }),
      ],
      [
        'another scheme',
        postSigned(endpoint(), genuine, FORM, {
          secret: SLACK_SECRET,
          signature: slackSignature(SLACK_SECRET, now, genuine).replace('v0=', 'v1='),
        }),
      ],
      ['empty signature', postSigned(endpoint(), genuine, FORM, { secret: SLACK_SECRET, signature: '' })],
      ['another secret', postSigned(endpoint(), genuine, FORM, { secret: 'guessed-secret' })],
      ['no headers', fetch(endpoint(), { method: 'POST', headers: { 'content-type': FORM }, body: genuine })],
    ];
    for (const [name, attempt] of attempts) expect((await attempt).status, name).toBe(401);
    expect(slack.callsOf('response', (c) => c.path === new URL(responseUrl).pathname)).toHaveLength(0);

    // The genuine request, signed properly, still works.
    const ok = await postCommand(
      endpoint(),
      commandFields({ text: 'list', user: 'UGOOD', channel: 'DUGOOD', responseUrl }),
      { secret: SLACK_SECRET },
    );
    expect(ok.status).toBe(200);
    const [answer] = await slack.waitFor('response', (c) => c.path === new URL(responseUrl).pathname);
    expect(String(answer!.body.text)).toContain(t('en', 'list.empty'));
    // Rather than a fixed wait for replies to the refused calls: by the time the genuine one is
    // answered, none of them has been answered (there is exactly one answer).
    expect(slack.callsOf('response', (c) => c.path === new URL(responseUrl).pathname)).toHaveLength(1);
  });
});

describe('Telegram webhook calls without the secret', () => {
  const hook = () => `${base}/telegram/webhook`;
  const update = (id: number, text: string) => ({
    update_id: id,
    message: {
      message_id: id,
      date: Math.floor(Date.now() / 1000),
      chat: { id: 8080, type: 'private' },
      from: { id: 8080, is_bot: false, first_name: 'x', language_code: 'en' },
      text,
      entities: [{ type: 'bot_command', offset: 0, length: text.split(' ')[0]!.length }],
    },
  });
  const post = (body: string, headers: Record<string, string> = {}, query = '') =>
    fetch(hook() + query, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  it('refuses every call that does not carry the exact secret in its header, and acts on none', async () => {
    const body = JSON.stringify(update(101, '/list'));
    const attempts: Array<[string, Promise<Response>]> = [
      ['no secret', post(body)],
      ['wrong secret', post(body, { 'x-telegram-bot-api-secret-token': 'wrong' })],
      ['a prefix of the secret', post(body, { 'x-telegram-bot-api-secret-token': TELEGRAM_SECRET.slice(0, -1) })],
      ['the secret with more after it', post(body, { 'x-telegram-bot-api-secret-token': `${TELEGRAM_SECRET}x` })],
      ['the secret in the query string', post(body, {}, `?secret_token=${TELEGRAM_SECRET}`)],
      ['the secret in another header', post(body, { authorization: `Bearer ${TELEGRAM_SECRET}` })],
      [
        '2 MB without the secret',
        post(JSON.stringify({ ...update(102, '/list'), padding: 'x'.repeat(2 * 1024 * 1024) })),
      ],
    ];
    // A body over the 1 MB cap is refused before it is read (413), like any other request body.
    for (const [name, attempt] of attempts)
      expect((await attempt).status, name).toBe(name.startsWith('2 MB') ? 413 : 401);
    expect(telegram.callsTo('sendMessage').filter((c) => Number(c.params.chat_id) === 8080)).toHaveLength(0);

    const since = telegram.calls.length;
    expect(
      (await post(JSON.stringify(update(103, '/list')), { 'x-telegram-bot-api-secret-token': TELEGRAM_SECRET })).status,
    ).toBe(200);
    const reply = await waitForReply(telegram, (c) => Number(c.params.chat_id) === 8080, { since });
    expect(replyText(reply)).toContain(t('en', 'list.empty'));
    // Updates are handled in order: once the genuine one is answered, the refused ones got no reply.
    expect(telegram.callsTo('sendMessage').filter((c) => Number(c.params.chat_id) === 8080)).toHaveLength(1);
  });
});

describe('dashboard links tampered with or expired', () => {
  const login = (token: string) => followLoginLink(base, `/dashboard/login?token=${encodeURIComponent(token)}`);
  const tokenOf = (url: string) => new URL(url).searchParams.get('token')!;
  const reencode = (token: string, change: (payload: Record<string, unknown>) => void) => {
    const [body, mac] = token.split('.');
    const payload = JSON.parse(Buffer.from(body!, 'base64url').toString('utf8')) as Record<string, unknown>;
    change(payload);
    return `${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${mac}`;
  };

  it('refuses altered, confused, foreign and expired tokens without a session, and accepts the genuine one', async () => {
    const token = tokenOf(running.core.dashboardLink(owner).url);
    const [body, mac] = token.split('.') as [string, string];
    const genuine = await login(token);
    expect(genuine.status).toBeLessThan(400);
    const session = genuine.headers.getSetCookie().find((c) => c.startsWith('maiimg_dash='))!;
    const sessionToken = decodeURIComponent(session.split(';')[0]!.slice('maiimg_dash='.length));

    // Another site (another SESSION_SECRET) signs its own links.
    const other = await startWeb({ SESSION_SECRET: 'another-site-secret' });
    const foreign = tokenOf(other.core.dashboardLink(owner).url);
    await other.stop();

    const bad: Array<[string, string]> = [
      ['another user in the payload', reencode(token, (p) => (p.u = 'someone-else'))],
      ['another platform in the payload', reencode(token, (p) => (p.p = 'telegram'))],
      ['a later expiry in the payload', reencode(token, (p) => (p.e = Number(p.e) + 86_400_000))],
      ['a session cookie used as a link', sessionToken],
      ['a link from another site', foreign],
      ['a third part', `${token}.extra`],
      ['the signature alone', mac],
      ['the payload alone', body],
      ['empty', ''],
      ['8 KB of garbage', 'A'.repeat(8000)],
      ['a flipped signature', `${body}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`],
    ];
    for (const [name, value] of bad) {
      const response = await login(value);
      expect(response.status, name).toBe(401);
      expect(
        response.headers.getSetCookie().some((c) => c.startsWith('maiimg_dash=')),
        name,
      ).toBe(false);
    }
    // A magic link is not a session either.
    expect((await get('/dashboard', { cookie: `maiimg_dash=${encodeURIComponent(token)}` })).status).toBe(401);
    expect((await get('/dashboard', { cookie: session.split(';')[0]! })).status).toBe(200);
  });

  it('refuses a link once DASHBOARD_LINK_TTL has passed', async () => {
    let now = new Date('2026-06-01T12:00:00Z');
    const web = await startWeb({ DASHBOARD_LINK_TTL: '10m' }, { clock: { now: () => now } });
    try {
      const url = new URL(web.core.dashboardLink(owner).url);
      now = new Date(now.getTime() + 11 * 60_000);
      const response = await followLoginLink(web.base, url.pathname + url.search);
      expect(response.status).toBe(401);
      expect(response.headers.getSetCookie().some((c) => c.startsWith('maiimg_dash='))).toBe(false);
    } finally {
      await web.stop();
    }
  });
});
