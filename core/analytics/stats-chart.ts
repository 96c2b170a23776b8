import { loadSharp } from '../images/sharp-loader.js';
import { t, type MessageKey } from '../messages.js';
import type { Locale } from '../types.js';
import { linkName } from '../links/link-names.js';
import type { LinkSummary } from '../links/links-api.js';
import type { VisitNumbers } from './visit-stats.js';

/**
 * The stats charts, drawn as SVG by hand (no browser, no chart service): the 30-day trend, the
 * hour-of-day histogram, top countries and device types. The same panels appear inline in the
 * dashboard and, composed into one picture and turned into PNG by sharp, in chat.
 * Only presentation attributes are used (no style attributes), so the SVG passes the site's
 * Content-Security-Policy when inlined in a page.
 */

const FONT = "DejaVu Sans, 'WenQuanYi Micro Hei', 'Noto Sans CJK SC', 'Noto Sans SC', sans-serif";
const INK = '#1f2933';
const MUTED = '#616e7c';
const GRID = '#e4e7eb';
const BAR = '#2f6fde';
const ACCENT = '#e8590c';
/**
 * Each colour's class, so a page can repaint the inline charts for its colour scheme (a CSS rule
 * beats a presentation attribute); the chat picture ignores them.
 */
const CLASS_OF: Record<string, string> = {
  [INK]: 'chart-ink',
  [MUTED]: 'chart-muted',
  [GRID]: 'chart-grid',
  [BAR]: 'chart-bar',
  [ACCENT]: 'chart-accent',
};

export interface PanelSize {
  width: number;
  height: number;
}

function esc(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!,
  );
}

function label(
  x: number,
  y: number,
  text: string,
  opts: { size?: number; anchor?: 'start' | 'middle' | 'end'; fill?: string; bold?: boolean } = {},
): string {
  const fill = opts.fill ?? MUTED;
  return `<text class="${CLASS_OF[fill] ?? ''}" x="${round(x)}" y="${round(y)}" font-family="${esc(FONT)}" font-size="${opts.size ?? 12}" fill="${fill}" text-anchor="${opts.anchor ?? 'start'}"${opts.bold ? ' font-weight="bold"' : ''}>${esc(text)}</text>`;
}

function round(n: number): string {
  return (Math.round(n * 10) / 10).toString();
}

/** A "nice" axis maximum (1, 2, 5 x 10^n) at or above the largest value. */
function niceMax(max: number): number {
  if (max <= 4) return Math.max(1, max);
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

function panel(size: PanelSize, title: string, body: string, description: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size.width}" height="${size.height}" viewBox="0 0 ${size.width} ${size.height}" role="img">` +
    `<title>${esc(title)}</title><desc>${esc(description)}</desc>` +
    `<rect class="chart-bg" width="${size.width}" height="${size.height}" fill="#ffffff"/>` +
    label(12, 22, title, { size: 15, fill: INK, bold: true }) +
    body +
    '</svg>'
  );
}

/** Vertical bars with a light grid; `labelEvery` thins out the x labels. */
function columns(
  size: PanelSize,
  values: number[],
  xLabels: string[],
  labelEvery: number,
  highlight: number | null,
): string {
  const left = 40;
  const right = 12;
  const top = 40;
  const bottom = 28;
  const plotW = size.width - left - right;
  const plotH = size.height - top - bottom;
  const max = niceMax(Math.max(0, ...values));
  const slot = plotW / Math.max(1, values.length);
  let out = '';
  for (const fraction of [0, 0.5, 1]) {
    const y = top + plotH - fraction * plotH;
    out += `<line class="chart-grid" x1="${left}" y1="${round(y)}" x2="${size.width - right}" y2="${round(y)}" stroke="${GRID}" stroke-width="1"/>`;
    // No half-way label when half the maximum is not a whole number (an axis of 0, 1, 1).
    if (Number.isInteger(max * fraction))
      out += label(left - 6, y + 4, formatCount(max * fraction), { size: 11, anchor: 'end' });
  }
  values.forEach((value, index) => {
    const h = max ? (value / max) * plotH : 0;
    const x = left + index * slot + slot * 0.15;
    const fill = index === highlight ? ACCENT : BAR;
    if (h > 0)
      out += `<rect class="${CLASS_OF[fill]}" x="${round(x)}" y="${round(top + plotH - h)}" width="${round(slot * 0.7)}" height="${round(h)}" fill="${fill}"><title>${esc(`${xLabels[index]}: ${value}`)}</title></rect>`;
    if (index % labelEvery === 0 || index === values.length - 1) {
      out += label(left + index * slot + slot / 2, size.height - 10, xLabels[index]!, { size: 10, anchor: 'middle' });
    }
  });
  return out;
}

