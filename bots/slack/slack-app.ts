import type { App, RespondArguments, RespondFn, webApi } from '@slack/bolt';
import type { Notifier, OwnerAlert } from '../../core/analytics/notifier.js';
import { ChatBatchFlow, type BatchAnswerPort } from '../../core/chat/batch-flow.js';
import { SharedBatchCollector } from '../../core/chat/shared-batch-collector.js';
import {
  MANAGE_COMMANDS,
  decodeButton,
  encodeButton,
  helpText,
  type ChatReply,
} from '../../core/chat/chat-commands.js';
import { MaiimgError, isMaiimgError } from '../../core/errors.js';
import { t } from '../../core/messages.js';
import type { IncomingFile, Locale, Owner } from '../../core/types.js';
import type { BotContext } from '../shared/bot-context.js';
import { downloadFile } from '../shared/http-download.js';
import { LRUCache } from 'lru-cache';
import { decideMessage } from '../../core/chat/addressing.js';
import { retryTransient } from '../../core/chat/retry.js';
import { ACTION_ID_PATTERN, escapeMrkdwn, renderReply, replaceButtons } from './slack-blocks.js';
import { mayReceiveToken, type SlackConfig } from './slack-config.js';
import { SlackLocales } from './slack-locale.js';
import { SlackShare, typedMention } from './slack-share.js';
import { ChatShare } from '../../core/chat/chat-share.js';

/** The parts of a Slack file object the app reads. */
interface SlackFile {
  id?: string;
  name?: string | null;
  title?: string | null;
  size?: number;
  mode?: string;
  url_private_download?: string;
  url_private?: string;
  /** `check_file_info` on Slack Connect files: the event holds a stub, files.info the real file. */
  file_access?: string;
}

/**
 * Message subtypes that carry a person's files: a plain message (no subtype), a file share, and a
 * thread reply also sent to the channel. Edits, deletions and bot messages are never uploads.
 */
const FILE_MESSAGE_SUBTYPES = new Set([undefined, 'file_share', 'thread_broadcast']);

/** The parts of a `message` / `app_mention` event the app reads. */
interface SlackMessageEvent {
  type: string;
  subtype?: string;
  user?: string;
  bot_id?: string;
  channel: string;
  channel_type?: string;
  text?: string;
  ts: string;
  thread_ts?: string;
  files?: SlackFile[];
}

/** One shared file waiting in a batch, with what its download found out. */
interface PendingFile {
  incoming: IncomingFile;
  /** Set when Slack answered with its HTML sign-in page instead of the file (missing files:read). */
  gotLoginPage: boolean;
}

interface BatchMeta {
  user: string;
  channel: string;
  /** The thread the answer goes to: the first shared message's thread, or the message itself. */
  threadTs: string;
}

export interface SlackListeners {
  /** Stops taking files and processes (and answers) every batch already in hand. */
  drain(): Promise<void>;
  /** Delivers owner alerts (core/analytics) to Slack; registered by the app's start. */
  notifier: Notifier;
}

/** The command that answers with the dashboard link, as declared in manifest.yml. */
export const DASHBOARD_COMMAND = '/dashboard';

const ownerOf = (user: string, channel: string | undefined): Owner => ({
  // Slack user ids are unique across workspaces (and shared across an Enterprise Grid org, where
  // one person is one id everywhere), so the team id is not part of the owner: adding it would
  // split one person's galleries per workspace without preventing any collision.
  platform: 'slack',
  userId: user,
  chatId: channel ?? null,
});

/**
 * Wires the app's listeners: file shares become batches (BatchCollector) and galleries, the slash
 * command and the buttons go to ChatCommands. Everything user-facing comes from the core; this
 * file only parses Slack payloads and renders replies as Block Kit.
 */
