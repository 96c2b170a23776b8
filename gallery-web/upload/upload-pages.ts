import type { Config } from '../../core/config.js';
import { errorMessage, formatBytes, t, type MessageKey } from '../../core/messages.js';
import type { Locale, RejectedFile } from '../../core/types.js';
import { SafeHtml, html } from '../html.js';
import { ASSET_VERSION, layout } from '../pages.js';
import { CSRF_FIELD } from './upload-csrf.js';
import { FILES_FIELD } from './multipart-batch.js';

/** Bump when upload.js or upload.css changes, so cached copies are replaced. */
export const UPLOAD_ASSET_VERSION = `${ASSET_VERSION}.1`;

/** What the page shows once a gallery is made (filled in by upload.js, or server-rendered without JavaScript). */
export interface UploadResult {
  slug: string;
  url: string;
  manageUrl: string;
  qr: { png: string; svg: string };
  rejected: RejectedFile[];
}

/** Messages upload.js needs, rendered here so the one catalogue stays the only source of wording. */
const CLIENT_KEYS: MessageKey[] = [
  'UNSUPPORTED_FORMAT',
  'EMPTY_FILE',
  'FILE_UNREADABLE',
  'gallery.rejectedLine',
  'upload.tooMany',
  'upload.noFiles',
  'upload.skipped',
  'upload.progress',
  'upload.processing',
  'upload.failed',
  'upload.cancelled',
  'upload.copy',
  'upload.copied',
  'upload.fileReady',
  'upload.fileDone',
  'upload.remove',
];

const head = html`<link rel="stylesheet" href="/assets/upload.css?v=${UPLOAD_ASSET_VERSION}" />
  <script src="/assets/upload.js?v=${UPLOAD_ASSET_VERSION}" defer></script>`;

/**
 * The front page when uploads are on. It works without JavaScript as a plain multipart form; with
 * it, upload.js adds drag and drop, checks before sending, progress per file and the result in place.
 */
export function uploadPage(input: {
  locale: Locale;
  limits: Config['limits'];
  csrf: string;
  error?: string | null;
  rejected?: RejectedFile[];
}): string {
  const { locale, limits, csrf } = input;
  const size = formatBytes(limits.maxFileBytes);
  const messages: Record<string, string> = {};
  for (const key of CLIENT_KEYS) messages[key] = t(locale, key);
  messages.FILE_TOO_LARGE = errorMessage(locale, 'FILE_TOO_LARGE', { limit: size });
  // Read by upload.js; an attribute (escaped by `html`) rather than an inline script, which the CSP forbids.
  const config = JSON.stringify({ maxFiles: limits.maxBatchFiles, maxBytes: limits.maxFileBytes, csrf, messages });
  const title = t(locale, 'upload.title');
  const body = html`<main class="upload">
    <header class="upload-header">
      <h1>${title}</h1>
      <p>${t(locale, 'upload.intro', { count: limits.maxBatchFiles })}</p>
    </header>
    <form
      id="upload-form"
      class="upload-form"
      method="post"
      action="/upload"
      enctype="multipart/form-data"
      data-config="${config}"
    >
      <input type="hidden" name="${CSRF_FIELD}" value="${csrf}" />
      <div id="drop-zone" class="drop-zone">
        <p class="drop-title">${t(locale, 'upload.drop')}</p>
        <label class="button" for="file-input">${t(locale, 'upload.choose')}</label>
        <input
          id="file-input"
          type="file"
          name="${FILES_FIELD}"
          multiple
          accept="image/png,image/jpeg,image/gif,image/webp,.png,.jpg,.jpeg,.gif,.webp"
        />
        <p class="limits">${t(locale, 'upload.limits', { count: limits.maxBatchFiles, size })}</p>
      </div>
      <ul id="file-list" class="file-list"></ul>
      <p id="batch-problem" class="error" role="alert" hidden></p>
      <fieldset class="options">
        <legend>${t(locale, 'upload.options')}</legend>
        <label
          >${t(locale, 'upload.field.title')} <input name="title" type="text" maxlength="200" autocomplete="off"
        /></label>
        <label
          >${t(locale, 'upload.field.expires')}
          <select name="expires">
            <option value="">${t(locale, 'upload.expires.never')}</option>
            <option value="1d">${t(locale, 'upload.expires.day')}</option>
            <option value="7d">${t(locale, 'upload.expires.week')}</option>
            <option value="30d">${t(locale, 'upload.expires.month')}</option>
          </select></label
        >
        <label
          >${t(locale, 'upload.field.maxOpens')}
          <input
            name="maxOpens"
            type="number"
            min="1"
            step="1"
            inputmode="numeric"
            placeholder="${t(locale, 'dashboard.unlimited')}"
        /></label>
        <label
          >${t(locale, 'upload.field.password')}
          <input name="password" type="password" maxlength="200" autocomplete="new-password" />
          <small>${t(locale, 'upload.field.passwordHint')}</small></label
        >
        <input type="hidden" name="downloads" value="off" />
        <label class="check"
          ><input name="downloads" type="checkbox" value="on" checked /> ${t(locale, 'upload.field.downloads')}</label
        >
      </fieldset>
      <div id="upload-progress" class="upload-progress" hidden>
        <span>${t(locale, 'upload.total')}</span>
        <progress id="total-progress" max="100" value="0"></progress>
        <span id="total-percent" class="percent">0 %</span>
      </div>
      <p class="actions">
        <button id="upload-button" type="submit" class="primary">${t(locale, 'upload.submit')}</button>
        <button id="cancel-button" type="button" hidden>${t(locale, 'upload.cancel')}</button>
      </p>
      <p id="upload-status" class="${input.error ? 'status error' : 'status'}" role="status">${input.error ?? ''}</p>
      ${input.rejected?.length ? rejectedList(locale, input.rejected) : ''}
    </form>
    ${resultSection(locale, null)}
    <p class="bots">${t(locale, 'upload.bots')}</p>
  </main>`;
  return layout({ locale, title, body, bodyClass: 'upload-page', head });
}

