import {
  Client,
  Events,
  GatewayIntentBits,
  MessageFlags,
  Partials,
  PermissionFlagsBits,
  Routes,
  escapeMarkdown,
  type Attachment,
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
  type Message,
} from 'discord.js';
import type { Notifier, OwnerAlert } from '../../core/analytics/notifier.js';
import { LRUCache } from 'lru-cache';
import { decideMessage } from '../../core/chat/addressing.js';
import { BatchCollector } from '../../core/chat/batch-collector.js';
import { ChatBatchFlow, type BatchProgress } from '../../core/chat/batch-flow.js';
import { retryTransient } from '../../core/chat/retry.js';
import { splitText } from '../../core/chat/text-splitter.js';
import { decodeButton, helpText, statusText, type ChatReply } from '../../core/chat/chat-commands.js';
import { classifyDeliveryFailure } from '../../core/chat/transient-errors.js';
import { parseExpiry, parseMaxOpens } from '../../core/link-options.js';
import { t, type MessageKey } from '../../core/messages.js';
import type { Logger } from '../../core/ports.js';
import type { GalleryOptions, IncomingFile, Locale, Owner } from '../../core/types.js';
import type { BotContext, RunningBot } from '../shared/bot-context.js';
import { ChatShare } from '../../core/chat/chat-share.js';
import { attachmentFile } from './attachment-files.js';
import { DiscordShare } from './discord-share.js';
import { parseDiscordConfig, type DiscordConfig } from './discord-config.js';
import { MAX_CONTENT_LENGTH, buttonRows, fitContent, renderReply, renderReplyWithImage } from './discord-render.js';
import { DiscordBatchAnswer, type BatchPayload, type DiscordBatchTarget } from './discord-batch-answer.js';
import {
  COMMAND_NAME,
  DASHBOARD_COMMAND_NAME,
  MAX_UPLOAD_ATTACHMENTS,
  attachmentOptionName,
  dashboardCommandDefinition,
  galleryCommandDefinition,
  isManageSubcommand,
  manageArgs,
} from './slash-commands.js';

/** Who a batch belongs to and where its answer goes. */
interface BatchMeta {
  owner: Owner;
  locale: Locale;
  options: GalleryOptions;
  progress: BatchProgress;
}

/** Starts the Discord adapter: registers the commands and connects in the background. */
export async function runDiscordBot(context: BotContext): Promise<RunningBot> {
  const bot = new DiscordBot(context, parseDiscordConfig(context.config.env));
  bot.start();
  return { name: 'discord', stop: () => bot.stop() };
}

/**
 * The Discord adapter. It parses interactions and messages, hands them to the core's ChatCommands
 * and GalleryService, and renders the replies with discord.js; no product rule lives here.
 */
export class DiscordBot implements Notifier {
  private readonly client: Client;
  private readonly logger: Logger;
  private readonly collector: BatchCollector<IncomingFile, BatchMeta>;
  /** Messages carry no locale; the one a user's last interaction had is the best guess for them. */
  private readonly userLocales = new LRUCache<string, Locale>({ max: 10_000 });
  /**
   * Where each recent gallery's answer was posted, so a delete (from a button in an ephemeral
   * confirmation) can also retire the gallery message's link and buttons.
   */
  private readonly galleryMessages = new LRUCache<string, { channelId: string; messageId: string }>({ max: 5_000 });
  /** The progress of each message batch still collecting, so later messages update its count. */
  private readonly openBatches = new Map<string, BatchProgress>();
  /** The batch → progress → reply flow (core/chat), rendered the Discord way. */
  private readonly batches: ChatBatchFlow;
  private unregisterNotifier: (() => void) | undefined;
  private readonly abort = new AbortController();
  /** `/gallery share` (discord-share.ts). */
  private readonly sharing: DiscordShare;

