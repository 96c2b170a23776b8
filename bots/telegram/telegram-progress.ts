import type { InlineKeyboardMarkup } from 'telegraf/types';
import type { BatchAnswerPort, QrImage } from '../../core/chat/batch-flow.js';
import type { ChatReply } from '../../core/chat/chat-commands.js';
import { splitText } from '../../core/chat/text-splitter.js';
import type { Logger } from '../../core/ports.js';
import { CAPTION_LIMIT, MESSAGE_LIMIT, inlineKeyboard } from './telegram-render.js';

export interface SendOptions {
  replyTo?: number;
  keyboard?: InlineKeyboardMarkup;
  /** The forum topic the conversation is in: every message of a batch or command stays there. */
  threadId?: number;
}

/** The few sends a batch's answer needs. */
export interface TelegramSender {
  /** Sends one message; failures are logged, never thrown. */
  send(chatId: number, text: string, options?: SendOptions): Promise<number | undefined>;
  /** Edits with retries; failures are logged, never thrown. */
  edit(chatId: number, messageId: number, text: string, keyboard?: InlineKeyboardMarkup): Promise<void>;
  /** One edit, no retry: a failure (a 429) is thrown so the throttle can slow down. */
  editOnce(chatId: number, messageId: number, text: string): Promise<void>;
  delete(chatId: number, messageId: number): Promise<void>;
  /** Sends a photo with a caption (retried); throws when it cannot be sent. */
  sendPhoto(chatId: number, photo: QrImage, caption: string, options: SendOptions): Promise<void>;
}

/**
 * How a batch is shown on Telegram (core/chat/batch-flow): one message, sent for the first step and
 * edited after ("Received 7 files…", "Processing 3/7…"), and the answer as the QR code photo with
 * the link as its caption (the progress message is then removed), or as a final edit of the
 * progress message when there is no gallery or the photo cannot be sent.
 */
export class TelegramBatchAnswer implements BatchAnswerPort {
  /** undefined: not sent yet; null: sending failed, so progress is silently skipped. */
  private messageId: number | null | undefined;

  constructor(
    private readonly sender: TelegramSender,
    private readonly chatId: number,
    private readonly replyTo: number,
    private readonly threadId: number | undefined,
    private readonly logger: Logger,
    /** The answer's keyboard: its buttons, plus a Share row under a gallery (telegram-share.ts). */
    private readonly keyboardOf: (reply: ChatReply) => InlineKeyboardMarkup | undefined = (reply) =>
      inlineKeyboard(reply.buttons),
  ) {}

  async showProgress(text: string): Promise<void> {
    if (this.messageId === null) return;
    if (this.messageId === undefined) {
      this.messageId =
        (await this.sender.send(this.chatId, text, { replyTo: this.replyTo, threadId: this.threadId })) ?? null;
      return;
    }
    await this.sender.editOnce(this.chatId, this.messageId, text);
  }

  async answer(reply: ChatReply, qr: QrImage | null): Promise<void> {
    const keyboard = this.keyboardOf(reply);
    if (!qr) return this.replaceProgress(reply.text, keyboard);
    const [caption, ...rest] = splitText(reply.text, MESSAGE_LIMIT, CAPTION_LIMIT);
    try {
      await this.sender.sendPhoto(this.chatId, qr, caption!, {
        keyboard,
        replyTo: this.replyTo,
        threadId: this.threadId,
      });
    } catch (error) {
      // The gallery exists: make sure its link reaches the sender even if the photo cannot be sent.
      this.logger.error(
        { err: error, slug: reply.slug },
        'telegram: could not send the QR code; sending the link as text',
      );
      return this.replaceProgress(reply.text, keyboard);
    }
    for (const piece of rest) await this.sender.send(this.chatId, piece, { threadId: this.threadId });
    if (this.messageId) await this.sender.delete(this.chatId, this.messageId);
    this.messageId = null;
  }

  /** The answer in place of the progress (or as a new message, when there was no progress message). */
  private async replaceProgress(text: string, keyboard: InlineKeyboardMarkup | undefined): Promise<void> {
    if (this.messageId) await this.sender.edit(this.chatId, this.messageId, text, keyboard);
    else await this.sender.send(this.chatId, text, { replyTo: this.replyTo, keyboard, threadId: this.threadId });
  }
}
