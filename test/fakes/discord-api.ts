import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import busboy from 'busboy';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * A fake Discord on 127.0.0.1 that speaks the real wire protocol, for driving the real discord.js
 * client in tests: a REST API under `/api/v10` (gateway lookup, command registration, interaction
 * callbacks, webhook message edits, channel messages), a CDN path serving attachments, and a
 * gateway WebSocket on the same port (HELLO, IDENTIFY -> READY + GUILD_CREATE, heartbeats) through
 * which tests dispatch MESSAGE_CREATE and INTERACTION_CREATE. Every REST call is recorded.
 */

/** Recorded bodies are whatever Discord JSON the client sent; tests read into them freely. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface RecordedFile {
  field: string;
  name: string;
  contentType: string;
  data: Buffer;
}

export interface RecordedCall {
  method: string;
  /** Path below `/api/v10` (for API calls) or the full path (CDN downloads), without the query. */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** JSON body, or the `payload_json` part of a multipart body. */
  json: Json;
  files: RecordedFile[];
  /** When the call arrived (Date.now()). */
  at: number;
  /** Set when the fake answered with an injected failure (see `failNext`): its HTTP status. */
  failedWith?: number;
}

/** A failure the fake answers instead of the real thing (see `failNext`). */
interface InjectedFailure {
  matches: (method: string, path: string, json: Json) => boolean;
  /** Discord's JSON error body (`{ message, code }`) for 4xx answers. */
  body?: Json;
  status: number;
  /** Seconds, for 429 answers (sent as Discord sends them: body `retry_after` and `Retry-After`). */
  retryAfter: number;
  remaining: number;
}

export interface FakeUser {
  id: string;
  username: string;
  discriminator: string;
  global_name: string | null;
  avatar: null;
  bot?: boolean;
}

export interface FakeAttachment {
  id: string;
  filename: string;
  size: number;
  url: string;
  proxy_url: string;
  content_type?: string;
  width?: number;
  height?: number;
}

export interface FakeInteraction {
  id: string;
  token: string;
}

/** Where an event happens: a guild text channel (default) or a DM with the user. */
export interface Place {
  dm?: boolean;
  channelId?: string;
  locale?: string;
}

/** A channel option's value: the channel's id (Discord resolves it in `resolved.channels`). */
export interface ChannelOption {
  channel: string;
}
type OptionValue = string | number | boolean | FakeAttachment | ChannelOption;

/** A permission overwrite of a channel: `type` 0 for a role (the guild id is @everyone), 1 for a member. */
export interface Overwrite {
  id: string;
  type: 0 | 1;
  allow: string;
  deny: string;
}

/** Every permission but Administrator (which would override every channel overwrite). */
const BASE_PERMISSIONS = 2251799813685247n & ~8n;
const VIEW_CHANNEL = 1n << 10n;
const SEND_MESSAGES = 1n << 11n;

export interface FakeDiscordOptions {
  applicationId?: string;
}

const API_PREFIX = '/api/v10';
const CDN_PREFIX = '/attachments/';

export class FakeDiscord {
  readonly applicationId: string;
  readonly guildId = '800000000000000001';
  readonly channelId = '810000000000000001';
  readonly botUser: FakeUser;
  readonly calls: RecordedCall[] = [];
  /** The `d` of every IDENTIFY a client sent on the gateway (token, intents, properties). */
  readonly identifies: Json[] = [];
  private readonly events = new EventEmitter();
  private readonly attachments = new Map<string, { data: Buffer; contentType: string }>();
  private readonly sockets = new Set<WebSocket>();
  private readonly failures: InjectedFailure[] = [];
  private readonly identified: Promise<void>;
  private markIdentified!: () => void;
  private nextId = 1_100_000_000_000_000_000n;
  private sequence = 0;
  private commandId: string;
  /** The guild's text channels, with their overwrites; `general` (channelId) is always there. */
  private readonly channels = new Map<string, { id: string; name: string; overwrites: Overwrite[] }>();
  /** Messages that were deleted: Discord refuses replies to them and edits of them. */
  private readonly deleted = new Set<string>();
  /** An interaction's original reply keeps one message id through all its edits, as on Discord. */
  private readonly originals = new Map<string, string>();

