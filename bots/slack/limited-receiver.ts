import type { IncomingMessage, ServerResponse } from 'node:http';
import getRawBody from 'raw-body';

/**
 * Largest body read from anyone on /slack/events. Slack's own deliveries are a few kilobytes (a
 * modal submission with many blocks stays well under 100 KB).
 */
export const SLACK_MAX_BODY_BYTES = 1024 * 1024;

/** Bolt's pre-buffered request: with `rawBody` set, its receivers verify and parse it without reading. */
type BufferedRequest = IncomingMessage & { rawBody?: Buffer };

/**
 * Reads a Slack request's body before Bolt sees it, and refuses what Slack would never send without
 * reading it whole: no signature headers (401, nothing read), a declared length over the limit
 * (413, nothing read), or a streamed body that passes it (413, reading stops at the limit). The
 * buffer is handed to Bolt as `req.rawBody`, which both HTTPReceiver and ExpressReceiver (Bolt 4
 * and 5) take as the already-buffered body, the way serverless platforms hand it over; Bolt then
 * verifies the signature over exactly these bytes.
 *
 * Resolves true when the request was answered here (refused), false when Bolt should take it.
 */
export async function bufferSlackRequest(
  req: IncomingMessage,
  res: ServerResponse,
  maxBytes: number = SLACK_MAX_BODY_BYTES,
): Promise<boolean> {
  const signature = req.headers['x-slack-signature'];
  const timestamp = req.headers['x-slack-request-timestamp'];
  if (typeof signature !== 'string' || !signature || typeof timestamp !== 'string' || !timestamp) {
    refuseUnread(req, res, 401);
    return true;
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    refuseUnread(req, res, 413);
    return true;
  }
  try {
    (req as BufferedRequest).rawBody = await getRawBody(req, { limit: maxBytes });
  } catch (error) {
    const status = (error as { status?: number }).status;
    // raw-body stops and pauses the request at the limit; a client that went away gets no answer.
    refuseUnread(req, res, status === 413 ? 413 : 400);
    return true;
  }
  return false;
}

/**
 * Answers without reading the rest of the body. The connection cannot carry another request after
 * an unread body, so it is closed once the answer is out (ending the write side first, so the
 * client reads the status rather than a reset).
 */
function refuseUnread(req: IncomingMessage, res: ServerResponse, status: number): void {
  req.pause();
  if (res.headersSent || res.destroyed) {
    req.socket.destroy();
    return;
  }
  res.statusCode = status;
  res.setHeader('Connection', 'close');
  res.once('finish', () => {
    req.socket.end();
    setTimeout(() => req.socket.destroy(), 2000).unref();
  });
  // No body, as Bolt answers a bad signature: the caller is a machine.
  res.end();
}
