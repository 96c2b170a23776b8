import type { BotCommand, InlineKeyboardMarkup } from 'telegraf/types';
import type { ChatButton } from '../../core/chat/chat-commands.js';
import { t, type MessageKey } from '../../core/messages.js';
import type { Locale } from '../../core/types.js';

/** Telegram's limits: a photo caption and a text message. */
export const CAPTION_LIMIT = 1024;
export const MESSAGE_LIMIT = 4096;

/** Our buttons as one row of an inline keyboard; `data` is already at most 64 bytes. */
export function inlineKeyboard(buttons: ChatButton[] | undefined): InlineKeyboardMarkup | undefined {
  if (!buttons?.length) return undefined;
  return { inline_keyboard: [buttons.map((button) => ({ text: button.label, callback_data: button.data }))] };
}

/**
 * Cuts a reply into pieces Telegram accepts, at line breaks where possible: the first piece fits
 * `firstLimit` (a caption), the rest fit a message each. Long rejection lists end up here.
 */
export function splitText(text: string, firstLimit: number, restLimit = MESSAGE_LIMIT): string[] {
  const pieces: string[] = [];
  let current = '';
  const limit = () => (pieces.length === 0 ? firstLimit : restLimit);
  const push = () => {
    pieces.push(current.replace(/\n+$/, ''));
    current = '';
  };
  for (const line of text.split('\n')) {
    let rest = line;
    for (;;) {
      const candidate = current ? `${current}\n${rest}` : rest;
      if (candidate.length <= limit()) {
        current = candidate;
        break;
      }
      if (current) {
        push();
        continue;
      }
      // A single line longer than the limit: cut it hard.
      const max = limit();
      pieces.push(rest.slice(0, max));
      rest = rest.slice(max);
      if (!rest) break;
    }
  }
  if (current || pieces.length === 0) push();
  return pieces;
}

/** The commands shown in Telegram's menu, in the order people need them. */
export const MENU_COMMANDS = [
  'start',
  'help',
  'list',
  'stats',
  'disable',
  'enable',
  'delete',
  'expire',
  'maxviews',
  'password',
  'download',
  'title',
  'alerts',
  'dashboard',
] as const;

/** The command menu in one language (descriptions come from the shared catalogue). */
export function commandMenu(locale: Locale): BotCommand[] {
  return MENU_COMMANDS.map((command) => ({
    command,
    description: t(locale, `telegram.command.${command}` as MessageKey).slice(0, 256),
  }));
}

/** `/stats@my_bot https://…` -> command, args; null when it is not a command for this bot. */
export function parseCommand(
  text: string,
  botUsername: string | undefined,
): { command: string; args: string[] } | null {
  const match = /^\/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]+))?(?:\s+([\s\S]*))?$/.exec(text.trim());
  if (!match) return null;
  const [, command, addressee, rest] = match;
  // In groups, `/stats@other_bot` is meant for another bot.
  if (addressee && botUsername && addressee.toLowerCase() !== botUsername.toLowerCase()) return null;
  return { command: command!.toLowerCase(), args: (rest ?? '').split(/\s+/).filter(Boolean) };
}