export function registerSlackListeners(app: App, context: BotContext, config: SlackConfig): SlackListeners {
  const { core, commands } = context;
  const logger = context.logger.child({ bot: 'slack' });
  const client: webApi.WebClient = app.client;
  const locales = new SlackLocales(client, context.config.defaultLocale, logger);
  const seen = new RecentKeys(10_000, 60 * 60 * 1000);
  /** The batch → progress → reply flow (core/chat), rendered the Slack way. */
  const batches = new ChatBatchFlow({
    service: core.service,
    commands,
    logger,
    defaultLocale: context.config.defaultLocale,
  });
  const sharing = new SlackShare(client, new ChatShare(core.links, logger), logger);
  /**
   * True the first time a delivery is seen by any instance of the app (a retry may reach another
   * one); falls back to this process's memory while the shared state cannot be reached.
   */
  const firstDelivery = async (key: string): Promise<boolean> => {
    const local = seen.addIfNew(key);
    try {
      return (await core.shared.counters.increment(`slack-delivery:${key}`, 60 * 60 * 1000)).count === 1;
    } catch (error) {
      logger.warn(
        { err: error },
        'slack: shared state unreachable; repeated deliveries are recognised by this instance only',
      );
      return local;
    }
  };
  // Bolt posts to response_url once and gives up on a 5xx or a network error; the answer is what
  // the person asked for, so it is tried again after a pause (the URL stays valid for 30 minutes).
  const reliably = (respond: RespondFn) => (message: RespondArguments) =>
    retryTransient(() => respond(message), {
      logger,
      what: 'slack: answering through response_url',
      retries: 3,
      minDelayMs: 500,
    });

  // Open batches hold plain file descriptions (they may live in the shared state, where another
  // instance of the app picks them up); the downloads are prepared when the batch is processed.
  const collector = new SharedBatchCollector<SlackFile, BatchMeta>({
    store: core.shared.batchWindows,
    namespace: 'slack',
    quietMs: context.config.chat.batchQuietMs,
    maxWaitMs: context.config.chat.batchMaxWaitMs,
    logger,
    onBatch: async (_key, shared, meta) => {
      const files = shared.map(pendingFile);
      const locale = await locales.forUser(meta.user);
      const loginPages = () => files.filter((f) => f.gotLoginPage).map((f) => f.incoming.name);
      // Slack shows no progress: the answer is posted in the thread, then the QR code.
      const port: BatchAnswerPort = {
        answer: async (reply, qr) => {
          await postOrDm(meta.user, {
            channel: meta.channel,
            thread_ts: meta.threadTs,
            ...renderReply(reply, locale),
            // Slack's unfurler would fetch the gallery: keep previews off (they never count as opens anyway).
            unfurl_links: false,
            unfurl_media: false,
          });
          if (!qr) return;
          await client.files
            .uploadV2({
              channel_id: meta.channel,
              thread_ts: meta.threadTs,
              file: qr.png,
              filename: qr.name,
              title: t(locale, 'slack.qrTitle'),
            })
            .catch((error: unknown) => logger.warn({ err: error }, 'slack: could not upload the QR code'));
        },
      };
      await batches.run(batches.progress(port, locale, { isDirect: false }), {
        owner: ownerOf(meta.user, meta.channel),
        locale,
        files: files.map((f) => f.incoming),
        note: () => (loginPages().length ? t(locale, 'slack.loginPage', { files: loginPages().join(', ') }) : null),
      });
    },
  });

  const pendingFile = (file: SlackFile, index: number): PendingFile => {
    const name = file.name || file.title || `file-${index + 1}`;
    const url = file.url_private_download ?? file.url_private;
    const pending: PendingFile = {
      gotLoginPage: false,
      incoming: { name, declaredBytes: file.size, data: () => Promise.reject(new MaiimgError('DOWNLOAD_FAILED')) },
    };
    // Tombstoned or hidden files have no URL; a URL on another host never gets the bot token.
    if (!url || !mayReceiveToken(url, config)) {
      if (url) logger.warn({ host: safeHost(url) }, 'refused a Slack file URL on a host not in SLACK_FILE_HOSTS');
      return pending;
    }
    const download = downloadFile({
      url,
      name,
      declaredBytes: file.size,
      headers: { Authorization: `Bearer ${config.botToken}` },
      // Without files:read (or with a wrong token) Slack answers its sign-in page, not the file.
      refuseContentTypes: /text\/html/i,
    });
    const fetchBytes = download.data as () => Promise<Buffer | AsyncIterable<Uint8Array>>;
    pending.incoming = {
      ...download,
      data: async () => {
        try {
          return await fetchBytes();
        } catch (error) {
          if (isMaiimgError(error, 'DOWNLOAD_FAILED') && /text\/html/i.test(String(error.params.contentType ?? ''))) {
            pending.gotLoginPage = true;
            logger.warn(
              { file: name },
              'Slack sent its sign-in page instead of a file: does the app have the files:read scope?',
            );
          }
          throw error;
        }
      },
    };
    return pending;
  };

  const onShare = async (event: SlackMessageEvent, botUserId: string | undefined, mentioned: boolean) => {
    if (!event.user || event.bot_id || !FILE_MESSAGE_SUBTYPES.has(event.subtype)) return;
    const isDirect = event.channel_type === 'im';
    if (isDirect) dmChannels.set(event.user, event.channel);
    const decision = decideMessage({
      isDirect,
      mentionsBot: mentioned || Boolean(botUserId && event.text?.includes(`<@${botUserId}>`)),
      repliesToBot: false,
      hasFiles: Boolean(event.files?.length),
    });
    if (decision === 'ignore') return;
    // A mention in a channel arrives as both `message` and `app_mention`: answer the help once.
    if (decision === 'help' && !isDirect && !mentioned) return;
    if (!(await firstDelivery(`${event.channel}:${event.ts}:${decision}`))) {
      logger.debug({ channel: event.channel, ts: event.ts }, 'ignored a repeated delivery of a message');
      return;
    }
    if (decision === 'help') {
      const locale = await locales.forUser(event.user);
      await postOrDm(event.user, {
        channel: event.channel,
        thread_ts: isDirect ? undefined : (event.thread_ts ?? event.ts),
        ...renderReply({ text: helpText(locale, { platform: 'slack', slashCommand: config.command }) }, locale),
      });
      return;
    }
    const files: SlackFile[] = await Promise.all(
      (event.files ?? []).map(async (file) => {
        const { id, name, title, size, mode, url_private_download, url_private } = await fileInfo(file);
        return { id, name, title, size, mode, url_private_download, url_private };
      }),
    );
    const meta: BatchMeta = { user: event.user, channel: event.channel, threadTs: event.thread_ts ?? event.ts };
    const user = event.user;
    const locale = await locales.forUser(user);
    await batches.collect(
      () => collector.add(`${event.user}:${event.channel}`, files, meta),
      locale,
      (reply) =>
        client.chat.postEphemeral({
          channel: event.channel,
          user,
          ...(event.thread_ts ? { thread_ts: event.thread_ts } : {}),
          text: escapeMrkdwn(reply.text),
        }),
    );
  };

  type PostMessage = Parameters<typeof client.chat.postMessage>[0];

  /** Slack Connect files arrive as stubs without a URL; files.info has the real file. */
  const fileInfo = async (file: SlackFile): Promise<SlackFile> => {
    if (file.file_access !== 'check_file_info' || !file.id) return file;
    try {
      const info = await client.files.info({ file: file.id });
      return (info.file as SlackFile | undefined) ?? file;
    } catch (error) {
      logger.warn({ err: error, file: file.id }, 'files.info failed for a Slack Connect file');
      return file;
    }
  };

  /**
   * The app's own direct-message channel with each user, learnt from `im` events and
   * conversations.open: "is this our DM" is decided by it, not by the shape of a channel id.
   */
  const dmChannels = new LRUCache<string, string>({ max: 10_000 });
  const dmChannelOf = async (user: string): Promise<string | undefined> => {
    const known = dmChannels.get(user);
    if (known) return known;
    const opened = (await client.conversations.open({ users: user })).channel?.id;
    if (opened) dmChannels.set(user, opened);
    return opened;
  };
  const isDirectMessage = async (user: string, channel: string | undefined): Promise<boolean> => {
    if (!channel) return false;
    try {
      return (await dmChannelOf(user)) === channel;
    } catch (error) {
      logger.warn({ err: error, user }, 'conversations.open failed');
      return false;
    }
  };

  /**
   * Posts a message; when the channel refuses (archived, the app removed from it), the person gets
   * it in their direct message with the app instead, so a gallery link is never lost.
   */
  const postOrDm = async (user: string, message: PostMessage): Promise<void> => {
    try {
      await client.chat.postMessage(message);
    } catch (error) {
      logger.warn({ err: error, channel: message.channel }, 'slack: cannot post here; sending a DM');
      const dm = await dmChannelOf(user);
      if (!dm) throw error;
      await client.chat.postMessage({ ...message, channel: dm, thread_ts: undefined } as PostMessage);
    }
  };

  app.event('message', async ({ event, context: boltContext }) => {
    await onShare(event as unknown as SlackMessageEvent, boltContext.botUserId, false);
  });
  app.event('app_mention', async ({ event, context: boltContext }) => {
    await onShare(event as unknown as SlackMessageEvent, boltContext.botUserId, true);
  });

  /**
   * Uploads a stats chart where only its owner sees it, since Slack's ephemeral answers cannot
   * carry files: into the direct message the request came from (in its thread), else into the
   * owner's direct message with the app. Returns a note for the answer when the chart went
   * elsewhere; a failed upload is logged and leaves the text to stand alone.
   */
  const uploadChart = async (
    image: NonNullable<ChatReply['image']>,
    input: { user: string; channel?: string; threadTs?: string; locale: Locale },
  ): Promise<string | null> => {
    const direct = await isDirectMessage(input.user, input.channel);
    try {
      const channel = direct ? input.channel : (await client.conversations.open({ users: input.user })).channel?.id;
      if (!channel) throw new Error('conversations.open returned no channel');
      const upload = { file: image.png, filename: image.name, title: t(input.locale, 'slack.chartTitle') };
      await (direct && input.threadTs
        ? client.files.uploadV2({ ...upload, channel_id: channel, thread_ts: input.threadTs })
        : client.files.uploadV2({ ...upload, channel_id: channel }));
      return direct ? null : t(input.locale, 'slack.chartInDirectMessage');
    } catch (error) {
      logger.warn({ err: error, user: input.user }, 'could not upload the stats chart');
      return null;
    }
  };

  /** A reply with a chart: the chart is uploaded first, so the text can say where it went. */
  const withChart = async (
    reply: ChatReply,
    input: { user: string; channel?: string; threadTs?: string; locale: Locale },
  ): Promise<ChatReply> => {
    if (!reply.image) return reply;
    const note = await uploadChart(reply.image, input);
    return note ? { ...reply, text: `${reply.text}\n\n${note}` } : reply;
  };

  app.command(config.command, async ({ command, ack, respond }) => {
    // Slack wants an answer within 3 s; the reply follows through response_url.
    await ack();
    const locale = await locales.forUser(command.user_id);
    // Slack escapes &, < and > as entities; decoded after splitting and unwrapping <links>.
    const [sub = 'help', ...args] = command.text
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(unwrapSlackLink)
      .map(decodeSlackEntities);
    const name = sub.toLowerCase();
    let reply: ChatReply;
    if (name === 'help' || !(MANAGE_COMMANDS as readonly string[]).includes(name)) {
      reply = { text: helpText(locale, { platform: 'slack', slashCommand: config.command }), isError: name !== 'help' };
    } else if (name === 'share' && args.length) {
      // The card goes to the channel; the answer, as every answer here, to the person alone.
      const owner = ownerOf(command.user_id, command.channel_id);
      reply = await sharing.command({ owner, user: command.user_id, channel: command.channel_id, args, locale });
    } else {
      reply = await commands.run({
        owner: ownerOf(command.user_id, command.channel_id),
        locale,
        command: name,
        // The command escapes channels and users (manifest should_escape), for `share #channel`.
        args: args.map(typedMention),
        syntax: { platform: 'slack', slashCommand: config.command },
        // A slash command's text is never shown to the channel (the answer is ephemeral too), so
        // a password typed here stays private wherever it is typed.
        isPrivateChat: true,
      });
      reply = await withChart(reply, { user: command.user_id, channel: command.channel_id, locale });
    }
    await reliably(respond)({ response_type: 'ephemeral', ...renderReply(reply, locale) });
  });

  // A command of its own, as on the other platforms; the link is answered ephemerally like everything else.
  if (config.command !== DASHBOARD_COMMAND) {
    app.command(DASHBOARD_COMMAND, async ({ command, ack, respond }) => {
      await ack();
      const locale = await locales.forUser(command.user_id);
      const reply = await commands.run({
        owner: ownerOf(command.user_id, command.channel_id),
        locale,
        command: 'dashboard',
        args: [],
      });
      await reliably(respond)({ response_type: 'ephemeral', ...renderReply(reply, locale) });
    });
  }

  app.action(ACTION_ID_PATTERN, async ({ ack, body, action, respond }) => {
    await ack();
    if (body.type !== 'block_actions' || action.type !== 'button' || !action.value) return;
    const decoded = decodeButton(action.value);
    const locale = await locales.forUser(body.user.id);
    // Delete carries Slack's own confirm dialog, so a Delete press has already been confirmed.
    const data = decoded?.action === 'delete' ? encodeButton('delete-yes', decoded.slug) : action.value;
    let reply = await commands.press({ owner: ownerOf(body.user.id, body.channel?.id), locale, data });
    const pressed = decoded?.action;
    const message = body.message as { ts?: string; thread_ts?: string; text?: string; blocks?: unknown[] } | undefined;
    const inSharedMessage = Boolean(message?.ts && body.channel?.id && !body.container?.is_ephemeral);
    const answersPresser = pressed === 'stats' || pressed === 'dashboard';

    if (reply.isError || answersPresser || reply.privateReply || !inSharedMessage) {
      // Errors (a non-owner's press), stats and the dashboard link go to the presser alone;
      // other presses in an ephemeral reply replace that reply.
      const replaceOriginal = !reply.isError && !answersPresser && !reply.privateReply && !inSharedMessage;
      reply = await withChart(reply, {
        user: body.user.id,
        channel: body.channel?.id,
        threadTs: message?.thread_ts ?? message?.ts,
        locale,
      });
      await reliably(respond)({
        response_type: 'ephemeral',
        replace_original: replaceOriginal,
        // Answers stay in the gallery's thread, where the button was pressed.
        ...(message?.thread_ts ? { thread_ts: message.thread_ts } : {}),
        ...renderReply(reply, locale),
      });
      return;
    }
    // The gallery message in the channel: flip its buttons (or retire it after a delete) for
    // everyone, and tell the presser what happened.
    const deleted = pressed === 'delete' || pressed === 'delete-yes';
    const updated = deleted
      ? renderReply({ text: reply.text }, locale)
      : {
          text: message?.text ?? renderReply(reply, locale).text,
          blocks: replaceButtons(
            (message?.blocks ?? []) as Parameters<typeof replaceButtons>[0],
            reply.buttons,
            locale,
          ),
        };
    let updateFailed = false;
    try {
      await client.chat.update({ channel: body.channel!.id, ts: message!.ts!, ...updated });
    } catch (error) {
      // The message could not be changed (the app lost access, the message is gone): the presser
      // still learns what happened.
      logger.warn({ err: error, channel: body.channel?.id }, 'slack: chat.update failed; answering ephemerally');
      updateFailed = true;
    }
    if (!deleted || updateFailed)
      await reliably(respond)({
        response_type: 'ephemeral',
        replace_original: false,
        ...(message?.thread_ts ? { thread_ts: message.thread_ts } : {}),
        ...renderReply({ text: reply.text }, locale),
      });
  });

  app.error(async (error) => {
    logger.error({ err: error }, 'Slack listener failed');
  });

  const notifier: Notifier = {
    /**
     * Posts the alert in the channel the gallery was made in, else (unknown channel, or the app was
     * removed from it) in the owner's direct message with the app; throwing makes the monitor retry.
     */
    async notify(alert: OwnerAlert): Promise<void> {
      const message = {
        ...renderReply({ text: alert.text, buttons: alert.buttons }, alert.locale),
        unfurl_links: false,
        unfurl_media: false,
      };
      if (alert.owner.chatId) {
        try {
          await client.chat.postMessage({ channel: alert.owner.chatId, ...message });
          return;
        } catch (error) {
          logger.warn(
            { err: error, channel: alert.owner.chatId, slug: alert.slug },
            'could not post an alert in its channel; sending it as a direct message',
          );
        }
      }
      const dm = (await client.conversations.open({ users: alert.owner.userId })).channel?.id;
      if (!dm) throw new Error('conversations.open returned no channel');
      await client.chat.postMessage({ channel: dm, ...message });
    },
  };

  return { drain: () => collector.drain(), notifier };
}

