import { linkName } from '../links/link-names.js';
import { t } from '../messages.js';
import { renderStatsText } from '../stats/stats-text.js';
import type { Locale } from '../types.js';
import { countryName, deviceName } from './stats-chart.js';
import type { GalleryVisitStats } from './visit-stats.js';

/**
 * The short text that goes with the chart in chat (every bot and the CLI): the existing one-line
 * summary, then peak hour, top places, devices and the most viewed photo when there are opens.
 */
export function renderStatsSummary(stats: GalleryVisitStats, locale: Locale): string {
  const lines = [renderStatsText(stats, locale)];
  if (stats.humanOpens > 0) {
    const peak = Math.max(...stats.opensByHour);
    if (peak > 0) {
      const hour = stats.opensByHour.indexOf(peak);
      lines.push(
        t(locale, 'analytics.summary.peak', { hour: `${String(hour).padStart(2, '0')}:00`, zone: stats.timeZone }),
      );
    }
    const countries = top(stats.countries, 3).map(([code, n]) => `${countryName(code, locale)} ${n}`);
    if (countries.length) lines.push(t(locale, 'analytics.summary.countries', { list: countries.join(', ') }));
    const devices = top(stats.devices, 3).map(([type, n]) => `${deviceName(type, locale)} ${n}`);
    if (devices.length) lines.push(t(locale, 'analytics.summary.devices', { list: devices.join(', ') }));
    const favourite = [...stats.imageViews].sort((a, b) => b.views - a.views)[0];
    if (favourite && favourite.views > 0) {
      lines.push(
        t(locale, 'analytics.summary.topImage', {
          position: favourite.position + 1,
          name: favourite.name,
          views: favourite.views,
        }),
      );
    }
    // Opens by link, once the gallery has been shared into more than one place.
    const links = linksWithOpens(stats);
    if (stats.links.length > 1 && links.length) {
      const list = links.slice(0, 5).map(([name, n]) => `${name} ${n}`);
      lines.push(t(locale, 'analytics.summary.links', { list: list.join(', ') }));
    }
  }
  return lines.join('\n');

  function linksWithOpens(of: GalleryVisitStats): Array<[string, number]> {
    return of.links
      .filter((link) => link.opens > 0)
      .sort((a, b) => b.opens - a.opens)
      .map((link) => [linkName(link, locale), link.opens]);
  }
}

function top(record: Record<string, number>, count: number): Array<[string, number]> {
  return Object.entries(record)
    .sort((a, b) => b[1] - a[1])
    .slice(0, count);
}
