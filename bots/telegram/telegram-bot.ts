import { setTimeout as sleep } from 'node:timers/promises';
import type { Request, Response } from 'express';
import { Input, Telegraf } from 'telegraf';
import type { CallbackQuery, InlineKeyboardMarkup, Message, Update } from 'telegraf/types';
import type { Notifier, OwnerAlert } from '../../core/analytics/notifier.js';
import { LRUCache } from 'lru-cache';
import { decideMessage, replyVisibility, stripMention } from '../../core/chat/addressing.js';
import { ChatBatchFlow, type BatchProgress } from '../../core/chat/batch-flow.js';
import { decodeButton, helpText, type ChatReply } from '../../core/chat/chat-commands.js';
import { ChatShare } from '../../core/chat/chat-share.js';
import { findReferenceInText } from '../../core/gallery-ref.js';
import { retryTransient } from '../../core/chat/retry.js';
import { SharedBatchCollector } from '../../core/chat/shared-batch-collector.js';
import { splitText } from '../../core/chat/text-splitter.js';
import { classifyDeliveryFailure, retryAfterMs } from '../../core/chat/transient-errors.js';
import { formatBytes, t } from '../../core/messages.js';
import type { Logger } from '../../core/ports.js';
import type { BatchOutcome, Locale, Owner } from '../../core/types.js';
import type { BotContext, RunningBot } from '../shared/bot-context.js';
import { loadTelegramConfig, type TelegramConfig } from './telegram-config.js';
import { incomingFile, type TelegramFileRef } from './telegram-files.js';
import { TelegramBatchAnswer, type SendOptions, type TelegramSender } from './telegram-progress.js';
import {
  CAPTION_LIMIT,
  MESSAGE_LIMIT,
  commandMenu,
  inlineKeyboard,
  isNotModified,
  isOurCommand,
  parseCommand,
} from './telegram-render.js';
import { TelegramShare } from './telegram-share.js';
import { readWebhookUpdate, webhookSecretMatches } from './telegram-webhook.js';

/** Only what the bot handles, so Telegram does not send (and bill the poll with) anything else. */
const ALLOWED_UPDATES = ['message', 'callback_query', 'inline_query', 'chosen_inline_result'] as const;

/** Links must not unfurl: Telegram's preview fetch would otherwise hit the gallery. */
const NO_PREVIEW = { link_preview_options: { is_disabled: true } } as const;

/** Plain data only: with webhooks spread over instances, open batches live in the shared state. */
interface BatchMeta {
  owner: Owner;
  locale: Locale;
  chatId: number;
  /** The first message of the batch: replies thread under it. */
  firstMessageId: number;
  /** The forum topic the batch was sent in; every answer goes there too. */
  threadId?: number;
  isGroup: boolean;
  title: string | null;
}

/**
 * Senders that are not a person: anonymous group admins (GroupAnonymousBot), "send as channel"
 * posts (Channel_Bot) and channel auto-forwards (Telegram). Many people share each of these ids,
 * so they can own nothing: `sender_chat` names the real sender, and such senders are refused.
 */
const SHARED_SENDER_IDS = new Set([1087968824, 136817688, 777000]);

/** Starts the Telegram adapter: long polling, or a webhook on the shared web server. */
export async function runTelegramBot(context: BotContext): Promise<RunningBot> {
  const bot = new TelegramBot(context, loadTelegramConfig(context.config));
  bot.start();
  return { name: 'telegram', stop: () => bot.stop() };
}

/**
 * The adapter: parses updates into core calls and renders the answers with telegraf.
 * Every outgoing call goes through `withRetry` on the shared `bot.telegram` client, so 429s are
 * waited out and network failures retried; nothing here throws into telegraf or the process.
 */
