import { describe, expect, it } from 'vitest';
import { mayReceiveToken, readSlackConfig } from '../../../bots/slack/slack-config.js';
import { ConfigError } from '../../../core/config.js';

describe('Slack configuration', () => {
  it('is off without a bot token, or with a bot token but neither a signing secret nor an app token', () => {
    expect(readSlackConfig({})).toBeNull();
    expect(readSlackConfig({ SLACK_SIGNING_SECRET: 'secret' })).toBeNull();
    expect(readSlackConfig({ SLACK_APP_TOKEN: 'xapp-1-A1-123-abc' })).toBeNull();
    expect(readSlackConfig({ SLACK_BOT_TOKEN: 'xoxb-1-2-abc' })).toBeNull();
    expect(readSlackConfig({ SLACK_BOT_TOKEN: '  ', SLACK_SIGNING_SECRET: 'secret' })).toBeNull();
  });

  it('runs in HTTP mode with a signing secret, on Slack’s own API and /gallery by default', () => {
    expect(readSlackConfig({ SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_SIGNING_SECRET: 'secret' })).toEqual({
      botToken: 'xoxb-1-2-abc',
      signingSecret: 'secret',
      appToken: undefined,
      mode: 'http',
      apiUrl: 'https://slack.com/api/',
      command: '/gallery',
      fileHosts: ['files.slack.com', 'slack.com'],
    });
  });

  it('prefers Socket Mode when an app token is set, and reads the optional variables', () => {
    const config = readSlackConfig({
      SLACK_BOT_TOKEN: 'xoxb-1-2-abc',
      SLACK_SIGNING_SECRET: 'secret',
      SLACK_APP_TOKEN: 'xapp-1-A1-123-abc',
      SLACK_API_URL: 'http://127.0.0.1:9999/api',
      SLACK_COMMAND: '/Photos',
      SLACK_FILE_HOSTS: ' Files.Example.org ,cdn.example.org',
    })!;
    expect(config.mode).toBe('socket');
    expect(config.apiUrl).toBe('http://127.0.0.1:9999/api/');
    expect(config.command).toBe('/photos');
    expect(config.fileHosts).toEqual(['files.slack.com', '127.0.0.1', 'files.example.org', 'cdn.example.org']);
  });

  it('lists every problem at once', () => {
    let error: unknown;
    try {
      readSlackConfig({
        SLACK_BOT_TOKEN: 'xoxb-1',
        SLACK_APP_TOKEN: 'xoxb-not-an-app-token',
        SLACK_API_URL: 'slack',
        SLACK_COMMAND: 'gallery',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['SLACK_APP_TOKEN', 'SLACK_API_URL', 'SLACK_COMMAND']) expect(problems).toContain(name);
  });

  it('sends the bot token only to Slack’s file host and the configured ones', () => {
    const config = readSlackConfig({ SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_SIGNING_SECRET: 'secret' })!;
    expect(mayReceiveToken('https://files.slack.com/files-pri/T1-F1/download/a.jpg', config)).toBe(true);
    expect(mayReceiveToken('https://files.slack.com.evil.example/a.jpg', config)).toBe(false);
    expect(mayReceiveToken('https://evil.example/files-pri/T1-F1/a.jpg', config)).toBe(false);
    expect(mayReceiveToken('not a url', config)).toBe(false);
  });
});
