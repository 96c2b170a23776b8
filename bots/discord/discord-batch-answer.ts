import { AttachmentBuilder, MessageFlags, type Message } from 'discord.js';
import type { BatchAnswerPort, QrImage } from '../../core/chat/batch-flow.js';
import type { ChatReply } from '../../core/chat/chat-commands.js';
import { retryTransient } from '../../core/chat/retry.js';
import type { Logger } from '../../core/ports.js';
import { renderReply } from './discord-render.js';

/** What one post or edit of the bot's answer to a batch carries. */
export interface BatchPayload {
  content: string;
  components?: ReturnType<typeof renderReply>['components'];
  files?: AttachmentBuilder[];
  flags?: MessageFlags.SuppressEmbeds;
}

export interface DiscordBatchTarget {
  /** Posts the first message of the batch (the progress); null when nobody can be reached. */
  post(payload: BatchPayload): Promise<Message | null>;
  /** Edits it; for an interaction, post and edit are both edits of the deferred reply. */
  edit(message: Message, payload: BatchPayload): Promise<Message>;
  /** Told which message carries a gallery's link and buttons (to retire it after a delete). */
  carriesGallery?(slug: string, message: Message): void;
}

/**
 * How a batch is shown on Discord (core/chat/batch-flow): one message, posted for the first step and
 * edited after, and finally edited into the answer with the QR code attached. The answer carries
 * the link, so a 5xx or network failure is retried after a pause; a final failure is logged.
 */
export class DiscordBatchAnswer implements BatchAnswerPort {
  private target: Promise<Message | null> | undefined;

  constructor(
    private readonly where: DiscordBatchTarget,
    private readonly logger: Logger,
    private readonly retry: { retries: number; minDelayMs: number } = { retries: 3, minDelayMs: 1000 },
  ) {}

  async showProgress(text: string): Promise<void> {
    if (!this.target) {
      // A first post that failed (a 5xx outlasting discord.js's own tries) must not fail the answer
      // too: the answer then posts (for an interaction: edits the deferred reply) anew, with retries.
      this.target = this.where.post({ content: text }).catch((error: unknown) => {
        this.logger.warn({ err: error }, 'discord: could not show progress');
        return null;
      });
      await this.target;
      return;
    }
    const message = await this.target;
    if (message) await this.where.edit(message, { content: text });
  }

  async answer(reply: ChatReply, qr: QrImage | null): Promise<void> {
    const payload: BatchPayload = {
      ...renderReply(reply),
      files: qr ? [new AttachmentBuilder(qr.png, { name: qr.name })] : [],
      // The link must not unfurl: Discord's preview fetch would show up as a visit.
      flags: MessageFlags.SuppressEmbeds,
    };
    try {
      const message = await retryTransient(
        async () => {
          const shown = await this.target;
          return shown ? this.where.edit(shown, payload) : this.where.post(payload);
        },
        { logger: this.logger, what: 'discord: answering a batch', ...this.retry },
      );
      if (message && reply.slug) this.where.carriesGallery?.(reply.slug, message);
    } catch (error) {
      this.logger.warn({ err: error }, 'discord: could not answer a batch');
    }
  }
}
