import { errorChain } from '../errors.js';

/**
 * The one list of failures worth trying again, and of failures that never heal, for every chat
 * platform. Reads the shapes the SDKs throw without importing them (core imports no SDK):
 * telegraf's TelegramError (`response.error_code`, `response.parameters`), discord.js's
 * DiscordAPIError / HTTPError (`status`, numeric `code`), @slack/web-api's errors (`data.error`,
 * axios `response.status`), @slack/bolt's RespondError (`statusCode`) and Node's socket errors (`code`),
 * also one or two levels down in `cause`.
 */

/** Socket and fetch failures: the request may not even have reached the platform. */
export const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

interface ErrorShape {
  name?: unknown;
  status?: unknown;
  /** @slack/bolt 5's RespondError (a response_url answered with an error status). */
  statusCode?: unknown;
  code?: unknown;
  cause?: unknown;
  response?: { status?: unknown; error_code?: unknown; description?: unknown; parameters?: Record<string, unknown> };
  data?: { error?: unknown };
  rawError?: { code?: unknown };
  retryAfter?: unknown;
}

function layers(error: unknown): Iterable<ErrorShape> {
  return errorChain(error) as Iterable<ErrorShape>;
}

/** The HTTP status a platform answered with, if the error carries one. */
export function httpStatusOf(error: unknown): number | undefined {
  for (const layer of layers(error)) {
    if (typeof layer.status === 'number') return layer.status;
    if (typeof layer.statusCode === 'number') return layer.statusCode;
    if (typeof layer.response?.status === 'number') return layer.response.status;
    if (typeof layer.response?.error_code === 'number') return layer.response.error_code;
  }
  return undefined;
}

/** How long the platform asked us to wait (Telegram's `retry_after`, in seconds), in ms. */
export function retryAfterMs(error: unknown): number | undefined {
  for (const layer of layers(error)) {
    const seconds = layer.response?.parameters?.retry_after ?? layer.retryAfter;
    if (typeof seconds === 'number') return Math.max(1, seconds) * 1000;
  }
  return undefined;
}

function isNetworkError(error: unknown): boolean {
  for (const layer of layers(error)) {
    // node-fetch (telegraf) wraps socket failures in FetchError.
    if (layer.name === 'FetchError') return true;
    if (typeof layer.code === 'string' && NETWORK_ERROR_CODES.has(layer.code)) return true;
  }
  return false;
}

/** Whether the same call may work later: a network failure, a 5xx, or a 429 (after its wait). */
export function isTransientError(error: unknown): boolean {
  const status = httpStatusOf(error);
  if (status !== undefined) return status === 429 || (status >= 500 && status < 600);
  return isNetworkError(error);
}

/** Why a message can never reach a chat again, or where it moved to. */
export type DeliveryFailure =
  { kind: 'transient' } | { kind: 'permanent'; reason: string } | { kind: 'migrated'; chatId: string };

/** Discord JSON codes that mean "this channel or user cannot be written to by us". */
const DISCORD_PERMANENT = new Set([10003, 10013, 50001, 50007, 50013]);
/** Slack `error` strings with the same meaning. */
const SLACK_PERMANENT = new Set([
  'channel_not_found',
  'is_archived',
  'not_in_channel',
  'account_inactive',
  'user_not_found',
  'user_disabled',
  'cannot_dm_bot',
  'messages_tab_disabled',
  'restricted_action',
]);

/**
 * Classifies a failed delivery (an alert, a notice): a Telegram group that became a supergroup
 * names its new id (`migrate_to_chat_id`); a user who blocked the bot, a chat the bot was removed
 * from or an archived channel will refuse every retry, so the sender stops trying.
 */
export function classifyDeliveryFailure(error: unknown): DeliveryFailure {
  for (const layer of layers(error)) {
    const migrateTo = layer.response?.parameters?.migrate_to_chat_id;
    if (typeof migrateTo === 'number' || typeof migrateTo === 'string')
      return { kind: 'migrated', chatId: String(migrateTo) };
    const slackError = layer.data?.error;
    if (typeof slackError === 'string' && SLACK_PERMANENT.has(slackError))
      return { kind: 'permanent', reason: slackError };
    if (typeof layer.code === 'number' && DISCORD_PERMANENT.has(layer.code))
      return { kind: 'permanent', reason: `discord ${layer.code}` };
    const description = layer.response?.description;
    if (typeof layer.response?.error_code === 'number' && typeof description === 'string') {
      const code = layer.response.error_code;
      if (
        code === 403 ||
        (code === 400 && /chat not found|user not found|have no rights|not enough rights/i.test(description))
      )
        return { kind: 'permanent', reason: description };
    }
  }
  return { kind: 'transient' };
}
