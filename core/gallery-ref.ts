import { MaiimgError } from './errors.js';
import { isSlug } from './slug.js';

/**
 * People refer to a gallery by its slug or by its full link (from any host: a link may have been
 * shared through a proxy or a different PUBLIC_BASE_URL). Returns the slug.
 */
export function slugFromReference(reference: string): string {
  const text = reference.trim().replace(/^<|>$/g, '');
  if (isSlug(text)) return text;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new MaiimgError('INVALID_REFERENCE');
  }
  const last = url.pathname.split('/').filter(Boolean).pop() ?? '';
  if (!isSlug(last)) throw new MaiimgError('INVALID_REFERENCE');
  return last;
}

/** Finds the first gallery reference in free text (a replied-to message, for example). */
export function findReferenceInText(text: string): string | null {
  const url = /https?:\/\/\S+\/g\/([A-Za-z0-9_-]{22})(?![A-Za-z0-9_-])/.exec(text);
  return url ? url[1]! : null;
}

/**
 * The slug a gallery was reached through: one of its share links, or its own. Pages, image URLs
 * and cookies use it, so everything a visitor got through a link stops when that link does.
 */
export function servedSlug(gallery: { slug: string; link?: { slug: string } }): string {
  return gallery.link?.slug ?? gallery.slug;
}
