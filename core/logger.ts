import pino from 'pino';
import type { Logger } from './ports.js';

/** Every place a secret could end up in a log line; pino replaces them with [Redacted]. */
export const REDACTED_PATHS = [
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
  '*.headers.authorization',
  '*.headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  'config.env',
];

/** Token-shaped strings inside messages or URLs (Telegram puts the token in its API paths). */
const TOKEN_IN_TEXT = /(bot)\d{5,}:[A-Za-z0-9_-]{20,}|xox[abprs]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+/g;

export function redactText(text: string): string {
  return text.replace(TOKEN_IN_TEXT, (_m, bot: string | undefined) => (bot ? 'bot[Redacted]' : '[Redacted]'));
}

export function createLogger(
  level: string,
  destination?: pino.DestinationStream,
): Logger & pino.Logger {
  return pino(
    {
      level,
      redact: { paths: REDACTED_PATHS, censor: '[Redacted]' },
      hooks: {
        logMethod(args, method) {
          method.apply(
            this,
            args.map((a) => (typeof a === 'string' ? redactText(a) : a)) as Parameters<typeof method>,
          );
        },
      },
      formatters: {
        log(object) {
          const err = (object as { err?: unknown }).err;
          if (err instanceof Error) {
            return { ...object, err: { type: err.name, message: redactText(err.message), stack: err.stack && redactText(err.stack), code: (err as { code?: unknown }).code } };
          }
          return object;
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
