import {
  countriesPanel,
  countryName,
  deviceName,
  devicesPanel,
  hoursPanel,
  trendPanel,
} from '../../core/analytics/stats-chart.js';
import { placeName } from '../../core/analytics/place-names.js';
import type { VisitLogEntry, VisitLogFilter } from '../../core/analytics/visit-log.js';
import type { GalleryVisitStats, Page } from '../../core/analytics/visit-stats.js';
import { t, type MessageKey } from '../../core/messages.js';
import type { Gallery, GallerySummary, Locale } from '../../core/types.js';
import { SafeHtml, html } from '../html.js';
import { linksSection, visitLinkName } from './dashboard-links.js';

/**
 * The owner dashboard's pages: plain server-rendered HTML, charts as inline SVG. Everything works
 * without JavaScript; one small same-origin script (the CSP allows no inline one) adds "Copy" and
 * the browser's own time zone.
 */

export const DASHBOARD_CSS_VERSION = '5';

/** The zone a page shows days and times in, and the site's default (STATS_TIMEZONE). */
export interface ViewerZone {
  name: string;
  defaultZone: string;
}

function layout(locale: Locale, title: string, body: SafeHtml, csrf?: string, zone?: ViewerZone): string {
  return html`<!doctype html>
    <html
      lang="${locale}"
      ${zone ? html`data-zone="${zone.name}" data-default-zone="${zone.defaultZone}"` : ''}
    >
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex, nofollow" />
        <title>${title} · maiimg</title>
        <link rel="icon" href="/assets/favicon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="/dashboard/assets/dashboard.css?v=${DASHBOARD_CSS_VERSION}" />
        <script src="/dashboard/assets/dashboard.js?v=${DASHBOARD_CSS_VERSION}" defer></script>
      </head>
      <body>
        <header class="top">
          <a class="brand" href="/dashboard">maiimg · ${t(locale, 'dashboard.title')}</a>
          ${csrf ? html`<form method="post" action="/dashboard/logout"><input type="hidden" name="_csrf" value="${csrf}" /><button class="link">${t(locale, 'dashboard.logout')}</button></form>` : ''}
        </header>
        <main>${body}</main>
      </body>
    </html> `.value;
}

/**
 * The step between a login or manage link and the session: a GET only shows this button, and only
 * its POST (with the page's form token) logs in, so another site cannot log a visitor in to
 * someone else's dashboard by sending them to a link.
 */