  private constructor(
    private readonly server: Server,
    private readonly wss: WebSocketServer,
    options: FakeDiscordOptions,
  ) {
    this.applicationId = options.applicationId ?? '700000000000000001';
    this.botUser = {
      id: this.applicationId,
      username: 'maiimg',
      discriminator: '0',
      global_name: 'maiimg',
      avatar: null,
      bot: true,
    };
    this.commandId = this.snowflake();
    this.channels.set(this.channelId, { id: this.channelId, name: 'general', overwrites: [] });
    this.identified = new Promise((resolve) => (this.markIdentified = resolve));
    this.events.setMaxListeners(100);
  }

  /** Starts the fake on a free port of 127.0.0.1. */
  static async start(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
    const server = createServer();
    const wss = new WebSocketServer({ server });
    const fake = new FakeDiscord(server, wss, options);
    server.on('request', (req, res) => {
      fake.handle(req, res).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
    });
    wss.on('connection', (socket) => fake.onGateway(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** The value for DISCORD_API_URL (discord.js's `rest.api`). */
  get restUrl(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  get gatewayUrl(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** Resolves once a client has identified and received READY and GUILD_CREATE. */
  whenReady(): Promise<void> {
    return this.identified;
  }

  snowflake(): string {
    this.nextId += 1n;
    return this.nextId.toString();
  }

  user(name: string): FakeUser {
    // Stable ids per name, so the same person is the same user across events.
    const id = (
      900_000_000_000_000_000n + BigInt([...name].reduce((sum, c) => sum * 31 + c.charCodeAt(0), 7) % 1_000_000_000)
    ).toString();
    return { id, username: name, discriminator: '0', global_name: name, avatar: null };
  }

  /** Puts a file on the fake CDN and returns the attachment object Discord would send. */
  addAttachment(file: {
    name: string;
    data: Buffer;
    contentType?: string;
    size?: number;
    url?: string;
  }): FakeAttachment {
    const id = this.snowflake();
    const path = `${CDN_PREFIX}${this.channelId}/${id}/`;
    const contentType = file.contentType ?? 'application/octet-stream';
    this.attachments.set(path + file.name, { data: file.data, contentType });
    const url = file.url ?? `http://127.0.0.1:${this.port}${path}${encodeURIComponent(file.name)}?ex=signed`;
    return {
      id,
      filename: file.name,
      size: file.size ?? file.data.length,
      url,
      proxy_url: url,
      content_type: contentType,
    };
  }

  /** Sends a gateway dispatch to every connected client. */
  dispatch(type: string, data: unknown): void {
    const frame = JSON.stringify({ op: 0, s: ++this.sequence, t: type, d: data });
    for (const socket of this.sockets) socket.send(frame);
  }

  /** A user posts a message (with attachments); in a guild channel it mentions the bot unless told not to. */
  sendMessage(
    author: FakeUser,
    input: Place & { content?: string; attachments?: FakeAttachment[]; mentionBot?: boolean },
  ): string {
    const id = this.snowflake();
    const dm = Boolean(input.dm);
    const mention = !dm && (input.mentionBot ?? true);
    this.dispatch('MESSAGE_CREATE', {
      id,
      type: 0,
      channel_id: this.channelOf(author, input),
      ...(dm ? { channel_type: 1 } : { guild_id: this.guildId, channel_type: 0, member: this.member(author) }),
      author,
      content: input.content ?? (mention ? `<@${this.botUser.id}>` : ''),
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: mention ? [this.botUser] : [],
      mention_roles: [],
      attachments: input.attachments ?? [],
      embeds: [],
      pinned: false,
      flags: 0,
      components: [],
    });
    return id;
  }

  /** The id of an interaction's original reply, once the bot has edited it. */
  originalMessageId(interaction: FakeInteraction): string | undefined {
    return this.originals.get(interaction.token);
  }

  /**
   * A message is deleted (by its author or a moderator): MESSAGE_DELETE goes out, and from now on
   * Discord answers a reply to it with 400 (50035, unknown message reference) and an edit with 404
   * (10008 Unknown Message).
   */
  deleteMessage(channelId: string, messageId: string): void {
    this.deleted.add(messageId);
    this.dispatch('MESSAGE_DELETE', {
      id: messageId,
      channel_id: channelId,
      ...(this.channels.has(channelId) ? { guild_id: this.guildId } : {}),
    });
  }

  /** A user runs `/gallery <subcommand>` with options (attachments are resolved like Discord does). */
  slashCommand(
    user: FakeUser,
    subcommand: string,
    options: Record<string, OptionValue> = {},
    place: Place = {},
  ): FakeInteraction {
    const attachments: Record<string, FakeAttachment> = {};
    const channels: Record<string, Json> = {};
    const list = Object.entries(options).map(([name, value]) => {
      if (typeof value === 'object' && 'channel' in value) {
        const channel = this.channels.get(value.channel);
        // As Discord resolves it: a partial channel with the invoking user's permissions in it.
        channels[value.channel] = {
          id: value.channel,
          type: 0,
          name: channel?.name ?? 'unknown',
          permissions: String(this.permissionsIn(value.channel, user.id)),
          flags: 0,
        };
        return { name, type: 7, value: value.channel };
      }
      if (typeof value === 'object') {
        attachments[value.id] = value;
        return { name, type: 11, value: value.id };
      }
      return { name, type: typeof value === 'boolean' ? 5 : typeof value === 'number' ? 4 : 3, value };
    });
    return this.interaction(user, place, 2, {
      id: this.commandId,
      name: 'gallery',
      type: 1,
      options: [{ type: 1, name: subcommand, options: list }],
      ...(Object.keys(attachments).length || Object.keys(channels).length
        ? {
            resolved: {
              ...(Object.keys(attachments).length ? { attachments } : {}),
              ...(Object.keys(channels).length ? { channels } : {}),
            },
          }
        : {}),
    });
  }

  /** A user runs a top-level command without options (e.g. `/dashboard`). */
  command(user: FakeUser, name: string, place: Place = {}): FakeInteraction {
    return this.interaction(user, place, 2, { id: this.commandId, name, type: 1 });
  }

  /** A user types into an autocompleted string option. */
  autocomplete(user: FakeUser, subcommand: string, option: string, value: string, place: Place = {}): FakeInteraction {
    return this.interaction(user, place, 4, {
      id: this.commandId,
      name: 'gallery',
      type: 1,
      options: [{ type: 1, name: subcommand, options: [{ name: option, type: 3, value, focused: true }] }],
    });
  }

  /** A user presses a button (custom_id) on a message the bot sent. */
  pressButton(user: FakeUser, customId: string, place: Place = {}, message?: Record<string, unknown>): FakeInteraction {
    const channelId = this.channelOf(user, place);
    return this.interaction(
      user,
      place,
      3,
      { custom_id: customId, component_type: 2 },
      {
        message: message ?? this.message(channelId, { content: 'gallery', components: [] }),
      },
    );
  }

  /**
   * The next `times` REST calls matching `method` and `path` (a regexp on the path below /api/v10)
   * fail: 429 with `retry_after` (Discord's rate limit answer, with its headers) or a 5xx.
   */
  failNext(
    method: string,
    path: RegExp,
    failure: {
      status?: number;
      retryAfter?: number;
      times?: number;
      /** Discord's error body, e.g. `{ message: 'Missing Permissions', code: 50013 }`. */
      body?: Json;
      /** Only requests whose JSON matches fail (e.g. those carrying a `message_reference`). */
      when?: (json: Json) => boolean;
    } = {},
  ): void {
    this.failures.push({
      matches: (m, p, json) => m === method && path.test(p) && (!failure.when || failure.when(json)),
      body: failure.body,
      status: failure.status ?? 429,
      retryAfter: failure.retryAfter ?? 1,
      remaining: failure.times ?? 1,
    });
  }

  /**
   * Denies the bot permissions in the guild channel (a member overwrite), as a server admin would;
   * discord.js learns it from CHANNEL_UPDATE like from the real gateway.
   */
  denyBot(deny: bigint): void {
    this.setOverwrites(this.channelId, [{ id: this.botUser.id, type: 1, allow: '0', deny: String(deny) }]);
  }

  /** Adds a text channel to the guild (CHANNEL_CREATE, as when an admin makes one); returns its id. */
  addChannel(name: string, overwrites: Overwrite[] = []): string {
    const id = this.snowflake();
    this.channels.set(id, { id, name, overwrites });
    this.dispatch('CHANNEL_CREATE', this.channelPayload(id));
    return id;
  }

  /** Replaces a channel's permission overwrites (CHANNEL_UPDATE); Discord enforces them on posts too. */
  setOverwrites(channelId: string, overwrites: Overwrite[]): void {
    const channel = this.channels.get(channelId);
    if (!channel) throw new Error(`no channel ${channelId}`);
    channel.overwrites = overwrites;
    this.dispatch('CHANNEL_UPDATE', this.channelPayload(channelId));
  }

  /** A user's (or the bot's) permissions in a channel: @everyone's, then the role and member overwrites. */
  permissionsIn(channelId: string, userId: string): bigint {
    let permissions = BASE_PERMISSIONS;
    const overwrites = this.channels.get(channelId)?.overwrites ?? [];
    for (const overwrite of [
      ...overwrites.filter((o) => o.type === 0 && o.id === this.guildId),
      ...overwrites.filter((o) => o.type === 1 && o.id === userId),
    ]) {
      permissions = (permissions & ~BigInt(overwrite.deny)) | BigInt(overwrite.allow);
    }
    return permissions;
  }

  private channelPayload(channelId: string) {
    const channel = this.channels.get(channelId)!;
    return {
      id: channel.id,
      type: 0,
      guild_id: this.guildId,
      name: channel.name,
      position: 0,
      flags: 0,
      permission_overwrites: channel.overwrites,
    };
  }

  /** Calls recorded so far that match. */
  callsMatching(predicate: (call: RecordedCall) => boolean): RecordedCall[] {
    return this.calls.filter(predicate);
  }

  /** Resolves with the first recorded call (past or future) that matches. */
  waitForCall(
    predicate: (call: RecordedCall) => boolean,
    description = 'a REST call',
    guardMs = 20_000,
  ): Promise<RecordedCall> {
    const found = this.calls.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const onCall = (call: RecordedCall) => {
        if (!predicate(call)) return;
        cleanup();
        resolve(call);
      };
      // A guard so a missing call fails the test with a readable message instead of a hang.
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `fake Discord never received ${description}; last calls: ${this.calls
              .slice(-12)
              .map((c) => `${c.method} ${c.path}`)
              .join(', ')}`,
          ),
        );
      }, guardMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.events.off('call', onCall);
      };
      this.events.on('call', onCall);
    });
  }