class TelegramBot implements TelegramSender, Notifier {
  private readonly bot: Telegraf;
  private readonly logger: Logger;
  private readonly collector: SharedBatchCollector<TelegramFileRef, BatchMeta>;
  /**
   * The progress message of each batch this instance is collecting. It stays in this process: the
   * instance that claims a batch another instance started shows a progress message of its own.
   */
  private readonly progress = new Map<string, BatchProgress>();
  /** The batch → progress → reply flow (core/chat), rendered the Telegram way. */
  private readonly batches: ChatBatchFlow;
  /**
   * Albums seen in groups: an album counts when any of its items mentions the bot or replies to
   * it, and that item is not always the first to arrive, so earlier items wait here a while.
   */
  private readonly albums = new LRUCache<string, { qualified: boolean; waiting: Message[] }>({
    max: 1000,
    ttl: 10 * 60_000,
  });
  /** Aborts long polls and background retries when the bot stops. */
  private readonly abort = new AbortController();
  private readonly inFlight = new Set<Promise<unknown>>();
  private polling: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private unregisterNotifier: (() => void) | undefined;
  /** Share buttons, inline mode and `/share` (telegram-share.ts). */
  private readonly share: TelegramShare;

  constructor(
    private readonly context: BotContext,
    private readonly config: TelegramConfig,
  ) {
    this.logger = context.logger.child({ bot: 'telegram' });
    this.bot = new Telegraf(config.token, { telegram: { apiRoot: config.apiRoot } });
    this.batches = new ChatBatchFlow({
      service: context.core.service,
      commands: context.commands,
      logger: this.logger,
      defaultLocale: context.config.defaultLocale,
    });
    // telegraf's default handler sets process.exitCode and rethrows: a bad update must never do that.
    this.bot.catch((error, ctx) =>
      this.logger.error({ err: error, updateId: ctx.update.update_id }, 'telegram: update handling failed'),
    );
    this.bot.on('message', (ctx) => this.onMessage(ctx.message));
    this.bot.on('callback_query', (ctx) => this.onButton(ctx.callbackQuery));
    this.share = new TelegramShare({
      telegram: this.bot.telegram,
      share: new ChatShare(context.core.links, this.logger),
      service: context.core.service,
      logger: this.logger,
      clock: context.core.clock,
      defaultLocale: context.config.defaultLocale,
      botInfo: () => this.bot.botInfo,
    });
    this.bot.on('inline_query', (ctx) => this.share.onInlineQuery(ctx.inlineQuery));
    this.bot.on('chosen_inline_result', (ctx) => this.share.onChosenResult(ctx.chosenInlineResult));
    this.collector = new SharedBatchCollector<TelegramFileRef, BatchMeta>({
      store: context.core.shared.batchWindows,
      namespace: 'telegram',
      quietMs: context.config.chat.batchQuietMs,
      maxWaitMs: context.config.chat.batchMaxWaitMs,
      logger: this.logger,
      // In an album only one item carries the caption, and not always the first.
      mergeMeta: (current, next) => ({ ...current, title: current.title ?? next.title }),
      onBatch: (key, items, meta) => this.processBatch(key, items, meta),
    });
  }

  start(): void {
    this.unregisterNotifier = this.context.core.analytics.notifiers.register('telegram', this);
    if (this.config.webhook) this.mountWebhook(this.config.webhook);
    this.background('setup', () => this.setup());
    if (!this.config.webhook) this.polling = this.pollForever();
  }

  /** Accept nothing new, let the updates in hand finish, process the open batches, then return. */
  stop(): Promise<void> {
    return (this.stopping ??= (async () => {
      this.unregisterNotifier?.();
      this.abort.abort();
      await this.polling;
      await Promise.allSettled([...this.inFlight]);
      await this.collector.drain();
      this.logger.info('telegram: stopped');
    })());
  }

  // ---- receiving ------------------------------------------------------------------------------

