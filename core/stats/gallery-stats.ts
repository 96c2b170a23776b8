import type { LinkStatus } from '../types.js';

/** Visit counts for one gallery (the web issue fills them from recorded visits). */
export interface VisitSummary {
  humanOpens: number;
  uniqueVisitors: number;
  /** Link-preview fetches by chat apps, by platform (telegram, slack, discord, ...). */
  previews: Record<string, number>;
  bots: number;
  firstOpenAt: Date | null;
  lastOpenAt: Date | null;
}

/** Where visit summaries come from; implemented by the visit repository. */
export interface VisitStatsSource {
  summarize(galleryId: string): Promise<VisitSummary>;
  lastOpenAt(galleryIds: string[]): Promise<Map<string, Date>>;
}

export interface GalleryStats extends VisitSummary {
  slug: string;
  url: string;
  title: string | null;
  status: LinkStatus;
  imageCount: number;
  createdAt: Date;
}

export function emptyVisitSummary(): VisitSummary {
  return { humanOpens: 0, uniqueVisitors: 0, previews: {}, bots: 0, firstOpenAt: null, lastOpenAt: null };
}