  /** The final answer to an interaction: the webhook edit of its original reply that satisfies `predicate`. */
  waitForReplyEdit(
    interaction: FakeInteraction,
    predicate: (call: RecordedCall) => boolean = () => true,
  ): Promise<RecordedCall> {
    return this.waitForCall(
      (call) =>
        call.method === 'PATCH' &&
        !call.failedWith &&
        call.path === `/webhooks/${this.applicationId}/${interaction.token}/messages/@original` &&
        predicate(call),
      `an edit of the reply to interaction ${interaction.id}`,
    );
  }

  /** The callback (type 4 reply, 5 deferred reply, 6 deferred update, 8 autocomplete) of an interaction. */
  waitForCallback(interaction: FakeInteraction): Promise<RecordedCall> {
    return this.waitForCall(
      (call) => call.method === 'POST' && call.path === `/interactions/${interaction.id}/${interaction.token}/callback`,
      `the callback of interaction ${interaction.id}`,
    );
  }

  /** A follow-up message to an interaction (ephemeral notices). */
  waitForFollowUp(interaction: FakeInteraction): Promise<RecordedCall> {
    return this.waitForCall(
      (call) => call.method === 'POST' && call.path === `/webhooks/${this.applicationId}/${interaction.token}`,
      `a follow-up to interaction ${interaction.id}`,
    );
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private channelOf(user: FakeUser, place: Place): string {
    if (place.channelId) return place.channelId;
    // One DM channel per user, with an id derived from theirs.
    return place.dm ? (BigInt(user.id) + 1n).toString() : this.channelId;
  }

  private member(user: FakeUser) {
    return {
      user,
      roles: [],
      joined_at: '2024-01-01T00:00:00.000Z',
      deaf: false,
      mute: false,
      flags: 0,
      pending: false,
      nick: null,
      avatar: null,
      permissions: '2251799813685247',
    };
  }

  private interaction(
    user: FakeUser,
    place: Place,
    type: number,
    data: unknown,
    extra: Record<string, unknown> = {},
  ): FakeInteraction {
    const id = this.snowflake();
    const token = `itoken-${id}`;
    const dm = Boolean(place.dm);
    const channelId = this.channelOf(user, place);
    this.dispatch('INTERACTION_CREATE', {
      id,
      application_id: this.applicationId,
      type,
      token,
      version: 1,
      locale: place.locale ?? 'en-US',
      channel_id: channelId,
      channel: dm
        ? { id: channelId, type: 1, recipients: [user], last_message_id: null, flags: 0 }
        : {
            id: channelId,
            type: 0,
            guild_id: this.guildId,
            name: this.channels.get(channelId)?.name ?? 'general',
            position: 0,
            permission_overwrites: this.channels.get(channelId)?.overwrites ?? [],
            flags: 0,
          },
      ...(dm
        ? { user, context: 1 }
        : { guild_id: this.guildId, guild_locale: 'en-US', member: this.member(user), context: 0 }),
      app_permissions: '2251799813685247',
      entitlements: [],
      authorizing_integration_owners: {},
      attachment_size_limit: 26_214_400,
      data,
      ...extra,
    });
    return { id, token };
  }

  private message(channelId: string, payload: Json, files: RecordedFile[] = []) {
    return {
      id: this.snowflake(),
      type: 0,
      channel_id: channelId,
      author: this.botUser,
      content: payload?.content ?? '',
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: files.map((file) => ({
        id: this.snowflake(),
        filename: file.name,
        size: file.data.length,
        url: `http://127.0.0.1:${this.port}${CDN_PREFIX}bot/${file.name}`,
        proxy_url: `http://127.0.0.1:${this.port}${CDN_PREFIX}bot/${file.name}`,
        content_type: file.contentType,
      })),
      embeds: [],
      pinned: false,
      flags: payload?.flags ?? 0,
      components: payload?.components ?? [],
    };
  }

  private onGateway(socket: WebSocket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    const send = (frame: unknown) => socket.send(JSON.stringify(frame));
    send({ op: 10, d: { heartbeat_interval: 41_250 } });
    socket.on('message', (raw) => {
      let frame: { op: number; d: unknown };
      try {
        frame = JSON.parse(raw.toString());
      } catch {
        return;
      }
      if (frame.op === 1) send({ op: 11 });
      if (frame.op === 2) {
        this.identifies.push(frame.d);
        send({
          op: 0,
          s: ++this.sequence,
          t: 'READY',
          d: {
            v: 10,
            user: this.botUser,
            guilds: [{ id: this.guildId, unavailable: true }],
            session_id: 'fake-session',
            resume_gateway_url: this.gatewayUrl,
            application: { id: this.applicationId, flags: 0 },
            private_channels: [],
          },
        });
        send({
          op: 0,
          s: ++this.sequence,
          t: 'GUILD_CREATE',
          d: {
            id: this.guildId,
            name: 'Fake guild',
            icon: null,
            owner_id: '1',
            preferred_locale: 'en-US',
            unavailable: false,
            large: false,
            member_count: 2,
            joined_at: '2024-01-01T00:00:00.000Z',
            features: [],
            roles: [
              {
                id: this.guildId,
                name: '@everyone',
                // Everything but Administrator, which would override every channel overwrite.
                permissions: String(2251799813685247n & ~8n),
                position: 0,
                color: 0,
                hoist: false,
                managed: false,
                mentionable: false,
                flags: 0,
              },
            ],
            channels: [...this.channels.keys()].map((id) => {
              const { guild_id: _guild, ...channel } = this.channelPayload(id);
              return channel;
            }),
            // Discord always includes the bot's own member, so `guild.members.me` is known.
            members: [this.member(this.botUser)],
            emojis: [],
            stickers: [],
            threads: [],
            presences: [],
            voice_states: [],
            stage_instances: [],
            guild_scheduled_events: [],
          },
        });
        this.markIdentified();
      }
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // discord.js encodes `@original` as `%40original`; decoded, paths read like Discord's documentation.
    const pathname = decodeURIComponent(url.pathname);
    const isApi = pathname.startsWith(API_PREFIX);
    const path = isApi ? pathname.slice(API_PREFIX.length) : pathname;
    const { json, files } = await readBody(req);
    const call: RecordedCall = {
      method: req.method ?? 'GET',
      path,
      query: url.searchParams,
      headers: req.headers,
      json,
      files,
      at: Date.now(),
    };
    const failure = isApi
      ? this.failures.find((f) => f.remaining > 0 && f.matches(call.method, path, json))
      : undefined;
    if (failure) {
      failure.remaining -= 1;
      call.failedWith = failure.status;
    }
    this.calls.push(call);
    this.events.emit('call', call);
    if (failure) {
      if (failure.status === 429) {
        res.writeHead(429, {
          'content-type': 'application/json',
          'retry-after': String(failure.retryAfter),
          'x-ratelimit-limit': '5',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset-after': String(failure.retryAfter),
          'x-ratelimit-bucket': 'fake-bucket',
          'x-ratelimit-scope': 'user',
        });
        res.end(
          JSON.stringify({ message: 'You are being rate limited.', retry_after: failure.retryAfter, global: false }),
        );
      } else if (failure.body) {
        res.writeHead(failure.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(failure.body));
      } else {
        res.writeHead(failure.status, { 'content-type': 'text/plain' });
        res.end('upstream error');
      }
      return;
    }

    const sendJson = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };

    if (!isApi && path.startsWith(CDN_PREFIX)) {
      const file = this.attachments.get(path);
      if (!file) return sendJson(404, { message: 'Not Found' });
      res.writeHead(200, { 'content-type': file.contentType, 'content-length': String(file.data.length) });
      res.end(file.data);
      return;
    }
    if (!isApi) return sendJson(404, { message: 'Not Found' });

    const method = call.method;
    let match: RegExpExecArray | null;
    if (method === 'GET' && path === '/gateway/bot') {
      return sendJson(200, {
        url: this.gatewayUrl,
        shards: 1,
        session_start_limit: { total: 1000, remaining: 1000, reset_after: 0, max_concurrency: 1 },
      });
    }
    if (method === 'PUT' && /^\/applications\/\d+(\/guilds\/\d+)?\/commands$/.test(path)) {
      const commands = Array.isArray(json) ? json : [];
      return sendJson(
        200,
        commands.map((command: object) => ({
          ...command,
          id: this.commandId,
          application_id: this.applicationId,
          version: '1',
        })),
      );
    }
    if (method === 'POST' && (match = /^\/interactions\/(\d+)\/[^/]+\/callback$/.exec(path))) {
      if (url.searchParams.get('with_response') === 'true') {
        return sendJson(200, { interaction: { id: match[1], type: 2 } });
      }
      // A 204 must not carry a JSON content type, or discord.js tries to parse an empty body.
      res.writeHead(204);
      res.end();
      return;
    }
    if ((match = /^\/webhooks\/\d+\/([^/]+)\/messages\/@original$/.exec(path))) {
      const message = this.message(this.channelId, json, files);
      const id = this.originals.get(match[1]!) ?? message.id;
      this.originals.set(match[1]!, id);
      return sendJson(200, { ...message, id });
    }
    if (method === 'POST' && /^\/webhooks\/\d+\/[^/]+$/.test(path)) {
      return sendJson(200, this.message(this.channelId, json, files));
    }
    if ((match = /^\/channels\/(\d+)\/messages(?:\/(\d+))?$/.exec(path)) && (method === 'POST' || method === 'PATCH')) {
      if (this.channels.has(match[1]!)) {
        // Discord checks the bot's rights in a guild channel on every post.
        const rights = this.permissionsIn(match[1]!, this.botUser.id);
        if (!(rights & VIEW_CHANNEL)) return sendJson(403, { message: 'Missing Access', code: 50001 });
        if (!(rights & SEND_MESSAGES)) return sendJson(403, { message: 'Missing Permissions', code: 50013 });
      }
      if (match[2] && this.deleted.has(match[2])) return sendJson(404, { message: 'Unknown Message', code: 10008 });
      const reference = json?.message_reference;
      if (reference?.message_id && this.deleted.has(reference.message_id) && reference.fail_if_not_exists !== false) {
        return sendJson(400, {
          message: 'Invalid Form Body',
          code: 50035,
          errors: {
            message_reference: {
              _errors: [{ code: 'MESSAGE_REFERENCE_UNKNOWN_MESSAGE', message: 'Unknown message' }],
            },
          },
        });
      }
      const message = this.message(match[1]!, json, files);
      if (match[2]) message.id = match[2];
      return sendJson(200, message);
    }
    if (method === 'POST' && path === '/users/@me/channels') {
      // Opening a DM: the channel id is derived from the user's, as for DMs the users start.
      const recipient = String(json?.recipient_id ?? '');
      if (!/^\d+$/.test(recipient)) return sendJson(400, { message: 'Invalid Form Body', code: 50035 });
      return sendJson(200, {
        id: (BigInt(recipient) + 1n).toString(),
        type: 1,
        recipients: [],
        last_message_id: null,
        flags: 0,
      });
    }
    if (method === 'GET' && (match = /^\/channels\/(\d+)$/.exec(path))) {
      return sendJson(200, { id: match[1], type: 1, recipients: [], last_message_id: null, flags: 0 });
    }
    return sendJson(404, { message: `Unknown route ${method} ${path}`, code: 0 });
  }
}

async function readBody(req: IncomingMessage): Promise<{ json: Json; files: RecordedFile[] }> {
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('multipart/form-data')) {
    return new Promise((resolve, reject) => {
      const files: RecordedFile[] = [];
      let json: Json = null;
      const parser = busboy({ headers: req.headers });
      parser.on('field', (name, value) => {
        if (name === 'payload_json') json = JSON.parse(value);
      });
      parser.on('file', (field, stream, info) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () =>
          files.push({ field, name: info.filename ?? '', contentType: info.mimeType, data: Buffer.concat(chunks) }),
        );
      });
      parser.on('close', () => resolve({ json, files }));
      parser.on('error', reject);
      req.pipe(parser);
    });
  }
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return { json: null, files: [] };
  try {
    return { json: JSON.parse(text), files: [] };
  } catch {
    return { json: text, files: [] };
  }
}
