import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  DiscordAPIError,
  EmbedBuilder,
  MessageFlags,
  PermissionFlagsBits,
  escapeMarkdown,
  type ChatInputCommandInteraction,
  type GuildMember,
  type PermissionsBitField,
} from 'discord.js';
import { discordChannelLabel, type ChatShare, type ShareCard } from '../../core/chat/chat-share.js';
import { t, type MessageKey } from '../../core/messages.js';
import type { Logger } from '../../core/ports.js';
import type { Locale, Owner } from '../../core/types.js';
import { fitContent } from './discord-render.js';
import { SHARE_CHANNEL_OPTION } from './slash-commands.js';

/**
 * `/gallery share link:<ref> [channel:<#channel>]`: a public card in the channel (the current one
 * by default), with a link of its own labelled `#channel (server)`. The person must be able to
 * post there, and so must the bot; otherwise the answer names the permission that is missing.
 */

/** What a person needs in the channel to share into it. */
const USER_NEEDS = ['ViewChannel', 'SendMessages'] as const;
/** What the bot needs to post the card: the embed is the card, so Embed Links too. */
const BOT_NEEDS = ['ViewChannel', 'SendMessages', 'EmbedLinks'] as const;

/** Discord's error codes for a post the bot may not make: Missing Access, Missing Permissions. */
const MISSING_ACCESS = 50001;
const MISSING_PERMISSIONS = 50013;

type PermissionName = (typeof BOT_NEEDS)[number];

export class DiscordShare {
  constructor(
    private readonly share: ChatShare,
    private readonly logger: Logger,
  ) {}

  async command(interaction: ChatInputCommandInteraction, owner: Owner, locale: Locale): Promise<void> {
    // The answer to the person is private; the card itself is the public part.
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const answer = (text: string) =>
      interaction.editReply({ content: fitContent(text), flags: MessageFlags.SuppressEmbeds });
    const guild = interaction.inCachedGuild() ? interaction.guild : null;
    const picked = interaction.options.getChannel(SHARE_CHANNEL_OPTION);
    const channel = guild?.channels.cache.get(picked?.id ?? interaction.channelId) ?? null;
    if (!guild || !channel || !channel.isTextBased() || !channel.isSendable()) {
      await answer(t(locale, 'discord.share.notText'));
      return;
    }
    const name = `#${channel.name}`;
    const userMissing = missing(channel.permissionsFor(interaction.member as GuildMember), USER_NEEDS);
    if (userMissing.length) {
      await answer(t(locale, 'discord.share.userMissing', { channel: name, permissions: names(userMissing, locale) }));
      return;
    }
    const me = guild.members.me;
    const botMissing = me ? missing(channel.permissionsFor(me), BOT_NEEDS) : [];
    if (botMissing.length) {
      await answer(t(locale, 'discord.share.botMissing', { channel: name, permissions: names(botMissing, locale) }));
      return;
    }

    const label = discordChannelLabel(channel.name, guild.name);
    const outcome = await this.share.share(
      {
        owner,
        ref: interaction.options.getString('link', true).trim(),
        label,
        platform: 'discord',
        chatId: channel.id,
        chatName: name,
        thread: channel.isThread() ? channel.id : undefined,
        sharedBy: interaction.user.id,
      },
      { locale, where: label, escape: escapeMarkdown },
    );
    if (!outcome.ok) {
      await answer(outcome.reply.text);
      return;
    }
    try {
      await channel.send({ ...cardMessage(outcome.card), allowedMentions: { parse: [] } });
    } catch (error) {
      // No card, no link: a link nobody was given would only clutter the owner's list.
      await this.share.deleteLink(owner, outcome.link.slug);
      const refused = refusedPermissions(error);
      if (!refused) throw error;
      this.logger.info({ err: error, channel: channel.id }, 'discord: the share card was refused');
      await answer(t(locale, 'discord.share.botMissing', { channel: name, permissions: names(refused, locale) }));
      return;
    }
    await answer(outcome.confirmation);
  }
}

/** The card: an embed with the title, the photo count and (unless protected) a thumbnail, and a link button. */
export function cardMessage(card: ShareCard) {
  const embed = new EmbedBuilder().setTitle(card.title.slice(0, 256)).setDescription(card.count).setURL(card.url);
  if (card.previewUrl) embed.setThumbnail(card.previewUrl);
  const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
    new ButtonBuilder().setStyle(ButtonStyle.Link).setLabel(card.buttonLabel).setURL(card.url),
  );
  return { embeds: [embed.toJSON()], components: [row.toJSON()] };
}

function missing(
  permissions: Readonly<PermissionsBitField> | null,
  needed: readonly PermissionName[],
): PermissionName[] {
  if (!permissions) return [...needed];
  return needed.filter((name) => !permissions.has(PermissionFlagsBits[name]));
}

function names(permissions: readonly PermissionName[], locale: Locale): string {
  return permissions.map((name) => t(locale, `discord.permission.${name}` as MessageKey)).join(', ');
}

/** A post Discord refused for the bot's rights (the cache was behind): which right to name. */
function refusedPermissions(error: unknown): PermissionName[] | null {
  if (!(error instanceof DiscordAPIError)) return null;
  if (error.code === MISSING_ACCESS) return ['ViewChannel'];
  if (error.code === MISSING_PERMISSIONS) return ['SendMessages', 'EmbedLinks'];
  return null;
}
