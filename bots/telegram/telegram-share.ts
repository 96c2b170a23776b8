import type { Telegram } from 'telegraf';
import type {
  ChosenInlineResult,
  InlineKeyboardButton,
  InlineKeyboardMarkup,
  InlineQuery,
  InlineQueryResultArticle,
  Message,
  UserFromGetMe,
} from 'telegraf/types';
import { chatLocale } from '../../core/chat/chat-locale.js';
import type { ChatReply } from '../../core/chat/chat-commands.js';
import {
  shareCard,
  telegramInlineLabel,
  type ChatShare,
  type ShareCard,
  type SharedGallery,
} from '../../core/chat/chat-share.js';
import { retryTransient } from '../../core/chat/retry.js';
import type { GalleryService } from '../../core/gallery-service.js';
import { t } from '../../core/messages.js';
import type { Clock, Logger } from '../../core/ports.js';
import type { Locale, Owner } from '../../core/types.js';

/**
 * Sharing on Telegram (core/chat/chat-share does the rest):
 * - a Share button under the gallery message opens Telegram's chat picker (`switch_inline_query`);
 * - in inline mode (`@bot part of a title`) the owner's galleries come back as cards, each result
 *   carrying a pre-generated slug; the link is made only when `chosen_inline_result` says the card
 *   was sent, so results never sent leave nothing behind (this needs inline feedback on);
 * - `/share <link>` in a group posts the card there, with a link labelled by the group's title.
 */

/** How many galleries an inline query lists (each costs a lookup of its preview). */
const INLINE_RESULTS = 10;

/** `inline_query.chat_type`, one letter in the result id (which chosen_inline_result returns alone). */
const CHAT_TYPE_CODES: Record<string, string> = {
  sender: 's',
  private: 'p',
  group: 'g',
  supergroup: 'G',
  channel: 'c',
};
const CHAT_TYPES_BY_CODE = Object.fromEntries(Object.entries(CHAT_TYPE_CODES).map(([type, code]) => [code, type]));

/** `<new link slug>.<chat type code>.<gallery slug>`: 47 bytes, within Telegram's 64. */
const RESULT_ID = /^([A-Za-z0-9_-]{22})\.([a-zA-Z])\.([A-Za-z0-9_-]{22})$/;

export interface TelegramShareDeps {
  telegram: Telegram;
  share: ChatShare;
  service: GalleryService;
  logger: Logger;
  clock: Clock;
  defaultLocale: Locale;
  /** Who the bot is (known after getMe): its username, and whether inline mode is on. */
  botInfo: () => UserFromGetMe | undefined;
}

export class TelegramShare {
  constructor(private readonly deps: TelegramShareDeps) {}

  /** Sharing into other chats needs inline mode (BotFather /setinline) and the core's links. */
  get inlineEnabled(): boolean {
    return Boolean(this.deps.botInfo()?.supports_inline_queries);
  }

  /** The gallery message's keyboard with a Share row under it (when inline mode is on). */
  withShareButton(keyboard: InlineKeyboardMarkup | undefined, slug: string | undefined, locale: Locale) {
    if (!slug || !this.inlineEnabled) return keyboard;
    const share: InlineKeyboardButton = { text: t(locale, 'share.button'), switch_inline_query: slug };
    return { inline_keyboard: [...(keyboard?.inline_keyboard ?? []), [share]] };
  }

  /** Inline mode: the owner's galleries matching the query, each as a card to send. */
  async onInlineQuery(query: InlineQuery): Promise<void> {
    const locale = chatLocale(query.from.language_code, this.deps.defaultLocale);
    const owner: Owner = { platform: 'telegram', userId: String(query.from.id) };
    const galleries = await this.deps.share.candidates(owner, query.query, INLINE_RESULTS);
    const code = CHAT_TYPE_CODES[query.chat_type ?? ''] ?? 'u';
    const results = galleries.map((gallery) => {
      const slug = this.deps.share.newShareSlug();
      const card = shareCard(gallery, { slug, url: this.deps.service.urlFor(slug) }, locale);
      return this.inlineResult(`${slug}.${code}.${gallery.slug}`, card, gallery, locale);
    });
    await retryTransient(
      () =>
        this.deps.telegram.answerInlineQuery(query.id, results, {
          // Each result carries a slug made for this query alone: never cached, never shared between users.
          cache_time: 0,
          is_personal: true,
          button: results.length
            ? undefined
            : { text: t(locale, 'share.inline.noGalleries'), start_parameter: 'share' },
        }),
      { logger: this.deps.logger, what: 'telegram: answerInlineQuery', retries: 1 },
    );
  }