  constructor(
    private readonly context: BotContext,
    private readonly settings: DiscordConfig,
  ) {
    this.logger = context.logger.child({ bot: 'discord' });
    this.batches = new ChatBatchFlow({
      service: context.core.service,
      commands: context.commands,
      logger: this.logger,
      defaultLocale: context.config.defaultLocale,
    });
    this.sharing = new DiscordShare(new ChatShare(context.core.links, this.logger), this.logger);
    // Without the privileged MessageContent intent Discord still sends the attachments of DMs and of
    // messages that mention the bot, which is all the bot takes (core/chat/addressing).
    const intents = [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.DirectMessages];
    this.client = new Client({
      intents,
      // DM channels are not cached until a message arrives: without this, DMs are dropped.
      partials: [Partials.Channel],
      rest: { api: settings.apiUrl },
      allowedMentions: { parse: [], repliedUser: false },
    });
    this.collector = new BatchCollector<IncomingFile, BatchMeta>({
      quietMs: context.config.chat.batchQuietMs,
      maxWaitMs: context.config.chat.batchMaxWaitMs,
      logger: this.logger,
      onBatch: (key, files, meta) => {
        if (this.openBatches.get(key) === meta.progress) this.openBatches.delete(key);
        return this.batches.run(meta.progress, { ...meta, files, escape: escapeMarkdown });
      },
    });

    this.client.on(
      Events.InteractionCreate,
      (interaction) => void this.guard('interaction', () => this.onInteraction(interaction)),
    );
    this.client.on(Events.MessageCreate, (message) => void this.guard('message', () => this.onMessage(message)));
    this.client.once(Events.ClientReady, (client) => this.logger.info({ user: client.user.tag }, 'discord: connected'));
    this.client.on(Events.Error, (error) => this.logger.error({ err: error }, 'discord: client error'));
    this.client.on(Events.ShardError, (error) => this.logger.error({ err: error }, 'discord: gateway error'));
    this.client.on(Events.Warn, (warning) => this.logger.warn({ warning }, 'discord: warning'));
  }

  /** Registers the command and logs in without blocking the process start; failures are logged. */
  start(): void {
    this.unregisterNotifier = this.context.core.analytics.notifiers.register('discord', this);
    // login() hands the token to the REST client before its first await, so registration can run
    // alongside. A network blip at start is retried with backoff, as the other bots do; a bad token is not.
    retryTransient(() => this.client.login(this.settings.token), {
      logger: this.logger,
      what: 'discord: login',
      retries: Number.POSITIVE_INFINITY,
      maxDelayMs: 60_000,
      signal: this.abort.signal,
    }).catch((error: unknown) => {
      if (!this.abort.signal.aborted) this.logger.error({ err: error }, 'discord: login failed');
    });
    void this.guard('command registration', () => this.registerCommands());
  }

  /** Accepts nothing new, answers the batches in hand, then disconnects. */
  async stop(): Promise<void> {
    this.unregisterNotifier?.();
    this.abort.abort();
    await this.collector.drain();
    await this.client.destroy();
  }

  private async registerCommands(): Promise<void> {
    const { applicationId, guildId } = this.settings;
    const route = guildId
      ? Routes.applicationGuildCommands(applicationId, guildId)
      : Routes.applicationCommands(applicationId);
    await this.client.rest.put(route, { body: [galleryCommandDefinition(), dashboardCommandDefinition()] });
    this.logger.info({ scope: guildId ? `guild ${guildId}` : 'global' }, 'discord: commands registered');
  }

