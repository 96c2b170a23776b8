import { servedSlug } from '../core/gallery-ref.js';
import { DISPLAY_SIZES } from '../core/images/image-formats.js';
import { formatBytes, t, type MessageKey } from '../core/messages.js';
import type { Gallery, GalleryImage, Locale } from '../core/types.js';
import { html, type SafeHtml } from './html.js';

/** Bump when a file under public/ changes, so cached copies are replaced. */
export const ASSET_VERSION = '3';

export interface PreviewTags {
  title: string;
  description: string;
  url: string;
  /** Absolute URL of the preview image; none for password-protected galleries. */
  image?: { url: string; width: number; height: number } | null;
}

interface LayoutInput {
  locale: Locale;
  title: string;
  body: SafeHtml;
  preview?: PreviewTags;
  bodyClass?: string;
  withLightbox?: boolean;
  /** More tags for <head>: a page's own stylesheet and script files (never inline ones). */
  head?: SafeHtml;
}

/** Every page: no inline script or style (the CSP forbids them), nothing from another origin. */
export function layout({ locale, title, body, preview, bodyClass, withLightbox, head }: LayoutInput): string {
  return html`<!doctype html>
    <html lang="${locale}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex, nofollow" />
        <title>${title}</title>
        ${preview ? previewTags(preview) : ''}
        <link rel="icon" href="/assets/favicon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="/assets/gallery.css?v=${ASSET_VERSION}" />
        ${withLightbox ? html`<script src="/assets/lightbox.js?v=${ASSET_VERSION}" defer></script>` : ''} ${head ?? ''}
      </head>
      <body class="${bodyClass ?? ''}">
        ${body}
      </body>
    </html> `.value;
}

function previewTags(tags: PreviewTags): SafeHtml {
  const image = tags.image;
  return html`<meta property="og:type" content="website" />
    <meta property="og:site_name" content="maiimg" />
    <meta property="og:title" content="${tags.title}" />
    <meta property="og:description" content="${tags.description}" />
    <meta property="og:url" content="${tags.url}" />
    <meta name="description" content="${tags.description}" />
    <meta name="twitter:card" content="${image ? 'summary_large_image' : 'summary'}" />
    <meta name="twitter:title" content="${tags.title}" />
    <meta name="twitter:description" content="${tags.description}" />
    ${
      image
        ? html`<meta property="og:image" content="${image.url}" />
            <meta property="og:image:type" content="image/webp" />
            <meta property="og:image:width" content="${image.width}" />
            <meta property="og:image:height" content="${image.height}" />
            <meta name="twitter:image" content="${image.url}" />`
        : ''
    }`;
}

/** The size of an image's display version with long edge `longEdge` (never enlarged). */
export function displaySize(
  image: Pick<GalleryImage, 'width' | 'height'>,
  longEdge: number,
): { width: number; height: number } {
  const scale = Math.min(1, longEdge / Math.max(image.width, image.height));
  return { width: Math.max(1, Math.round(image.width * scale)), height: Math.max(1, Math.round(image.height * scale)) };
}

export type ImageVariant = '480.webp' | '1080.webp' | '1600.webp' | 'original';

export function imagePath(slug: string, image: GalleryImage, variant: ImageVariant): string {
  return `/g/${slug}/i/${image.position}/${variant}`;
}

export function galleryTitle(gallery: Gallery, locale: Locale): string {
  return gallery.title ?? t(locale, 'untitled');
}

/** Galleries this small are shown large and centred, one photo under the other, not as a grid. */
const FEW_PHOTOS = 3;

/**
 * Every display version as a `srcset` candidate with its real width (versions are never enlarged,
 * so a small original yields fewer, equal candidates, which are dropped).
 */
function srcset(slug: string, image: GalleryImage): string {
  const seen = new Set<number>();
  const candidates: string[] = [];
  for (const size of DISPLAY_SIZES) {
    const { width } = displaySize(image, size);
    if (seen.has(width)) continue;
    seen.add(width);
    candidates.push(`${imagePath(slug, image, `${size}.webp`)} ${width}w`);
  }
  return candidates.join(', ');
}