/** The result without JavaScript: the same section, filled in on the server. */
export function uploadResultPage(locale: Locale, result: UploadResult): string {
  const title = t(locale, 'upload.result.title');
  const body = html`<main class="upload">${resultSection(locale, result)}</main>`;
  return layout({ locale, title, body, bodyClass: 'upload-page', head });
}

function resultSection(locale: Locale, result: UploadResult | null): SafeHtml {
  const copyButton = (target: string) =>
    html`<button type="button" class="copy" data-copy="${target}">${t(locale, 'upload.copy')}</button>`;
  const pngName = result ? `maiimg-${result.slug}.png` : '';
  const svgName = result ? `maiimg-${result.slug}.svg` : '';
  return html`<section id="result" class="result" ${result ? '' : new SafeHtml(' hidden')}>
    <h2>${t(locale, 'upload.result.title')}</h2>
    <div class="result-grid">
      <div class="links">
        <label for="share-link">${t(locale, 'upload.result.share')}</label>
        <div class="copy-row">
          <input id="share-link" type="url" readonly value="${result?.url ?? ''}" />${copyButton('share-link')}
        </div>
        <div class="manage">
          <h3 id="manage-title">${t(locale, 'upload.manage.title')}</h3>
          <p class="warning">${t(locale, 'upload.manage.warning')}</p>
          <div class="copy-row">
            <input
              id="manage-link"
              aria-labelledby="manage-title"
              type="url"
              readonly
              value="${result?.manageUrl ?? ''}"
            />${copyButton('manage-link')}
          </div>
          <p>
            <a id="manage-open" href="${result?.manageUrl ?? '#'}" rel="noopener noreferrer"
              >${t(locale, 'upload.manage.open')}</a
            >
          </p>
        </div>
        <div id="result-rejected" ${result?.rejected.length ? '' : new SafeHtml(' hidden')}>
          ${result?.rejected.length ? rejectedList(locale, result.rejected) : ''}
        </div>
      </div>
      <figure class="qr">
        <img
          id="qr-image"
          ${result ? html` src="${result.qr.svg}"` : ''}
          width="220"
          height="220"
          alt="${t(locale, 'upload.qr.alt')}"
        />
        <figcaption>
          ${t(locale, 'upload.qr.title')} ·
          <a id="qr-png" href="${result?.qr.png ?? '#'}" download="${pngName}">${t(locale, 'upload.qr.png')}</a> ·
          <a id="qr-svg" href="${result?.qr.svg ?? '#'}" download="${svgName}">${t(locale, 'upload.qr.svg')}</a>
        </figcaption>
      </figure>
    </div>
    <p><a class="button" href="/">${t(locale, 'upload.another')}</a></p>
  </section>`;
}

function rejectedList(locale: Locale, rejected: RejectedFile[]): SafeHtml {
  return html`<div class="rejected">
    <h3>${t(locale, 'gallery.rejected')}</h3>
    <ul>
      ${rejected.map(
        (r) =>
          html`<li data-code="${r.code}">
            ${t(locale, 'gallery.rejectedLine', { file: r.file, reason: r.message })}
          </li>`,
      )}
    </ul>
  </div>`;
}
