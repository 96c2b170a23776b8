import type { NextFunction, Request, Response } from 'express';

/** Largest body any route but `/upload` takes; the forms and webhooks it serves send a few kilobytes. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Refuses, before a byte of it is read, a body declared larger than any route but the upload one
 * accepts (413), and closes the connection after the answer since the body stays unread. Bodies
 * sent without a length are capped by each route's own reader (body-parser limits, the Slack and
 * Telegram webhooks' readers).
 */
export function refuseLargeBodies(exempt: (req: Request) => boolean, maxBytes: number = MAX_BODY_BYTES) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const declared = Number(req.headers['content-length']);
    if (!(declared > maxBytes) || exempt(req)) {
      next();
      return;
    }
    req.pause();
    res.status(413).setHeader('Cache-Control', 'no-store');
    res.setHeader('Connection', 'close');
    res.once('finish', () => {
      req.socket.end();
      setTimeout(() => req.socket.destroy(), 2000).unref();
    });
    res.end();
  };
}
