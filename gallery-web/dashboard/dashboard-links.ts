import type express from 'express';
import type { Request, RequestHandler, Response } from 'express';
import type { Core } from '../../core/core-app.js';
import { isMaiimgError } from '../../core/errors.js';
import { linkName } from '../../core/links/link-names.js';
import type { LinkSummary } from '../../core/links/links-api.js';
import { t } from '../../core/messages.js';
import { isSlug } from '../../core/slug.js';
import type { Gallery, Locale } from '../../core/types.js';
import { SafeHtml, html } from '../html.js';

/**
 * The dashboard's "Links" section: every link of the gallery (the first one, and one per share) with
 * where it went, when, its opens, unique visitors and last open, its state, copy and QR; an on/off
 * switch per link and a "New link" form. Kept apart from dashboard-pages.ts; the rules stay in
 * core.links (a share link switches alone, the first link switches the gallery).
 */
export interface LinksSectionInput {
  locale: Locale;
  gallery: Gallery;
  /** Opens by link, from the gallery's stats (deleted share links are left out here). */
  links: LinkSummary[];
  csrf: string;
  timeZone: string;
}

export function linksSection(input: LinksSectionInput): SafeHtml {
  const { locale, gallery, csrf } = input;
  const base = `/dashboard/g/${gallery.slug}/links`;
  const links = input.links.filter((link) => !link.deleted);
  const time = (at: Date | null) =>
    at
      ? html`<time datetime="${at.toISOString()}"
          >${new Intl.DateTimeFormat(locale, {
            dateStyle: 'medium',
            timeStyle: 'short',
            timeZone: input.timeZone,
          }).format(at)}</time
        >`
      : t(locale, 'stats.never');
  return html`<section class="links" id="links" aria-labelledby="links-title">
    <h2 id="links-title">${t(locale, 'dashboard.links')}</h2>
    <table class="visits links-table">
      <thead>
        <tr>
          <th>${t(locale, 'dashboard.links.label')}</th>
          <th>${t(locale, 'dashboard.links.where')}</th>
          <th>${t(locale, 'dashboard.links.created')}</th>
          <th class="num">${t(locale, 'dashboard.total.opens')}</th>
          <th class="num">${t(locale, 'dashboard.total.unique')}</th>
          <th>${t(locale, 'dashboard.total.lastOpen')}</th>
          <th>${t(locale, 'dashboard.links.state')}</th>
          <th>${t(locale, 'dashboard.links.link')}</th>
        </tr>
      </thead>
      <tbody>
        ${links.map((link) => {
          const id = `link-url-${link.slug}`;
          const off = link.state === 'disabled';
          return html`<tr data-link="${link.slug}">
            <td data-label="${t(locale, 'dashboard.links.label')}">${linkName(link, locale)}</td>
            <td data-label="${t(locale, 'dashboard.links.where')}">${where(link, locale)}</td>
            <td data-label="${t(locale, 'dashboard.links.created')}">${time(link.createdAt)}</td>
            <td data-label="${t(locale, 'dashboard.total.opens')}" class="num">${link.opens}</td>
            <td data-label="${t(locale, 'dashboard.total.unique')}" class="num">${link.uniqueVisitors}</td>
            <td data-label="${t(locale, 'dashboard.total.lastOpen')}">${time(link.lastOpenAt)}</td>
            <td data-label="${t(locale, 'dashboard.links.state')}">
              <form method="post" action="${base}/${link.slug}/state" class="row">
                <input type="hidden" name="_csrf" value="${csrf}" />
                <input type="hidden" name="state" value="${off ? 'active' : 'disabled'}" />
                <span class="status ${off ? 'disabled' : 'active'}">${t(locale, `links.state.${link.state}`)}</span>
                <button class="${off ? 'primary' : 'danger'}">${t(locale, off ? 'button.enable' : 'button.disable')}</button>
              </form>
            </td>
            <td data-label="${t(locale, 'dashboard.links.link')}">
              <div class="row share">
                <input id="${id}" class="url-field" type="text" readonly value="${link.url}" aria-label="${linkName(link, locale)}" />
                <button type="button" data-copy="${id}" data-copied="${t(locale, 'upload.copied')}">${t(locale, 'upload.copy')}</button>
                <a class="button" href="${base}/${link.slug}/qr.svg" target="_blank" rel="noopener">${t(locale, 'dashboard.links.qr')}</a>
              </div>
            </td>
          </tr>`;
        })}
      </tbody>
    </table>
    <form method="post" action="${base}" class="row" id="new-link">
      <input type="hidden" name="_csrf" value="${csrf}" />
      <label>${t(locale, 'dashboard.links.newLabel')} <input type="text" name="label" maxlength="200" required /></label>
      <button class="primary">${t(locale, 'dashboard.links.new')}</button>
    </form>
  </section>`;
}

