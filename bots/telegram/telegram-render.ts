import { TelegramError } from 'telegraf';
import type { BotCommand, InlineKeyboardMarkup } from 'telegraf/types';
import { commandArgs, commandsFor, findCommand } from '../../core/chat/command-table.js';
import type { ChatButton } from '../../core/chat/chat-commands.js';
import { t } from '../../core/messages.js';
import type { Locale } from '../../core/types.js';

/** Telegram's limits: a photo caption and a text message. */
export const CAPTION_LIMIT = 1024;
export const MESSAGE_LIMIT = 4096;

/** Our buttons as one row of an inline keyboard; `data` is already at most 64 bytes. */
export function inlineKeyboard(buttons: ChatButton[] | undefined): InlineKeyboardMarkup | undefined {
  if (!buttons?.length) return undefined;
  return { inline_keyboard: [buttons.map((button) => ({ text: button.label, callback_data: button.data }))] };
}

/** The command menu in one language, from the core's command table. */
export function commandMenu(locale: Locale): BotCommand[] {
  return commandsFor('telegram').map((spec) => {
    const args = commandArgs(spec, locale, 'telegram');
    const about = t(locale, spec.about);
    return { command: spec.name, description: (args ? `${args}: ${about}` : about).slice(0, 256) };
  });
}

export interface ParsedCommand {
  command: string;
  args: string[];
  /** The bot named after `@` (`/stats@my_bot`), if any. */
  addressee?: string;
}

/** `/stats@my_bot https://…` -> command, args and addressee; null when the text is no command. */
export function parseCommand(text: string): ParsedCommand | null {
  const match = /^\/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]+))?(?:\s+([\s\S]*))?$/.exec(text.trim());
  if (!match) return null;
  const [, command, addressee, rest] = match;
  return { command: command!.toLowerCase(), args: (rest ?? '').split(/\s+/).filter(Boolean), addressee };
}

/** Whether a command is one of ours (`/stats`), as opposed to another bot's command in a group. */
export function isOurCommand(command: string): boolean {
  return Boolean(findCommand(command));
}

/** Telegram answers 400 "message is not modified" when an edit changes nothing: harmless. */
export function isNotModified(error: unknown): boolean {
  return error instanceof TelegramError && error.code === 400 && /not modified/i.test(error.description);
}
