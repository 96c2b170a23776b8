import pino from 'pino';
import type { Logger } from './ports.js';

/** Every place a secret could end up in a log line; pino replaces them with [Redacted]. */
export const REDACTED_PATHS = [
  // Top level as well as one level down: `logger.info({ token })` and `logger.info({ bot: { token } })`.
  'token',
  'password',
  'secret',
  'authorization',
  'cookie',
  '*.token',
  '*.botToken',
  '*.password',
  '*.passwordHash',
  '*.secret',
  '*.signingSecret',
  '*.appToken',
  '*.accessKeyId',
  '*.secretAccessKey',
  '*.authorization',
  '*.Authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
  '*.headers.cookie',
  '*.headers["set-cookie"]',
  '*.headers["x-telegram-bot-api-secret-token"]',
  // SDK errors (axios for Slack) carry the request they failed with, bearer token included.
  '*.config.headers.Authorization',
  '*.config.headers.authorization',
  '*.sessionSecret',
  '*.webhookSecret',
  '*.secretToken',
  '*.secret_token',
  '*.databaseUrl',
  '*.redisUrl',
  'req.headers.authorization',
  'req.headers.cookie',
  'config.env',
];

/**
 * Token-shaped strings inside messages or URLs: Telegram puts the token in its API paths, Slack's
 * start with xox/xapp, Discord's are three dotted base64 parts, and `Bearer`/`Bot` headers may be
 * quoted in error messages.
 */
const TOKEN_IN_TEXT =
  /(bot)\d{5,}:[A-Za-z0-9_-]{20,}|xox[abprs]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}|\b(?:Bearer|Bot) [A-Za-z0-9._~+/=-]{16,}/g;

/** The password in a connection URL (postgres://user:password@host, redis://:password@host). */
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)[^@/?#\s]+@/gi;

export function redactText(text: string): string {
  return text
    .replace(TOKEN_IN_TEXT, (_m, bot: string | undefined) => (bot ? 'bot[Redacted]' : '[Redacted]'))
    .replace(URL_PASSWORD, '$1[Redacted]@');
}

/** Keys whose values are secrets at any depth (the paths above only reach two levels). */
const SECRET_KEY =
  /^(authorization|cookie|set-cookie|token|bot_?token|app_?token|password|password_?hash|secret|signing_?secret|session_?secret|webhook_?secret|secret_?token|secret_?access_?key|access_?key_?id|x-telegram-bot-api-secret-token|database_?url|redis_?url)$/i;

/**
 * A copy of a logged value with secrets masked at any depth: plain objects and arrays only (class
 * instances, Buffers and streams are left alone), and only a few levels down, so logging stays cheap.
 */
function scrub(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value instanceof Error) {
    return {
      type: (value as { type?: string }).type ?? value.name,
      message: redactText(value.message),
      stack: value.stack && redactText(value.stack),
      code: (value as { code?: unknown }).code,
    };
  }
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1));
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value))
    out[key] = SECRET_KEY.test(key) && inner != null ? '[Redacted]' : scrub(inner, depth + 1);
  return out;
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger & pino.Logger {
  return pino(
    {
      level,
      redact: { paths: REDACTED_PATHS, censor: '[Redacted]' },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? redactText(a) : a)) as Parameters<typeof method>);
        },
      },
      formatters: {
        // Errors are cut down to what helps (an SDK error's request config, headers included, is
        // dropped), secret-named fields are masked at any depth, token-shaped text in any string.
        log(object) {
          return scrub(object, 0) as Record<string, unknown>;
        },
      },
    },
    destination,
  );
}

/** A logger that drops everything: for tests and library use without output. */
export function silentLogger(): Logger {
  return createLogger('silent');
}