/** Horizontal bars for the top entries of a tally. */
function rows(size: PanelSize, entries: Array<[string, number]>, emptyText: string): string {
  if (entries.length === 0) return label(size.width / 2, size.height / 2, emptyText, { anchor: 'middle', size: 13 });
  const top = 40;
  const rowH = Math.min(30, (size.height - top - 8) / entries.length);
  const nameW = Math.min(150, size.width * 0.36);
  const barW = size.width - nameW - 70;
  const max = Math.max(...entries.map(([, n]) => n), 1);
  let out = '';
  entries.forEach(([name, n], index) => {
    const y = top + index * rowH;
    const w = Math.max(2, (n / max) * barW);
    out += label(12, y + rowH * 0.65, truncate(name, 18), { size: 12, fill: INK });
    out += `<rect class="chart-bar" x="${round(nameW)}" y="${round(y + rowH * 0.18)}" width="${round(w)}" height="${round(rowH * 0.64)}" fill="${BAR}"/>`;
    out += label(nameW + w + 6, y + rowH * 0.65, formatCount(n), { size: 12 });
  });
  return out;
}

function truncate(text: string, max: number): string {
  return [...text].length > max ? [...text].slice(0, max - 1).join('') + '…' : text;
}

function formatCount(n: number): string {
  if (n >= 1_000_000) return `${Math.round(n / 100_000) / 10}M`;
  if (n >= 10_000) return `${Math.round(n / 1000)}k`;
  return String(Math.round(n));
}

/** The 30-day trend of human opens, one bar per local day. */
export function trendPanel(
  stats: Pick<VisitNumbers, 'opensPerDay'>,
  locale: Locale,
  size: PanelSize = { width: 640, height: 240 },
): string {
  const days = stats.opensPerDay;
  const total = days.reduce((sum, d) => sum + d.opens, 0);
  const title = t(locale, 'analytics.chart.trend');
  return panel(
    size,
    title,
    columns(
      size,
      days.map((d) => d.opens),
      days.map((d) => d.day.slice(5)),
      5,
      null,
    ),
    t(locale, 'analytics.chart.trendDescription', { opens: total, days: days.length }),
  );
}

/** Opens by hour of day; the busiest hour is highlighted. */
export function hoursPanel(
  stats: Pick<VisitNumbers, 'opensByHour' | 'timeZone'>,
  locale: Locale,
  size: PanelSize = { width: 640, height: 240 },
): string {
  const hours = stats.opensByHour;
  const peak = Math.max(...hours);
  const peakHour = peak > 0 ? hours.indexOf(peak) : null;
  const title = t(locale, 'analytics.chart.hours', { zone: stats.timeZone });
  return panel(
    size,
    title,
    columns(
      size,
      hours,
      hours.map((_, h) => String(h)),
      3,
      peakHour,
    ),
    peakHour === null
      ? t(locale, 'analytics.chart.empty')
      : t(locale, 'analytics.chart.peak', { hour: `${String(peakHour).padStart(2, '0')}:00`, opens: peak }),
  );
}

/** Top countries, with localised names. */
export function countriesPanel(
  stats: Pick<VisitNumbers, 'countries'>,
  locale: Locale,
  size: PanelSize = { width: 640, height: 240 },
): string {
  const entries = topEntries(stats.countries, 6).map(([code, n]) => [countryName(code, locale), n] as [string, number]);
  const title = t(locale, 'analytics.chart.countries');
  return panel(
    size,
    title,
    rows(size, entries, t(locale, 'analytics.chart.empty')),
    entries.map(([name, n]) => `${name}: ${n}`).join(', '),
  );
}

/** Device types (mobile, tablet, desktop, ...). */
export function devicesPanel(
  stats: Pick<VisitNumbers, 'devices'>,
  locale: Locale,
  size: PanelSize = { width: 640, height: 240 },
): string {
  const entries = topEntries(stats.devices, 6).map(([type, n]) => [deviceName(type, locale), n] as [string, number]);
  const title = t(locale, 'analytics.chart.devices');
  return panel(
    size,
    title,
    rows(size, entries, t(locale, 'analytics.chart.empty')),
    entries.map(([name, n]) => `${name}: ${n}`).join(', '),
  );
}