  private async onMessage(message: Message): Promise<void> {
    if (!message.from) return;
    const isDirect = message.chat.type === 'private';
    const locale = this.batches.locale(message.from.language_code);
    const threadId = topicOf(message);
    const text = 'text' in message ? message.text : 'caption' in message ? (message.caption ?? '') : '';
    const parsed = 'text' in message ? parseCommand(message.text) : null;
    const username = this.bot.botInfo?.username;
    if (parsed) {
      // `/stats@other_bot` is another bot's; a bare `/foo` in a group is ours only when we know it.
      if (parsed.addressee && username && parsed.addressee.toLowerCase() !== username.toLowerCase()) return;
      if (!isDirect && !parsed.addressee && !isOurCommand(parsed.command)) return;
    }
    const facts = {
      isDirect,
      mentionsBot: mentions(message, text, username),
      repliesToBot: Boolean(this.bot.botInfo && repliedTo(message)?.from?.id === this.bot.botInfo.id),
    };
    const file = fileOf(message);
    const albumId = 'media_group_id' in message ? message.media_group_id : undefined;
    const decision = parsed
      ? 'command'
      : this.albumDecision(
          message,
          albumId,
          decideMessage({ ...facts, hasFiles: Boolean(file) || 'animation' in message }),
        );
    if (decision === 'ignore' || decision === 'wait') return;
    const where = { chatId: message.chat.id, replyTo: message.message_id, threadId };
    if (isSharedSender(message)) {
      // Ownership needs one person; an anonymous admin or a channel is many. Say so once per album.
      if (!albumId || decision === 'first-of-album')
        await this.reply(where, { text: t(locale, 'chat.anonymous'), isError: true });
      return;
    }
    const owner: Owner = {
      platform: 'telegram',
      userId: String(message.from.id),
      chatId: chatKey(message.chat.id, threadId),
    };
    if ('animation' in message) {
      await this.reply(where, { text: t(locale, 'telegram.animation'), isError: true });
      return;
    }
    if (file && decision !== 'help') {
      await this.collect(message, file, owner, locale);
      // Items of the album that arrived before the one that named the bot.
      for (const earlier of decision === 'first-of-album' ? this.takeWaiting(albumId) : []) {
        const earlierFile = fileOf(earlier);
        if (earlierFile) await this.collect(earlier, earlierFile, owner, locale);
      }
      return;
    }
    if (!parsed) {
      await this.reply(where, { text: helpText(locale, { platform: 'telegram' }) });
      return;
    }
    const replied = repliedTo(message);
    const replyToText = replied
      ? 'text' in replied
        ? replied.text
        : 'caption' in replied
          ? replied.caption
          : null
      : null;
    if (parsed.command === 'share') {
      await this.shareCommand({ message, owner, locale, where, args: parsed.args, replyToText });
      return;
    }
    const reply = await this.context.commands.run({
      owner,
      locale,
      command: parsed.command,
      args: parsed.args,
      replyToText,
      isPrivateChat: isDirect,
      syntax: { platform: 'telegram' },
    });
    if (replyVisibility(reply, { isDirect }) === 'private') {
      // A login link or visitors' places must never be posted where others can read them.
      const delivered = await this.sendPrivately(message.from.id, reply);
      await this.send(message.chat.id, this.privateNotice(locale, delivered, reply), {
        replyTo: message.message_id,
        threadId,
      });
    } else {
      await this.reply(where, reply);
    }
    if (parsed.command === 'password' && parsed.args.length > 0) {
      // The password sits in the chat history: remove it where the bot may (always in private chats).
      await this.quietly('deleteMessage', () => this.bot.telegram.deleteMessage(message.chat.id, message.message_id));
    }
  }

  /** `/share <link>` (or a reply to the gallery message): the card in this group, or how to share from a private chat. */
  private async shareCommand(input: {
    message: Message;
    owner: Owner;
    locale: Locale;
    where: Where;
    args: string[];
    replyToText: string | null | undefined;
  }): Promise<void> {
    const { message, owner, locale, where, args } = input;
    const first = args[0];
    const ref = first
      ? (findReferenceInText(first) ?? first)
      : input.replyToText
        ? findReferenceInText(input.replyToText)
        : null;
    if (!ref) {
      // "Which gallery?", in the words every command uses.
      await this.reply(where, await this.context.commands.run({ owner, locale, command: 'share', args: [] }));
      return;
    }
    let reply: ChatReply | null;
    try {
      reply = await this.share.onShareCommand({ message, owner, locale, ref, threadId: where.threadId });
    } catch {
      return; // the card could not be posted here (logged): nowhere to say so either
    }
    if (!reply) return;
    if (message.chat.type === 'private' && !reply.isError) {
      await this.send(message.chat.id, reply.text, {
        keyboard: this.share.privateKeyboard(ref, locale),
        replyTo: where.replyTo,
      });
      return;
    }
    await this.reply(where, reply);
  }