/**
 * The tile's aspect ratio, in tenths, clamped: the grid's CSS has one class per step (the CSP allows
 * no style attribute), and a row's tiles share one height because each grows in proportion to it.
 */
function aspectClass(image: GalleryImage): string {
  const tenths = Math.round((image.width / image.height) * 10);
  return `ar-${Math.min(30, Math.max(4, tenths))}`;
}

/**
 * `sizes` for a tile: `auto` lets the browser use the laid-out width (lazy images); the rest is the
 * fallback for browsers without it, generous so that no tile is ever shown upscaled: a justified row
 * grows its tiles by less than the widest tile, so never past twice the row height times the ratio.
 */
function tileSizes(image: GalleryImage, few: boolean): string {
  if (few) return 'auto, (max-width: 1140px) 100vw, 1100px';
  const ratio = Math.min(3, Math.max(0.4, image.width / image.height));
  return `auto, (max-width: 700px) min(100vw, ${Math.ceil(ratio * 300)}px), min(100vw, ${Math.ceil(ratio * 480)}px)`;
}

export function galleryPage(input: { gallery: Gallery; locale: Locale; preview: PreviewTags }): string {
  const { gallery, locale } = input;
  // Every URL on the page goes through the link it was opened by, so closing that link closes them too.
  const slug = servedSlug(gallery);
  const count = gallery.images.length;
  const downloads = gallery.settings.downloadsAllowed;
  const title = galleryTitle(gallery, locale);
  const few = count <= FEW_PHOTOS;
  const tiles = gallery.images.map((image, index) => {
    const size = displaySize(image, 480);
    const alt = t(locale, 'web.gallery.imageAlt', {
      name: gallery.title ?? image.originalName,
      position: index + 1,
      count,
    });
    return html`<figure class="tile ${aspectClass(image)}">
      <a
        class="thumb"
        href="${imagePath(slug, image, '1600.webp')}"
        data-index="${index}"
        data-view="/g/${slug}/i/${image.position}/view"
        data-caption="${image.originalName}"
        ${downloads ? html` data-download="${imagePath(slug, image, 'original')}" data-size="${formatBytes(image.bytes)}"` : ''}
      >
        <img
          src="${imagePath(slug, image, '480.webp')}"
          srcset="${srcset(slug, image)}"
          sizes="${tileSizes(image, few)}"
          width="${size.width}"
          height="${size.height}"
          loading="lazy"
          decoding="async"
          alt="${alt}"
        />
      </a>
    </figure>`;
  });
  const totalBytes = gallery.images.reduce((sum, image) => sum + image.bytes, 0);
  const body = html`<header class="gallery-header">
      <div class="heading">
        <h1>${title}</h1>
        <p class="count">${t(locale, 'web.gallery.photoCount', { count })}</p>
      </div>
      ${
        downloads
          ? html`<a
              class="download-all"
              href="${count === 1 ? imagePath(slug, gallery.images[0]!, 'original') : `/g/${slug}/download.zip`}"
              download
              ><svg aria-hidden="true" viewBox="0 0 24 24" width="18" height="18">
                <path d="M12 3v12m0 0-5-5m5 5 5-5M4 20h16" />
              </svg>
              ${t(locale, count === 1 ? 'web.gallery.downloadOne' : 'web.gallery.downloadAll', { size: formatBytes(totalBytes) })}</a
            >`
          : ''
      }
    </header>
    <main class="grid${few ? ' few' : ''}">${tiles}</main>
    <footer class="site-footer"><a href="/" class="wordmark">maiimg</a></footer>
    <div id="lightbox" class="lightbox" hidden role="dialog" aria-modal="true" aria-label="${title}">
      <figure class="lb-stage">
        <img class="lb-image" alt="" />
        <p class="lb-loading" role="status">${t(locale, 'web.gallery.loading')}</p>
      </figure>
      <button type="button" class="lb-close" aria-label="${t(locale, 'web.lightbox.close')}">×</button>
      <button type="button" class="lb-prev" aria-label="${t(locale, 'web.lightbox.previous')}">‹</button>
      <button type="button" class="lb-next" aria-label="${t(locale, 'web.lightbox.next')}">›</button>
      <div class="lb-bar">
        <span class="lb-caption"></span>
        <span class="lb-counter" aria-live="polite"></span>
        ${downloads ? html`<a class="lb-download" href="#" download data-label="${t(locale, 'web.gallery.downloadOne')}">${t(locale, 'web.gallery.download')}</a>` : ''}
      </div>
    </div>`;
  return layout({ locale, title, body, preview: input.preview, bodyClass: 'gallery', withLightbox: true });
}

