import type { Logger } from '../../core/ports.js';
import type { WindowCounter } from '../../core/shared-state/shared-state.js';

/** How long a client is asked to wait when the process is busy with other uploads. */
export const BUSY_RETRY_AFTER_S = 30;
const DAY_MS = 24 * 60 * 60 * 1000;
/** The shared counters hold whole numbers of 32 bits: quotas are counted in KiB. */
const KiB = 1024;

/**
 * The bytes of web uploads this process is receiving and processing at once. Spool files and
 * decoding cost memory and disk in proportion to them; past the cap, uploads are turned away (503
 * with Retry-After) instead of queued without end. An upload alone is always admitted, so one
 * batch larger than the cap can still be made on a quiet server.
 */
export class UploadBudget {
  private inFlight = 0;

  constructor(readonly capBytes: number) {}

  /** Reserves `bytes`; returns the release function, or null when they do not fit now. */
  tryReserve(bytes: number): (() => void) | null {
    if (this.inFlight > 0 && this.inFlight + bytes > this.capBytes) return null;
    this.inFlight += bytes;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight -= bytes;
    };
  }

  get bytesInFlight(): number {
    return this.inFlight;
  }
}

/**
 * Bytes each IP may upload through the web page per day, counted in the shared state so every web
 * instance enforces one quota. A refused upload's bytes still count (they were sent, or offered).
 * When the shared state cannot be reached, uploads are let through and a warning logged, as the
 * upload rate limit does.
 */
export class UploadQuota {
  constructor(
    private readonly counters: WindowCounter,
    private readonly bytesPerDay: number,
    private readonly logger: Logger,
  ) {}

  /** Counts `bytes` against `ip`'s day; false when that takes it over the quota. */
  async take(ip: string, bytes: number): Promise<boolean> {
    const kib = Math.max(1, Math.ceil(bytes / KiB));
    try {
      const { count } = await this.counters.increment(`upload-bytes:${ip}`, DAY_MS, kib);
      return count <= Math.floor(this.bytesPerDay / KiB);
    } catch (error) {
      this.logger.warn({ err: error }, 'upload quota: shared state unreachable; upload let through');
      return true;
    }
  }
}
