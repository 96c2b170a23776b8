import {
  ChannelType,
  SlashCommandBuilder,
  type ChatInputCommandInteraction,
  type LocalizationMap,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { commandsFor, findCommand, type CommandName } from '../../core/chat/command-table.js';
import type { MessageKey } from '../../core/messages.js';
import { t } from '../../core/messages.js';

/** The top-level command; everything but the dashboard is a subcommand of it. */
export const COMMAND_NAME = 'gallery';

/** `/gallery share link:<ref> channel:<#channel>`: the channel option's name. */
export const SHARE_CHANNEL_OPTION = 'channel';

/** `/dashboard`: a command of its own, as on the other platforms, answered with a private login link. */
export const DASHBOARD_COMMAND_NAME = 'dashboard';

/**
 * A subcommand has at most 25 options; five are the gallery settings, the rest are attachment
 * slots, so one `/gallery upload` takes as many images as Discord allows.
 */
export const UPLOAD_SETTING_OPTIONS = ['title', 'expires', 'max_views', 'password', 'download'] as const;
export const MAX_UPLOAD_ATTACHMENTS = 25 - UPLOAD_SETTING_OPTIONS.length;
export const attachmentOptionName = (index: number) => `image${index + 1}`;

/**
 * Management subcommands, from the core's command table: every command but those Discord gives a
 * command of their own (`/dashboard`) or has no use for (`help`; Discord lists the options itself).
 */
const MANAGE_SUBCOMMANDS = commandsFor('discord')
  .map((c) => c.name)
  .filter((name) => !['help', 'dashboard', 'start'].includes(name)) as ManageSubcommand[];
type ManageSubcommand = Exclude<CommandName, 'help' | 'dashboard' | 'start'>;

const zh = (key: MessageKey): LocalizationMap => ({ 'zh-CN': t('zh-CN', key), 'zh-TW': t('zh-CN', key) });
const en = (key: MessageKey) => t('en', key);

/** The command registered at start (globally, or to DISCORD_GUILD_ID). */
export function galleryCommandDefinition(): RESTPostAPIChatInputApplicationCommandsJSONBody {
  const command = new SlashCommandBuilder()
    .setName(COMMAND_NAME)
    .setDescription(en('discord.command'))
    .setDescriptionLocalizations(zh('discord.command'));

  command.addSubcommand((sub) => {
    sub.setName('upload').setDescription(en('discord.upload')).setDescriptionLocalizations(zh('discord.upload'));
    for (let i = 0; i < MAX_UPLOAD_ATTACHMENTS; i++) {
      // Discord wants required options first: the first image is required, the others optional.
      sub.addAttachmentOption((o) =>
        o
          .setName(attachmentOptionName(i))
          .setDescription(en('discord.option.image'))
          .setDescriptionLocalizations(zh('discord.option.image'))
          .setRequired(i === 0),
      );
    }
    return sub
      .addStringOption((o) =>
        o
          .setName('title')
          .setDescription(en('discord.option.title'))
          .setDescriptionLocalizations(zh('discord.option.title'))
          .setMaxLength(200),
      )
      .addStringOption((o) =>
        o
          .setName('expires')
          .setDescription(en('discord.option.expires'))
          .setDescriptionLocalizations(zh('discord.option.expires')),
      )
      .addIntegerOption((o) =>
        o
          .setName('max_views')
          .setDescription(en('discord.option.maxViews'))
          .setDescriptionLocalizations(zh('discord.option.maxViews'))
          .setMinValue(1),
      )
      .addStringOption((o) =>
        o
          .setName('password')
          .setDescription(en('discord.option.password'))
          .setDescriptionLocalizations(zh('discord.option.password'))
          .setMaxLength(200),
      )
      .addBooleanOption((o) =>
        o
          .setName('download')
          .setDescription(en('discord.option.download'))
          .setDescriptionLocalizations(zh('discord.option.download')),
      );
  });

  for (const name of MANAGE_SUBCOMMANDS) {
    command.addSubcommand((sub) => {
      sub
        .setName(name)
        .setDescription(en(findCommand(name)!.about))
        .setDescriptionLocalizations(zh(findCommand(name)!.about));
      if (name === 'list') return sub;
      sub.addStringOption((o) =>
        o
          .setName('link')
          .setDescription(en('discord.option.link'))
          .setDescriptionLocalizations(zh('discord.option.link'))
          .setRequired(true)
          .setAutocomplete(true),
      );
      if (name === 'share') {
        // Where the card goes: a text or announcement channel of this server; the current one when left out.
        sub.addChannelOption((o) =>
          o
            .setName(SHARE_CHANNEL_OPTION)
            .setDescription(en('discord.option.channel'))
            .setDescriptionLocalizations(zh('discord.option.channel'))
            .addChannelTypes(ChannelType.GuildText, ChannelType.GuildAnnouncement),
        );
        return sub;
      }
      const value = VALUE_OPTION[name];
      if (value?.kind === 'string') {
        sub.addStringOption((o) =>
          o
            .setName(value.name)
            .setDescription(en(value.description))
            .setDescriptionLocalizations(zh(value.description))
            .setRequired(value.required)
            .setMaxLength(200),
        );
      } else if (value?.kind === 'boolean') {
        sub.addBooleanOption((o) =>
          o
            .setName(value.name)
            .setDescription(en(value.description))
            .setDescriptionLocalizations(zh(value.description))
            .setRequired(value.required),
        );
      }
      return sub;
    });
  }
  return command.toJSON();
}

/** The `/dashboard` command registered next to `/gallery`. */
export function dashboardCommandDefinition(): RESTPostAPIChatInputApplicationCommandsJSONBody {
  return new SlashCommandBuilder()
    .setName(DASHBOARD_COMMAND_NAME)
    .setDescription(en('command.about.dashboard'))
    .setDescriptionLocalizations(zh('command.about.dashboard'))
    .toJSON();
}

interface ValueOption {
  name: string;
  kind: 'string' | 'boolean';
  description: MessageKey;
  required: boolean;
}

/** The option after `link`, per subcommand. */
const VALUE_OPTION: Partial<Record<ManageSubcommand, ValueOption>> = {
  expire: { name: 'when', kind: 'string', description: 'discord.option.when', required: true },
  maxviews: { name: 'count', kind: 'string', description: 'discord.option.count', required: true },
  password: { name: 'password', kind: 'string', description: 'discord.option.newPassword', required: true },
  download: { name: 'allowed', kind: 'boolean', description: 'discord.option.allowed', required: true },
  title: { name: 'text', kind: 'string', description: 'discord.option.text', required: false },
  alerts: { name: 'enabled', kind: 'boolean', description: 'discord.option.enabled', required: true },
};

export function isManageSubcommand(name: string): name is ManageSubcommand {
  return (MANAGE_SUBCOMMANDS as readonly string[]).includes(name);
}

/** A management subcommand as the `{ command, args }` that ChatCommands.run understands. */
export function manageArgs(interaction: ChatInputCommandInteraction, name: ManageSubcommand): string[] {
  if (name === 'list') return [];
  const args = [interaction.options.getString('link', true).trim()];
  const value = VALUE_OPTION[name];
  if (value?.kind === 'boolean') {
    const allowed = interaction.options.getBoolean(value.name);
    if (allowed !== null) args.push(allowed ? 'on' : 'off');
  } else if (value) {
    const text = interaction.options.getString(value.name)?.trim();
    if (text) args.push(text);
  }
  return args;
}
