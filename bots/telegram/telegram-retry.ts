import { setTimeout as sleep } from 'node:timers/promises';
import { TelegramError } from 'telegraf';
import type { Logger } from '../../core/ports.js';

export interface RetryOptions {
  logger: Logger;
  /** What the call does, for the log. */
  what: string;
  /** Attempts in all, including the first. */
  attempts?: number;
  /** Stops waiting (the pause rejects with an AbortError): background calls end with the bot. */
  signal?: AbortSignal;
}

/** How long to wait before trying again, or null when trying again cannot help. */
export function retryDelayMs(error: unknown, attempt: number): number | null {
  if (error instanceof TelegramError) {
    // Telegram says exactly how long to back off; asking sooner only extends the ban.
    if (error.code === 429) return Math.max(1, error.parameters?.retry_after ?? 1) * 1000;
    if (error.code >= 500) return backoff(attempt);
    return null;
  }
  if (isNetworkError(error)) return backoff(attempt);
  return null;
}

/**
 * Runs one Bot API call, waiting out 429s (`retry_after`) and retrying network and 5xx failures with
 * a growing pause. The last error is thrown; callers log it, so an unreachable Telegram never crashes
 * the process.
 */
export async function withRetry<T>(call: () => Promise<T>, options: RetryOptions): Promise<T> {
  const attempts = options.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const delay = retryDelayMs(error, attempt);
      if (delay === null || attempt >= attempts) throw error;
      options.logger.warn({ err: error, attempt, retryInMs: delay }, `telegram: ${options.what} failed, retrying`);
      await sleep(delay, undefined, { signal: options.signal });
    }
  }
}

/** 1 s, 2 s, 4 s... capped at 30 s. */
function backoff(attempt: number): number {
  return Math.min(30_000, 1000 * 2 ** (attempt - 1));
}

function isNetworkError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  // telegraf uses node-fetch: its network failures are FetchErrors carrying the socket's code.
  if (error.name === 'FetchError') return true;
  const code = (error as { code?: unknown }).code;
  return (
    typeof code === 'string' &&
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND', 'EPIPE'].includes(code)
  );
}

/** Telegram answers 400 "message is not modified" when an edit changes nothing: harmless. */
export function isNotModified(error: unknown): boolean {
  return error instanceof TelegramError && error.code === 400 && /not modified/i.test(error.description);
}
