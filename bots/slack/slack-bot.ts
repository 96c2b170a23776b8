import { format } from 'node:util';
import { App, HTTPReceiver, LogLevel, webApi, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../../core/ports.js';
import type { BotContext, RunningBot } from '../shared/bot-context.js';
import { SLACK_EVENTS_PATH } from './index.js';
import { bufferSlackRequest } from './limited-receiver.js';
import { registerSlackListeners } from './slack-app.js';
import type { SlackConfig } from './slack-config.js';

/** The Slack app over @slack/bolt, loaded by index.ts only when Slack is configured. */
export async function runSlackBot(context: BotContext, config: SlackConfig): Promise<RunningBot> {
  const logger = context.logger.child({ bot: 'slack' });
  const boltLogger = toBoltLogger(logger);
  const clientOptions = {
    slackApiUrl: config.apiUrl,
    // Replies are only useful soon; Slack's default (ten retries over half an hour) is too patient.
    retryConfig: { retries: 2, factor: 2, minTimeout: 500, maxTimeout: 5_000 },
  };
  const identity = await botIdentity(config, clientOptions, boltLogger, logger);

  let app: App;
  if (config.mode === 'socket') {
    app = new App({
      token: config.botToken,
      appToken: config.appToken,
      socketMode: true,
      logger: boltLogger,
      clientOptions,
      ...identity,
    });
  } else {
    const receiver = new HTTPReceiver({
      signingSecret: config.signingSecret!,
      endpoints: [SLACK_EVENTS_PATH],
      logger: boltLogger,
      // Events are acknowledged at once and handled afterwards, so Slack has no reason to retry.
      processBeforeResponse: false,
    });
    app = new App({ token: config.botToken, receiver, logger: boltLogger, clientOptions, ...identity });
    context.integrations.post(SLACK_EVENTS_PATH, async (req, res) => {
      // Bolt would read any body whole before checking its signature: refuse and cap it first.
      if (await bufferSlackRequest(req, res)) return;
      // The receiver routes by path; wherever the router is mounted, this is its endpoint.
      req.url = SLACK_EVENTS_PATH;
      try {
        receiver.requestListener(req, res);
      } catch (error) {
        logger.error({ err: error }, 'Slack request failed');
        if (!res.headersSent) res.status(500).end();
      }
    });
  }

  const listeners = registerSlackListeners(app, context, config);
  const unregisterNotifier = context.core.analytics.notifiers.register('slack', listeners.notifier);

  if (config.mode === 'socket') {
    // The socket client reconnects by itself; a failed first connection is logged, not fatal.
    app.start().then(
      () => logger.info('Slack app connected (Socket Mode)'),
      (error: unknown) => logger.error({ err: error }, 'Slack Socket Mode connection failed'),
    );
  } else {
    logger.info({ path: SLACK_EVENTS_PATH, command: config.command }, 'Slack app listening (HTTP mode)');
  }

  return {
    name: 'slack',
    async stop() {
      unregisterNotifier();
      await listeners.drain();
      if (config.mode === 'socket') {
        await app.stop().catch((error: unknown) => logger.warn({ err: error }, 'error while disconnecting from Slack'));
      }
    },
  };
}

/**
 * Calls auth.test once at start so a wrong token is logged clearly, and hands bolt the bot's ids.
 * When Slack cannot be reached, bolt asks again on the first event instead of failing the process.
 */
async function botIdentity(
  config: SlackConfig,
  clientOptions: { slackApiUrl: string },
  boltLogger: BoltLogger,
  logger: Logger,
): Promise<{ botId?: string; botUserId?: string; tokenVerificationEnabled: boolean }> {
  const client = new webApi.WebClient(config.botToken, {
    ...clientOptions,
    logger: boltLogger,
    retryConfig: { retries: 0 },
  });
  try {
    const result = await client.auth.test();
    if (result.bot_id && result.user_id) {
      logger.info({ team: result.team, botUser: result.user }, 'Slack token accepted');
      return { botId: result.bot_id, botUserId: result.user_id, tokenVerificationEnabled: false };
    }
  } catch (error) {
    logger.error(
      { err: error },
      'Slack auth.test failed: check SLACK_BOT_TOKEN (the app keeps running and tries again on the first event)',
    );
  }
  return { tokenVerificationEnabled: false };
}

/** Bolt and the Web API client log through the process's pino logger. */
function toBoltLogger(logger: Logger): BoltLogger {
  let level = LogLevel.INFO;
  const line = (msg: unknown[]) => format(...msg);
  return {
    debug: (...msg: unknown[]) => logger.debug({ source: 'bolt' }, line(msg)),
    info: (...msg: unknown[]) => logger.info({ source: 'bolt' }, line(msg)),
    warn: (...msg: unknown[]) => logger.warn({ source: 'bolt' }, line(msg)),
    error: (...msg: unknown[]) => logger.error({ source: 'bolt' }, line(msg)),
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
