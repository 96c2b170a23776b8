import { t } from '../messages.js';
import type { Locale } from '../types.js';

/** What names a link for people: enough of a LinkSummary (or a gallery_links row). */
export interface NamedLink {
  slug: string;
  first: boolean;
  label: string | null;
  chatName: string | null;
  platform: string | null;
}

const CHAT_PLATFORMS = new Set(['telegram', 'discord', 'slack']);

/** A short name for lists and charts: "Original link", the label, the chat, or the start of the slug. */
export function linkName(link: NamedLink, locale: Locale): string {
  if (link.first) return t(locale, 'links.first');
  return link.label ?? link.chatName ?? `${link.slug.slice(0, 8)}…`;
}

/** The link in a sentence: "the original link", "the link shared in #design", "the link “Blog”". */
export function linkPhrase(link: NamedLink, locale: Locale): string {
  if (link.first) return t(locale, 'links.via.first');
  const place = link.label ?? link.chatName;
  if (place && link.platform && CHAT_PLATFORMS.has(link.platform)) return t(locale, 'links.via.sharedIn', { place });
  return t(locale, 'links.via.labelled', { label: place ?? `${link.slug.slice(0, 8)}…` });
}
