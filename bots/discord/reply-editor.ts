import { ProgressThrottle } from '../../core/chat/progress-throttle.js';
import { retryTransient } from '../../core/chat/retry.js';
import type { Logger } from '../../core/ports.js';

/**
 * Edits one message (an interaction's reply, or the bot's reply to a message) as a batch goes on.
 * Progress goes through the core's throttle (latest wins, at most one edit a `minIntervalMs`), and
 * the final answer waits for the edit in flight, so a slow progress edit never lands after it.
 */
export class ReplyEditor<Payload> {
  private readonly throttle: ProgressThrottle<Payload>;

  constructor(
    private readonly edit: (payload: Payload) => Promise<unknown>,
    private readonly logger: Logger,
    minIntervalMs = 1000,
    /** Retries of a final edit that failed with a 5xx or a network error, and the first pause. */
    private readonly retry: { retries: number; minDelayMs: number } = { retries: 3, minDelayMs: 1000 },
  ) {
    this.throttle = new ProgressThrottle(edit, {
      minIntervalMs,
      onError: (error) => logger.warn({ err: error }, 'discord: could not show progress'),
    });
  }

  /** Shows progress when the rate allows; superseded steps are skipped. */
  progress(payload: Payload): void {
    this.throttle.update(payload);
  }

  /**
   * The last edit: always sent, after the edit in flight. It carries the answer (the link), so a
   * 5xx or network failure is retried after a pause; a final failure is logged, never thrown.
   */
  async final(payload: Payload): Promise<void> {
    await this.throttle.finish();
    try {
      await retryTransient(() => this.edit(payload), {
        logger: this.logger,
        what: 'discord: editing the reply',
        ...this.retry,
      });
    } catch (error) {
      this.logger.warn({ err: error }, 'discord: could not edit the reply');
    }
  }
}
