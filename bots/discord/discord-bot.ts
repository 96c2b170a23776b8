import {
  AttachmentBuilder,
  Client,
  Events,
  GatewayIntentBits,
  MessageFlags,
  Partials,
  Routes,
  type Attachment,
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
  type Message,
} from 'discord.js';
import type { Notifier, OwnerAlert } from '../../core/analytics/notifier.js';
import { BatchCollector } from '../../core/chat/batch-collector.js';
import { decodeButton, helpText, statusText, type ChatReply } from '../../core/chat/chat-commands.js';
import { parseExpiry, parseMaxOpens } from '../../core/link-options.js';
import { localeFrom, t } from '../../core/messages.js';
import type { Logger } from '../../core/ports.js';
import type { GalleryOptions, IncomingFile, Locale, Owner } from '../../core/types.js';
import type { BotContext, RunningBot } from '../shared/bot-context.js';
import { attachmentFile } from './attachment-files.js';
import { parseDiscordConfig, type DiscordConfig } from './discord-config.js';
import { buttonRows, fitContent, renderReply, renderReplyWithImage } from './discord-render.js';
import { ReplyEditor } from './reply-editor.js';
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

/** What one edit of the bot's reply carries. */
interface ReplyPayload {
  content: string;
  components?: ReturnType<typeof buttonRows>;
  files?: AttachmentBuilder[];
}

/** Who a batch belongs to and where its answer goes. */
interface BatchMeta {
  owner: Owner;
  locale: Locale;
  options: GalleryOptions;
  editor: ReplyEditor<ReplyPayload>;
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
  private readonly userLocales = new Map<string, Locale>();
  /** The reply editor of each message batch still collecting, so later messages update its count. */
  private readonly openEditors = new Map<string, ReplyEditor<ReplyPayload>>();
  private unregisterNotifier: (() => void) | undefined;

  constructor(
    private readonly context: BotContext,
    private readonly settings: DiscordConfig,
  ) {
    this.logger = context.logger.child({ bot: 'discord' });
    const intents = [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.DirectMessages];
    // Without MessageContent, Discord still sends attachments of DMs and of messages that mention
    // the bot, which is all the bot needs; the privileged intent is only asked for when enabled.
    if (settings.messageContentIntent) intents.push(GatewayIntentBits.MessageContent);
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
        if (this.openEditors.get(key) === meta.editor) this.openEditors.delete(key);
        return this.processBatch(files, meta);
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
    // login() hands the token to the REST client before its first await, so registration can run alongside.
    this.client
      .login(this.settings.token)
      .catch((error: unknown) => this.logger.error({ err: error }, 'discord: login failed'));
    void this.guard('command registration', () => this.registerCommands());
  }