/** Opens by link: the links opened most (deleted share links included, their opens stay counted). */
export function linksPanel(
  stats: { links: LinkSummary[] },
  locale: Locale,
  size: PanelSize = { width: 640, height: 240 },
): string {
  const entries = stats.links
    .filter((link) => link.opens > 0)
    .sort((a, b) => b.opens - a.opens)
    .slice(0, 6)
    .map((link) => [linkName(link, locale), link.opens] as [string, number]);
  const title = t(locale, 'analytics.chart.links');
  return panel(
    size,
    title,
    rows(size, entries, t(locale, 'analytics.chart.empty')),
    entries.map(([name, n]) => `${name}: ${n}`).join(', '),
  );
}

function topEntries(record: Record<string, number>, count: number): Array<[string, number]> {
  return Object.entries(record)
    .sort((a, b) => b[1] - a[1])
    .slice(0, count);
}

/** "FR" -> "France" / "法国"; `unknown` -> the catalogue's word for it. */
export function countryName(code: string, locale: Locale): string {
  if (!/^[A-Z]{2}$/.test(code)) return t(locale, 'analytics.unknown');
  try {
    return new Intl.DisplayNames([locale], { type: 'region' }).of(code) ?? code;
  } catch {
    return code;
  }
}

const DEVICE_KEYS: Record<string, MessageKey> = {
  desktop: 'analytics.device.desktop',
  mobile: 'analytics.device.mobile',
  tablet: 'analytics.device.tablet',
  smarttv: 'analytics.device.smarttv',
  console: 'analytics.device.console',
  wearable: 'analytics.device.wearable',
  embedded: 'analytics.device.embedded',
  xr: 'analytics.device.xr',
};

export function deviceName(type: string, locale: Locale): string {
  const key = DEVICE_KEYS[type];
  return key ? t(locale, key) : type === 'unknown' ? t(locale, 'analytics.unknown') : type;
}

/**
 * The chat picture: a header line with the totals, then the four panels in a 2 x 2 grid.
 * Returned as SVG text; `renderStatsPng` turns it into PNG.
 */
export function statsChartSvg(
  stats: VisitNumbers & { links?: LinkSummary[] },
  locale: Locale,
  heading: string,
): string {
  const size = { width: 600, height: 260 };
  const width = size.width * 2 + 30;
  const header = 70;
  // A gallery shared into more than one place gets a third row: opens by link, full width.
  const byLink = stats.links && stats.links.length > 1 ? stats.links : null;
  const height = header + size.height * (byLink ? 3 : 2) + (byLink ? 50 : 30);
  const previews = Object.values(stats.previews).reduce((sum, n) => sum + n, 0);
  const summary = t(locale, 'analytics.chart.summary', {
    opens: stats.humanOpens,
    unique: stats.uniqueVisitors,
    previews,
    bots: stats.bots,
  });
  const place = (svg: string, x: number, y: number) => svg.replace('<svg ', `<svg x="${x}" y="${y}" `);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<rect width="${width}" height="${height}" fill="#f5f7fa"/>` +
    label(16, 32, truncate(heading, 60), { size: 20, fill: INK, bold: true }) +
    label(16, 56, summary, { size: 14 }) +
    place(trendPanel(stats, locale, size), 10, header) +
    place(hoursPanel(stats, locale, size), size.width + 20, header) +
    place(countriesPanel(stats, locale, size), 10, header + size.height + 20) +
    place(devicesPanel(stats, locale, size), size.width + 20, header + size.height + 20) +
    (byLink
      ? place(
          linksPanel({ links: byLink }, locale, { width: width - 20, height: size.height }),
          10,
          header + size.height * 2 + 40,
        )
      : '') +
    '</svg>'
  );
}

/** The chat picture as PNG (sharp renders the SVG with librsvg; fonts come from the system). */
export async function renderStatsPng(
  stats: VisitNumbers & { links?: LinkSummary[] },
  locale: Locale,
  heading: string,
): Promise<Buffer> {
  const sharp = await loadSharp();
  return sharp(Buffer.from(statsChartSvg(stats, locale, heading)))
    .png({ compressionLevel: 9, palette: true })
    .toBuffer();
}