  /**
   * Album items each arrive as their own update, and only one usually carries the caption. In a
   * group, an item that does not qualify waits until one of its album does (or is forgotten).
   */
  private albumDecision(
    message: Message,
    albumId: string | undefined,
    decision: 'collect' | 'help' | 'ignore',
  ): 'collect' | 'help' | 'ignore' | 'wait' | 'first-of-album' {
    if (!albumId || message.chat.type === 'private') return decision;
    const key = `${message.chat.id}:${albumId}`;
    const album = this.albums.get(key) ?? { qualified: false, waiting: [] };
    this.albums.set(key, album);
    if (album.qualified) return 'collect';
    if (decision !== 'collect') {
      album.waiting.push(message);
      return 'wait';
    }
    album.qualified = true;
    return 'first-of-album';
  }

  private takeWaiting(albumId: string | undefined): Message[] {
    if (!albumId) return [];
    for (const [key, album] of this.albums.entries()) {
      if (key.endsWith(`:${albumId}`)) {
        const waiting = album.waiting;
        album.waiting = [];
        return waiting;
      }
    }
    return [];
  }

  private async collect(message: Message, file: TelegramFileRef, owner: Owner, locale: Locale): Promise<void> {
    const threadId = topicOf(message);
    // Photos in two topics of one forum are two batches.
    const key = `${message.chat.id}:${threadId ?? ''}:${owner.userId}`;
    const caption =
      'caption' in message && message.caption ? stripMention(message.caption, this.bot.botInfo?.username) : '';
    const isGroup = message.chat.type !== 'private';
    const meta: BatchMeta = {
      owner,
      locale,
      chatId: message.chat.id,
      firstMessageId: message.message_id,
      threadId,
      isGroup,
      title: caption || null,
    };
    const count = await this.batches.collect(
      () => this.collector.add(key, [file], meta),
      locale,
      (reply) => this.reply({ chatId: message.chat.id, replyTo: message.message_id, threadId }, reply),
    );
    if (count === null) return;
    let progress = this.progress.get(key);
    if (!progress) {
      progress = this.batchProgress(meta);
      this.progress.set(key, progress);
    }
    progress.received(count);
  }

  /** A batch's progress message, replying to its first message, in its topic. */
  private batchProgress(meta: BatchMeta): BatchProgress {
    const port = new TelegramBatchAnswer(this, meta.chatId, meta.firstMessageId, meta.threadId, this.logger, (reply) =>
      this.share.withShareButton(inlineKeyboard(reply.buttons), reply.slug, meta.locale),
    );
    return this.batches.progress(port, meta.locale, { isDirect: !meta.isGroup });
  }

  private async processBatch(key: string, items: TelegramFileRef[], meta: BatchMeta): Promise<void> {
    const progress = this.progress.get(key) ?? this.batchProgress(meta);
    // Photos arriving from now on open a new batch, with a progress message of its own.
    this.progress.delete(key);
    items.sort((a, b) => a.messageId - b.messageId);
    let photos = 0;
    const files = items.map((ref) =>
      incomingFile(ref, ref.fileName ?? `photo-${++photos}.jpg`, {
        telegram: this.bot.telegram,
        config: this.config,
        logger: this.logger,
      }),
    );
    await this.batches.run(progress, {
      owner: meta.owner,
      locale: meta.locale,
      files,
      options: { title: meta.title },
      explain: (outcome) => this.explainCloudLimit(outcome, meta.locale),
    });
  }

  /** The core's generic "platform limit" reason, told the Telegram way: what the limit is and how to lift it. */
  private explainCloudLimit(outcome: BatchOutcome, locale: Locale): BatchOutcome {
    const limit = formatBytes(this.context.config.limits.maxFileBytes);
    return {
      ...outcome,
      rejected: outcome.rejected.map((r) =>
        r.code === 'PLATFORM_FILE_TOO_LARGE' ? { ...r, message: t(locale, 'telegram.cloudLimit', { limit }) } : r,
      ),
    };
  }

  // ---- buttons --------------------------------------------------------------------------------