export function confirmLoginPage(input: { locale: Locale; action: string; fields: Record<string, string> }): string {
  const { locale } = input;
  const title = t(locale, 'dashboard.confirmLogin.title');
  return layout(
    locale,
    title,
    html`<section class="notice">
      <h1>${title}</h1>
      <p>${t(locale, 'dashboard.confirmLogin.body')}</p>
      <form method="post" action="${input.action}">
        ${Object.entries(input.fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}" />`)}
        <button>${t(locale, 'dashboard.confirmLogin.button')}</button>
      </form>
    </section>`,
  );
}

/** The new manage link after a rotation, shown this once. */
export function newManageLinkPage(input: { locale: Locale; slug: string; manageUrl: string; csrf: string }): string {
  const { locale } = input;
  const title = t(locale, 'manage.rotated.title');
  return layout(
    locale,
    title,
    html`<section class="notice">
      <h1>${title}</h1>
      <p>${t(locale, 'manage.rotated.body')}</p>
      <p><input type="text" readonly value="${input.manageUrl}" aria-label="${title}" class="manage-url" /></p>
      <p><a href="/dashboard/g/${input.slug}">${t(locale, 'dashboard.galleries')}</a></p>
    </section>`,
    input.csrf,
  );
}

/** A page with a heading and one paragraph (login needed, link expired, not found...). */
export function messagePage(locale: Locale, titleKey: MessageKey, bodyKey: MessageKey): string {
  return layout(
    locale,
    t(locale, titleKey),
    html`<section class="notice">
      <h1>${t(locale, titleKey)}</h1>
      <p>${t(locale, bodyKey)}</p>
    </section>`,
  );
}

function formatTime(at: Date | null, locale: Locale, timeZone: string): SafeHtml | string {
  if (!at) return t(locale, 'stats.never');
  return html`<time datetime="${at.toISOString()}"
    >${new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(at)}</time
  >`;
}

/**
 * Names the zone the page's days, hours and times are in. dashboard.js shows the switches (to this
 * device's zone, or back to STATS_TIMEZONE) and, on a first visit, picks the device's zone itself;
 * without script the page stays in STATS_TIMEZONE.
 */
function zoneLine(locale: Locale, zone: ViewerZone, key: MessageKey): SafeHtml {
  return html`<p class="muted zone-line">
    ${t(locale, key, { zone: zone.name })}
    <button
      type="button"
      class="link"
      data-zone-set="browser"
      data-label="${t(locale, 'dashboard.zone.useBrowser', { zone: '{zone}' })}"
      hidden
    ></button>
    <button type="button" class="link" data-zone-set="default" hidden>
      ${t(locale, 'dashboard.zone.useDefault', { zone: zone.defaultZone })}
    </button>
  </p>`;
}

/** Names of the apps whose link previews are recorded (proper names, the same in every language). */
const PREVIEW_APPS: Record<string, string> = {
  telegram: 'Telegram',
  whatsapp: 'WhatsApp',
  slack: 'Slack',
  discord: 'Discord',
  facebook: 'Facebook',
  twitter: 'X (Twitter)',
  linkedin: 'LinkedIn',
  imessage: 'iMessage',
  line: 'LINE',
  kakaotalk: 'KakaoTalk',
  wechat: 'WeChat',
  signal: 'Signal',
  skype: 'Skype',
  teams: 'Microsoft Teams',
  google: 'Google',
  snapchat: 'Snapchat',
  bluesky: 'Bluesky',
  viber: 'Viber',
  matrix: 'Matrix',
  mastodon: 'Mastodon',
  pinterest: 'Pinterest',
  reddit: 'Reddit',
};

function previewApp(platform: string | null, locale: Locale): string {
  if (!platform || platform === 'unknown') return t(locale, 'analytics.unknown');
  return PREVIEW_APPS[platform] ?? platform.charAt(0).toUpperCase() + platform.slice(1);
}

function statusLabel(status: GallerySummary['status'], locale: Locale): SafeHtml {
  return html`<span class="status status-${status}">${t(locale, `link.state.${status}`)}</span>`;
}

export function galleryListPage(input: {
  locale: Locale;
  galleries: GallerySummary[];
  csrf: string;
  zone: ViewerZone;
}): string {
  const { locale, galleries, zone } = input;
  const timeZone = zone.name;
  const body = galleries.length
    ? html`<h1>${t(locale, 'dashboard.galleries')}</h1>
        ${zoneLine(locale, zone, 'dashboard.timesIn')}
        <table class="galleries">
          <thead>
            <tr>
              <th><span class="visually-hidden">${t(locale, 'dashboard.col.preview')}</span></th>
              <th>${t(locale, 'dashboard.col.gallery')}</th>
              <th>${t(locale, 'dashboard.col.state')}</th>
              <th class="num">${t(locale, 'dashboard.col.opens')}</th>
              <th>${t(locale, 'dashboard.col.lastOpen')}</th>
            </tr>
          </thead>
          <tbody>
            ${galleries.map(
              (g) =>
                html`<tr>
                  <td class="thumb">
                    ${g.imageCount ? html`<img src="/dashboard/thumb/${g.slug}" alt="" width="64" height="64" loading="lazy" />` : ''}
                  </td>
                  <td>
                    <a href="/dashboard/g/${g.slug}">${g.title ?? t(locale, 'untitled')}</a><br /><small
                      >${t(locale, 'gallery.count', { count: g.imageCount })} ·
                      ${formatTime(g.createdAt, locale, timeZone)}</small
                    >
                  </td>
                  <td>${statusLabel(g.status, locale)}</td>
                  <td class="num">${g.openCount}</td>
                  <td>${formatTime(g.lastOpenAt, locale, timeZone)}</td>
                </tr>`,
            )}
          </tbody>
        </table>`
    : html`<h1>${t(locale, 'dashboard.galleries')}</h1>
        <section class="empty">
          <p>${t(locale, 'dashboard.empty')}</p>
          <p><a class="button primary" href="/">${t(locale, 'dashboard.emptyUpload')}</a></p>
        </section>`;
  return layout(locale, t(locale, 'dashboard.galleries'), body, input.csrf, zone);
}

export interface GalleryPageInput {
  locale: Locale;
  gallery: Gallery;
  status: GallerySummary['status'];
  stats: GalleryVisitStats;
  log: Page<VisitLogEntry>;
  /** The zone of the charts' days and hours and of every time shown (also in `stats.timeZone`). */
  zone: ViewerZone;
  filter: VisitLogFilter;
  alertsEnabled: boolean;
  csrf: string;
  /** The charts count only the visits the filter lets through. */
  chartsFiltered?: boolean;
  /** Countries and devices to offer as filters (from all visits, whatever the filter). */
  filterOptions?: { countries: string[]; devices: string[] };
  /** The gallery link's QR code as a data: URL (SVG). */
  qrCode?: string;
  /** A confirmation or an error, shown next to the control it is about. */
  notice?: Notice | null;
}

/** The settings the dashboard's forms change, one per form (`field`). */
const PHONE_PANEL = { width: 360, height: 260 };

export const SETTINGS_FIELDS = ['title', 'expires', 'maxOpens', 'password', 'downloads', 'alerts'] as const;
export type SettingsField = (typeof SETTINGS_FIELDS)[number];

export interface Notice {
  kind: 'ok' | 'error';
  /** Which control it is about: a setting, the link's state, or the deletion. */
  field: SettingsField | 'state' | 'delete';
  text: string;
}

export function galleryDetailPage(input: GalleryPageInput): string {
  const { locale, gallery, stats, csrf } = input;
  const title = gallery.title ?? t(locale, 'untitled');
  const previews = Object.values(stats.previews).reduce((sum, n) => sum + n, 0);
  const body = html`<p><a href="/dashboard">← ${t(locale, 'dashboard.galleries')}</a></p>
    ${linkCard(input, title)}
    ${linksSection({ locale, gallery, links: stats.links, csrf, timeZone: stats.timeZone })}
    ${controls(input)}
    ${zoneLine(locale, input.zone, 'dashboard.chartZone')}
    <section class="totals">
      ${total(t(locale, 'dashboard.total.opens'), stats.humanOpens)}
      ${total(t(locale, 'dashboard.total.unique'), stats.uniqueVisitors)}
      ${total(t(locale, 'dashboard.total.previews'), previews)} ${total(t(locale, 'dashboard.total.bots'), stats.bots)}
      ${total(t(locale, 'dashboard.total.probes'), stats.probes)}
      ${total(t(locale, 'dashboard.total.lastOpen'), formatTime(stats.lastOpenAt, locale, stats.timeZone))}
    </section>
    <section class="charts" aria-label="${t(locale, 'dashboard.charts')}">
      ${[trendPanel, hoursPanel, countriesPanel, devicesPanel].map(
        (panel) =>
          // A narrower drawing for phones, so its 12 px labels stay about 12 px instead of shrinking to 6.
          html`<figure>
            <div class="chart-wide">${new SafeHtml(panel(stats, locale))}</div>
            <div class="chart-narrow" aria-hidden="true">${new SafeHtml(panel(stats, locale, PHONE_PANEL))}</div>
          </figure>`,
      )}
    </section>
    ${input.chartsFiltered ? html`<p class="muted chart-zone"><strong>${t(locale, 'dashboard.chartsFiltered')}</strong></p>` : ''}
    <section class="breakdowns">
      ${breakdown(t(locale, 'dashboard.previewApps'), stats.previews, (k) => previewApp(k, locale))}
      ${breakdown(t(locale, 'dashboard.browsers'), stats.browsers, (k) => (k === 'unknown' ? t(locale, 'analytics.unknown') : k))}
      ${breakdown(t(locale, 'dashboard.systems'), stats.operatingSystems, (k) => (k === 'unknown' ? t(locale, 'analytics.unknown') : k))}
      ${breakdown(t(locale, 'dashboard.referrers'), stats.referrers, (k) => (k === 'direct' ? t(locale, 'dashboard.direct') : k))}
      ${breakdown(
        t(locale, 'dashboard.cities'),
        Object.fromEntries(stats.cities.map((c) => [`${c.city}, ${countryName(c.country, locale)}`, c.opens])),
        (k) => k,
      )}
      ${breakdown(
        t(locale, 'dashboard.images'),
        Object.fromEntries(
          [...stats.imageViews].sort((a, b) => b.views - a.views).map((i) => [`${i.position + 1}. ${i.name}`, i.views]),
        ),
        (k) => k,
      )}
    </section>
    ${visitLog(input)}`;
  return layout(locale, title, body, csrf, input.zone);
}

function total(label: string, value: SafeHtml | string | number): SafeHtml {
  return html`<div class="total"><span class="value">${value}</span><span class="label">${label}</span></div>`;
}

function breakdown(title: string, record: Record<string, number>, name: (key: string) => string): SafeHtml {
  const entries = Object.entries(record).slice(0, 8);
  return html`<div class="breakdown">
    <h2>${title}</h2>
    ${
      entries.length
        ? html`<ul>
            ${entries.map(([key, n]) => html`<li><span>${name(key)}</span><span class="num">${n}</span></li>`)}
          </ul>`
        : html`<p class="muted">—</p>`
    }
  </div>`;
}

/** The confirmation or error for one control, placed right beside it. */
function noticeFor(input: GalleryPageInput, field: Notice['field']): SafeHtml | string {
  const notice = input.notice;
  if (!notice || notice.field !== field) return '';
  return html`<p
    class="notice-${notice.kind}"
    role="${notice.kind === 'error' ? 'alert' : 'status'}"
    id="notice-${field}"
  >
    ${notice.text}
  </p>`;
}

/** The top of a gallery's page: what the link is, whether it works, and the title. */
function linkCard(input: GalleryPageInput, title: string): SafeHtml {
  const { locale, gallery, csrf, stats } = input;
  const action = `/dashboard/g/${gallery.slug}`;
  const disabled = gallery.settings.state === 'disabled';
  return html`<section class="link-card" id="link" aria-labelledby="gallery-title">
    <div class="link-main">
      <h1 id="gallery-title">${title} ${statusLabel(input.status, locale)}</h1>
      <form method="post" action="${action}/state" class="row" id="set-state">
        <input type="hidden" name="_csrf" value="${csrf}" />
        <input type="hidden" name="state" value="${disabled ? 'active' : 'disabled'}" />
        <button id="toggle-link" class="${disabled ? 'primary' : 'danger'}">
          ${t(locale, disabled ? 'button.enable' : 'button.disable')}
        </button>
        ${noticeFor(input, 'state')}
      </form>
      <div class="row share">
        <label for="gallery-url" class="visually-hidden">${t(locale, 'dashboard.galleryLink')}</label>
        <input id="gallery-url" class="url-field" type="text" readonly value="${stats.url}" />
        <button type="button" data-copy="gallery-url" data-copied="${t(locale, 'upload.copied')}">
          ${t(locale, 'upload.copy')}
        </button>
        <a class="button" href="${stats.url}" target="_blank" rel="noopener noreferrer"
          >${t(locale, 'dashboard.openLink')}</a
        >
      </div>
      ${settingForm(
        input,
        'title',
        t(locale, 'dashboard.titleField'),
        html`<input
          type="text"
          name="title"
          maxlength="200"
          value="${gallery.title ?? ''}"
          placeholder="${t(locale, 'untitled')}"
        />`,
      )}
    </div>
    ${input.qrCode ? html`<img class="qr" src="${input.qrCode}" width="132" height="132" alt="${t(locale, 'upload.qr.alt')}" />` : ''}
  </section>`;
}

/** One setting's form: its input, Save, an optional Remove, and its own confirmation or error. */
function settingForm(
  input: GalleryPageInput,
  field: SettingsField,
  label: string,
  control: SafeHtml,
  removable = false,
): SafeHtml {
  const { locale, gallery, csrf } = input;
  const invalid = input.notice?.kind === 'error' && input.notice.field === field;
  return html`<form method="post" action="/dashboard/g/${gallery.slug}/settings" class="row" id="set-${field}">
    <input type="hidden" name="_csrf" value="${csrf}" />
    <input type="hidden" name="field" value="${field}" />
    <label class="${invalid ? 'invalid' : ''}">${label} ${control}</label>
    <button>${t(locale, 'dashboard.save')}</button>
    ${removable ? html`<button name="remove" value="yes" class="link" formnovalidate>${t(locale, 'dashboard.remove')}</button>` : ''}
    ${noticeFor(input, field)}
  </form>`;
}

function controls(input: GalleryPageInput): SafeHtml {
  const { locale, gallery, csrf, alertsEnabled } = input;
  const action = `/dashboard/g/${gallery.slug}`;
  const expiry = gallery.settings.expiresAt ? gallery.settings.expiresAt.toISOString().slice(0, 10) : '';
  const onOff = (name: string, on: boolean) =>
    html`<select name="${name}">
      <option value="on" ${on ? new SafeHtml(' selected') : ''}>${t(locale, 'dashboard.on')}</option>
      <option value="off" ${on ? '' : new SafeHtml(' selected')}>${t(locale, 'dashboard.off')}</option>
    </select>`;
  return html`<section class="controls">
    <h2>${t(locale, 'dashboard.controls')}</h2>
    ${settingForm(
      input,
      'expires',
      t(locale, 'dashboard.expiry'),
      html`<input type="date" name="expires" value="${expiry}" />`,
      Boolean(gallery.settings.expiresAt),
    )}
    ${settingForm(
      input,
      'maxOpens',
      t(locale, 'dashboard.maxOpens'),
      html`<input
        type="number"
        name="maxOpens"
        min="1"
        step="1"
        value="${gallery.settings.maxOpens ?? ''}"
        placeholder="${t(locale, 'dashboard.unlimited')}"
      />`,
      gallery.settings.maxOpens != null,
    )}
    ${settingForm(
      input,
      'password',
      t(locale, gallery.settings.passwordHash ? 'dashboard.passwordChange' : 'dashboard.passwordSet'),
      html`<input type="password" name="password" autocomplete="new-password" maxlength="200" />`,
      Boolean(gallery.settings.passwordHash),
    )}
    ${settingForm(input, 'downloads', t(locale, 'dashboard.downloads'), onOff('downloads', gallery.settings.downloadsAllowed))}
    ${
      // A gallery made on the web page has no chat to send an alert to.
      gallery.owner.platform === 'web'
        ? ''
        : settingForm(input, 'alerts', t(locale, 'dashboard.alerts'), onOff('alerts', alertsEnabled))
    }
    ${
      // A web upload's manage link is its only key: the owner can replace it if it leaked.
      gallery.owner.platform === 'web'
        ? html`<form method="post" action="${action}/rotate-manage-link" class="row" id="rotate-manage-link">
            <input type="hidden" name="_csrf" value="${csrf}" />
            <p>${t(locale, 'manage.rotate.body')}</p>
            <button>${t(locale, 'manage.rotate.button')}</button>
          </form>`
        : ''
    }
    <form method="post" action="${action}/delete" class="row danger-zone" id="set-delete">
      <input type="hidden" name="_csrf" value="${csrf}" />
      <label
        ><input type="checkbox" name="confirm" value="yes" required />
        ${t(locale, 'delete.confirm', { title: gallery.title ?? t(locale, 'untitled'), count: gallery.images.length })}</label
      >
      <button class="danger">${t(locale, 'button.delete')}</button>
      ${noticeFor(input, 'delete')}
    </form>
  </section>`;
}

function visitLog(input: GalleryPageInput): SafeHtml {
  const { locale, gallery, log, filter, stats } = input;
  const base = `/dashboard/g/${gallery.slug}`;
  const query = (extra: Record<string, string | number>) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries({ ...filter, ...extra }))
      if (value !== null && value !== undefined && value !== '') params.set(key, String(value));
    const text = params.toString();
    return text ? `?${text}` : '';
  };
  const pages = Math.max(1, Math.ceil(log.total / log.pageSize));
  const kinds: Array<[string, MessageKey]> = [
    ['', 'dashboard.kind.all'],
    ['human', 'dashboard.kind.human'],
    ['preview', 'dashboard.kind.preview'],
    ['bot', 'dashboard.kind.bot'],
  ];
  const option = (value: string, label: string, current: string | null | undefined) =>
    html`<option value="${value}" ${(current ?? '') === value ? new SafeHtml(' selected') : ''}>${label}</option>`;
  return html`<section class="log" id="visits">
    <h2>${t(locale, 'dashboard.visits')}</h2>
    <form method="get" action="${base}#visits" class="filters">
      <label>${t(locale, 'dashboard.from')} <input type="date" name="from" value="${filter.from ?? ''}" /></label>
      <label>${t(locale, 'dashboard.to')} <input type="date" name="to" value="${filter.to ?? ''}" /></label>
      <label
        >${t(locale, 'dashboard.country')}
        <select name="country">
          ${option('', t(locale, 'dashboard.kind.all'), filter.country)}${(
            input.filterOptions?.countries ?? Object.keys(stats.countries)
          ).map((code) => option(code, countryName(code, locale), filter.country))}
        </select></label
      >
      <label
        >${t(locale, 'dashboard.device')}
        <select name="device">
          ${option('', t(locale, 'dashboard.kind.all'), filter.device)}${(
            input.filterOptions?.devices ?? Object.keys(stats.devices)
          ).map((type) => option(type, deviceName(type, locale), filter.device))}
        </select></label
      >
      <label
        >${t(locale, 'dashboard.kind')}
        <select name="kind">
          ${kinds.map(([value, key]) => option(value, t(locale, key), filter.kind))}
        </select></label
      >
      <button>${t(locale, 'dashboard.filter')}</button>
      <a class="button" href="${base}/visits.csv${query({})}">${t(locale, 'dashboard.csv')}</a>
    </form>
    <p class="muted">
      ${t(locale, 'dashboard.logCount', { count: log.total })}
      ${t(locale, 'dashboard.timesIn', { zone: stats.timeZone })}
    </p>
    <table class="visits">
      <thead>
        <tr>
          <th>${t(locale, 'dashboard.col.time')}</th>
          <th>${t(locale, 'dashboard.kind')}</th>
          <th>${t(locale, 'dashboard.col.place')}</th>
          <th>${t(locale, 'dashboard.device')}</th>
          <th>${t(locale, 'dashboard.col.browser')}</th>
          <th>${t(locale, 'dashboard.col.language')}</th>
          <th class="num">${t(locale, 'dashboard.col.photos')}</th>
          <th>${t(locale, 'dashboard.col.ip')}</th>
          <th>${t(locale, 'dashboard.col.referrer')}</th>
          <th>${t(locale, 'dashboard.col.link')}</th>
        </tr>
      </thead>
      <tbody>
        ${log.items.map(
          (v) =>
            // data-label: on phones each row becomes a card whose cells carry their own headings.
            html`<tr>
              <td data-label="${t(locale, 'dashboard.col.time')}">${formatTime(v.at, locale, stats.timeZone)}</td>
              <td data-label="${t(locale, 'dashboard.kind')}">${kindLabel(v, locale)}</td>
              <td data-label="${t(locale, 'dashboard.col.place')}">${placeName(v, locale) ?? t(locale, 'analytics.unknown')}</td>
              <td data-label="${t(locale, 'dashboard.device')}">${v.deviceType ? deviceName(v.deviceType, locale) : '—'}</td>
              <td data-label="${t(locale, 'dashboard.col.browser')}">${[v.browser, v.os].filter(Boolean).join(' · ') || '—'}</td>
              <td data-label="${t(locale, 'dashboard.col.language')}">${languageName(v.language, locale)}</td>
              <td data-label="${t(locale, 'dashboard.col.photos')}" class="num">${v.kind === 'human' ? v.photosViewed : '—'}</td>
              <td data-label="${t(locale, 'dashboard.col.ip')}" class="ip">${v.ip ?? '—'}</td>
              <td data-label="${t(locale, 'dashboard.col.referrer')}">${v.referrerHost ?? '—'}</td>
              <td data-label="${t(locale, 'dashboard.col.link')}">${visitLinkName(v.linkId, stats.links, locale)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    <nav class="pager">
      ${log.page > 1 ? html`<a href="${base}${query({ page: log.page - 1 })}#visits">← ${t(locale, 'dashboard.newer')}</a>` : ''}
      <span>${t(locale, 'dashboard.pageOf', { page: log.page, pages })}</span>
      ${log.page < pages ? html`<a href="${base}${query({ page: log.page + 1 })}#visits">${t(locale, 'dashboard.older')} →</a>` : ''}
    </nav>
  </section>`;
}

/** "fr-FR" as "French (France)" in the page's language; the tag itself when the browser sent nonsense. */
function languageName(tag: string | null, locale: Locale): string {
  if (!tag) return '—';
  try {
    return new Intl.DisplayNames([locale], { type: 'language' }).of(tag) ?? tag;
  } catch {
    return tag;
  }
}

function kindLabel(entry: VisitLogEntry, locale: Locale): string {
  if (entry.kind === 'preview')
    return `${t(locale, 'dashboard.kind.preview')} (${previewApp(entry.previewPlatform, locale)})`;
  if (entry.kind === 'bot') return t(locale, 'dashboard.kind.bot');
  return t(locale, 'dashboard.kind.human');
}
