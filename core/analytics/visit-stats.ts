import type { LinkSummary } from '../links/links-api.js';
import type { GalleryStats } from '../stats/gallery-stats.js';

/** One human open as shown in "latest opens" and in the dashboard's visit log. */
export interface OpenEntry {
  at: Date;
  country: string | null;
  region: string | null;
  city: string | null;
  deviceType: string | null;
  browser: string | null;
  os: string | null;
}

/** A page of entries: `total` counts every entry that matches, not just this page. */
export interface Page<T> {
  items: T[];
  page: number;
  pageSize: number;
  total: number;
}

/** The numbers every view of the stats shares, for one gallery or for all of an owner's galleries. */
export interface VisitNumbers {
  /** Human opens (link previews and bots never count). Includes opens whose details were pruned. */
  humanOpens: number;
  /** Distinct visitor keys among the human opens (a key changes every UTC day); kept when details are pruned. */
  uniqueVisitors: number;
  /** Link-preview fetches by chat apps, by platform (telegram, slack, discord, ...). */
  previews: Record<string, number>;
  /** Requests from other crawlers and bots. */
  bots: number;
  /** HEAD, prefetch and Range requests for the page: recorded apart, never opens. */
  probes: number;
  firstOpenAt: Date | null;
  lastOpenAt: Date | null;
  /** The IANA time zone days and hours are counted in (STATS_TIMEZONE). */
  timeZone: string;
  /** Human opens per day over the last 30 days, oldest first, days without opens included as 0. */
  opensPerDay: Array<{ day: string; opens: number }>;
  /** Human opens by hour of day (index 0-23, in `timeZone`): the peak hours. */
  opensByHour: number[];
  /** Human opens by country code (ISO 3166-1 alpha-2, `unknown` without a location), most first. */
  countries: Record<string, number>;
  /** The ten regions with the most opens. */
  regions: Array<{ country: string; region: string; opens: number }>;
  /** The ten cities with the most opens. */
  cities: Array<{ country: string; city: string; opens: number }>;
  /** Human opens by device type (desktop, mobile, tablet, ...), most first. */
  devices: Record<string, number>;
  browsers: Record<string, number>;
  operatingSystems: Record<string, number>;
  /** Human opens by referring host (`direct` when there was none), most first. */
  referrers: Record<string, number>;
  /** The latest human opens, newest first. */
  latestOpens: Page<OpenEntry>;
}

/** Stats of one gallery: what `maiimg stats <ref> --json` prints. */
export interface GalleryVisitStats extends VisitNumbers, Omit<GalleryStats, keyof VisitNumbers | 'imageViews'> {
  scope: 'gallery';
  /** Views of each image (opened in the lightbox or fetched), in gallery order. */
  imageViews: Array<{ position: number; name: string; views: number }>;
  /** The link the stats were asked through (the first link when asked by the gallery's own slug). */
  link: LinkSummary;
  /** Opens by link: every link of the gallery (deleted share links too), the first link first. */
  links: LinkSummary[];
}

/** Stats of all of one owner's galleries together. */
export interface OwnerVisitStats extends VisitNumbers {
  scope: 'owner';
  galleryCount: number;
  /** The most viewed images across the galleries, most first (at most 25). */
  imageViews: Array<{ slug: string; position: number; name: string; views: number }>;
}

export type VisitStats = GalleryVisitStats | OwnerVisitStats;
