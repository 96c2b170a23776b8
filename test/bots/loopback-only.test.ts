import { describe, expect, it } from 'vitest';
import { allowOnlyLoopback } from './loopback-only.js';

describe('the loopback-only guard of the bot tests', () => {
  it('refuses and records a connection to a host on the internet, and lets loopback through', async () => {
    const network = allowOnlyLoopback();
    try {
      await expect(
        fetch('https://api.telegram.org/bot123:abc/getMe', { signal: AbortSignal.timeout(10_000) }),
      ).rejects.toThrow();
      await expect(
        fetch('http://discord.com/api/v10/gateway/bot', { signal: AbortSignal.timeout(10_000) }),
      ).rejects.toThrow();
      expect(network.attempts).toEqual(['api.telegram.org:443', 'discord.com:80']);
      // Loopback is untouched: nothing listens on port 9, so the refusal comes from the OS, and nothing is recorded.
      await expect(fetch('http://127.0.0.1:9/')).rejects.toThrow();
      expect(network.attempts).toHaveLength(2);
    } finally {
      network.restore();
    }
  });
});
