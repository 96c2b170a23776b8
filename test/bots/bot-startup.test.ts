import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRunningServer } from '../../cli/server.js';
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
