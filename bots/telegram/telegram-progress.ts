import type { InlineKeyboardMarkup } from 'telegraf/types';

/** The few sends a progress message needs; failures are logged by the sender, never thrown. */
export interface TelegramSender {
  send(
    chatId: number,
    text: string,
    options?: { replyTo?: number; keyboard?: InlineKeyboardMarkup },
  ): Promise<number | undefined>;
  edit(chatId: number, messageId: number, text: string, keyboard?: InlineKeyboardMarkup): Promise<void>;
  delete(chatId: number, messageId: number): Promise<void>;
}

/**
 * One message that shows a batch's progress by being edited ("Received 7 files…", "Processing 3/7…").
 * Updates come faster than Telegram allows edits, so only the latest text is sent once the previous
 * edit is done: at most one call is in flight, and intermediate steps are skipped, not queued.
 */
export class ProgressMessage {
  /** undefined: not sent yet; null: sending failed, so progress is silently skipped. */
  private messageId: number | null | undefined;
  private wanted: string | undefined;
  private shown: string | undefined;
  private pumping: Promise<void> | undefined;

  constructor(
    private readonly sender: TelegramSender,
    private readonly chatId: number,
    private readonly replyTo: number,
  ) {}

  /** Shows `text` as soon as the previous update went out. */
  show(text: string): void {
    this.wanted = text;
    this.pumping ??= this.pump().finally(() => (this.pumping = undefined));
  }

  /** Replaces the progress with a final answer (or sends it, when there was no progress message). */
  async finish(text: string, keyboard?: InlineKeyboardMarkup): Promise<void> {
    this.wanted = undefined;
    await this.pumping;
    if (this.messageId) await this.sender.edit(this.chatId, this.messageId, text, keyboard);
    else await this.sender.send(this.chatId, text, { replyTo: this.replyTo, keyboard });
  }

  /** Removes the progress message once the real answer has been sent. */
  async remove(): Promise<void> {
    this.wanted = undefined;
    await this.pumping;
    if (this.messageId) await this.sender.delete(this.chatId, this.messageId);
    this.messageId = null;
  }

  private async pump(): Promise<void> {
    while (this.wanted !== undefined && this.wanted !== this.shown && this.messageId !== null) {
      const text = this.wanted;
      if (this.messageId === undefined)
        this.messageId = (await this.sender.send(this.chatId, text, { replyTo: this.replyTo })) ?? null;
      else await this.sender.edit(this.chatId, this.messageId, text);
      this.shown = text;
    }
  }
}
