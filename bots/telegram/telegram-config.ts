import * as z from 'zod';
import type { Config } from '../../core/config.js';
import { ConfigError } from '../../core/config.js';

/** The cloud Bot API refuses `getFile` for anything larger than this. */
export const CLOUD_DOWNLOAD_LIMIT_BYTES = 20 * 1024 * 1024;

/** The Telegram adapter's own settings, parsed once from the validated environment. */
export interface TelegramConfig {
  token: string;
  /** Bot API server: the cloud one, or a self-hosted `telegram-bot-api`. */
  apiRoot: string;
  /** The API server runs with `--local`: files come as absolute paths and the 20 MB limit is gone. */
  localMode: boolean;
  /** Webhook mode when set; long polling otherwise. */
  webhook: { url: string; path: string; secret: string } | null;
}

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['true', 'false', '1', '0', 'yes', 'no', 'on', 'off', ''].includes(v), 'must be true or false')
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const schema = z.object({
  TELEGRAM_BOT_TOKEN: z
    .string()
    .trim()
    .regex(/^\d+:[A-Za-z0-9_-]+$/, 'must look like 123456:ABC-DEF… (the token @BotFather gave you)'),
  TELEGRAM_API_ROOT: z.preprocess(
    blankToUndefined,
    z.string().trim().url('must be a URL such as https://api.telegram.org').default('https://api.telegram.org'),
  ),
  TELEGRAM_LOCAL_MODE: z.preprocess(blankToUndefined, bool.default(false)),
  TELEGRAM_WEBHOOK_URL: z.preprocess(
    blankToUndefined,
    z.string().trim().url('must be a URL such as https://example.com/telegram/webhook').optional(),
  ),
  TELEGRAM_WEBHOOK_SECRET: z.preprocess(
    blankToUndefined,
    z
      .string()
      .trim()
      // Telegram's own rule for secret_token.
      .regex(/^[A-Za-z0-9_-]{1,256}$/, 'must be 1-256 characters of A-Z, a-z, 0-9, _ and -')
      .optional(),
  ),
});

/** Parses the TELEGRAM_* variables; throws ConfigError listing every problem at once. */
export function loadTelegramConfig(config: Config): TelegramConfig {
  const parsed = schema.safeParse(config.env);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const raw = parsed.success ? parsed.data : undefined;
  if (raw?.TELEGRAM_WEBHOOK_URL && !raw.TELEGRAM_WEBHOOK_SECRET) {
    problems.push(
      'TELEGRAM_WEBHOOK_SECRET: required when TELEGRAM_WEBHOOK_URL is set (it proves a webhook call comes from Telegram)',
    );
  }
  if (!raw || problems.length) throw new ConfigError(problems);
  return {
    token: raw.TELEGRAM_BOT_TOKEN,
    apiRoot: raw.TELEGRAM_API_ROOT.replace(/\/+$/, ''),
    localMode: raw.TELEGRAM_LOCAL_MODE,
    webhook: raw.TELEGRAM_WEBHOOK_URL
      ? {
          url: raw.TELEGRAM_WEBHOOK_URL,
          path: new URL(raw.TELEGRAM_WEBHOOK_URL).pathname,
          secret: raw.TELEGRAM_WEBHOOK_SECRET!,
        }
      : null,
  };
}
