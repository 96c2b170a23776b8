import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../core/ports.js';

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * Whether trying the same platform call again later may work: a 5xx answer or a network failure.
 * Reads the shapes the SDKs use (discord.js HTTPError `status`, axios `response.status`, socket
 * `code`, also one level down in `cause`); 4xx answers are the caller's mistake and are final, and
 * 429 is left to the SDKs, which wait the time the platform asks for.
 */
export function isTransientPlatformError(error: unknown): boolean {
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 3; depth++) {
    const record = current as { status?: unknown; response?: { status?: unknown }; code?: unknown; cause?: unknown };
    const status = typeof record.status === 'number' ? record.status : record.response?.status;
    if (typeof status === 'number') return status >= 500 && status < 600;
    if (typeof record.code === 'string' && NETWORK_CODES.has(record.code)) return true;
    current = record.cause;
  }
  return false;
}

export interface RetryTransientOptions {
  logger: Logger;
  /** What the call does, for the log. */
  what: string;
  /** Pauses before each further try; their count is the number of retries. Default 1 s, 2 s, 4 s. */
  delaysMs?: readonly number[];
  isTransient?: (error: unknown) => boolean;
}

/**
 * Runs a platform call, trying it again after a growing pause while it fails in a way that may
 * heal (5xx, network). An answer to a person (the gallery link) must not be lost to one bad second
 * of the platform; the SDKs' own retries are immediate, or absent for some endpoints (Slack's
 * response_url).
 */
export async function retryTransient<T>(call: () => Promise<T>, options: RetryTransientOptions): Promise<T> {
  const delays = options.delaysMs ?? [1000, 2000, 4000];
  const isTransient = options.isTransient ?? isTransientPlatformError;
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const delay = delays[attempt];
      if (delay === undefined || !isTransient(error)) throw error;
      options.logger.warn({ err: error, attempt: attempt + 1, retryInMs: delay }, `${options.what} failed, retrying`);
      await sleep(delay);
    }
  }
}