  private async onButton(query: CallbackQuery): Promise<void> {
    const answer = (text?: string, alert = false) =>
      this.quietly('answerCallbackQuery', () =>
        this.bot.telegram.answerCbQuery(query.id, text?.slice(0, 200), { show_alert: alert }),
      );
    const data = 'data' in query ? query.data : undefined;
    const decoded = data ? decodeButton(data) : null;
    const message = query.message;
    if (!data || !decoded || !message) return void (await answer());
    const locale = this.batches.locale(query.from.language_code);
    if (SHARED_SENDER_IDS.has(query.from.id)) return void (await answer(t(locale, 'chat.anonymous'), true));
    const threadId = topicOf(message as Message);
    const owner: Owner = {
      platform: 'telegram',
      userId: String(query.from.id),
      chatId: chatKey(message.chat.id, threadId),
    };
    const reply = await this.context.commands.press({ owner, locale, data });
    // Refusals (someone else's gallery, a deleted one) are a private pop-up, never an edit of the owner's message.
    if (reply.isError) return void (await answer(reply.text, true));
    const chatId = message.chat.id;
    const where = { chatId, replyTo: message.message_id, threadId };
    if (replyVisibility(reply, { isDirect: message.chat.type === 'private' }) === 'private') {
      const delivered = await this.sendPrivately(query.from.id, reply);
      await answer(this.privateNotice(locale, delivered, reply), !delivered);
      return;
    }
    switch (decoded.action) {
      case 'stats':
      case 'dashboard':
      case 'delete':
        await answer();
        await this.reply(where, reply);
        break;
      case 'disable':
      case 'enable':
        await answer(reply.text);
        // The button flips: Disable becomes Enable and back.
        await this.quietly('editMessageReplyMarkup', () =>
          this.bot.telegram.editMessageReplyMarkup(
            chatId,
            message.message_id,
            undefined,
            // The gallery message keeps its Share row.
            hasShareButton(message)
              ? this.share.withShareButton(inlineKeyboard(reply.buttons), reply.slug, locale)
              : inlineKeyboard(reply.buttons),
          ),
        );
        break;
      case 'delete-yes':
      case 'delete-no': {
        await answer();
        await this.quietly('editMessageText', () =>
          this.bot.telegram.editMessageText(chatId, message.message_id, undefined, reply.text, { ...NO_PREVIEW }),
        );
        const gallery = 'reply_to_message' in message ? message.reply_to_message : undefined;
        if (decoded.action === 'delete-yes' && gallery && gallery.from?.id === this.bot.botInfo?.id) {
          // The gallery message's link and buttons are dead now: say so there too.
          await this.quietly('editGalleryMessage', (): Promise<unknown> =>
            'photo' in gallery
              ? this.bot.telegram.editMessageCaption(chatId, gallery.message_id, undefined, reply.text)
              : this.bot.telegram.editMessageText(chatId, gallery.message_id, undefined, reply.text, { ...NO_PREVIEW }),
          );
        }
        break;
      }
    }
  }

  // ---- sending --------------------------------------------------------------------------------

  /** Sends a reply; failures are logged, never thrown. A chart that cannot be sent leaves the text to go alone. */
  private async reply(where: Where, reply: ChatReply): Promise<void> {
    try {
      await this.sendReply(where, reply);
    } catch (error) {
      this.logger.warn({ err: error, chatId: where.chatId }, 'telegram: could not send a reply');
      if (reply.image) await this.reply(where, { ...reply, image: undefined });
    }
  }

  /**
   * Sends a reply in as many messages as it takes, buttons under the last one, all in the topic
   * the conversation is in. A chart goes as a photo with the text as its caption (the rest of a
   * long text follows as messages). Throws when the first message cannot be sent, so callers can
   * tell "not delivered" (a private chat the user never opened, a group the bot was removed from).
   */
  private async sendReply(where: Where, reply: ChatReply): Promise<void> {
    const { chatId, replyTo, threadId } = where;
    const keyboard = inlineKeyboard(reply.buttons);
    let pieces: string[];
    if (reply.image) {
      const [caption, ...rest] = splitText(reply.text, MESSAGE_LIMIT, CAPTION_LIMIT);
      await this.sendPhoto(chatId, reply.image, caption!, {
        keyboard: rest.length ? undefined : keyboard,
        replyTo,
        threadId,
      });
      pieces = rest;
    } else {
      const [first, ...rest] = splitText(reply.text, MESSAGE_LIMIT);
      await retryTransient(
        () => this.sendMessage(chatId, first!, { keyboard: rest.length ? undefined : keyboard, replyTo, threadId }),
        { logger: this.logger, what: 'telegram: sendMessage' },
      );
      pieces = rest;
    }
    for (const [index, piece] of pieces.entries()) {
      await this.send(chatId, piece, { keyboard: index === pieces.length - 1 ? keyboard : undefined, threadId });
    }
  }

