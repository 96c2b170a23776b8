import { t, type MessageKey } from '../core/messages.js';
import type { Gallery, GalleryImage, Locale } from '../core/types.js';
import { html, type SafeHtml } from './html.js';

/** Bump when a file under public/ changes, so cached copies are replaced. */
export const ASSET_VERSION = '1';

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

export function imagePath(slug: string, image: GalleryImage, variant: '480.webp' | '1600.webp' | 'original'): string {
  return `/g/${slug}/i/${image.position}/${variant}`;
}

export function galleryTitle(gallery: Gallery, locale: Locale): string {
  return gallery.title ?? t(locale, 'untitled');
}

export function galleryPage(input: { gallery: Gallery; locale: Locale; preview: PreviewTags }): string {
  const { gallery, locale } = input;
  const slug = gallery.slug;
  const count = gallery.images.length;
  const downloads = gallery.settings.downloadsAllowed;
  const title = galleryTitle(gallery, locale);
  const tiles = gallery.images.map((image, index) => {
    const thumb = displaySize(image, 480);
    const alt = t(locale, 'web.gallery.imageAlt', { position: index + 1, count });
    return html`<figure class="tile">
      <a
        class="thumb"
        href="${imagePath(slug, image, '1600.webp')}"
        data-index="${index}"
        data-view="/g/${slug}/i/${image.position}/view"
        ${downloads ? html` data-download="${imagePath(slug, image, 'original')}"` : ''}
      >
        <img
          src="${imagePath(slug, image, '480.webp')}"
          width="${thumb.width}"
          height="${thumb.height}"
          loading="${index < 6 ? 'eager' : 'lazy'}"
          decoding="async"
          alt="${alt}"
        />
      </a>
      ${downloads ? html`<a class="download" href="${imagePath(slug, image, 'original')}" download>${t(locale, 'web.gallery.download')}</a>` : ''}
    </figure>`;
  });
  const body = html`<header class="gallery-header">
      <h1>${title}</h1>
      <p class="count">${t(locale, 'gallery.count', { count })}</p>
      ${downloads ? html`<a class="button download-all" href="/g/${slug}/download.zip" download>${t(locale, 'web.gallery.downloadAll')}</a>` : ''}
    </header>
    <main class="grid">${tiles}</main>
    <div id="lightbox" class="lightbox" hidden role="dialog" aria-modal="true" aria-label="${title}">
      <button type="button" class="lb-close" aria-label="${t(locale, 'web.lightbox.close')}">×</button>
      <button type="button" class="lb-prev" aria-label="${t(locale, 'web.lightbox.previous')}">‹</button>
      <img class="lb-image" alt="" />
      <button type="button" class="lb-next" aria-label="${t(locale, 'web.lightbox.next')}">›</button>
      <p class="lb-bar">
        <span class="lb-counter"></span
        >${downloads ? html` <a class="lb-download" href="#" download>${t(locale, 'web.gallery.download')}</a>` : ''}
      </p>
    </div>`;
  return layout({ locale, title, body, preview: input.preview, bodyClass: 'gallery', withLightbox: true });
}

export function passwordPage(input: {
  locale: Locale;
  slug: string;
  preview: PreviewTags;
  error?: 'wrong' | 'tooMany';
}): string {
  const { locale, slug, error } = input;
  const title = t(locale, 'web.password.title');
  const body = html`<main class="notice">
    <h1>${title}</h1>
    <form method="post" action="/g/${slug}/unlock" class="password-form">
      <label for="password">${t(locale, 'web.password.label')}</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required autofocus />
      <button type="submit">${t(locale, 'web.password.submit')}</button>
      ${error ? html`<p class="error" role="alert">${t(locale, error === 'wrong' ? 'web.password.wrong' : 'web.password.tooMany')}</p>` : ''}
    </form>
  </main>`;
  return layout({ locale, title, body, preview: input.preview });
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
    body: html`<main class="notice">
      <h1>${preview.title}</h1>
    </main>`,
  });
}

/** A page that only says something (link states, not found, errors). */
export function noticePage(locale: Locale, titleKey: MessageKey, bodyKey: MessageKey): string {
  const title = t(locale, titleKey);
  return layout({
    locale,
    title,
    body: html`<main class="notice">
      <h1>${title}</h1>
      <p>${t(locale, bodyKey)}</p>
    </main>`,
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
