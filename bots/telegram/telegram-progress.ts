import type { InlineKeyboardMarkup } from 'telegraf/types';
import { ProgressThrottle } from '../../core/chat/progress-throttle.js';

export interface SendOptions {
  replyTo?: number;
  keyboard?: InlineKeyboardMarkup;
  /** The forum topic the conversation is in: every message of a batch or command stays there. */
  threadId?: number;
}

/** The few sends a progress message needs. */
export interface TelegramSender {
  /** Sends one message; failures are logged, never thrown. */
  send(chatId: number, text: string, options?: SendOptions): Promise<number | undefined>;
  /** Edits with retries; failures are logged, never thrown. */
  edit(chatId: number, messageId: number, text: string, keyboard?: InlineKeyboardMarkup): Promise<void>;
  /** One edit, no retry: a failure (a 429) is thrown so the throttle can slow down. */
  editOnce(chatId: number, messageId: number, text: string): Promise<void>;
  delete(chatId: number, messageId: number): Promise<void>;
}

/**
 * One message that shows a batch's progress by being edited ("Received 7 files…", "Processing 3/7…"),
 * through the core's progress throttle: at most one edit a `minIntervalMs`, superseded steps skipped,
 * and a 429 pauses this message's edits while the rest of the bot carries on.
 */
export class ProgressMessage {
  /** undefined: not sent yet; null: sending failed, so progress is silently skipped. */
  private messageId: number | null | undefined;
  private readonly throttle: ProgressThrottle<string>;

  constructor(
    private readonly sender: TelegramSender,
    private readonly chatId: number,
    private readonly replyTo: number,
    private readonly threadId: number | undefined,
    minIntervalMs: number,
  ) {
    this.throttle = new ProgressThrottle((text) => this.showNow(text), { minIntervalMs });
  }

  /** Shows `text` when the rate allows. */
  show(text: string): void {
    this.throttle.update(text);
  }

  /** Replaces the progress with a final answer (or sends it, when there was no progress message). */
  async finish(text: string, keyboard?: InlineKeyboardMarkup): Promise<void> {
    await this.throttle.finish();
    if (this.messageId) await this.sender.edit(this.chatId, this.messageId, text, keyboard);
    else await this.sender.send(this.chatId, text, { replyTo: this.replyTo, keyboard, threadId: this.threadId });
  }

  /** Removes the progress message once the real answer has been sent. */
  async remove(): Promise<void> {
    await this.throttle.finish();
    if (this.messageId) await this.sender.delete(this.chatId, this.messageId);
    this.messageId = null;
  }

  private async showNow(text: string): Promise<void> {
    if (this.messageId === null) return;
    if (this.messageId === undefined) {
      this.messageId =
        (await this.sender.send(this.chatId, text, { replyTo: this.replyTo, threadId: this.threadId })) ?? null;
      return;
    }
    await this.sender.editOnce(this.chatId, this.messageId, text);
  }
}