/** Options every state page shares. */
export interface StatePageOptions {
  /** Uploads are open on this site: offer a way to make one's own gallery. */
  makeYourOwn?: boolean;
}

/** The site's identity on pages that are not a gallery: a wordmark and a line on what this is. */
function siteFrame(locale: Locale, content: SafeHtml, options: StatePageOptions): SafeHtml {
  return html`<header class="site-header"><a href="/" class="wordmark">maiimg</a></header>
    <main class="notice">
      ${content}
      ${options.makeYourOwn ? html`<p><a class="button" href="/">${t(locale, 'web.makeYourOwn')}</a></p>` : ''}
    </main>
    <footer class="site-footer"><p class="about">${t(locale, 'web.about')}</p></footer>`;
}

export function passwordPage(input: {
  locale: Locale;
  slug: string;
  preview: PreviewTags;
  error?: 'wrong' | 'tooMany';
  makeYourOwn?: boolean;
}): string {
  const { locale, slug, error } = input;
  const title = t(locale, 'web.password.title');
  const body = siteFrame(
    locale,
    html`<h1>${title}</h1>
      <form method="post" action="/g/${slug}/unlock" class="password-form">
        <label for="password">${t(locale, 'web.password.label')}</label>
        <div class="password-field">
          <input
            id="password"
            name="password"
            type="password"
            autocomplete="current-password"
            required
            autofocus
            ${error ? html`aria-invalid="true" aria-describedby="password-error"` : ''}
          />
          <button
            type="button"
            class="reveal"
            aria-controls="password"
            aria-pressed="false"
            data-show="${t(locale, 'web.password.show')}"
            data-hide="${t(locale, 'web.password.hide')}"
            hidden
          >
            ${t(locale, 'web.password.show')}
          </button>
        </div>
        ${error ? html`<p class="error" role="alert" id="password-error">${t(locale, error === 'wrong' ? 'web.password.wrong' : 'web.password.tooMany')}</p>` : ''}
        <button type="submit">${t(locale, 'web.password.submit')}</button>
      </form>`,
    { makeYourOwn: false },
  );
  return layout({
    locale,
    title,
    body,
    preview: input.preview,
    head: html`<script src="/assets/password.js?v=${ASSET_VERSION}" defer></script>`,
  });
}

/**
 * What a gallery limited in opens shows to anything but a counted open (link previews, bots, HEAD,
 * prefetches): its preview tags and title, and no image URL.
 */
export function previewOnlyPage(input: { locale: Locale; preview: PreviewTags }): string {
  const { locale, preview } = input;
  return layout({
    locale,
    title: preview.title,
    preview,
    bodyClass: 'state',
    body: siteFrame(locale, html`<h1>${preview.title}</h1>`, { makeYourOwn: false }),
  });
}

/** A page that only says something (link states, not found, errors), in the site's frame. */
export function noticePage(
  locale: Locale,
  titleKey: MessageKey,
  bodyKey: MessageKey,
  options: StatePageOptions = {},
): string {
  const title = t(locale, titleKey);
  return layout({
    locale,
    title,
    bodyClass: 'state',
    body: siteFrame(
      locale,
      html`<h1>${title}</h1>
        <p>${t(locale, bodyKey)}</p>`,
      options,
    ),
  });
}

export function homePage(locale: Locale): string {
  const title = t(locale, 'web.home.title');
  return layout({
    locale,
    title,
    body: html`<main class="notice home">
      <h1>${title}</h1>
      <p>${t(locale, 'web.home.body')}</p>
    </main>`,
  });
}
