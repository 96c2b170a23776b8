import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { MemoryStore, ipKeyGenerator, type Options } from 'express-rate-limit';

export interface UnknownGalleryLimitOptions {
  /** Unknown galleries a client may ask for in each window. */
  max: number;
  windowMs: number;
  /** Answers a client over the limit (429). */
  refuse: (req: Request, res: Response) => void;
}

export interface UnknownGalleryLimit {
  /** Mounted in front of every gallery address: turns away a client over the limit. */
  middleware: RequestHandler;
  /** Counts one unknown gallery against the client that asked for it. */
  count(req: Request): void;
}

/**
 * Slugs are 128 bits, so guessing them is hopeless; still, a client that keeps asking for galleries
 * that do not exist is scanning, and is turned away from every gallery address for the rest of the
 * window (a hit would otherwise tell it that it guessed right). Only unknown galleries count, never
 * disabled or expired ones, so a busy office behind one address is never locked out of real links.
 *
 * express-rate-limit's middleware counts every request and can only take it back afterwards, which
 * is a store write per page; the count is kept in its MemoryStore, touched only by unknown
 * galleries. Per instance on purpose: a scanner spread over instances still gets far too few tries.
 */
export function unknownGalleryLimit(options: UnknownGalleryLimitOptions): UnknownGalleryLimit {
  const store = new MemoryStore();
  store.init({ windowMs: options.windowMs } as Options);
  const keyOf = (req: Request) => ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? '');
  // Until some client asks for an unknown gallery, and again once its counts have expired, nobody
  // can be over the limit: pages skip the lookup (the usual case).
  let countedUntil = 0;
  return {
    async middleware(req: Request, res: Response, next: NextFunction) {
      if (Date.now() >= countedUntil) return next();
      const client = await store.get(keyOf(req));
      if (client && client.totalHits >= options.max) {
        const seconds = Math.max(1, Math.ceil(((client.resetTime?.getTime() ?? Date.now()) - Date.now()) / 1000));
        res.setHeader('Retry-After', String(seconds));
        options.refuse(req, res);
        return;
      }
      next();
    },
    count(req: Request) {
      // A client's count ends with its window, which began at the latest now.
      countedUntil = Date.now() + options.windowMs;
      void store.increment(keyOf(req));
    },
  };
}