  /** Accepts nothing new, answers the batches in hand, then disconnects. */
  async stop(): Promise<void> {
    this.unregisterNotifier?.();
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
    this.userLocales.set(interaction.user.id, localeFrom(interaction.locale));
    if (interaction.isAutocomplete()) return this.autocomplete(interaction);
    if (interaction.isButton()) return this.button(interaction);
    if (interaction.isChatInputCommand() && interaction.commandName === COMMAND_NAME) {
      const sub = interaction.options.getSubcommand();
      if (sub === 'upload') return this.upload(interaction);
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
      locale: localeFrom(interaction.locale),
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
    const dm = (await this.client.rest.post(Routes.userChannels(), { body: { recipient_id: alert.owner.userId } })) as {
      id: string;
    };
    await this.client.rest.post(Routes.channelMessages(dm.id), { body });
  }

  private ownerOf(userId: string, channelId: string | null): Owner {
    return { platform: 'discord', userId, chatId: channelId };
  }

  /** `/gallery upload`: defer at once (Discord waits 3 s at most), then process the attachments as one batch. */
  private async upload(interaction: ChatInputCommandInteraction): Promise<void> {
    const locale = localeFrom(interaction.locale);
    const password = interaction.options.getString('password');
    // Option values are never shown in the channel, but the answer is: keep it to the sender when
    // the gallery has a password and the channel is shared.
    const ephemeral = Boolean(password) && interaction.inGuild();
    await interaction.deferReply(ephemeral ? { flags: MessageFlags.Ephemeral } : {});
    const editor = new ReplyEditor<ReplyPayload>((payload) => interaction.editReply(payload), this.logger);

    let options: GalleryOptions;
    try {
      options = this.uploadOptions(interaction, password);
    } catch (error) {
      await editor.final(renderReply(this.context.commands.batchFailure(error, locale)));
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
      owner: this.ownerOf(interaction.user.id, interaction.channelId),
      locale,
      options,
      editor,
    };
    if (this.collector.add(key, files, meta) < 0) {
      await editor.final({ content: t(locale, 'chat.stopping') });
      return;
    }
    // One interaction is a whole batch: no quiet window to wait for, and the CDN links expire.
    void this.collector.flush(key);
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
    if (message.inGuild() && !(botId && message.mentions.users.has(botId))) return;
    const locale = this.localeForMessage(message);
    const attachments = [...message.attachments.values()];
    if (!attachments.length) {
      await message.reply({ content: helpText(locale, { platform: 'discord' }) });
      return;
    }
    const files = attachments.map((attachment) => attachmentFile(attachment, this.settings.cdnHosts));
    const key = `message:${message.author.id}:${message.channelId}`;

    // The progress message is only sent for the first message of a batch; later ones edit it.
    const reply: { message?: Promise<Message | null> } = {};
    const editor = new ReplyEditor<ReplyPayload>(async (payload) => {
      const target = await reply.message;
      await target?.edit(payload);
    }, this.logger);
    const meta: BatchMeta = { owner: this.ownerOf(message.author.id, message.channelId), locale, options: {}, editor };
    const count = this.collector.add(key, files, meta, (current) => current);
    if (count < 0) {
      await message.reply({ content: t(locale, 'chat.stopping') });
      return;
    }
    const progress = { content: this.context.commands.progressText(locale, { received: count }) };
    if (count > files.length) {
      this.openEditors.get(key)?.progress(progress);
      return;
    }
    this.openEditors.set(key, editor);
    reply.message = message.reply(progress).catch((error: unknown) => {
      this.logger.warn({ err: error, channel: message.channelId }, 'discord: cannot answer in this channel');
      return null;
    });
  }

  private localeForMessage(message: Message): Locale {
    const known = this.userLocales.get(message.author.id);
    if (known) return known;
    if (message.inGuild() && localeFrom(message.guild.preferredLocale) === 'zh-CN') return 'zh-CN';
    return this.context.config.defaultLocale;
  }

  /** Runs one closed batch through the core and answers with the link, the QR code and the rejections. */
  private async processBatch(files: IncomingFile[], meta: BatchMeta): Promise<void> {
    const { service } = this.context.core;
    const { commands } = this.context;
    const { owner, locale, options, editor } = meta;
    editor.progress({ content: commands.progressText(locale, { done: 0, total: files.length }) });
    let reply: ChatReply;
    const attachments: AttachmentBuilder[] = [];
    try {
      const outcome = await service.createGallery({
        owner,
        files,
        options,
        locale,
        onProgress: (progress) => editor.progress({ content: commands.progressText(locale, progress) }),
      });
      reply = commands.batchReply(outcome, locale);
      if (outcome.gallery) {
        const qr = await service.qrCode(outcome.gallery.slug);
        attachments.push(new AttachmentBuilder(qr.png, { name: 'qr.png' }));
      }
    } catch (error) {
      reply = commands.batchFailure(error, locale);
    }
    await editor.final({ ...renderReply(reply), files: attachments });
  }

  /** Management replies are ephemeral: only the person asking sees them. */
  private async manage(
    interaction: ChatInputCommandInteraction,
    command: Parameters<typeof manageArgs>[1],
  ): Promise<void> {
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const reply = await this.context.commands.run({
      owner: this.ownerOf(interaction.user.id, interaction.channelId),
      locale: localeFrom(interaction.locale),
      command,
      args: manageArgs(interaction, command),
      // Slash command options go to the bot alone and the answer is ephemeral, so a password given
      // here is never seen by anyone else, even in a shared channel.
      isPrivateChat: true,
    });
    await interaction.editReply(renderReplyWithImage(reply));
  }

  /** Suggests the user's own galleries for the `link` option. */
  private async autocomplete(interaction: AutocompleteInteraction): Promise<void> {
    const focused = interaction.options.getFocused(true);
    if (focused.name !== 'link') {
      await interaction.respond([]);
      return;
    }
    const locale = localeFrom(interaction.locale);
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
      locale: localeFrom(interaction.locale),
      data: interaction.customId,
    };
    // The dashboard link must stay private even when the button sits on a message everyone sees.
    if (decoded.action === 'stats' || decoded.action === 'delete' || decoded.action === 'dashboard') {
      await interaction.deferReply({ flags: MessageFlags.Ephemeral });
      await interaction.editReply(renderReplyWithImage(await this.context.commands.press(input)));
      return;
    }
    await interaction.deferUpdate();
    const reply = await this.context.commands.press(input);
    if (reply.isError) {
      await interaction.followUp({ content: fitContent(reply.text), flags: MessageFlags.Ephemeral });
    } else if (decoded.action === 'disable' || decoded.action === 'enable') {
      await interaction.editReply({ components: buttonRows(reply.buttons) });
      await interaction.followUp({ content: fitContent(reply.text), flags: MessageFlags.Ephemeral });
    } else {
      await interaction.editReply(renderReply(reply));
    }
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