  /** A card was sent: now its link is made, labelled by the kind of chat and the time. */
  async onChosenResult(chosen: ChosenInlineResult): Promise<void> {
    const match = RESULT_ID.exec(chosen.result_id);
    if (!match) return;
    const [, slug, code, gallerySlug] = match as unknown as [string, string, string, string];
    const locale = chatLocale(chosen.from.language_code, this.deps.defaultLocale);
    const label = telegramInlineLabel(CHAT_TYPES_BY_CODE[code], this.deps.clock.now(), locale);
    const outcome = await this.deps.share.share(
      {
        owner: { platform: 'telegram', userId: String(chosen.from.id) },
        ref: gallerySlug,
        slug,
        label,
        platform: 'telegram',
        sharedBy: String(chosen.from.id),
      },
      { locale, where: label },
    );
    if (outcome.ok) this.deps.logger.info({ slug, gallery: gallerySlug }, 'telegram: shared through inline mode');
    else
      this.deps.logger.warn(
        { slug, gallery: gallerySlug, reply: outcome.reply.text },
        'telegram: inline share refused',
      );
  }

  /**
   * `/share <link>`: in a group, posts the card there (in the topic it was asked in) and answers
   * null; in a private chat, answers how to share into other chats.
   */
  async onShareCommand(input: {
    message: Message;
    owner: Owner;
    locale: Locale;
    ref: string;
    threadId?: number;
  }): Promise<ChatReply | null> {
    const { message, locale, ref, threadId } = input;
    const chat = message.chat;
    if (chat.type === 'private') {
      const bot = this.deps.botInfo()?.username ?? '';
      if (!this.inlineEnabled) return { text: t(locale, 'share.telegram.noInline') };
      return { text: t(locale, 'share.telegram.private', { bot }) };
    }
    // Groups, supergroups and channels all have a title.
    const title = 'title' in chat ? chat.title : String((chat as { id: number }).id);
    const outcome = await this.deps.share.share(
      {
        owner: input.owner,
        ref,
        label: title,
        platform: 'telegram',
        chatId: String(chat.id),
        chatName: title,
        thread: threadId === undefined ? undefined : String(threadId),
        sharedBy: String(message.from?.id ?? ''),
      },
      { locale, where: title },
    );
    if (!outcome.ok) return outcome.reply;
    try {
      await this.postCard(chat.id, outcome.card, threadId);
    } catch (error) {
      // No card, no link: a link nobody can see would only clutter the owner's list.
      this.deps.logger.warn({ err: error, chatId: chat.id }, 'telegram: could not post the share card');
      await this.deps.share.deleteLink(input.owner, outcome.link.slug);
      throw error;
    }
    return null;
  }

  /** The private-chat answer to `/share`, with a Share button for the gallery when inline mode is on. */
  privateKeyboard(ref: string, locale: Locale): InlineKeyboardMarkup | undefined {
    if (!this.inlineEnabled) return undefined;
    return { inline_keyboard: [[{ text: t(locale, 'share.button'), switch_inline_query: ref }]] };
  }

  /** The card: the preview picture with the text as its caption, or the text alone (protected galleries). */
  private async postCard(chatId: number, card: ShareCard, threadId: number | undefined): Promise<void> {
    const reply_markup = openButton(card);
    const { telegram, logger } = this.deps;
    if (card.previewUrl) {
      try {
        await retryTransient(
          () =>
            telegram.sendPhoto(chatId, card.previewUrl!, {
              caption: card.text,
              message_thread_id: threadId,
              reply_markup,
            }),
          { logger, what: 'telegram: sendPhoto (share card)' },
        );
        return;
      } catch (error) {
        // Telegram could not fetch the picture (a server it cannot reach): the card goes as text.
        logger.info({ err: error, chatId }, 'telegram: share card picture refused; sending text');
      }
    }
    await retryTransient(
      () =>
        telegram.sendMessage(chatId, card.text, {
          link_preview_options: { is_disabled: true },
          message_thread_id: threadId,
          reply_markup,
        }),
      { logger, what: 'telegram: sendMessage (share card)' },
    );
  }

  private inlineResult(id: string, card: ShareCard, gallery: SharedGallery, locale: Locale): InlineQueryResultArticle {
    const description = gallery.passwordProtected ? 'share.inline.protected' : 'share.inline.description';
    return {
      type: 'article',
      id,
      title: card.title,
      description: t(locale, description, { count: gallery.imageCount }),
      input_message_content: { message_text: card.text, link_preview_options: { is_disabled: true } },
      reply_markup: openButton(card),
      ...(card.previewUrl ? { thumbnail_url: card.previewUrl } : {}),
    };
  }
}

function openButton(card: ShareCard): InlineKeyboardMarkup {
  return { inline_keyboard: [[{ text: card.buttonLabel, url: card.url }]] };
}
