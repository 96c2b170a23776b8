import type { Logger } from '../ports.js';
import { SqlDialect, sql, toNumber, type SqlClient } from './sql-dialect.js';
import type { StatsReader } from './stats-reader.js';

export interface VisitRetentionDeps {
  db: SqlClient;
  dialect: SqlDialect;
  logger: Logger;
  /** Knows the cutoff (VISIT_RETENTION_DAYS before today, UTC). */
  reader: StatsReader;
}

export interface PruneResult {
  /** Visit rows deleted. */
  visits: number;
  /** Daily counts raised because they held fewer visits than the details about to be pruned. */
  repairedDays: number;
}

const DAY_MS = 86_400_000;

/**
 * Prunes visit details (IP, place, device...) older than VISIT_RETENTION_DAYS. The aggregates the
 * stats read are never touched: daily counts (VisitDaily), breakdowns and image views
 * (VisitRollup), human opens per quarter hour (VisitQuarterHour) and distinct visitor keys
 * (GalleryVisitor), so every total, trend and breakdown stays the same after a prune. Image views
 * carry no personal data and are kept too (detached from the pruned visit).
 * Safe to run in several processes at once and to interrupt: every step can simply run again.
 */
export class VisitRetention {
  private timer: NodeJS.Timeout | undefined;
  private first: NodeJS.Timeout | undefined;

  constructor(private readonly deps: VisitRetentionDeps) {}

  /** Prunes shortly after start, then once a day (timers do not keep the process alive). */
  start(firstDelayMs = 60_000, intervalMs = DAY_MS): void {
    if (this.timer) return;
    const run = () =>
      void this.prune().catch((error: unknown) => this.deps.logger.warn({ err: error }, 'visit retention failed'));
    this.first = setTimeout(run, firstDelayMs);
    this.first.unref();
    this.timer = setInterval(run, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.first);
    clearInterval(this.timer);
    this.timer = undefined;
  }

  async prune(): Promise<PruneResult> {
    const { db, dialect, logger } = this.deps;
    await dialect.prepare();
    const cutoff = this.deps.reader.cutoff();
    // Make sure the daily counts hold every visit about to go (they are written with each visit,
    // but rows imported or written by an older version may lack them): raise, never lower.
    const day = dialect.utcDay('at');
    const details = await db.$queryRaw<Array<Record<string, unknown>>>(sql`
      SELECT v.gallery_id, v.day, v.kind, v.n, d.count AS daily FROM (
        SELECT gallery_id, ${day} AS day, kind, COUNT(*) AS n FROM visits WHERE at < ${cutoff.at}
        GROUP BY gallery_id, ${day}, kind
      ) v LEFT JOIN visit_daily d ON d.gallery_id = v.gallery_id AND d.day = v.day AND d.kind = v.kind
      WHERE d.count IS NULL OR d.count < v.n`);
    for (const row of details) {
      const n = toNumber(row.n);
      await db.$executeRaw(sql`
        INSERT INTO visit_daily (gallery_id, day, kind, count) VALUES (${String(row.gallery_id)}, ${String(row.day)}, ${String(row.kind)}, ${n})
        ON CONFLICT (gallery_id, day, kind) DO UPDATE SET count = ${n} WHERE visit_daily.count < ${n}`);
    }
    await db.$executeRaw(
      sql`UPDATE image_views SET visit_id = NULL WHERE visit_id IN (SELECT id FROM visits WHERE at < ${cutoff.at})`,
    );
    const visits = await db.$executeRaw(sql`DELETE FROM visits WHERE at < ${cutoff.at}`);
    if (visits || details.length)
      logger.info({ visits, repairedDays: details.length, before: cutoff.day }, 'old visit details pruned');
    return { visits, repairedDays: details.length };
  }
}