/** Slack wraps links as `<https://...>` or `<https://...|label>` when a command is set to escape them. */
/** Slack's three escapes (https://api.slack.com/reference/surfaces/formatting#escaping), `&amp;` last. */
export function decodeSlackEntities(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function unwrapSlackLink(word: string): string {
  const match = /^<(https?:\/\/[^|>]+)(?:\|[^>]*)?>$/i.exec(word);
  return match ? match[1]! : word;
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid URL)';
  }
}

/** A bounded set of recently seen keys, forgotten after `ttlMs` (Slack retries within minutes). */
class RecentKeys {
  private readonly keys = new Map<string, number>();

  constructor(
    private readonly max: number,
    private readonly ttlMs: number,
  ) {}

  /** Returns true the first time a key is seen (within the TTL). */
  addIfNew(key: string): boolean {
    const now = Date.now();
    const until = this.keys.get(key);
    if (until !== undefined && until > now) return false;
    if (this.keys.size >= this.max) {
      for (const [k, expiry] of this.keys) if (expiry <= now) this.keys.delete(k);
      // Still full: drop the oldest (Map keeps insertion order).
      while (this.keys.size >= this.max) this.keys.delete(this.keys.keys().next().value!);
    }
    this.keys.set(key, now + this.ttlMs);
    return true;
  }
}
