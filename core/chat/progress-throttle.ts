import { retryAfterMs } from './transient-errors.js';

export interface ProgressThrottleOptions {
  /** Least time between two updates of one message (Telegram: 1 s in private chats, more in groups). */
  minIntervalMs: number;
  now?: () => number;
  /** Told about a failed update; the next one goes out anyway (it supersedes this one). */
  onError?: (error: unknown) => void;
}

/**
 * Shows a batch's progress by updating one message, never faster than the platform allows. Updates
 * come far faster than that, so only the latest is kept: at most one call is in flight, superseded
 * steps are skipped, never queued, and a 429 pauses the updates for as long as the platform asks
 * while the rest of the bot carries on. `finish` ends the updates before the final answer is sent.
 */
export class ProgressThrottle<Payload> {
  private wanted: Payload | undefined;
  private pumping: Promise<void> | undefined;
  private nextAllowedAt = 0;
  private finished = false;
  private wake: (() => void) | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly show: (payload: Payload) => Promise<unknown>,
    private readonly options: ProgressThrottleOptions,
  ) {}

  /** Asks for `payload` to be shown as soon as the rate allows; an older pending payload is dropped. */
  update(payload: Payload): void {
    if (this.finished) return;
    this.wanted = payload;
    this.pumping ??= this.pump().finally(() => (this.pumping = undefined));
  }

  /** Drops what is pending and waits for the update in flight, so nothing lands after the answer. */
  async finish(): Promise<void> {
    this.finished = true;
    this.wanted = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
    await this.pumping;
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  private async pump(): Promise<void> {
    while (this.wanted !== undefined && !this.finished) {
      const wait = this.nextAllowedAt - this.now();
      if (wait > 0) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          this.timer = setTimeout(resolve, wait);
        });
        this.wake = undefined;
        continue;
      }
      const payload = this.wanted;
      this.wanted = undefined;
      this.nextAllowedAt = this.now() + this.options.minIntervalMs;
      try {
        await this.show(payload);
      } catch (error) {
        // The platform asked us to slow down: the next (newer) update waits as long as it said.
        const asked = retryAfterMs(error);
        if (asked) this.nextAllowedAt = Math.max(this.nextAllowedAt, this.now() + asked);
        this.options.onError?.(error);
      }
    }
  }
}
