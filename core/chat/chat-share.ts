import { isMaiimgError } from '../errors.js';
import { findReferenceInText } from '../gallery-ref.js';
import { errorMessage, t, type MessageKey } from '../messages.js';
import type { Logger } from '../ports.js';
import type { LinksApi, LinkSummary, ShareLinkInput, ShareLinkResult } from '../links/links-api.js';
import type { Locale, Owner } from '../types.js';
import type { ChatReply } from './chat-commands.js';

/**
 * Sharing a gallery into a chat, the same on every platform: a new link is made for the chat
 * (core/links), and the adapter posts a card built from it. The card's wording, which galleries
 * an owner can share, the labels of the new links and the replies to failures live here once;
 * adapters only render the card with their SDK and name the place.
 */

/** What a card shows of a gallery (core/links gives it with a share, and with resolve()). */
export type SharedGallery = Pick<
  ShareLinkResult['gallery'],
  'slug' | 'title' | 'imageCount' | 'passwordProtected' | 'previewUrl'
>;

/** What every platform's card shows: the title, the photo count and an "Open gallery" button. */
export interface ShareCard {
  /** The title as the platform shows it (escaped by the adapter's `escape`), or "Untitled gallery". */
  title: string;
  /** "12 images". */
  count: string;
  /** Title and count on two lines, for platforms whose card is one text. */
  text: string;
  buttonLabel: string;
  /** The new link's address. */
  url: string;
  /** The slug of the new link. */
  slug: string;
  /** A preview picture; never for a password-protected gallery. */
  previewUrl?: string;
}

export type ShareOutcome =
  | { ok: true; card: ShareCard; link: LinkSummary; gallery: SharedGallery; confirmation: string }
  | { ok: false; reply: ChatReply };

const plain = (text: string) => text;

/** A gallery's code as typed or sent by the Share button. */
const SLUG = /^[A-Za-z0-9_-]{22}$/;

export class ChatShare {
  constructor(
    private readonly links: LinksApi,
    private readonly logger: Logger,
  ) {}

  /** A slug for a link that is made only if the card is really sent (Telegram's inline results). */
  newShareSlug(): string {
    return this.links.newShareSlug();
  }

  /**
   * Makes the new link and the card for it. `where` names the place in the owner's confirmation
   * ("#design (Acme)"). Never throws for the owner's mistakes: a failure comes back as a reply.
   */
  async share(
    input: ShareLinkInput,
    options: { locale: Locale; where: string; escape?: (text: string) => string },
  ): Promise<ShareOutcome> {
    const { locale } = options;
    try {
      const result = await this.links.share(input);
      const card = shareCard(result.gallery, result.link, locale, options.escape);
      return {
        ok: true,
        card,
        link: result.link,
        gallery: result.gallery,
        confirmation: t(locale, 'share.posted', { where: options.where, url: result.link.url }),
      };
    } catch (error) {
      return { ok: false, reply: this.failure(error, locale) };
    }
  }

  /**
   * The owner's galleries to offer for sharing: the one a query names (a link or code, as the
   * Telegram Share button sends it), else those whose title contains the query.
   */
  async candidates(owner: Owner, query: string, limit: number): Promise<SharedGallery[]> {
    const { links } = this;
    const ref = findReferenceInText(query) ?? (SLUG.test(query.trim()) ? query.trim() : null);
    if (ref) {
      try {
        // Listing a gallery's links is refused to anyone but its owner.
        await links.list({ owner, ref });
        return [(await links.resolve(ref)).gallery];
      } catch (error) {
        if (!isMaiimgError(error)) throw error;
        // Not theirs, or gone: fall back to a title search.
      }
    }
    const galleries = await links.findGalleries({ owner, query: query.trim(), limit });
    const found: SharedGallery[] = [];
    for (const summary of galleries.slice(0, limit)) {
      try {
        found.push((await links.resolve(summary.slug)).gallery);
      } catch (error) {
        // Deleted between the search and now: leave it out.
        this.logger.debug({ err: error, slug: summary.slug }, 'share: a candidate gallery vanished');
      }
    }
    return found;
  }

  /** Removes a link again (its card could not be posted); failures are logged. */
  async deleteLink(owner: Owner, slug: string): Promise<void> {
    try {
      await this.links.delete({ owner, ref: slug });
    } catch (error) {
      this.logger.warn({ err: error, slug }, 'share: could not remove the link of an unposted card');
    }
  }

  /** The reply to a failure, from the one catalogue. */
  failure(error: unknown, locale: Locale): ChatReply {
    if (isMaiimgError(error)) return { text: errorMessage(locale, error.code, error.params), isError: true };
    this.logger.error({ err: error }, 'share failed');
    return { text: errorMessage(locale, 'INTERNAL'), isError: true };
  }
}

/** The card of a gallery shared with `link` (or, for an inline result, the link about to be made). */
export function shareCard(
  gallery: SharedGallery,
  link: { slug: string; url: string },
  locale: Locale,
  escape: (text: string) => string = plain,
): ShareCard {
  const title = gallery.title ? escape(gallery.title) : t(locale, 'untitled');
  return {
    title,
    count: t(locale, 'gallery.count', { count: gallery.imageCount }),
    text: t(locale, 'share.card', { title, count: gallery.imageCount }),
    buttonLabel: t(locale, 'share.open'),
    url: link.url,
    slug: link.slug,
    previewUrl: gallery.passwordProtected ? undefined : gallery.previewUrl,
  };
}

/** Telegram's inline chat types, as `inline_query.chat_type` names them. */
const TELEGRAM_CHAT_TYPES = new Set(['sender', 'private', 'group', 'supergroup', 'channel']);

/**
 * The label of a link made from a Telegram inline result: the kind of chat and the time, since
 * Telegram does not tell a bot which chat an inline result went to ("Telegram group, 2026-12-03 14:05 UTC").
 */
export function telegramInlineLabel(chatType: string | undefined, at: Date, locale: Locale): string {
  const kind = chatType && TELEGRAM_CHAT_TYPES.has(chatType) ? chatType : 'unknown';
  const place = t(locale, `share.label.${kind}` as MessageKey);
  return t(locale, 'share.label.timed', { place, time: `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC` });
}

/** `#design (Acme)`: a Discord channel in its server. */
export function discordChannelLabel(channel: string, server: string | null | undefined): string {
  return server ? `#${channel} (${server})` : `#${channel}`;
}

/** `#design`: a Slack channel. */
export function slackChannelLabel(channel: string): string {
  return `#${channel.replace(/^#/, '')}`;
}