  /** Sends a reply to the user's private chat with the bot; false when Telegram refuses (they never started the bot). */
  private async sendPrivately(userId: number, reply: ChatReply): Promise<boolean> {
    try {
      await this.sendReply({ chatId: userId }, reply);
      return true;
    } catch (error) {
      this.logger.info({ err: error, userId }, 'telegram: could not write to the user privately');
      return false;
    }
  }

  /** What the group is told after a private reply: where it went (and why, for stats), or how to make it possible. */
  private privateNotice(locale: Locale, delivered: boolean, reply: ChatReply): string {
    if (!delivered) return t(locale, 'telegram.privateFailed', { bot: this.bot.botInfo?.username ?? '' });
    return reply.image || reply.slug ? t(locale, 'telegram.statsPrivately') : t(locale, 'telegram.sentPrivately');
  }

  /** Sends one text message; failures are logged, never thrown. Returns the message id. */
  async send(chatId: number | string, text: string, options: SendOptions = {}): Promise<number | undefined> {
    const sent = await this.quietly('sendMessage', () => this.sendMessage(chatId, text, options));
    return sent?.message_id;
  }

  private sendMessage(chatId: number | string, text: string, options: SendOptions) {
    return this.bot.telegram.sendMessage(chatId, text, {
      ...NO_PREVIEW,
      message_thread_id: options.threadId,
      reply_markup: options.keyboard,
      reply_parameters: options.replyTo
        ? { message_id: options.replyTo, allow_sending_without_reply: true }
        : undefined,
    });
  }

  /**
   * Delivers an owner alert (core/analytics) to the chat (and topic) the gallery was made in, or
   * privately when that chat is unknown or refuses. A group that became a supergroup is followed to
   * its new id. Throwing tells the monitor to try again on its next check, so only a failure that
   * may heal is thrown: a blocked bot or a chat it was removed from is logged and given up on.
   */
  async notify(alert: OwnerAlert): Promise<void> {
    const home = parseChatKey(alert.owner.chatId);
    const targets: Where[] = [];
    if (home) targets.push(home);
    if (String(home?.chatId) !== alert.owner.userId) targets.push({ chatId: alert.owner.userId });
    let failure: unknown;
    for (let i = 0; i < targets.length; i++) {
      const target = targets[i]!;
      try {
        await this.sendReply(target, { text: alert.text, buttons: alert.buttons });
        return;
      } catch (error) {
        const kind = classifyDeliveryFailure(error);
        this.logger.warn(
          { err: error, chatId: target.chatId, slug: alert.slug, failure: kind.kind },
          'telegram: could not deliver an alert to this chat',
        );
        if (kind.kind === 'migrated') targets.splice(i + 1, 0, { chatId: kind.chatId, threadId: target.threadId });
        else if (kind.kind === 'transient') failure ??= error;
      }
    }
    // Every target refused for good (blocked, removed): retrying cannot help, so the alert is dropped.
    if (failure) throw failure;
    this.logger.info({ slug: alert.slug }, 'telegram: alert dropped; no chat accepts it any more');
  }

  async sendPhoto(
    chatId: number | string,
    photo: { png: Buffer; name: string },
    caption: string,
    options: SendOptions,
  ) {
    await retryTransient(
      () =>
        this.bot.telegram.sendPhoto(chatId, Input.fromBuffer(photo.png, photo.name), {
          caption,
          message_thread_id: options.threadId,
          reply_markup: options.keyboard,
          // telegraf 4.16 drops object fields it does not know from multipart requests, so this one
          // goes pre-encoded (the Bot API reads JSON-encoded fields in multipart bodies).
          reply_parameters: options.replyTo
            ? (JSON.stringify({ message_id: options.replyTo, allow_sending_without_reply: true }) as never)
            : undefined,
        }),
      { logger: this.logger, what: 'telegram: sendPhoto' },
    );
  }

  async edit(chatId: number, messageId: number, text: string, keyboard?: InlineKeyboardMarkup): Promise<void> {
    await this.quietly('editMessageText', () =>
      this.bot.telegram.editMessageText(chatId, messageId, undefined, text, { ...NO_PREVIEW, reply_markup: keyboard }),
    );
  }

