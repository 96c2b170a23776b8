import { describe, expect, it } from 'vitest';
import { discordEnabled, parseDiscordConfig } from '../../../bots/discord/discord-config.js';
import { ConfigError } from '../../../core/config.js';

describe('Discord configuration', () => {
  it('is off unless both the bot token and the application id are set', () => {
    expect(discordEnabled({ DISCORD_BOT_TOKEN: 'x' })).toBe(false);
    expect(discordEnabled({ DISCORD_APPLICATION_ID: '123456789012345678' })).toBe(false);
    expect(discordEnabled({ DISCORD_BOT_TOKEN: 'x', DISCORD_APPLICATION_ID: '123456789012345678' })).toBe(true);
  });

  it('defaults to Discord’s API and CDN hosts ', () => {
    const config = parseDiscordConfig({ DISCORD_BOT_TOKEN: 'token', DISCORD_APPLICATION_ID: '123456789012345678' });
    expect(config).toMatchObject({
      apiUrl: 'https://discord.com/api',
      cdnHosts: ['cdn.discordapp.com', 'media.discordapp.net'],
      guildId: undefined,
    });
  });

  it('reads the optional variables', () => {
    const config = parseDiscordConfig({
      DISCORD_BOT_TOKEN: 'token',
      DISCORD_APPLICATION_ID: '123456789012345678',
      DISCORD_GUILD_ID: '223456789012345678',
      DISCORD_API_URL: 'http://127.0.0.1:9999/api/',
      DISCORD_CDN_HOSTS: ' 127.0.0.1 , Files.Example.org ',
    });
    expect(config).toMatchObject({
      guildId: '223456789012345678',
      apiUrl: 'http://127.0.0.1:9999/api',
      cdnHosts: ['127.0.0.1', 'files.example.org'],
    });
  });

  it('lists every problem at once', () => {
    let error: unknown;
    try {
      parseDiscordConfig({
        DISCORD_BOT_TOKEN: 'token',
        DISCORD_APPLICATION_ID: 'my-app',
        DISCORD_GUILD_ID: 'guild',
        DISCORD_API_URL: 'not a url',
        DISCORD_CDN_HOSTS: 'ok.example.org,bad host/',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['DISCORD_APPLICATION_ID', 'DISCORD_GUILD_ID', 'DISCORD_API_URL', 'DISCORD_CDN_HOSTS']) {
      expect(problems).toContain(name);
    }
  });
});
