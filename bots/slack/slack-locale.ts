import type { webApi } from '@slack/bolt';
import { chatLocale } from '../../core/chat/chat-locale.js';
import type { Logger } from '../../core/ports.js';
import type { Locale } from '../../core/types.js';

const CACHE_MS = 60 * 60 * 1000;
const CACHE_MAX = 5000;

/**
 * Slack does not put the user's language on events, commands or button presses; `users.info`
 * with `include_locale` gives it (scope users:read). One look-up per user per hour; when Slack
 * does not say, speaks a language we do not (or the call fails), DEFAULT_LOCALE is used.
 */
export class SlackLocales {
  private readonly cache = new Map<string, { locale: Locale; until: number }>();

  constructor(
    private readonly client: webApi.WebClient,
    private readonly fallback: Locale,
    private readonly logger: Logger,
  ) {}

  async forUser(userId: string): Promise<Locale> {
    const now = Date.now();
    const cached = this.cache.get(userId);
    if (cached && cached.until > now) return cached.locale;
    let locale = this.fallback;
    try {
      const result = await this.client.users.info({ user: userId, include_locale: true });
      const slackLocale = (result.user as { locale?: string } | undefined)?.locale;
      locale = chatLocale(slackLocale, this.fallback);
    } catch (error) {
      this.logger.warn({ err: error, userId }, 'could not look up the Slack user locale; using the default');
    }
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(userId, { locale, until: now + CACHE_MS });
    return locale;
  }
}