  async editOnce(chatId: number, messageId: number, text: string): Promise<void> {
    try {
      await this.bot.telegram.editMessageText(chatId, messageId, undefined, text, { ...NO_PREVIEW });
    } catch (error) {
      if (isNotModified(error)) return;
      this.logger.info({ err: error, chatId, retryAfterMs: retryAfterMs(error) }, 'telegram: progress edit skipped');
      throw error;
    }
  }

  async delete(chatId: number, messageId: number): Promise<void> {
    await this.quietly('deleteMessage', () => this.bot.telegram.deleteMessage(chatId, messageId));
  }

  /** One Bot API call with retries; a final failure is logged and answered with undefined. */
  private async quietly<T>(what: string, call: () => Promise<T>): Promise<T | undefined> {
    try {
      return await retryTransient(call, {
        logger: this.logger,
        what: `telegram: ${what}`,
        retries: 4,
        signal: this.abort.signal,
      });
    } catch (error) {
      if (!isNotModified(error)) this.logger.warn({ err: error }, `telegram: ${what} failed`);
      return undefined;
    }
  }

  // ---- running --------------------------------------------------------------------------------

  /** Who we are (for `/cmd@bot` in groups) and the command menu in both languages. */
  private async setup(): Promise<void> {
    const signal = this.abort.signal;
    const forever = { logger: this.logger, signal, retries: Number.POSITIVE_INFINITY };
    this.bot.botInfo ??= await retryTransient(() => this.bot.telegram.getMe(), { ...forever, what: 'telegram: getMe' });
    await retryTransient(() => this.bot.telegram.setMyCommands(commandMenu('en')), {
      ...forever,
      what: 'telegram: setMyCommands',
    });
    await retryTransient(() => this.bot.telegram.setMyCommands(commandMenu('zh-CN'), { language_code: 'zh' }), {
      ...forever,
      what: 'telegram: setMyCommands',
    });
    if (this.config.webhook) {
      const { url, secret } = this.config.webhook;
      await retryTransient(
        () => this.bot.telegram.setWebhook(url, { secret_token: secret, allowed_updates: [...ALLOWED_UPDATES] }),
        { ...forever, what: 'telegram: setWebhook' },
      );
      this.logger.info({ url }, 'telegram: webhook set');
    }
  }

  /**
   * Long polling, our own loop rather than `bot.launch()`: a stop must be able to end it at any
   * moment (launch cannot be stopped while it is still connecting), and no failure may end it.
   */
  private async pollForever(): Promise<void> {
    const { signal } = this.abort;
    let offset = 0;
    let failures = 0;
    let webhookCleared = false;
    while (!signal.aborted) {
      let updates: Update[];
      try {
        this.bot.botInfo ??= await this.bot.telegram.getMe();
        if (!webhookCleared) {
          // getUpdates is refused (409) while a webhook is set, e.g. after running in webhook mode.
          await this.bot.telegram.deleteWebhook();
          webhookCleared = true;
          this.logger.info({ username: this.bot.botInfo.username }, 'telegram: long polling');
        }
        updates = await this.bot.telegram.callApi(
          'getUpdates',
          { timeout: 50, offset, allowed_updates: [...ALLOWED_UPDATES] },
          // telegraf types its own abort-controller polyfill; Node's AbortSignal is what node-fetch checks for.
          { signal: signal as never },
        );
        failures = 0;
      } catch (error) {
        if (signal.aborted) break;
        failures += 1;
        // 401 (bad token) and 409 (another instance polls) do not heal quickly: keep trying, slowly.
        const delay = retryAfterMs(error) ?? Math.min(60_000, 1_000 * 2 ** Math.min(failures, 6));
        this.logger.error({ err: error, retryInMs: delay }, 'telegram: cannot fetch updates; retrying');
        await sleep(delay, undefined, { signal }).catch(() => undefined);
        continue;
      }
      if (updates.length) offset = updates[updates.length - 1]!.update_id + 1;
      // Handled alongside the next poll: an answer waiting out a 429 in one chat must not hold up
      // the updates of every other chat.
      for (const update of updates) this.track(this.handle(update));
    }
    // Confirm what was handled, so the next start does not receive it again.
    if (offset) await this.bot.telegram.callApi('getUpdates', { offset, limit: 1, timeout: 0 }).catch(() => undefined);
  }

