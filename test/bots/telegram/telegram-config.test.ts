import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../core/config.js';
import { loadTelegramConfig } from '../../../bots/telegram/telegram-config.js';

/** Only the configuration module: these tests need no database. */
const testConfig = (dir: string, env: Record<string, string>) => loadConfig({ DATA_DIR: dir, ...env }, dir);

const TOKEN = '123456789:AAtest-token_for-the-fake-api-0000000';

describe('Telegram configuration', () => {
  it('defaults to the cloud Bot API and long polling', () => {
    const config = loadTelegramConfig(testConfig('/tmp/unused', { TELEGRAM_BOT_TOKEN: TOKEN }));
    expect(config).toEqual({ token: TOKEN, apiRoot: 'https://api.telegram.org', localMode: false, webhook: null });
  });

  it('takes a self-hosted API root, local mode and a webhook with its secret', () => {
    const config = loadTelegramConfig(
      testConfig('/tmp/unused', {
        TELEGRAM_BOT_TOKEN: TOKEN,
        TELEGRAM_API_ROOT: 'http://bot-api:8081/',
        TELEGRAM_LOCAL_MODE: 'true',
        TELEGRAM_WEBHOOK_URL: 'https://photos.example.com/hooks/telegram',
        TELEGRAM_WEBHOOK_SECRET: 's3cret_-value',
      }),
    );
    expect(config.apiRoot).toBe('http://bot-api:8081');
    expect(config.localMode).toBe(true);
    expect(config.webhook).toEqual({
      url: 'https://photos.example.com/hooks/telegram',
      path: '/hooks/telegram',
      secret: 's3cret_-value',
    });
  });

  it('lists every Telegram configuration problem at once', () => {
    let error: unknown;
    try {
      loadTelegramConfig(
        testConfig('/tmp/unused', {
          TELEGRAM_BOT_TOKEN: 'not a token',
          TELEGRAM_API_ROOT: 'nowhere',
          TELEGRAM_LOCAL_MODE: 'perhaps',
          TELEGRAM_WEBHOOK_SECRET: 'has spaces in it',
        }),
      );
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['TELEGRAM_BOT_TOKEN', 'TELEGRAM_API_ROOT', 'TELEGRAM_LOCAL_MODE', 'TELEGRAM_WEBHOOK_SECRET'])
      expect(problems).toContain(name);
  });

  it('requires a secret when a webhook URL is set', () => {
    expect(() =>
      loadTelegramConfig(
        testConfig('/tmp/unused', { TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_WEBHOOK_URL: 'https://photos.example.com/tg' }),
      ),
    ).toThrow(/TELEGRAM_WEBHOOK_SECRET: required/);
  });
});
