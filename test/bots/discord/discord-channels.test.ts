import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PermissionFlagsBits } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunningServer, type RunningServer } from '../../../cli/server.js';
import { t } from '../../../core/messages.js';
import { FakeDiscord, type FakeUser, type RecordedCall } from '../../fakes/discord-api.js';
import { makeJpeg } from '../../helpers/images.js';
import { freePort, testConfig } from '../../helpers/test-core.js';
import { allowOnlyLoopback } from '../loopback-only.js';

allowOnlyLoopback();

/**
 * The Discord bot where real servers differ from a friendly DM: replies refused (403 Missing
 * Permissions, 400 unknown message reference), permissions missing in a channel, a gateway that
 * fails the first login, long answers and user text with markdown in it.
 */

const SUPPRESS_EMBEDS = 1 << 2;
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

  it('posts without the reference when the message it answers is gone (400 unknown message reference)', async () => {
    const ann = h.fake.user('ann');
    const since = h.fake.calls.length;
    h.fake.failNext('POST', /^\/channels\/\d+\/messages$/, {
      status: 400,
      body: {
        message: 'Invalid Form Body',
        code: 50035,
        errors: {
          message_reference: { _errors: [{ code: 'MESSAGE_REFERENCE_UNKNOWN_MESSAGE', message: 'Unknown message' }] },
        },
      },
      when: (json) => Boolean(json?.message_reference),
    });
    h.fake.sendMessage(ann, { attachments: [await photoOf(ann, 1)] });
    const plain = await h.fake.waitForCall(
      (c) => postsTo(h.fake.channelId)(c) && !c.failedWith && !c.json?.message_reference,
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
