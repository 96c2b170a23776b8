import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import type { Update } from 'telegraf/types';

/** Largest webhook body accepted; real updates are a few kilobytes. */
const MAX_BODY_BYTES = 1024 * 1024;

/** Compares the `X-Telegram-Bot-Api-Secret-Token` header with ours in constant time. */
export function webhookSecretMatches(received: string | undefined, expected: string): boolean {
  if (!received) return false;
  // Hashing first gives equal lengths, which timingSafeEqual needs, without leaking the length.
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(received), digest(expected));
}

/** The update in a webhook request, whether or not a JSON body parser ran before us; null if it is none. */
export async function readWebhookUpdate(req: Request): Promise<Update | null> {
  let body: unknown = req.body;
  if (
    body === undefined ||
    body === null ||
    (typeof body === 'object' &&
      !Buffer.isBuffer(body) &&
      Object.keys(body).length === 0 &&
      !req.readableEnded &&
      req.readable)
  ) {
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > MAX_BODY_BYTES) return null;
      chunks.push(chunk);
    }
    body = Buffer.concat(chunks);
  }
  if (Buffer.isBuffer(body)) body = body.toString('utf8');
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      return null;
    }
  }
  const update = body as Partial<Update> | null;
  return update && typeof update === 'object' && typeof update.update_id === 'number' ? (update as Update) : null;
}
