import type { Logger } from '../../core/ports.js';
import { retryTransient } from '../shared/retry.js';

/**
 * Edits one message (an interaction's reply, or the bot's reply to a message) as a batch goes on.
 * Edits run one after the other, so a slow progress edit can never land after the final answer;
 * progress edits are dropped while one is in flight or one was sent very recently, which keeps the
 * bot well inside Discord's rate limits however many files are processed.
 */
export class ReplyEditor<Payload> {
  private chain: Promise<void> = Promise.resolve();
  private busy = false;
  private lastEditAt = 0;
  private finished = false;

  constructor(
    private readonly edit: (payload: Payload) => Promise<unknown>,
    private readonly logger: Logger,
    private readonly minIntervalMs = 1000,
    /** Pauses before retrying a final edit that failed with a 5xx or a network error. */
    private readonly retryDelaysMs: readonly number[] = [1000, 2000, 4000],
  ) {}

  /** Shows progress when it is cheap to do so; silently skipped otherwise. */
  progress(payload: Payload): void {
    if (this.finished || this.busy || Date.now() - this.lastEditAt < this.minIntervalMs) return;
    void this.enqueue(payload);
  }

  /**
   * The last edit: always sent, after every edit already queued. It carries the answer (the link),
   * so a 5xx or network failure is retried after a pause: discord.js retries 5xx only a few times
   * in a row, with no pause, which a short outage outlasts.
   */
  final(payload: Payload): Promise<void> {
    this.finished = true;
    return this.enqueue(payload, () =>
      retryTransient(() => this.edit(payload), {
        logger: this.logger,
        what: 'discord: editing the reply',
        delaysMs: this.retryDelaysMs,
      }),
    );
  }

  private enqueue(payload: Payload, send: () => Promise<unknown> = () => this.edit(payload)): Promise<void> {
    this.busy = true;
    this.chain = this.chain
      .then(send)
      .then(
        () => undefined,
        (error: unknown) => this.logger.warn({ err: error }, 'discord: could not edit the reply'),
      )
      .finally(() => {
        this.busy = false;
        this.lastEditAt = Date.now();
      });
    return this.chain;
  }
}