/** Where a share link went: the platform and chat (and thread), or nothing for the first link. */
function where(link: LinkSummary, locale: Locale): string {
  if (link.first) return t(locale, 'dashboard.links.original');
  return [link.platform, link.chatName, link.thread ? `#${link.thread}` : null].filter(Boolean).join(' · ') || '—';
}

/** The name of the link a visit came through, for the visit log and its CSV. */
export function visitLinkName(linkId: string, links: LinkSummary[], locale: Locale): string {
  const link = links.find((candidate) => candidate.id === linkId);
  return link ? linkName(link, locale) : '—';
}

export interface LinkRoutesDeps {
  core: Core;
  csrf: RequestHandler;
  /** The session owner's gallery named in the URL, or null (unknown, or someone else's). */
  ownedGallery: (req: Request) => Promise<Gallery | null>;
  notFound: (req: Request, res: Response) => void;
}

/** POST …/links (a new link with a label), POST …/links/:link/state (on/off), GET …/links/:link/qr.svg. */
export function addLinkRoutes(router: express.Router, deps: LinkRoutesDeps): void {
  const { core, csrf, ownedGallery, notFound } = deps;

  router.post('/g/:slug/links', csrf, async (req, res) => {
    const gallery = await ownedGallery(req);
    if (!gallery) return void notFound(req, res);
    const owner = { ...req.dashboardSession!.owner };
    const label = typeof req.body?.label === 'string' ? (req.body.label as string) : '';
    await core.links.share({
      owner,
      ref: gallery.slug,
      label: label || undefined,
      platform: 'web',
      sharedBy: owner.userId,
    });
    res.redirect(303, `/dashboard/g/${gallery.slug}#links`);
  });

  router.post('/g/:slug/links/:link/state', csrf, async (req, res) => {
    const gallery = await ownedGallery(req);
    const link = await linkOf(req, gallery);
    if (!gallery || !link) return void notFound(req, res);
    const state = req.body?.state === 'disabled' ? 'disabled' : 'active';
    await core.links.setState({ owner: { ...req.dashboardSession!.owner }, ref: link, state });
    res.redirect(303, `/dashboard/g/${gallery.slug}#links`);
  });

  router.get('/g/:slug/links/:link/qr.svg', async (req, res) => {
    const gallery = await ownedGallery(req);
    const link = await linkOf(req, gallery);
    if (!gallery || !link) return void notFound(req, res);
    res.setHeader('Cache-Control', 'private, max-age=3600');
    res.type('image/svg+xml').send((await core.service.qrCode(link)).svg);
  });

  /** The link slug in the URL when it is one of this gallery's live links. */
  async function linkOf(req: Request, gallery: Gallery | null): Promise<string | null> {
    const slug = String(req.params.link);
    if (!gallery || !isSlug(slug)) return null;
    try {
      const { gallery: found } = await core.links.resolve(slug);
      return found.id === gallery.id ? slug : null;
    } catch (error) {
      if (isMaiimgError(error, 'GALLERY_NOT_FOUND')) return null;
      throw error;
    }
  }
}
