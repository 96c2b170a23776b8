import { EventEmitter } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import busboy from 'busboy';

/**
 * A fake Telegram Bot API server on 127.0.0.1 speaking the real wire protocol, for end-to-end tests
 * with the real telegraf client. Updates pushed here are served through getUpdates (long poll);
 * files are served through getFile and `/file/bot<token>/<path>`; every method call is recorded.
 */

export const CLOUD_FILE_LIMIT = 20 * 1024 * 1024;

export interface UploadedFile {
  field: string;
  filename: string;
  contentType: string;
  bytes: Buffer;
}

export interface RecordedCall {
  method: string;
  params: Record<string, unknown>;
  files: UploadedFile[];
  /** The HTTP status the fake answered with. */
  status: number;
  /** When the call arrived (Date.now()), to check how long a client waited before retrying. */
  at: number;
}

export interface FakeUser {
  id: number;
  first_name: string;
  language_code?: string;
  username?: string;
}

export interface FakeChat {
  id: number;
  type: 'private' | 'group' | 'supergroup' | 'channel';
  title?: string;
  /** A forum supergroup: messages carry `message_thread_id` of their topic. */
  is_forum?: boolean;
}

/** The shared sender ids Telegram uses when the real sender is a chat (`sender_chat`). */
export const GROUP_ANONYMOUS_BOT = { id: 1087968824, is_bot: true, first_name: 'Group', username: 'GroupAnonymousBot' };
export const CHANNEL_BOT = { id: 136817688, is_bot: true, first_name: 'Channel', username: 'Channel_Bot' };

/** A message the bot sent (or edited), as the fake keeps it. */
export interface StoredMessage {
  message_id: number;
  chat: FakeChat;
  from?: { id: number; is_bot: boolean; first_name: string; username?: string };
  date: number;
  text?: string;
  caption?: string;
  photo?: Array<{ file_id: string; file_unique_id: string; width: number; height: number; file_size?: number }>;
  reply_markup?: {
    inline_keyboard: Array<Array<{ text: string; callback_data?: string; url?: string; switch_inline_query?: string }>>;
  };
  reply_to_message?: StoredMessage;
  message_thread_id?: number;
  deleted?: boolean;
  /** A photo the bot sent by URL (Telegram would fetch it). */
  photo_url?: string;
}

interface StoredFile {
  bytes: Buffer;
  path: string;
  uniqueId: string;
}

interface Failure {
  method: string;
  status: number;
  description: string;
  retryAfter?: number;
  remaining: number;
  /** Only calls whose parameters match fail (one chat), so the bot's background sends do not use the failure up. */
  match?: (params: Record<string, unknown>) => boolean;
}

export interface FakeTelegramOptions {
  token?: string;
  /** Behave like `telegram-bot-api --local`: no 20 MB limit, getFile returns absolute paths. */
  localMode?: boolean;
  /** How long an empty getUpdates waits for a pushed update before answering []. */
  pollWaitMs?: number;
  /** Listen on this port (default: any free one), e.g. to come up where a bot already looks for Telegram. */
  port?: number;
  /**
   * Telegram's group privacy mode, on by default for every bot: in groups the bot only receives
   * commands, messages that mention it and replies to its own messages. Off: it receives everything
   * (as an admin bot does).
   */
  privacyMode?: boolean;
  /** Inline mode (BotFather /setinline): off by default, as for a new bot. */
  inlineMode?: boolean;
  /** Inline feedback (BotFather /setinlinefeedback): without it no `chosen_inline_result` ever arrives. */
  inlineFeedback?: boolean;
}

/** The answer a bot gave to one inline query, as the fake keeps it. */
export interface InlineAnswer {
  queryId: string;
  results: Array<Record<string, unknown> & { id: string; type: string }>;
  options: Record<string, unknown>;
}

