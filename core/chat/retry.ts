import { setTimeout as sleep } from 'node:timers/promises';
import pRetry from 'p-retry';
import type { Logger } from '../ports.js';
import { isTransientError, retryAfterMs } from './transient-errors.js';

export interface RetryOptions {
  logger: Logger;
  /** What the call does, for the log. */
  what: string;
  /** Retries after the first try. Default 3; `Infinity` for start-up calls that must succeed. */
  retries?: number;
  /** First pause; it doubles each time up to `maxDelayMs`. Default 1 s. */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Ends the waiting (and the retries) when the bot stops. */
  signal?: AbortSignal;
  /** Which failures are worth another try; default: network, 5xx and 429. */
  isTransient?: (error: unknown) => boolean;
}

/**
 * Runs a platform call again after a growing pause while it fails in a way that may heal. A 429
 * waits at least as long as the platform asked (`retry_after`): asking sooner extends the ban.
 * The last error is thrown unchanged; callers decide whether it earns a log line or a fallback.
 */
export function retryTransient<T>(call: () => Promise<T>, options: RetryOptions): Promise<T> {
  const isTransient = options.isTransient ?? isTransientError;
  return pRetry(call, {
    retries: options.retries ?? 3,
    minTimeout: options.minDelayMs ?? 1000,
    maxTimeout: options.maxDelayMs ?? 30_000,
    factor: 2,
    randomize: false,
    signal: options.signal,
    shouldRetry: ({ error }) => isTransient(error),
    onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
      if (retriesLeft <= 0 || !isTransient(error)) return;
      const asked = retryAfterMs(error);
      options.logger.warn(
        { err: error, attempt: attemptNumber, retryAfterMs: asked },
        `${options.what} failed, retrying`,
      );
      if (asked) await sleep(asked, undefined, { signal: options.signal });
    },
  });
}
