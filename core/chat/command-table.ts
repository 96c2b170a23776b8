import { t, type MessageKey } from '../messages.js';
import type { Locale, Platform } from '../types.js';

/**
 * The one table of chat commands. Telegram's menu, Discord's sub-commands, every platform's help
 * text and the Slack manifest's usage hint are derived from it or checked against it by a test, and
 * ChatCommands dispatches on it. Adding a command is one entry here (plus its catalogue keys and
 * its case in ChatCommands).
 */
export interface CommandArg {
  /** Catalogue key of the placeholder shown in help and menus ("link", "on|off"...). */
  label: MessageKey;
  /** May be left out (shown as `[<#channel>]`). */
  optional?: boolean;
  /** Platforms that take this argument; all when absent (Telegram's `/share` posts where it is typed). */
  platforms?: readonly Platform[];
}

export interface CommandSpec {
  name: string;
  /** Arguments after the gallery link, in order. */
  args: readonly CommandArg[];
  /** Catalogue key of the one-line description (menu entry, sub-command description, help line). */
  about: MessageKey;
  /** Takes a gallery (`<link>`) first; on Telegram a reply to the gallery message stands in for it. */
  needsLink: boolean;
  /** Only answered in a direct chat, or where the platform keeps the command itself private. */
  privateOnly?: boolean;
  /** Platforms that offer it; all when absent. */
  platforms?: readonly Platform[];
}

const arg = (label: MessageKey, extra: Omit<CommandArg, 'label'> = {}): CommandArg => ({ label, ...extra });

export const COMMAND_TABLE = [
  { name: 'start', args: [], about: 'command.about.start', needsLink: false, platforms: ['telegram'] },
  { name: 'help', args: [], about: 'command.about.help', needsLink: false },
  { name: 'list', args: [], about: 'command.about.list', needsLink: false },
  { name: 'stats', args: [], about: 'command.about.stats', needsLink: true },
  { name: 'disable', args: [], about: 'command.about.disable', needsLink: true },
  { name: 'enable', args: [], about: 'command.about.enable', needsLink: true },
  { name: 'delete', args: [], about: 'command.about.delete', needsLink: true },
  { name: 'expire', args: [arg('command.arg.when')], about: 'command.about.expire', needsLink: true },
  { name: 'maxviews', args: [arg('command.arg.count')], about: 'command.about.maxviews', needsLink: true },
  {
    name: 'password',
    args: [arg('command.arg.password')],
    about: 'command.about.password',
    needsLink: true,
    privateOnly: true,
  },
  { name: 'download', args: [arg('command.arg.onOff')], about: 'command.about.download', needsLink: true },
  { name: 'title', args: [arg('command.arg.text')], about: 'command.about.title', needsLink: true },
  { name: 'alerts', args: [arg('command.arg.onOff')], about: 'command.about.alerts', needsLink: true },
  {
    // Posts a card of the gallery with a link of its own, counted and switchable apart (core/links).
    name: 'share',
    args: [arg('command.arg.channel', { optional: true, platforms: ['discord', 'slack'] })],
    about: 'command.about.share',
    needsLink: true,
    platforms: ['telegram', 'discord', 'slack'],
  },
  { name: 'dashboard', args: [], about: 'command.about.dashboard', needsLink: false },
] as const satisfies readonly CommandSpec[];

export type CommandName = (typeof COMMAND_TABLE)[number]['name'];

export function findCommand(name: string): CommandSpec | undefined {
  return (COMMAND_TABLE as readonly CommandSpec[]).find((c) => c.name === name);
}

export function commandsFor(platform: Platform): CommandSpec[] {
  return (COMMAND_TABLE as readonly CommandSpec[]).filter((c) => !c.platforms || c.platforms.includes(platform));
}

/** How a platform spells a command: `/stats`, `/gallery stats`, `/photos stats` (Slack's name is configurable). */
export interface CommandSyntax {
  platform: Platform;
  /** Slack: the configured slash command; Discord: the top-level command. */
  slashCommand?: string;
  /** Makes user text (titles, file names) literal in the platform's markup (Discord markdown). */
  escapeText?: (text: string) => string;
}

/** Commands that are top-level of their own everywhere (`/dashboard`), not sub-commands. */
const TOP_LEVEL = new Set(['dashboard', 'start']);

/** The command as a person types it on this platform, without arguments. */
export function commandName(name: string, syntax: CommandSyntax): string {
  if (syntax.platform === 'telegram' || TOP_LEVEL.has(name)) return `/${name}`;
  if (syntax.platform === 'cli') return `maiimg ${name}`;
  return `${syntax.slashCommand ?? '/gallery'} ${name}`;
}

/** The arguments of a command as shown to a person on one platform: `<link> <on|off>`, `<link> [<#channel>]`. */
export function commandArgs(spec: CommandSpec, locale: Locale, platform?: Platform): string {
  const parts = spec.needsLink ? [`<${t(locale, 'command.arg.link')}>`] : [];
  for (const a of spec.args) {
    if (platform && a.platforms && !a.platforms.includes(platform)) continue;
    parts.push(a.optional ? `[<${t(locale, a.label)}>]` : `<${t(locale, a.label)}>`);
  }
  return parts.join(' ');
}

/** `/gallery stats <link>`: the full usage of one command on one platform. */
export function commandUsage(name: string, syntax: CommandSyntax, locale: Locale): string {
  const spec = findCommand(name);
  const args = spec ? commandArgs(spec, locale, syntax.platform) : '';
  return args ? `${commandName(name, syntax)} ${args}` : commandName(name, syntax);
}

/** Whether a reply to the gallery message can stand in for `<link>` (only Telegram's commands reply). */
export function replyCanNameGallery(syntax: CommandSyntax): boolean {
  return syntax.platform === 'telegram';
}

const HELP_INTRO: Record<Platform, MessageKey> = {
  telegram: 'help.intro.telegram',
  discord: 'help.intro.discord',
  slack: 'help.intro.slack',
  cli: 'help.intro.telegram',
  web: 'help.intro.telegram',
} as Record<Platform, MessageKey>;

const HELP_SHARED_CHATS: Partial<Record<Platform, MessageKey>> = {
  telegram: 'help.groups.telegram',
  discord: 'help.groups.discord',
  slack: 'help.groups.slack',
};

/** The help text of one platform, every line derived from the table. */
export function helpText(locale: Locale, syntax: CommandSyntax): string {
  const lines = [t(locale, HELP_INTRO[syntax.platform] ?? 'help.intro.telegram'), t(locale, 'help.commands')];
  for (const spec of commandsFor(syntax.platform)) {
    if (spec.name === 'start' || spec.name === 'help') continue;
    const usage = commandUsage(spec.name, syntax, locale);
    const privately = spec.privateOnly && syntax.platform === 'telegram' ? ` (${t(locale, 'help.privateOnly')})` : '';
    lines.push(`${usage}: ${t(locale, spec.about)}${privately}`);
  }
  if (replyCanNameGallery(syntax)) lines.push(t(locale, 'help.replyInstead'));
  const shared = HELP_SHARED_CHATS[syntax.platform];
  if (shared) lines.push('', t(locale, shared));
  return lines.join('\n');
}
