import { localeFrom } from '../messages.js';
import type { Locale } from '../types.js';

/**
 * The locale of a reply: the person's own language when the platform tells it and we speak it,
 * otherwise the operator's DEFAULT_LOCALE (never a hard-coded English).
 */
export function chatLocale(language: string | null | undefined, fallback: Locale): Locale {
  if (!language?.trim()) return fallback;
  if (/^zh/i.test(language.trim())) return 'zh-CN';
  if (/^en/i.test(language.trim())) return 'en';
  return fallback === 'zh-CN' ? 'zh-CN' : localeFrom(language);
}
