import type { BotStarter } from '../shared/bot-context.js';
import { readSlackConfig } from './slack-config.js';

/** Where Slack POSTs events, slash commands and button presses in HTTP mode. */
export const SLACK_EVENTS_PATH = '/slack/events';

/**
 * Starts the Slack app when SLACK_BOT_TOKEN and either SLACK_SIGNING_SECRET (HTTP mode, mounted
 * on the shared web server at /slack/events) or SLACK_APP_TOKEN (Socket Mode) are set; null
 * otherwise. @slack/bolt is only loaded when the app runs, so processes without Slack start faster.
 */
export const startSlackBot: BotStarter = async (context) => {
  const config = readSlackConfig(context.config.env);
  if (!config) {
    if (context.config.env.SLACK_BOT_TOKEN) {
      context.logger.warn(
        'SLACK_BOT_TOKEN is set but neither SLACK_SIGNING_SECRET nor SLACK_APP_TOKEN: the Slack app is not started',
      );
    }
    return null;
  }
  const { runSlackBot } = await import('./slack-bot.js');
  return runSlackBot(context, config);
};
