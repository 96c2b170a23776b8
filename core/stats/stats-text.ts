import { t } from '../messages.js';
import type { Locale } from '../types.js';
import type { GalleryStats } from './gallery-stats.js';

/** The short plain-text stats summary every adapter shows (bots, CLI). */
export function renderStatsText(stats: GalleryStats, locale: Locale): string {
  const previews = Object.values(stats.previews).reduce((sum, n) => sum + n, 0);
  const lines = [
    `${stats.title ?? t(locale, 'untitled')} · ${t(locale, `link.state.${stats.status}`)}`,
    stats.url,
    t(locale, 'stats.summary', {
      opens: stats.humanOpens,
      unique: stats.uniqueVisitors,
      previews,
      last: stats.lastOpenAt ? formatTime(stats.lastOpenAt, locale) : t(locale, 'stats.never'),
    }),
  ];
  return lines.join('\n');
}

export function formatTime(at: Date, locale: Locale): string {
  return (
    new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(at) + ' UTC'
  );
}