  private handle(update: Update): Promise<void> {
    return this.bot
      .handleUpdate(update)
      .catch((error: unknown) =>
        this.logger.error({ err: error, updateId: update.update_id }, 'telegram: update failed'),
      );
  }

  /**
   * Webhook mode: Telegram POSTs updates to our path with the secret in a header. The update is
   * acknowledged at once and handled after: a slow answer makes Telegram deliver it again, which
   * would make two galleries of one batch.
   */
  private mountWebhook(webhook: NonNullable<TelegramConfig['webhook']>): void {
    this.context.integrations.post(webhook.path, async (req: Request, res: Response) => {
      if (!webhookSecretMatches(req.get('x-telegram-bot-api-secret-token'), webhook.secret)) {
        res.status(401).json({ ok: false, error: 'unauthorized' });
        return;
      }
      if (this.abort.signal.aborted) {
        // Telegram delivers it again later, to the instance that replaces this one.
        res.status(503).end();
        return;
      }
      const update = await readWebhookUpdate(req);
      if (!update) {
        res.status(400).json({ ok: false, error: 'not a Telegram update' });
        return;
      }
      res.status(200).json({ ok: true });
      this.track(this.handle(update));
    });
  }

  private track(work: Promise<void>): void {
    const tracked = work.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  private background(what: string, task: () => Promise<void>): void {
    const work = task()
      .catch((error: unknown) => {
        if (!this.abort.signal.aborted) this.logger.error({ err: error }, `telegram: ${what} failed`);
      })
      .finally(() => this.inFlight.delete(work));
    this.inFlight.add(work);
  }
}

/** Where an answer goes: the chat, the message it replies to, the forum topic. */
interface Where {
  chatId: number | string;
  replyTo?: number;
  threadId?: number;
}

/** The forum topic a message is in; replies in a topic carry it too. */
function topicOf(message: Message): number | undefined {
  return 'is_topic_message' in message && message.is_topic_message ? message.message_thread_id : undefined;
}

/** A gallery's chat as stored with its owner: `chatId`, or `chatId:topic` for a forum topic. */
function chatKey(chatId: number, threadId: number | undefined): string {
  return threadId ? `${chatId}:${threadId}` : String(chatId);
}

function parseChatKey(key: string | null | undefined): Where | null {
  if (!key) return null;
  const [chatId, thread] = key.split(':');
  return { chatId: chatId!, threadId: thread ? Number(thread) : undefined };
}

function hasShareButton(message: CallbackQuery['message']): boolean {
  const markup = message && 'reply_markup' in message ? message.reply_markup : undefined;
  return Boolean(markup?.inline_keyboard.some((row) => row.some((button) => 'switch_inline_query' in button)));
}

function repliedTo(message: Message): Message | undefined {
  return 'reply_to_message' in message ? (message.reply_to_message as Message | undefined) : undefined;
}

/** An anonymous admin, a channel posting as itself, or a channel's automatic forward. */
function isSharedSender(message: Message): boolean {
  return Boolean(message.sender_chat) || SHARED_SENDER_IDS.has(message.from?.id ?? 0);
}

/** Whether a text or caption names the bot (`@username`), by its entities or, failing those, its text. */
function mentions(message: Message, text: string, username: string | undefined): boolean {
  if (!username || !text) return false;
  const entities =
    'entities' in message ? message.entities : 'caption_entities' in message ? message.caption_entities : undefined;
  const wanted = `@${username.toLowerCase()}`;
  if (entities?.length)
    return entities.some(
      (e) => e.type === 'mention' && text.slice(e.offset, e.offset + e.length).toLowerCase() === wanted,
    );
  return new RegExp(`(^|\\s)${wanted.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'i').test(text);
}

/** The file in a message, if it carries one we can take: the largest photo size or a document. */
function fileOf(message: Message): TelegramFileRef | null {
  if ('photo' in message && message.photo.length) {
    const largest = message.photo.reduce((best, size) =>
      size.width * size.height > best.width * best.height ? size : best,
    );
    return { kind: 'photo', fileId: largest.file_id, fileSize: largest.file_size, messageId: message.message_id };
  }
  if ('document' in message && !('animation' in message)) {
    const doc = message.document;
    return {
      kind: 'document',
      fileId: doc.file_id,
      fileSize: doc.file_size,
      fileName: doc.file_name,
      messageId: message.message_id,
    };
  }
  return null;
}
