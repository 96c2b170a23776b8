import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRunningServer } from '../../cli/server.js';
import { startServerProcess } from '../helpers/server-process.js';
import { freePort, testConfig } from '../helpers/test-core.js';
import { allowOnlyLoopback } from './loopback-only.js';

/** Which bots `npm start` runs follows from the tokens that are set, and nothing else. */
async function botsStartedWith(env: Record<string, string>): Promise<string[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'maiimg-bot-startup-'));
  const port = await freePort();
  const running = await createRunningServer(
    testConfig(dir, { PORT: String(port), PUBLIC_BASE_URL: `http://127.0.0.1:${port}`, ...env }),
  );
  try {
    return running.bots.map((bot) => bot.name);
  } finally {
    await running.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

describe('which bots start', () => {
  it('starts none without tokens, and none with only half of what a bot needs', async () => {
    const network = allowOnlyLoopback();
    try {
      expect(await botsStartedWith({})).toEqual([]);
      expect(await botsStartedWith({ TELEGRAM_BOT_TOKEN: '' })).toEqual([]);
      expect(await botsStartedWith({ DISCORD_BOT_TOKEN: 'discord-token' })).toEqual([]);
      expect(await botsStartedWith({ DISCORD_APPLICATION_ID: '700000000000000001' })).toEqual([]);
      expect(await botsStartedWith({ SLACK_BOT_TOKEN: 'xoxb-1-2-token' })).toEqual([]);
      expect(await botsStartedWith({ SLACK_SIGNING_SECRET: 'secret' })).toEqual([]);
      // None of them tried to reach its platform.
      expect(network.attempts).toEqual([]);
    } finally {
      network.restore();
    }
  });
});

describe('what `maiimg serve` loads', () => {
  const LOG_PACKAGES = path.resolve('test/helpers/log-packages.mjs');
  const SDKS = { telegram: 'telegraf', discord: 'discord.js', slack: '@slack/bolt' } as const;

  async function packagesLoadedBy(env: Record<string, string>): Promise<{ bots: string; loaded: string[] }> {
    const dir = await mkdtemp(path.join(tmpdir(), 'maiimg-serve-loads-'));
    const port = await freePort();
    const server = await startServerProcess(
      'serve',
      { PORT: String(port), DATA_DIR: dir, LOG_LEVEL: 'info', ...env },
      { nodeArgs: ['--import', LOG_PACKAGES] },
    );
    try {
      await server.stop();
      const output = server.output();
      return {
        bots: /"bots":\[([^\]]*)\]/.exec(output)?.[1] ?? '',
        loaded: [...output.matchAll(/^loaded-package (\S+)$/gm)].map((m) => m[1]!),
      };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  it('loads no bot SDK without tokens', async () => {
    const { bots, loaded } = await packagesLoadedBy({});
    expect(bots).toBe('');
    expect(loaded).toContain('express'); // the hook does see packages
    for (const sdk of Object.values(SDKS)) expect(loaded).not.toContain(sdk);
  });

  it('loads only the SDK of the bot whose tokens are set', async () => {
    // Slack in HTTP mode starts without reaching Slack (its token check is logged and retried later);
    // the API address is a closed loopback port.
    const { bots, loaded } = await packagesLoadedBy({
      SLACK_BOT_TOKEN: 'xoxb-1-2-token',
      SLACK_SIGNING_SECRET: 'secret',
      SLACK_API_URL: `http://127.0.0.1:${await freePort()}/api/`,
    });
    expect(bots).toBe('"slack"');
    expect(loaded).toContain(SDKS.slack);
    expect(loaded).not.toContain(SDKS.telegram);
    expect(loaded).not.toContain(SDKS.discord);
  });
});
