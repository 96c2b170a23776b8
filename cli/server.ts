import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startDiscordBot } from '../bots/discord/index.js';
import type { BotStarter, RunningBot } from '../bots/shared/bot-context.js';
import { startSlackBot } from '../bots/slack/index.js';
import { startTelegramBot } from '../bots/telegram/index.js';
import { ChatCommands } from '../core/chat/chat-commands.js';
import type { Config } from '../core/config.js';
import { openCore, type Core, type OpenCoreOptions } from '../core/core-app.js';
import { createWebApp, type WebApp } from '../gallery-web/web-app.js';

/** How long one request may take end to end: long enough for a full batch over a slow line. */
const UPLOAD_REQUEST_TIMEOUT_MS = 60 * 60 * 1000;

/** How long a client may take to send a request's headers: a few hundred bytes. */
const HEADERS_TIMEOUT_MS = 10_000;

const BOT_STARTERS: BotStarter[] = [startTelegramBot, startDiscordBot, startSlackBot];

/** How long a stop waits for requests in flight before cutting the connections still open. */
const SHUTDOWN_GRACE_MS = 10_000;

export interface RunningServer {
  core: Core;
  web: WebApp;
  server: Server;
  bots: RunningBot[];
  url: string;
  /** Graceful stop: no new requests, bots finish their batches, buffered opens are flushed. */
  stop(): Promise<void>;
}

/**
 * The process's composition root: core, web site and the bots whose tokens are set, on one port.
 * ROLE=web runs no bots, ROLE=bots serves only the bots' webhooks and health checks.
 * The alert checks and the retention job run where the bots run (ROLE=bots or all), once per
 * deployment rather than once per web instance.
 */
export async function createRunningServer(config: Config, options: OpenCoreOptions = {}): Promise<RunningServer> {
  const core = await openCore(config, { analyticsJobs: config.role !== 'web', ...options });
  const { logger } = core;
  const web = createWebApp({ core, config, serveGalleries: config.role !== 'bots' });
  const commands = new ChatCommands(core.service, core, logger);
  const bots: RunningBot[] = [];
  if (config.role !== 'web') {
    for (const start of BOT_STARTERS) {
      const bot = await start({ core, config, logger, commands, integrations: web.integrations });
      if (bot) bots.push(bot);
    }
  }
  // Node cuts any request after 5 minutes by default; a 25 x 50 MB upload over a slow line needs
  // longer. That long limit is for /upload alone: every other body must arrive within seconds
  // (gallery-web/body-limit.ts), and headers within HEADERS_TIMEOUT_MS. Node checks these limits
  // every connectionsCheckingInterval (30 s by default), which would let slow clients linger.
  const server = createServer(
    {
      requestTimeout: UPLOAD_REQUEST_TIMEOUT_MS,
      headersTimeout: HEADERS_TIMEOUT_MS,
      connectionsCheckingInterval: 1000,
    },
    web.app,
  );
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => resolve());
    });
  } catch (error) {
    // Without its port the process is of no use: the bots already started must not keep it alive.
    await Promise.allSettled(bots.map((bot) => bot.stop()));
    await web.close().catch(() => undefined);
    await core.close().catch(() => undefined);
    throw listenError(error, config);
  }
  // Working copies a killed process left behind would otherwise fill the disk over restarts.
  void core.service
    .removeStaleWork()
    .then((removed) => removed > 0 && logger.info({ removed }, 'removed abandoned image work folders'))
    .catch((error: unknown) => logger.warn({ err: error }, 'could not clean abandoned image work folders'));
  const port = (server.address() as AddressInfo).port;
  const url = `http://localhost:${port}`;
  logger.info(
    { url, publicBaseUrl: config.publicBaseUrl, bots: bots.map((b) => b.name), role: config.role },
    'maiimg is running',
  );

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      logger.info('stopping: finishing batches and flushing recorded opens');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive connections that fall idle during the stop would hold close() open: sweep them,
      // and cut whatever is still open after the grace period.
      server.closeIdleConnections();
      const sweep = setInterval(() => server.closeIdleConnections(), 250);
      const cut = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
      void closed.finally(() => {
        clearInterval(sweep);
        clearTimeout(cut);
      });
      await Promise.allSettled(bots.map((bot) => bot.stop()));
      await web.close();
      await closed;
      await core.close();
      logger.info('stopped');
    })());
  return { core, web, server, bots, url, stop };
}

/** One sentence for a port that cannot be listened on, keeping the system error as its cause. */
function listenError(error: unknown, config: Config): Error {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const where = `${config.host || '*'}:${config.port}`;
  const sentence =
    code === 'EADDRINUSE'
      ? `maiimg did not start: port ${where} is already in use (another maiimg or another program listens there); stop it or set PORT.`
      : code === 'EACCES'
        ? `maiimg did not start: it may not listen on port ${where}; choose a PORT above 1023 or grant the permission.`
        : `maiimg did not start: it could not listen on ${where} (${code ?? String(error)}).`;
  return Object.assign(new Error(sentence, { cause: error }), { code });
}

/** `npm start` / `maiimg serve`: run until SIGTERM or SIGINT, then stop gracefully. */
export async function startServer(config: Config): Promise<void> {
  const running = await createRunningServer(config);
  if (running.bots.length === 0 && config.role !== 'web') {
    running.core.logger.info('no bot token set: only the web site runs (see .env.example to add bots)');
  }
  // One stop: a Ctrl-C reaches the server twice when bin/maiimg.js started it (from the terminal and
  // forwarded), and the second must not cut the graceful stop short (it has its own time limit).
  let stopping = false;
  const stopOnce = () => {
    if (stopping) return;
    stopping = true;
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        running.core.logger.error({ err: error }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, stopOnce);
  // Started by bin/maiimg.js with an IPC channel: it closes when that parent is gone, even killed
  // outright, and a server left without it would hold the port with nobody to stop it.
  if (process.channel) {
    process.channel.unref();
    process.once('disconnect', () => {
      running.core.logger.warn('the process that started the server is gone: stopping');
      stopOnce();
    });
  }
  // Printed plainly too, so a person running `npm start` sees where to go. Only once a stop signal
  // is handled: whoever waits for this line (a supervisor, a test) may send one at once, and without
  // a handler Node dies of it instead of stopping gracefully.
  process.stdout.write(`maiimg is running on ${running.url} (public links: ${config.publicBaseUrl})\n`);
}
