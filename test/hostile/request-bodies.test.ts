import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunningServer, type RunningServer } from '../../cli/server.js';
import { commandFields, postCommand } from '../bots/slack/slack-requests.js';
import { startFakeSlackApi, type FakeSlackApi } from '../fakes/slack-api.js';
import { freePort, testConfig } from '../helpers/test-core.js';
import { pushBody, trickleBody } from '../helpers/raw-http.js';
import { BODY_DEADLINE_MS } from '../../gallery-web/body-limit.js';

/**
 * Bodies nobody legitimate sends: huge POSTs to the Slack endpoint and to routes that read small
 * forms. None may be read whole into memory before it is refused.
 */

const SLACK_TOKEN = 'xoxb-bodies-0000-token';
const SLACK_SECRET = 'bodies-test-signing-secret';
const MiB = 1024 * 1024;
/** What the loopback socket buffers may hold beyond what the server actually read. */
const SOCKET_SLACK = 16 * MiB;

let slack: FakeSlackApi;
let running: RunningServer;
let dir: string;
let port: number;

beforeAll(async () => {
  slack = await startFakeSlackApi({ botToken: SLACK_TOKEN });
  dir = await mkdtemp(path.join(tmpdir(), 'maiimg-bodies-'));
  port = await freePort();
  running = await createRunningServer(
    testConfig(dir, {
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      PORT: String(port),
      SLACK_BOT_TOKEN: SLACK_TOKEN,
      SLACK_SIGNING_SECRET: SLACK_SECRET,
      SLACK_API_URL: `${slack.url}/api/`,
    }),
    { analyticsJobs: false },
  );
});

afterAll(async () => {
  await running?.stop();
  await slack?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const signedLooking = {
  'Content-Type': 'application/json',
  'X-Slack-Signature': 'v0=0000000000000000000000000000000000000000000000000000000000000000',
  'X-Slack-Request-Timestamp': String(Math.floor(Date.now() / 1000)),
};

describe('the Slack endpoint in HTTP mode', () => {
  it('refuses an unsigned 400 MB POST before reading its body', async () => {
    const pushed = await pushBody({
      port,
      path: '/slack/events',
      headers: { 'Content-Type': 'application/json' },
      totalBytes: 400 * MiB,
    });
    expect([401, 413]).toContain(pushed.status);
    expect(pushed.bytesSent).toBeLessThan(SOCKET_SLACK);
  });

  it('refuses an unsigned chunked POST with 401 before reading its body', async () => {
    const pushed = await pushBody({
      port,
      path: '/slack/events',
      headers: { 'Content-Type': 'application/json' },
      totalBytes: 400 * MiB,
      chunked: true,
    });
    expect(pushed.status).toBe(401);
    expect(pushed.bytesSent).toBeLessThan(SOCKET_SLACK);
  });

  it('refuses a signed-looking body declared over 1 MB with 413 before reading it', async () => {
    const pushed = await pushBody({ port, path: '/slack/events', headers: signedLooking, totalBytes: 50 * MiB });
    expect(pushed.status).toBe(413);
    expect(pushed.bytesSent).toBeLessThan(SOCKET_SLACK);
  });

  it('stops reading a chunked body at 1 MB and answers 413', async () => {
    const pushed = await pushBody({
      port,
      path: '/slack/events',
      headers: signedLooking,
      totalBytes: 50 * MiB,
      chunked: true,
    });
    expect(pushed.status).toBe(413);
    expect(pushed.bytesSent).toBeLessThan(SOCKET_SLACK);
  });

  it('still acts on a genuine signed slash command', async () => {
    const responseUrl = slack.responseUrl();
    const ok = await postCommand(
      `http://127.0.0.1:${port}/slack/events`,
      commandFields({ text: 'list', user: 'UBODY', channel: 'DUBODY', responseUrl }),
      { secret: SLACK_SECRET },
    );
    expect(ok.status).toBe(200);
    await slack.waitFor('response', (c) => c.path === new URL(responseUrl).pathname);
  });
});

describe('other routes that read a body', () => {
  it('refuse a body declared over 1 MB with 413 before reading it, wherever it is sent', async () => {
    for (const target of ['/g/abcdefgh/password', '/dashboard/login', '/no-such-route', '/telegram/webhook']) {
      const pushed = await pushBody({
        port,
        path: target,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        totalBytes: 200 * MiB,
      });
      expect(pushed.status, target).toBe(413);
      expect(pushed.bytesSent, target).toBeLessThan(SOCKET_SLACK);
    }
  });
});

describe('slow request bodies', () => {
  it('cuts a body trickled to a form route within seconds, and leaves a slow upload alone', async () => {
    const slowForm = trickleBody({
      port,
      path: '/dashboard/login',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      declaredBytes: 4000,
      everyMs: 250,
    });
    const slowUpload = trickleBody({
      port,
      path: '/upload',
      headers: { 'Content-Type': 'multipart/form-data; boundary=----trickle' },
      declaredBytes: 10 * MiB,
      everyMs: 250,
    });
    try {
      const openFor = await slowForm.closed;
      expect(openFor).toBeGreaterThanOrEqual(BODY_DEADLINE_MS - 500);
      expect(openFor).toBeLessThan(BODY_DEADLINE_MS + 5_000);
      expect(slowUpload.isOpen()).toBe(true);
    } finally {
      slowForm.stop();
      slowUpload.stop();
    }
  }, 40_000);
});
