import type { NextFunction, Request, Response } from 'express';

/** Largest body any route but `/upload` takes; the forms and webhooks it serves send a few kilobytes. */
export const MAX_BODY_BYTES = 1024 * 1024;
/**
 * How long a body may take to arrive in full on any route but `/upload`. A few kilobytes need well
 * under a second even on a poor mobile line; a client that trickles one byte at a time is cut.
 */
export const BODY_DEADLINE_MS = 10_000;

export interface BodyLimitOptions {
  /** Requests the limits do not apply to (the upload route, which has its own). */
  exempt: (req: Request) => boolean;
  maxBytes?: number;
  deadlineMs?: number;
}

/**
 * Outside the exempt routes: refuses, before a byte of it is read, a body declared larger than
 * `maxBytes` (413), and closes the connection of a request whose body has not arrived in full
 * within `deadlineMs`. Bodies sent without a length are capped by each route's own reader
 * (body-parser limits, the Slack and Telegram webhooks' readers).
 */
export function limitBodies(options: BodyLimitOptions) {
  const maxBytes = options.maxBytes ?? MAX_BODY_BYTES;
  const deadlineMs = options.deadlineMs ?? BODY_DEADLINE_MS;
  return (req: Request, res: Response, next: NextFunction): void => {
    const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
    if (!hasBody || req.complete || options.exempt(req)) {
      next();
      return;
    }
    if (Number(req.headers['content-length']) > maxBytes) {
      refuseUnread(req, res);
      return;
    }
    const deadline = setTimeout(() => {
      if (!req.complete) req.socket.destroy();
    }, deadlineMs);
    deadline.unref();
    const clear = () => clearTimeout(deadline);
    req.once('end', clear);
    req.once('close', clear);
    next();
  };
}

/** 413 without reading the body; the connection cannot carry another request after it, so it closes. */
function refuseUnread(req: Request, res: Response): void {
  req.pause();
  res.status(413).setHeader('Cache-Control', 'no-store');
  res.setHeader('Connection', 'close');
  res.once('finish', () => {
    req.socket.end();
    setTimeout(() => req.socket.destroy(), 2000).unref();
  });
  res.end();
}
