import type { LinkStatus } from '../types.js';

/** Visit counts for one gallery, from the recorded visits (core/visits). */
export interface VisitSummary {
  humanOpens: number;
  /** Distinct visitor keys among human opens (a visitor key changes every UTC day). */
  uniqueVisitors: number;
  /** Link-preview fetches by chat apps, by platform (telegram, slack, discord, ...). */
  previews: Record<string, number>;
  /** Requests from other crawlers and bots. */
  bots: number;
  /** HEAD, prefetch and Range requests for the page: recorded apart, never opens. */
  probes: number;
  firstOpenAt: Date | null;
  lastOpenAt: Date | null;
  /** Human opens by country code (ISO 3166-1 alpha-2; `unknown` when the address has no location). */
  countries: Record<string, number>;
  /** Human opens by device type (desktop, mobile, tablet, ...). */
  devices: Record<string, number>;
  /** Image views by image id. */
  imageViews: Record<string, number>;
}

/** Where visit summaries come from; implemented by the visit repository. */
export interface VisitStatsSource {
  summarize(galleryId: string): Promise<VisitSummary>;
  lastOpenAt(galleryIds: string[]): Promise<Map<string, Date>>;
}

export interface GalleryStats extends Omit<VisitSummary, 'imageViews'> {
  slug: string;
  url: string;
  title: string | null;
  status: LinkStatus;
  imageCount: number;
  createdAt: Date;
  /** How often each image was looked at (opened in the lightbox), in gallery order. */
  imageViews: Array<{ position: number; name: string; views: number }>;
}

export function emptyVisitSummary(): VisitSummary {
  return {
    humanOpens: 0,
    uniqueVisitors: 0,
    previews: {},
    bots: 0,
    probes: 0,
    firstOpenAt: null,
    lastOpenAt: null,
    countries: {},
    devices: {},
    imageViews: {},
  };
}