export class FakeTelegramBotApi {
  readonly token: string;
  readonly bot = { id: 7000001, is_bot: true, first_name: 'maiimg', username: 'maiimg_test_bot' };
  readonly calls: RecordedCall[] = [];
  /** Messages in the fake's world: those users sent and those the bot sent, by chat:id. */
  readonly messages = new Map<string, StoredMessage>();
  private readonly events = new EventEmitter();
  private readonly updates: Array<{ update_id: number } & Record<string, unknown>> = [];
  private readonly files = new Map<string, StoredFile>();
  private readonly failures: Failure[] = [];
  private readonly waiters = new Set<() => void>();
  /** Users who never opened a private chat with the bot: Telegram refuses to write to them (403). */
  private readonly notStarted = new Set<number>();
  /** Users who blocked the bot: every send to them fails with 403. */
  private readonly blocked = new Set<number>();
  /** Groups upgraded to supergroups: sends to the old id fail with 400 and `migrate_to_chat_id`. */
  private readonly migrated = new Map<number, number>();
  /** Messages privacy mode kept from the bot, for tests that check what it never saw. */
  readonly withheld: Array<Record<string, unknown>> = [];
  /** Inline queries sent to the bot, and the bot's answers to them. */
  private readonly inlineQueries = new Map<string, { from: FakeUser; query: string; chatType?: string }>();
  readonly inlineAnswers = new Map<string, InlineAnswer>();
  private nextUpdateId = 1;
  private nextMessageId = 1000;
  private nextFileId = 1;
  private localDir: string | undefined;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly options: Required<Omit<FakeTelegramOptions, 'token' | 'port'>>,
    token: string,
  ) {
    this.token = token;
    this.events.setMaxListeners(100);
  }

  static async start(options: FakeTelegramOptions = {}): Promise<FakeTelegramBotApi> {
    const token = options.token ?? '123456789:AAtest-token_for-the-fake-api-0000000';
    // The handler only runs once listening, by which time `fake` below is assigned.
    const server = createServer((req, res) => {
      fake.route(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: false, error_code: 500, description: String(error) }));
      });
    });
    await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const fake = new FakeTelegramBotApi(
      server,
      `http://127.0.0.1:${port}`,
      {
        localMode: options.localMode ?? false,
        pollWaitMs: options.pollWaitMs ?? 500,
        privacyMode: options.privacyMode ?? true,
        inlineMode: options.inlineMode ?? false,
        inlineFeedback: options.inlineFeedback ?? false,
      },
      token,
    );
    if (fake.options.localMode) fake.localDir = await mkdtemp(path.join(tmpdir(), 'fake-telegram-files-'));
    return fake;
  }

  async close(): Promise<void> {
    for (const wake of this.waiters) wake();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (this.localDir) await rm(this.localDir, { recursive: true, force: true });
  }

  // ---- scripting the world ----------------------------------------------------------------------

  /** Queues an update for getUpdates; returns its update_id. */
  pushUpdate(update: Record<string, unknown>): number {
    const update_id = this.nextUpdateId++;
    this.updates.push({ update_id, ...update });
    for (const wake of this.waiters) wake();
    return update_id;
  }

  /** Stores bytes as a Telegram file; `fileSize` may claim another size (as the message would). */
  addFile(bytes: Buffer): { file_id: string; file_unique_id: string; file_size: number } {
    const n = this.nextFileId++;
    const file_id = `file-${n}-${'x'.repeat(20)}`;
    const uniqueId = `u${n}`;
    this.files.set(file_id, { bytes, path: `documents/file_${n}`, uniqueId });
    return { file_id, file_unique_id: uniqueId, file_size: bytes.length };
  }

  /**
   * Marks a user as never having started the bot: until they write to it in private, sending to
   * their private chat fails with 403, as on the real Bot API.
   */
  neverStarted(userId: number): void {
    this.notStarted.add(userId);
  }

  /** The user blocks the bot: sends to them fail with 403 "bot was blocked by the user". */
  blockBot(userId: number): void {
    this.blocked.add(userId);
  }

  /** A group becomes a supergroup with a new id, as Telegram does on upgrade. */
  migrateChat(oldId: number, newId: number): void {
    this.migrated.set(oldId, newId);
  }

  /** A message from a user, built like Telegram builds it; returns the message (already pushed as an update). */
  userSends(input: {
    from: FakeUser;
    chat?: FakeChat;
    text?: string;
    photo?: Buffer;
    /** `claimedSize` replaces the size in the message; `null` leaves it out, as Telegram sometimes does. */
    document?: { bytes: Buffer; fileName: string; mimeType?: string; claimedSize?: number | null };
    caption?: string;
    mediaGroupId?: string;
    replyTo?: number;
    /** A GIF as Telegram clients send it: converted to an MP4 `animation` (with a `document` twin). */
    animation?: Buffer;
    /**
     * Sent on behalf of a chat: an anonymous admin (the group itself, `from` = GroupAnonymousBot) or
     * a channel (`from` = Channel_Bot).
     */
    senderChat?: FakeChat;
    /** The forum topic (its `message_thread_id`) in a forum supergroup. */
    threadId?: number;
  }): StoredMessage & Record<string, unknown> {
    const chat = input.chat ?? { id: input.from.id, type: 'private' as const };
    if (chat.type === 'private') this.notStarted.delete(input.from.id);
    const from = input.senderChat
      ? input.senderChat.id === chat.id
        ? GROUP_ANONYMOUS_BOT
        : CHANNEL_BOT
      : {
          id: input.from.id,
          is_bot: false,
          first_name: input.from.first_name,
          username: input.from.username,
          language_code: input.from.language_code,
        };
    const message: StoredMessage & Record<string, unknown> = {
      message_id: this.nextMessageId++,
      from: from as StoredMessage['from'],
      chat,
      date: Math.floor(Date.now() / 1000),
    };
    if (input.senderChat) message.sender_chat = input.senderChat;
    if (input.threadId !== undefined) {
      message.message_thread_id = input.threadId;
      message.is_topic_message = true;
    }
    if (input.text !== undefined) {
      message.text = input.text;
      const entities = mentionEntities(input.text);
      const command = /^\/\S+/.exec(input.text);
      if (command) entities.unshift({ type: 'bot_command', offset: 0, length: command[0].length });
      if (entities.length) message.entities = entities;
    }
    if (input.animation) {
      const stored = this.addFile(input.animation);
      const video = {
        ...stored,
        file_name: 'funny.gif.mp4',
        mime_type: 'video/mp4',
        width: 320,
        height: 240,
        duration: 2,
      };
      message.animation = video;
      message.document = video;
    }
    if (input.photo) {
      // Telegram offers several re-compressed sizes; the small one here is not even an image, so a
      // bot that takes the wrong size notices.
      const thumb = this.addFile(Buffer.from('not the largest size'));
      const large = this.addFile(input.photo);
      message.photo = [
        { ...thumb, width: 90, height: 60 },
        { ...large, width: 1280, height: 853 },
      ];
    }
    if (input.document) {
      const stored = this.addFile(input.document.bytes);
      message.document = {
        file_id: stored.file_id,
        file_unique_id: stored.file_unique_id,
        file_name: input.document.fileName,
        mime_type: input.document.mimeType ?? 'application/octet-stream',
        ...(input.document.claimedSize === null ? {} : { file_size: input.document.claimedSize ?? stored.file_size }),
      };
    }
    if (input.caption !== undefined) {
      message.caption = input.caption;
      const entities = mentionEntities(input.caption);
      if (entities.length) message.caption_entities = entities;
    }
    if (input.mediaGroupId) message.media_group_id = input.mediaGroupId;
    if (input.replyTo !== undefined) {
      const replied = this.messages.get(`${chat.id}:${input.replyTo}`);
      if (replied) message.reply_to_message = replied;
    }
    this.messages.set(`${chat.id}:${message.message_id}`, message);
    if (this.deliveredToBot(message)) this.pushUpdate({ message });
    else this.withheld.push(message);
    return message;
  }

  /**
   * Privacy mode, as documented: in groups a bot gets commands, messages mentioning it and replies
   * to its messages; private chats, and every group message when privacy is off, always arrive.
   */
  private deliveredToBot(message: StoredMessage & Record<string, unknown>): boolean {
    if (message.chat.type === 'private' || !this.options.privacyMode) return true;
    const text = String(message.text ?? message.caption ?? '');
    if (/^\//.test(String(message.text ?? ''))) return true;
    if (text.toLowerCase().includes(`@${this.bot.username.toLowerCase()}`)) return true;
    return message.reply_to_message?.from?.id === this.bot.id;
  }

  /** A press of an inline button under one of the bot's messages; returns the callback query id. */
  userPresses(input: { from: FakeUser; chatId: number; messageId: number; data: string }): string {
    const message = this.messages.get(`${input.chatId}:${input.messageId}`);
    if (!message) throw new Error(`no message ${input.messageId} in chat ${input.chatId}`);
    const id = `cb-${this.nextUpdateId}`;
    this.pushUpdate({
      callback_query: {
        id,
        from: { is_bot: false, ...input.from },
        message,
        chat_instance: `ci-${input.chatId}`,
        data: input.data,
      },
    });
    return id;
  }

  /**
   * A user types `@bot <query>` in a chat (or presses a `switch_inline_query` button and picks a
   * chat): the bot gets an `inline_query`, with `chat_type` telling the kind of chat ("sender" is
   * the user's own chat with the bot). Only bots with inline mode on receive them.
   */
  userTypesInline(input: { from: FakeUser; query: string; chatType?: string }): string {
    if (!this.options.inlineMode) throw new Error('inline mode is off for this bot: Telegram sends no inline queries');
    const id = `iq-${this.nextUpdateId}`;
    this.inlineQueries.set(id, { from: input.from, query: input.query, chatType: input.chatType });
    this.pushUpdate({
      inline_query: {
        id,
        from: { is_bot: false, ...input.from },
        query: input.query,
        offset: '',
        ...(input.chatType ? { chat_type: input.chatType } : {}),
      },
    });
    return id;
  }

  /** Resolves with the bot's answer to an inline query. */
  async waitForInlineAnswer(queryId: string): Promise<InlineAnswer> {
    await this.waitForCall('answerInlineQuery', (call) => call.params.inline_query_id === queryId);
    return this.inlineAnswers.get(queryId)!;
  }

  /**
   * The user picks one of the results: Telegram posts its message in the chat "via" the bot, and
   * tells the bot which result was chosen only when inline feedback is on. Returns the message.
   */
  userChoosesResult(input: { queryId: string; resultId: string; chat: FakeChat }): StoredMessage {
    const query = this.inlineQueries.get(input.queryId);
    const answer = this.inlineAnswers.get(input.queryId);
    const result = answer?.results.find((r) => r.id === input.resultId);
    if (!query || !result) throw new Error(`no result ${input.resultId} for inline query ${input.queryId}`);
    const content = result.input_message_content as { message_text?: string } | undefined;
    const message: StoredMessage & Record<string, unknown> = {
      message_id: this.nextMessageId++,
      chat: input.chat,
      from: { id: query.from.id, is_bot: false, first_name: query.from.first_name },
      date: Math.floor(Date.now() / 1000),
      text: content?.message_text,
      via_bot: { ...this.bot },
    };
    if (result.reply_markup) message.reply_markup = result.reply_markup as StoredMessage['reply_markup'];
    this.messages.set(`${input.chat.id}:${message.message_id}`, message);
    if (this.options.inlineFeedback) {
      this.pushUpdate({
        chosen_inline_result: {
          result_id: input.resultId,
          from: { is_bot: false, ...query.from },
          query: query.query,
          // Only results with an inline keyboard can be edited later, so only they get an id.
          ...(result.reply_markup ? { inline_message_id: `im-${message.message_id}` } : {}),
        },
      });
    }
    return message;
  }

  /** The next `times` calls of `method` fail (429 with retry_after by default). */
  failNext(
    method: string,
    failure: {
      status?: number;
      retryAfter?: number;
      description?: string;
      times?: number;
      match?: (params: Record<string, unknown>) => boolean;
    } = {},
  ): void {
    const status = failure.status ?? 429;
    this.failures.push({
      method,
      status,
      retryAfter: failure.retryAfter ?? (status === 429 ? 1 : undefined),
      description:
        failure.description ??
        (status === 429 ? `Too Many Requests: retry after ${failure.retryAfter ?? 1}` : 'Internal Server Error'),
      remaining: failure.times ?? 1,
      match: failure.match,
    });
  }

  // ---- assertions -------------------------------------------------------------------------------

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  /** Resolves with the first recorded successful call of `method` (from `since` on) that matches. */
  waitForCall(
    method: string,
    match: (call: RecordedCall) => boolean = () => true,
    options: { since?: number; timeoutMs?: number } = {},
  ): Promise<RecordedCall> {
    const since = options.since ?? 0;
    const find = () =>
      this.calls.slice(since).find((call) => call.method === method && call.status === 200 && match(call));
    const found = find();
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const onCall = () => {
        const call = find();
        if (!call) return;
        cleanup();
        resolve(call);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no ${method} call arrived; calls so far: ${this.calls.map((c) => c.method).join(', ')}`));
      }, options.timeoutMs ?? 50_000);
      const cleanup = () => {
        clearTimeout(timer);
        this.events.off('call', onCall);
      };
      this.events.on('call', onCall);
    });
  }

  /** Sent messages (not edits) in a chat, in order. */
  sentTo(chatId: number): StoredMessage[] {
    return [...this.messages.values()].filter((m) => m.chat.id === chatId && m.from?.id === this.bot.id);
  }

  // ---- the HTTP side ----------------------------------------------------------------------------

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const fileMatch = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (req.method === 'GET' && fileMatch) return this.serveFile(fileMatch[1]!, decodeURIComponent(fileMatch[2]!), res);
    const apiMatch = /^\/bot([^/]+)\/(\w+)$/.exec(url.pathname);
    if (!apiMatch) return this.answer(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    const [, token, method] = apiMatch as unknown as [string, string, string];
    const { params, files } = await readParams(req);
    if (token !== this.token)
      return this.record(res, method, params, files, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
    const failure = this.failures.find((f) => f.method === method && f.remaining > 0 && (!f.match || f.match(params)));
    if (failure) {
      failure.remaining -= 1;
      return this.record(res, method, params, files, failure.status, {
        ok: false,
        error_code: failure.status,
        description: failure.description,
        ...(failure.retryAfter !== undefined ? { parameters: { retry_after: failure.retryAfter } } : {}),
      });
    }
    if (method === 'getUpdates') return this.getUpdates(req, res, params, files);
    const result = await this.call(method, params, files);
    if (result.error)
      return this.record(res, method, params, files, result.error.status, {
        ok: false,
        error_code: result.error.status,
        description: result.error.description,
        ...(result.error.parameters ? { parameters: result.error.parameters } : {}),
      });
    return this.record(res, method, params, files, 200, { ok: true, result: result.value });
  }

  private async call(
    method: string,
    params: Record<string, unknown>,
    files: UploadedFile[],
  ): Promise<{
    value?: unknown;
    error?: { status: number; description: string; parameters?: Record<string, unknown> };
  }> {
    const chatId = Number(params.chat_id);
    const messageId = Number(params.message_id);
    const bad = (description: string) => ({ error: { status: 400, description: `Bad Request: ${description}` } });
    switch (method) {
      case 'getMe':
        return {
          value: {
            ...this.bot,
            can_join_groups: true,
            can_read_all_group_messages: !this.options.privacyMode,
            supports_inline_queries: this.options.inlineMode,
          },
        };
      case 'deleteWebhook':
      case 'setWebhook':
      case 'setMyCommands':
      case 'answerCallbackQuery':
        return { value: true };
      case 'answerInlineQuery':
        return this.answerInlineQuery(params);
      case 'getFile': {
        const stored = this.files.get(String(params.file_id));
        if (!stored) return bad('invalid file_id');
        if (!this.options.localMode && stored.bytes.length > CLOUD_FILE_LIMIT) return bad('file is too big');
        let filePath = stored.path;
        if (this.localDir) {
          filePath = path.join(this.localDir, stored.path.replace(/\//g, '_'));
          await writeFile(filePath, stored.bytes);
        }
        return {
          value: {
            file_id: params.file_id,
            file_unique_id: stored.uniqueId,
            file_size: stored.bytes.length,
            file_path: filePath,
          },
        };
      }
      case 'sendMessage':
      case 'sendPhoto': {
        if (this.notStarted.has(chatId))
          return { error: { status: 403, description: "Forbidden: bot can't initiate conversation with a user" } };
        if (this.blocked.has(chatId))
          return { error: { status: 403, description: 'Forbidden: bot was blocked by the user' } };
        const migratedTo = this.migrated.get(chatId);
        if (migratedTo !== undefined)
          return {
            error: {
              status: 400,
              description: 'Bad Request: group chat was upgraded to a supergroup chat',
              parameters: { migrate_to_chat_id: migratedTo },
            },
          };
        const chat = this.chatOf(chatId);
        const message: StoredMessage = {
          message_id: this.nextMessageId++,
          chat,
          from: { ...this.bot },
          date: Math.floor(Date.now() / 1000),
        };
        if (method === 'sendMessage') message.text = String(params.text ?? '');
        else {
          const photo = files.find((f) => f.field === 'photo');
          // A photo may also be given by URL: Telegram fetches it (from here, the fake cannot).
          const byUrl = typeof params.photo === 'string' && /^https?:\/\//.test(params.photo) ? params.photo : null;
          if (!photo && !byUrl) return bad('there is no photo in the request');
          if (byUrl) message.photo_url = byUrl;
          message.photo = [
            {
              file_id: `sent-${message.message_id}`,
              file_unique_id: `s${message.message_id}`,
              width: 512,
              height: 512,
              file_size: photo?.bytes.length ?? 0,
            },
          ];
          if (params.caption !== undefined) message.caption = String(params.caption);
        }
        if (params.reply_markup) message.reply_markup = params.reply_markup as StoredMessage['reply_markup'];
        if (params.message_thread_id !== undefined) message.message_thread_id = Number(params.message_thread_id);
        const replyTo = (params.reply_parameters as { message_id?: number } | undefined)?.message_id;
        const replied = replyTo !== undefined ? this.messages.get(`${chatId}:${replyTo}`) : undefined;
        if (replied) message.reply_to_message = { ...replied, reply_to_message: undefined };
        this.messages.set(`${chatId}:${message.message_id}`, message);
        return { value: message };
      }
      case 'editMessageText':
      case 'editMessageCaption':
      case 'editMessageReplyMarkup': {
        const message = this.messages.get(`${chatId}:${messageId}`);
        if (!message || message.deleted) return bad('message to edit not found');
        const next = { ...message };
        if (method === 'editMessageText') {
          if (message.text === undefined) return bad('there is no text in the message to edit');
          next.text = String(params.text ?? '');
        }
        if (method === 'editMessageCaption') next.caption = String(params.caption ?? '');
        // As in the real API, an edit without reply_markup removes the inline keyboard.
        next.reply_markup = params.reply_markup as StoredMessage['reply_markup'];
        if (JSON.stringify(next) === JSON.stringify(message))
          return bad('message is not modified: specified new message content and reply markup are exactly the same');
        this.messages.set(`${chatId}:${messageId}`, next);
        return { value: next };
      }
      case 'deleteMessage': {
        const message = this.messages.get(`${chatId}:${messageId}`);
        if (!message || message.deleted) return bad('message to delete not found');
        message.deleted = true;
        return { value: true };
      }
      default:
        return { error: { status: 404, description: 'Not Found: method not found' } };
    }
  }

  /**
   * answerInlineQuery, checked as Telegram checks it: a query it sent (and not too late), at most
   * 50 results with unique ids of at most 64 bytes, each article with a message to send, and
   * inline keyboard buttons of exactly one kind (a callback button cannot be answered by nobody).
   */
  private answerInlineQuery(params: Record<string, unknown>): {
    value?: unknown;
    error?: { status: number; description: string };
  } {
    const bad = (description: string) => ({ error: { status: 400, description: `Bad Request: ${description}` } });
    const queryId = String(params.inline_query_id ?? '');
    if (!this.inlineQueries.has(queryId))
      return bad('query is too old and response timeout expired or query ID is invalid');
    if (this.inlineAnswers.has(queryId)) return bad('QUERY_ID_INVALID');
    const results = (params.results ?? []) as InlineAnswer['results'];
    if (!Array.isArray(results) || results.length > 50) return bad('RESULTS_TOO_MUCH');
    const ids = new Set<string>();
    for (const result of results) {
      const id = String(result.id ?? '');
      if (!id || Buffer.byteLength(id) > 64) return bad('RESULT_ID_INVALID');
      if (ids.has(id)) return bad('RESULT_ID_DUPLICATE');
      ids.add(id);
      if (result.type === 'article' && !result.input_message_content) return bad('MESSAGE_EMPTY');
      const keyboard = (result.reply_markup as StoredMessage['reply_markup'])?.inline_keyboard ?? [];
      for (const button of keyboard.flat()) {
        const kinds = ['url', 'callback_data', 'switch_inline_query'].filter((k) => k in button);
        if (kinds.length !== 1) return bad('BUTTON_TYPE_INVALID');
      }
    }
    const { inline_query_id: _id, results: _results, ...options } = params;
    this.inlineAnswers.set(queryId, { queryId, results, options });
    return { value: true };
  }

  private chatOf(chatId: number): FakeChat {
    for (const message of this.messages.values()) if (message.chat.id === chatId) return message.chat;
    return { id: chatId, type: chatId > 0 ? 'private' : 'group' };
  }

  private async getUpdates(
    req: IncomingMessage,
    res: ServerResponse,
    params: Record<string, unknown>,
    files: UploadedFile[],
  ): Promise<void> {
    const offset = Number(params.offset ?? 0);
    // An offset acknowledges every update before it, as on the real server.
    while (this.updates.length && this.updates[0]!.update_id < offset) this.updates.shift();
    const limit = Number(params.limit ?? 100);
    const timeout = Number(params.timeout ?? 0);
    if (!this.updates.length && timeout > 0) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, this.options.pollWaitMs);
        this.waiters.add(wake);
        res.once('close', wake);
      });
    }
    if (res.destroyed || !res.writable) return;
    const batch = this.updates.slice(0, limit);
    this.record(res, 'getUpdates', params, files, 200, { ok: true, result: batch });
  }

  private serveFile(token: string, filePath: string, res: ServerResponse): void {
    if (token !== this.token) return this.answer(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
    const stored = [...this.files.values()].find((f) => f.path === filePath);
    this.calls.push({
      method: 'downloadFile',
      params: { file_path: filePath },
      files: [],
      status: stored ? 200 : 404,
      at: Date.now(),
    });
    this.events.emit('call');
    if (!stored) return this.answer(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': stored.bytes.length });
    res.end(stored.bytes);
  }

  private record(
    res: ServerResponse,
    method: string,
    params: Record<string, unknown>,
    files: UploadedFile[],
    status: number,
    body: unknown,
  ): void {
    this.calls.push({ method, params, files, status, at: Date.now() });
    this.answer(res, status, body);
    this.events.emit('call');
  }

  private answer(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}

/** Bot API parameters arrive as JSON, or multipart (fields JSON-encoded when they are objects). */
async function readParams(req: IncomingMessage): Promise<{ params: Record<string, unknown>; files: UploadedFile[] }> {
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('multipart/form-data')) {
    return new Promise((resolve, reject) => {
      const params: Record<string, unknown> = {};
      const files: UploadedFile[] = [];
      const parser = busboy({ headers: req.headers });
      parser.on('field', (name, value) => {
        params[name] = /^[[{]/.test(value) ? safeJson(value) : value;
      });
      parser.on('file', (field, stream, info) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () =>
          files.push({
            field,
            filename: info.filename ?? '',
            contentType: info.mimeType,
            bytes: Buffer.concat(chunks),
          }),
        );
      });
      parser.on('close', () => resolve({ params, files }));
      parser.on('error', reject);
      req.pipe(parser);
    });
  }
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return { params: text ? ((safeJson(text) as Record<string, unknown>) ?? {}) : {}, files: [] };
}

/** `mention` entities for every @username in a text, as Telegram adds them. */
function mentionEntities(text: string): Array<{ type: string; offset: number; length: number }> {
  return [...text.matchAll(/@[A-Za-z0-9_]{5,32}/g)].map((m) => ({
    type: 'mention',
    offset: m.index,
    length: m[0].length,
  }));
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
