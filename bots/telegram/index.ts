import type { BotStarter } from '../shared/bot-context.js';

/** Starts the Telegram bot when TELEGRAM_BOT_TOKEN is set; null otherwise. */
export const startTelegramBot: BotStarter = async (context) => {
  if (!context.config.env.TELEGRAM_BOT_TOKEN) return null;
  // Loaded only when configured, so a process without Telegram never loads telegraf.
  const { runTelegramBot } = await import('./telegram-bot.js');
  return runTelegramBot(context);
};
