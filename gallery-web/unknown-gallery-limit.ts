import type { Request } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import { LRUCache } from 'lru-cache';

export interface UnknownGalleryLimitOptions {
  /** Unknown galleries a client may ask for in each window. */
  max: number;
  windowMs: number;
  /** Clients remembered at most; the least recently seen are forgotten first. */
  maxClients?: number;
}

export interface UnknownGalleryLimit {
  /**
   * Counts one request for a gallery that does not exist against the client that made it, and says
   * whether the client is now over the limit (and for how many seconds more).
   */
  countUnknown(req: Request): { over: false } | { over: true; retryAfterSeconds: number };
}

/**
 * Slugs are 128 bits, so guessing them is hopeless; still, a client that keeps asking for galleries
 * that do not exist is scanning, and its further unknown addresses are answered 429 instead of 404
 * for the rest of the window. The limit only ever applies to addresses that name no gallery: a
 * gallery that exists is always served, whoever asks, so one scanner behind a shared address (an
 * office, a mobile carrier's NAT, a proxy without TRUST_PROXY) can never lock the others out of
 * real links. Bad image positions or variants of a real gallery do not count either.
 *
 * Cheap and bounded: nothing is touched for a gallery that exists, and the counts live in an LRU of
 * at most `maxClients` entries, each dropped when its window ends. Per instance on purpose: a
 * scanner spread over instances still gets far too few tries to matter.
 */
export function unknownGalleryLimit(options: UnknownGalleryLimitOptions): UnknownGalleryLimit {
  const clients = new LRUCache<string, { hits: number; resetAt: number }>({ max: options.maxClients ?? 10_000 });
  return {
    countUnknown(req: Request) {
      const key = ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? '');
      const now = Date.now();
      let client = clients.get(key);
      if (!client || client.resetAt <= now) {
        client = { hits: 0, resetAt: now + options.windowMs };
        clients.set(key, client, { ttl: options.windowMs });
      }
      client.hits += 1;
      if (client.hits <= options.max) return { over: false };
      return { over: true, retryAfterSeconds: Math.max(1, Math.ceil((client.resetAt - now) / 1000)) };
    },
  };
}
