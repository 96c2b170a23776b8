import type { FakeTelegramBotApi, RecordedCall } from '../fakes/telegram-bot-api.js';

/** What a user reads in a bot call: the text, or the caption of a photo. */
export function replyText(call: RecordedCall): string {
  return String(call.params.text ?? call.params.caption ?? '');
}

const REPLY_METHODS = new Set(['sendMessage', 'editMessageText', 'sendPhoto']);

/**
 * The first successful reply (a new message, an edit of the progress message, or a photo with a
 * caption) from call number `since` on that matches. Polls the fake's record, so no waiter is left
 * behind to fail later when another kind of reply came first.
 */
export async function waitForReply(
  fake: FakeTelegramBotApi,
  match: (call: RecordedCall) => boolean,
  options: { since?: number; timeoutMs?: number } = {},
): Promise<RecordedCall> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const found = fake.calls
      .slice(options.since ?? 0)
      .find((call) => REPLY_METHODS.has(call.method) && call.status === 200 && match(call));
    if (found) return found;
    if (Date.now() > deadline) {
      throw new Error(
        `no matching reply; calls so far: ${fake.calls.map((c) => `${c.method}(${c.status}) ${replyText(c).slice(0, 60)}`).join(' | ')}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