  private async guard(what: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.logger.error({ err: error }, `discord: ${what} failed`);
    }
  }

  private async onInteraction(interaction: Interaction): Promise<void> {
    this.userLocales.set(interaction.user.id, this.localeOf(interaction.locale));
    if (interaction.isAutocomplete()) return this.autocomplete(interaction);
    if (interaction.isButton()) return this.button(interaction);
    if (interaction.isChatInputCommand() && interaction.commandName === COMMAND_NAME) {
      const sub = interaction.options.getSubcommand();
      if (sub === 'upload') return this.upload(interaction);
      if (sub === 'share')
        return this.sharing.command(
          interaction,
          this.ownerOf(interaction.user.id, interaction.channelId),
          this.localeOf(interaction.locale),
        );
      if (isManageSubcommand(sub)) return this.manage(interaction, sub);
    }
    if (interaction.isChatInputCommand() && interaction.commandName === DASHBOARD_COMMAND_NAME)
      return this.dashboard(interaction);
  }

  /** `/dashboard`: the login link, ephemeral (only the owner sees it, wherever they ask). */
  private async dashboard(interaction: ChatInputCommandInteraction): Promise<void> {
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const reply = await this.context.commands.run({
      owner: this.ownerOf(interaction.user.id, interaction.channelId),
      locale: this.localeOf(interaction.locale),
      command: 'dashboard',
      args: [],
    });
    await interaction.editReply(renderReply(reply));
  }

  /**
   * Delivers an owner alert (core/analytics) to the channel the gallery was made in, or as a DM
   * when that channel is unknown or refuses; throwing tells the monitor to try again later.
   */
  async notify(alert: OwnerAlert): Promise<void> {
    const body = {
      content: fitContent(alert.text),
      components: buttonRows(alert.buttons),
      allowed_mentions: { parse: [] },
      flags: MessageFlags.SuppressEmbeds,
    };
    if (alert.owner.chatId) {
      try {
        await this.client.rest.post(Routes.channelMessages(alert.owner.chatId), { body });
        return;
      } catch (error) {
        this.logger.warn(
          { err: error, channel: alert.owner.chatId, slug: alert.slug },
          'discord: could not post an alert in its channel; sending it as a DM',
        );
      }
    }
    try {
      const dm = (await this.client.rest.post(Routes.userChannels(), {
        body: { recipient_id: alert.owner.userId },
      })) as { id: string };
      await this.client.rest.post(Routes.channelMessages(dm.id), { body });
    } catch (error) {
      // A user who closed their DMs or left every shared server refuses every retry: give up.
      if (classifyDeliveryFailure(error).kind !== 'permanent') throw error;
      this.logger.info({ err: error, slug: alert.slug }, 'discord: alert dropped; the owner cannot be reached');
    }
  }

  /** Alerts repeat gallery titles, which are the owner's text: Discord markdown in them stays literal. */
  escapeText(text: string): string {
    return escapeMarkdown(text);
  }

  private localeOf(language: string | null | undefined): Locale {
    return this.batches.locale(language);
  }

  private ownerOf(userId: string, channelId: string | null): Owner {
    return { platform: 'discord', userId, chatId: channelId };
  }

  /** `/gallery upload`: defer at once (Discord waits 3 s at most), then process the attachments as one batch. */
  private async upload(interaction: ChatInputCommandInteraction): Promise<void> {
    const locale = this.localeOf(interaction.locale);
    const password = interaction.options.getString('password');
    // Option values are never shown in the channel, but the answer is: keep it to the sender when
    // the gallery has a password and the channel is shared.
    const ephemeral = this.batches.answerIsPrivate({ password }, { isDirect: !interaction.inGuild() });
    await interaction.deferReply(ephemeral ? { flags: MessageFlags.Ephemeral } : {});
    const port = new DiscordBatchAnswer(
      {
        post: (payload) => interaction.editReply(payload),
        edit: (_message, payload) => interaction.editReply(payload),
        carriesGallery: ephemeral ? undefined : (slug, message) => this.rememberGalleryMessage(slug, message),
      },
      this.logger,
    );

    let options: GalleryOptions;
    try {
      options = this.uploadOptions(interaction, password);
    } catch (error) {
      await port.answer(this.context.commands.batchFailure(error, locale), null);
      return;
    }
    const attachments: Attachment[] = [];
    for (let i = 0; i < MAX_UPLOAD_ATTACHMENTS; i++) {
      const attachment = interaction.options.getAttachment(attachmentOptionName(i));
      if (attachment) attachments.push(attachment);
    }
    const files = attachments.map((attachment) => attachmentFile(attachment, this.settings.cdnHosts));
    const key = `interaction:${interaction.id}`;
    const meta: BatchMeta = {
      // An answer only the owner saw must not be followed by alerts in the channel: they go by DM.
      owner: this.ownerOf(interaction.user.id, ephemeral ? null : interaction.channelId),
      locale,
      options,
      progress: this.batches.progress(port, locale, { isDirect: !interaction.inGuild() }),
    };
    const added = await this.batches.collect(
      () => this.collector.add(key, files, meta),
      locale,
      (reply) => port.answer(reply, null),
    );
    // One interaction is a whole batch: no quiet window to wait for, and the CDN links expire.
    if (added !== null) void this.collector.flush(key);
  }

  private uploadOptions(interaction: ChatInputCommandInteraction, password: string | null): GalleryOptions {
    const expires = interaction.options.getString('expires');
    const maxViews = interaction.options.getInteger('max_views');
    const download = interaction.options.getBoolean('download');
    const options: GalleryOptions = {};
    const title = interaction.options.getString('title');
    if (title) options.title = title;
    if (expires) options.expiresAt = parseExpiry(expires, new Date());
    if (maxViews !== null) options.maxOpens = parseMaxOpens(maxViews);
    if (password) options.password = password;
    if (download !== null) options.downloadsAllowed = download;
    return options;
  }

  /** Images in a DM, or in a channel with the bot mentioned; a user's messages within the quiet window are one batch. */
  private async onMessage(message: Message): Promise<void> {
    if (message.author.bot || message.system || message.webhookId) return;
    const botId = this.client.user?.id;
    const attachments = [...message.attachments.values()];
    const decision = decideMessage({
      isDirect: !message.inGuild(),
      mentionsBot: Boolean(botId && message.mentions.users.has(botId)),
      repliesToBot: Boolean(botId && message.mentions.repliedUser?.id === botId),
      hasFiles: attachments.length > 0,
    });
    if (decision === 'ignore') return;
    const locale = this.localeForMessage(message);
    const missing = this.missingPermissions(message);
    if (missing.length) {
      const names = missing.map((name) => t(locale, `discord.permission.${name}` as MessageKey)).join(', ');
      await this.answer(message, { content: t(locale, 'discord.missingPermissions', { permissions: names }) });
      return;
    }
    if (decision === 'help') {
      await this.answer(message, { content: fitContent(helpText(locale, { platform: 'discord' })) });
      return;
    }
    const files = attachments.map((attachment) => attachmentFile(attachment, this.settings.cdnHosts));
    const key = `message:${message.author.id}:${message.channelId}`;
    // The progress message is only posted for the first message of a batch; later ones edit it.
    const target: DiscordBatchTarget = {
      post: (payload) => this.answer(message, payload),
      edit: (sent, payload) => sent.edit(payload),
      carriesGallery: (slug, sent) => this.rememberGalleryMessage(slug, sent),
    };
    const progress = this.batches.progress(new DiscordBatchAnswer(target, this.logger), locale, {
      isDirect: !message.inGuild(),
    });
    const meta: BatchMeta = {
      owner: this.ownerOf(message.author.id, message.channelId),
      locale,
      options: {},
      progress,
    };
    const count = await this.batches.collect(
      () => this.collector.add(key, files, meta, (current) => current),
      locale,
      (reply) => this.answer(message, { content: fitContent(reply.text) }),
    );
    if (count === null) return;
    if (count > files.length) {
      this.openBatches.get(key)?.received(count);
      return;
    }
    this.openBatches.set(key, progress);
    progress.received(count);
  }

  /**
   * Answers a message: as a reply, else (no Read Message History, or the message was deleted) as a
   * plain message in the channel, else as a DM; null only when the person cannot be reached at all.
   */
  private async answer(message: Message, payload: BatchPayload): Promise<Message | null> {
    const body = { ...payload, flags: MessageFlags.SuppressEmbeds as const };
    try {
      return await message.reply(body);
    } catch (error) {
      this.logger.warn(
        { err: error, channel: message.channelId },
        'discord: cannot reply; sending without the reference',
      );
    }
    if (message.channel.isSendable()) {
      try {
        return await message.channel.send(body);
      } catch (error) {
        this.logger.warn({ err: error, channel: message.channelId }, 'discord: cannot post here; sending a DM');
      }
    }
    try {
      return await message.author.send(body);
    } catch (error) {
      this.logger.warn({ err: error, user: message.author.id }, 'discord: cannot reach the user at all');
      return null;
    }
  }

  /** What the bot lacks in a guild channel to take a batch and answer it; empty in DMs or when unknown. */
  private missingPermissions(message: Message): string[] {
    if (!message.inGuild()) return [];
    const me = message.guild.members.me;
    const permissions = me && 'permissionsFor' in message.channel ? message.channel.permissionsFor(me) : null;
    if (!permissions) return [];
    const needed = ['ViewChannel', 'SendMessages', 'ReadMessageHistory', 'AttachFiles'] as const;
    return needed.filter((name) => !permissions.has(PermissionFlagsBits[name]));
  }

  /** Remembers the message that carries a gallery's link and buttons, to retire it after a delete. */
  private rememberGalleryMessage(slug: string, sent: Message): void {
    this.galleryMessages.set(slug, { channelId: sent.channelId, messageId: sent.id });
  }

  private localeForMessage(message: Message): Locale {
    const known = this.userLocales.get(message.author.id);
    if (known) return known;
    if (message.inGuild()) return this.localeOf(message.guild.preferredLocale);
    return this.context.config.defaultLocale;
  }

  /** Management replies are ephemeral: only the person asking sees them. */
  private async manage(
    interaction: ChatInputCommandInteraction,
    command: Parameters<typeof manageArgs>[1],
  ): Promise<void> {
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const reply = await this.context.commands.run({
      owner: this.ownerOf(interaction.user.id, interaction.channelId),
      locale: this.localeOf(interaction.locale),
      command,
      args: manageArgs(interaction, command),
      // Slash command options go to the bot alone and the answer is ephemeral, so a password given
      // here is never seen by anyone else, even in a shared channel.
      isPrivateChat: true,
      syntax: { platform: 'discord', escapeText: escapeMarkdown },
    });
    // A long list goes in as many ephemeral messages as it takes, buttons under the last one.
    const [first, ...rest] = splitText(reply.text, MAX_CONTENT_LENGTH);
    await interaction.editReply({
      ...renderReplyWithImage({ ...reply, text: first!, buttons: rest.length ? undefined : reply.buttons }),
      flags: MessageFlags.SuppressEmbeds,
    });
    for (const [index, piece] of rest.entries()) {
      const isLast = index === rest.length - 1;
      await interaction.followUp({
        content: piece,
        components: isLast ? buttonRows(reply.buttons) : [],
        flags: MessageFlags.Ephemeral | MessageFlags.SuppressEmbeds,
      });
    }
  }

  /** Suggests the user's own galleries for the `link` option. */
  private async autocomplete(interaction: AutocompleteInteraction): Promise<void> {
    const focused = interaction.options.getFocused(true);
    if (focused.name !== 'link') {
      await interaction.respond([]);
      return;
    }
    const locale = this.localeOf(interaction.locale);
    const needle = String(focused.value).trim().toLowerCase();
    const galleries = await this.context.core.service.listGalleries(
      this.ownerOf(interaction.user.id, interaction.channelId),
    );
    const choices = galleries
      .filter(
        (g) =>
          !needle ||
          g.slug.toLowerCase().includes(needle) ||
          g.url.toLowerCase().includes(needle) ||
          (g.title ?? '').toLowerCase().includes(needle),
      )
      .slice(0, 25)
      .map((g) => ({
        name: truncate(
          `${g.title ?? t(locale, 'untitled')} · ${t(locale, 'gallery.count', { count: g.imageCount })} · ${statusText(g.status, locale)}`,
          100,
        ),
        value: g.slug,
      }));
    await interaction.respond(choices);
  }

  /**
   * Stats, Dashboard and Delete answer with a new ephemeral message; Disable / Enable flip the buttons of the
   * message they are on; the delete confirmation replaces itself with the outcome.
   */
  private async button(interaction: ButtonInteraction): Promise<void> {
    const decoded = decodeButton(interaction.customId);
    if (!decoded) return;
    const input = {
      owner: this.ownerOf(interaction.user.id, interaction.channelId),
      locale: this.localeOf(interaction.locale),
      data: interaction.customId,
    };
    // The dashboard link must stay private even when the button sits on a message everyone sees.
    if (decoded.action === 'delete' && !interaction.message.flags.has(MessageFlags.Ephemeral))
      this.galleryMessages.set(decoded.slug, { channelId: interaction.channelId, messageId: interaction.message.id });
    if (decoded.action === 'stats' || decoded.action === 'delete' || decoded.action === 'dashboard') {
      await interaction.deferReply({ flags: MessageFlags.Ephemeral });
      await interaction.editReply(renderReplyWithImage(await this.context.commands.press(input)));
      return;
    }
    await interaction.deferUpdate();
    const reply = await this.context.commands.press(input);
    if (reply.isError) {
      await interaction.followUp({
        content: fitContent(reply.text),
        flags: MessageFlags.Ephemeral | MessageFlags.SuppressEmbeds,
      });
    } else if (decoded.action === 'disable' || decoded.action === 'enable') {
      await interaction.editReply({ components: buttonRows(reply.buttons) });
      await interaction.followUp({
        content: fitContent(reply.text),
        flags: MessageFlags.Ephemeral | MessageFlags.SuppressEmbeds,
      });
    } else {
      await interaction.editReply(renderReply(reply));
      if (decoded.action === 'delete-yes') await this.retireGalleryMessage(decoded.slug, reply);
    }
  }

  /** After a delete, the gallery message says so too, without its buttons: no live-looking link stays behind. */
  private async retireGalleryMessage(slug: string, reply: ChatReply): Promise<void> {
    const where = this.galleryMessages.get(slug);
    if (!where) return;
    this.galleryMessages.delete(slug);
    try {
      await this.client.rest.patch(Routes.channelMessage(where.channelId, where.messageId), {
        body: { content: fitContent(reply.text), components: [], attachments: [] },
      });
    } catch (error) {
      this.logger.info({ err: error, slug }, 'discord: could not update the deleted gallery message');
    }
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
