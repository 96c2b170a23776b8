import type { BotStarter } from '../shared/bot-context.js';
import { discordEnabled } from './discord-config.js';

/**
 * Starts the Discord bot when DISCORD_BOT_TOKEN and DISCORD_APPLICATION_ID are set; null otherwise.
 * discord.js is only loaded when the bot runs, so processes without Discord start faster.
 */
export const startDiscordBot: BotStarter = async (context) => {
  if (!discordEnabled(context.config.env)) return null;
  const { runDiscordBot } = await import('./discord-bot.js');
  return runDiscordBot(context);
};
