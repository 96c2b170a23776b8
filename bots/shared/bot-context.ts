import type { Router } from 'express';
import type { ChatCommands } from '../../core/chat/chat-commands.js';
import type { Config } from '../../core/config.js';
import type { Core } from '../../core/core-app.js';
import type { Logger } from '../../core/ports.js';

/** What the process hands every bot adapter when it starts it. */
export interface BotContext {
  core: Core;
  config: Config;
  logger: Logger;
  commands: ChatCommands;
  /**
   * Mounted on the web server before the gallery routes: webhook endpoints
   * (Telegram webhooks, Slack's /slack/events) are added here.
   */
  integrations: Router;
}

/** A started bot; `stop()` accepts nothing new, finishes the batches in hand, then disconnects. */
export interface RunningBot {
  name: string;
  stop(): Promise<void>;
}

/** Each adapter exports one of these; it returns null when its tokens are not configured. */
export type BotStarter = (context: BotContext) => Promise<RunningBot | null>;
