import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseQuery } from 'node:querystring';
import { WebSocketServer, type WebSocket } from 'ws';

/** One request the fake received, with its body parsed (JSON or form) when it was one of those. */
export interface RecordedSlackCall {
  /** Web API method (`chat.postMessage`), or `upload`, `response`, `download` for the other endpoints. */
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** Form or JSON fields; values that Slack sends as JSON strings (blocks, files) stay strings. */
  body: Record<string, unknown>;
  raw: Buffer;
  /** When the call arrived (Date.now()). */
  at: number;
  /** Set when the fake answered with an injected failure (see `failNext`): its HTTP status. */
  failedWith?: number;
}

export interface FakeSlackFile {
  id: string;
  name: string;
  bytes: Buffer;
  mimetype?: string;
  /** Answer Slack's HTML sign-in page instead of the bytes, whatever the token. */
  loginPage?: boolean;
}

export interface FakeSlackApiOptions {
  /** The bot token file downloads and API calls must carry. */
  botToken: string;
  /** `users.info` locale per user id (Slack's format, e.g. `zh-CN`); others get `en-US`. */
  locales?: Record<string, string>;
  botUserId?: string;
  /** The app-level token (xapp-...) that `apps.connections.open` accepts, for Socket Mode. */
  appToken?: string;
}

/** What the app sent back over the Socket Mode connection for one envelope. */
export interface SocketAck {
  envelope_id: string;
  payload?: Record<string, unknown>;
}

const SOCKET_PATH = '/socket-mode/link';

const LOGIN_PAGE =
  '<!DOCTYPE html><html><head><title>Slack</title></head><body><form action="/signin">Sign in to your workspace</form></body></html>';

/**
 * A fake Slack on 127.0.0.1 speaking the real wire protocol: the Web API methods the app uses
 * under `/api/`, the upload URL that `files.getUploadURLExternal` hands out, `response_url`
 * endpoints, and private file downloads that check the bot token (and answer Slack's HTML
 * sign-in page without it, as Slack does). Every request is recorded for assertions.
 */
export class FakeSlackApi {
  readonly calls: RecordedSlackCall[] = [];
  readonly botUserId: string;
  private readonly files = new Map<string, FakeSlackFile>();
  /** Bytes posted to each upload URL, by the file id `files.getUploadURLExternal` handed out. */
  private readonly uploads = new Map<string, Buffer>();
  private readonly waiters = new Set<() => void>();
  private readonly connectFiles = new Map<string, Record<string, unknown>>();
  private readonly failures: Array<{
    method: string;
    status: number;
    retryAfter: number;
    remaining: number;
    /** Slack's own refusal (`{ ok: false, error }`, HTTP 200) instead of an HTTP failure. */
    error?: string;
    match?: (call: RecordedSlackCall) => boolean;
  }> = [];
  /**
   * Channels the fake knows: the app posts only where it is a member (`not_in_channel`), and a
   * private channel it is not in does not exist for it (`channel_not_found`). Channels never
   * added accept every post, as the older tests expect.
   */
  private readonly channels = new Map<string, { id: string; name: string; isPrivate: boolean; member: boolean }>();
  private server?: Server;
  private socketServer?: WebSocketServer;
  private readonly sockets = new Set<WebSocket>();
  /** Acknowledgements received over Socket Mode connections, in order. */
  readonly socketAcks: SocketAck[] = [];
  private nextTs = 1_700_000_000;
  private nextId = 1;
  url = '';

  constructor(private readonly options: FakeSlackApiOptions) {
    this.botUserId = options.botUserId ?? 'UBOT0001';
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        const answer: { status: number; type: string; body: string | Buffer; headers?: Record<string, string> } =
          this.handle(req, raw);
        res.writeHead(answer.status, { 'content-type': answer.type, ...answer.headers });
        res.end(answer.body);
      });
    });
    // Socket Mode: the URL apps.connections.open hands out leads here; Slack says hello first.
    this.socketServer = new WebSocketServer({ server: this.server, path: SOCKET_PATH });
    this.socketServer.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('message', (data) => {
        this.socketAcks.push(JSON.parse(data.toString()) as SocketAck);
        setImmediate(() => [...this.waiters].forEach((w) => w()));
      });
      socket.send(
        JSON.stringify({
          type: 'hello',
          num_connections: 1,
          connection_info: { app_id: 'A0001' },
          debug_info: { host: 'fake', approximate_connection_time: 18060 },
        }),
      );
      setImmediate(() => [...this.waiters].forEach((w) => w()));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Socket Mode connections the app holds open right now. */
  get socketConnections(): number {
    return this.sockets.size;
  }

  /**
   * Delivers an envelope over every Socket Mode connection, as Slack does (`events_api`,
   * `slash_commands` or `interactive`, with the same payload HTTP mode would POST); returns its id.
   */
  socketDeliver(type: 'events_api' | 'slash_commands' | 'interactive', payload: object, retryAttempt = 0): string {
    const envelopeId = `env-${this.nextId++}`;
    const frame = JSON.stringify({
      envelope_id: envelopeId,
      type,
      payload,
      accepts_response_payload: type !== 'events_api',
      retry_attempt: retryAttempt,
      retry_reason: retryAttempt ? 'timeout' : '',
    });
    for (const socket of this.sockets) socket.send(frame);
    return envelopeId;
  }

  /** Resolves once the app acknowledged the envelope. */
  async waitForAck(envelopeId: string, timeoutMs = 20_000): Promise<SocketAck> {
    const found = () => this.socketAcks.find((ack) => ack.envelope_id === envelopeId);
    await this.until(() => Boolean(found()), `an acknowledgement of ${envelopeId}`, timeoutMs);
    return found()!;
  }

  /** Resolves once the app holds a Socket Mode connection. */
  whenSocketConnected(timeoutMs = 20_000): Promise<void> {
    return this.until(() => this.sockets.size > 0, 'a Socket Mode connection', timeoutMs);
  }

  private until(condition: () => boolean, what: string, timeoutMs: number): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!condition()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`fake Slack: no ${what}; calls so far: ${this.calls.map((c) => c.method).join(', ')}`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  async close(): Promise<void> {
    if (!this.server) return;
    for (const socket of this.sockets) socket.terminate();
    this.socketServer?.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  /** Makes a file downloadable and returns it as it appears in a `file_share` event's `files[]`. */
  addFile(file: Omit<FakeSlackFile, 'id'> & { id?: string }): Record<string, unknown> {
    const id = file.id ?? `F${String(this.nextId++).padStart(8, '0')}`;
    this.files.set(id, { ...file, id });
    const url = `${this.url}/files-pri/T0001-${id}/download/${encodeURIComponent(file.name)}`;
    return {
      id,
      name: file.name,
      title: file.name,
      mimetype: file.mimetype ?? 'application/octet-stream',
      size: file.bytes.length,
      mode: 'hosted',
      url_private: url,
      url_private_download: url,
    };
  }

  /**
   * A file shared from another organisation in a Slack Connect channel: the event carries only a
   * stub (`file_access: "check_file_info"`, no URL); `files.info` returns the real file.
   */
  addConnectFile(file: Omit<FakeSlackFile, 'id'>): Record<string, unknown> {
    const full = this.addFile(file);
    this.connectFiles.set(String(full.id), full);
    return { id: full.id, file_access: 'check_file_info', created: Math.floor(Date.now() / 1000) };
  }

  /** Adds a channel of the workspace; returns its id. */
  addChannel(input: { name: string; member: boolean; isPrivate?: boolean; id?: string }): string {
    const id = input.id ?? `${input.isPrivate ? 'G' : 'C'}${String(this.nextId++).padStart(8, '0')}`;
    this.channels.set(id, { id, name: input.name, isPrivate: Boolean(input.isPrivate), member: input.member });
    return id;
  }

  /** The channel a post goes to, as Slack finds it: by id, or by `#name`; null when the app cannot see it. */
  private channelFor(value: string | undefined): { id: string; name: string; member: boolean } | null | undefined {
    if (!value) return null;
    const byName = /^#(.+)$/.exec(value);
    const channel = byName ? [...this.channels.values()].find((c) => c.name === byName[1]) : this.channels.get(value);
    if (!channel) return byName ? null : undefined;
    return channel.isPrivate && !channel.member ? null : channel;
  }

  /** A `response_url` for a slash command or button press; answers posted there are recorded. */
  responseUrl(id = `R${this.nextId++}`): string {
    return `${this.url}/response/${id}`;
  }

  /** The file bytes the app posted to the upload URL of `fileId` (the file part of a multipart body, or the raw body). */
  uploadedFile(fileId: string): Buffer | undefined {
    return this.uploads.get(fileId);
  }

  /** The direct-message channel `conversations.open` gives for a user. */
  directMessageOf(user: string): string {
    return `D${user}`;
  }

  /**
   * The next `times` calls of a Web API method (or `response` for response_url posts) fail: 429 with
   * a Retry-After header (Slack's rate limit answer) or a 5xx. `match` narrows it to some calls
   * (one channel), so background posts of the app (alerts) do not use the failures up.
   */
  failNext(
    method: string,
    failure: {
      status?: number;
      retryAfter?: number;
      times?: number;
      /** Answer `{ ok: false, error }` (e.g. `is_archived`, `channel_not_found`) as Slack does. */
      error?: string;
      match?: (call: RecordedSlackCall) => boolean;
    } = {},
  ): void {
    this.failures.push({
      method,
      error: failure.error,
      status: failure.status ?? 429,
      retryAfter: failure.retryAfter ?? 1,
      remaining: failure.times ?? 1,
      match: failure.match,
    });
  }

  /** An injected failure for this call, if one is due (the call is marked with it). */
  private injectedFailure(
    call: RecordedSlackCall,
  ): { status: number; type: string; body: string; headers?: Record<string, string> } | null {
    const failure = this.failures.find(
      (f) => f.method === call.method && f.remaining > 0 && (!f.match || f.match(call)),
    );
    if (!failure) return null;
    failure.remaining -= 1;
    if (failure.error) {
      call.failedWith = 200;
      return {
        status: 200,
        type: 'application/json; charset=utf-8',
        body: JSON.stringify({ ok: false, error: failure.error }),
      };
    }
    call.failedWith = failure.status;
    if (failure.status === 429) {
      return {
        status: 429,
        type: 'application/json; charset=utf-8',
        body: JSON.stringify({ ok: false, error: 'ratelimited' }),
        headers: { 'retry-after': String(failure.retryAfter) },
      };
    }
    return { status: failure.status, type: 'text/plain', body: 'upstream error' };
  }

  /** Calls of one kind, optionally filtered. */
  callsOf(method: string, filter: (call: RecordedSlackCall) => boolean = () => true): RecordedSlackCall[] {
    return this.calls.filter((call) => call.method === method && filter(call));
  }

  /** Resolves with the matching calls once there are at least `count` of them. */
  async waitFor(
    method: string,
    filter: (call: RecordedSlackCall) => boolean = () => true,
    count = 1,
    timeoutMs = 20_000,
  ): Promise<RecordedSlackCall[]> {
    const found = () => this.callsOf(method, filter);
    if (found().length >= count) return found();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (found().length >= count) {
          clearTimeout(timer);
          this.waiters.delete(check);
          resolve(found());
        }
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(
          new Error(
            `fake Slack: expected ${count} ${method} call(s), got ${found().length}; calls so far: ${this.calls.map((c) => c.method).join(', ')}`,
          ),
        );
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  private record(req: IncomingMessage, method: string, raw: Buffer): RecordedSlackCall {
    const type = String(req.headers['content-type'] ?? '');
    let body: Record<string, unknown> = {};
    if (type.startsWith('application/json')) body = JSON.parse(raw.toString('utf8') || '{}') as Record<string, unknown>;
    else if (type.startsWith('application/x-www-form-urlencoded')) body = { ...parseQuery(raw.toString('utf8')) };
    const call: RecordedSlackCall = { method, path: req.url ?? '', headers: req.headers, body, raw, at: Date.now() };
    this.calls.push(call);
    // Waiters check after the answer is written, so a test sees the call's full effect.
    setImmediate(() => [...this.waiters].forEach((w) => w()));
    return call;
  }

  private handle(
    req: IncomingMessage,
    raw: Buffer,
  ): { status: number; type: string; body: string | Buffer; headers?: Record<string, string> } {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const json = (value: unknown, status = 200) => ({
      status,
      type: 'application/json; charset=utf-8',
      body: JSON.stringify(value),
    });

    const download = /^\/files-pri\/[^/]+-(F\w+)\/download\//.exec(path);
    if (download && req.method === 'GET') {
      this.record(req, 'download', raw);
      const file = this.files.get(download[1]!);
      if (!file) return { status: 404, type: 'text/plain', body: 'not found' };
      if (file.loginPage || req.headers.authorization !== `Bearer ${this.options.botToken}`) {
        return { status: 200, type: 'text/html; charset=utf-8', body: LOGIN_PAGE };
      }
      return { status: 200, type: file.mimetype ?? 'application/octet-stream', body: file.bytes };
    }
    if (path.startsWith('/upload/')) {
      this.record(req, 'upload', raw);
      this.uploads.set(path.slice('/upload/'.length), filePart(String(req.headers['content-type'] ?? ''), raw));
      return { status: 200, type: 'text/plain', body: `OK - ${raw.length}` };
    }
    if (path.startsWith('/response/')) {
      const response = this.record(req, 'response', raw);
      return this.injectedFailure(response) ?? json({ ok: true });
    }
    const api = /^\/api\/([\w.]+)$/.exec(path);
    if (!api) return { status: 404, type: 'text/plain', body: 'not found' };
    const method = api[1]!;
    const call = this.record(req, method, raw);
    const failed = this.injectedFailure(call);
    if (failed) return failed;
    const token = String(req.headers.authorization ?? '').replace(/^Bearer /, '') || String(call.body.token ?? '');
    if (method === 'apps.connections.open') {
      // Only an app-level token opens a Socket Mode connection.
      if (!this.options.appToken || token !== this.options.appToken) return json({ ok: false, error: 'invalid_auth' });
      return json({ ok: true, url: `${this.url.replace(/^http/, 'ws')}${SOCKET_PATH}?ticket=fake` });
    }
    if (token !== this.options.botToken) return json({ ok: false, error: 'invalid_auth' });
    const field = (name: string) => (call.body[name] === undefined ? undefined : String(call.body[name]));

    switch (method) {
      case 'auth.test':
        return json({
          ok: true,
          url: 'https://fake.slack.com/',
          team: 'Fake team',
          user: 'maiimg',
          team_id: 'T0001',
          user_id: this.botUserId,
          bot_id: 'B0001',
        });
      case 'users.info': {
        const user = field('user') ?? '';
        return json({
          ok: true,
          user: { id: user, name: user.toLowerCase(), locale: this.options.locales?.[user] ?? 'en-US' },
        });
      }
      case 'chat.postMessage': {
        const channel = this.channelFor(field('channel'));
        if (channel === null) return json({ ok: false, error: 'channel_not_found' });
        if (channel && !channel.member) return json({ ok: false, error: 'not_in_channel' });
        return json({
          ok: true,
          channel: channel?.id ?? field('channel'),
          ts: this.ts(),
          message: { text: field('text') },
        });
      }
      case 'conversations.info': {
        const channel = this.channelFor(field('channel'));
        if (!channel) return json({ ok: false, error: 'channel_not_found' });
        const known = this.channels.get(channel.id)!;
        return json({
          ok: true,
          channel: {
            id: known.id,
            name: known.name,
            is_channel: !known.isPrivate,
            is_group: known.isPrivate,
            is_private: known.isPrivate,
            is_member: known.member,
          },
        });
      }
      case 'chat.postEphemeral':
        return json({ ok: true, message_ts: this.ts() });
      case 'conversations.open': {
        const users = field('users') ?? '';
        if (!users || users.includes(',')) return json({ ok: false, error: 'not_enough_users' });
        return json({ ok: true, channel: { id: this.directMessageOf(users) } });
      }
      case 'files.info': {
        const file = this.connectFiles.get(field('file') ?? '');
        return file ? json({ ok: true, file }) : json({ ok: false, error: 'file_not_found' });
      }
      case 'chat.update':
        return json({ ok: true, channel: field('channel'), ts: field('ts'), text: field('text') });
      case 'files.getUploadURLExternal': {
        const id = `F${String(this.nextId++).padStart(8, '0')}`;
        return json({ ok: true, upload_url: `${this.url}/upload/${id}`, file_id: id });
      }
      case 'files.completeUploadExternal': {
        const files = JSON.parse(field('files') ?? '[]') as Array<{ id: string; title?: string }>;
        return json({ ok: true, files: files.map((f) => ({ id: f.id, title: f.title ?? '' })) });
      }
      default:
        return json({ ok: false, error: 'unknown_method' });
    }
  }

  private ts(): string {
    return `${this.nextTs++}.000100`;
  }
}

/** The file part of a multipart/form-data body (the raw body when it is not multipart). */
function filePart(contentType: string, raw: Buffer): Buffer {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (!contentType.startsWith('multipart/form-data') || !boundary) return raw;
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  let start = raw.indexOf(delimiter);
  while (start !== -1) {
    const next = raw.indexOf(delimiter, start + delimiter.length);
    if (next === -1) break;
    const part = raw.subarray(start + delimiter.length, next);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd !== -1 && /filename=/i.test(part.subarray(0, headerEnd).toString('utf8'))) {
      // The part's content ends with the CRLF that precedes the next delimiter.
      return Buffer.from(part.subarray(headerEnd + 4, part.length - 2));
    }
    start = next;
  }
  return raw;
}

/** Starts a fake Slack Web API on a free loopback port. */
export function startFakeSlackApi(options: FakeSlackApiOptions): Promise<FakeSlackApi> {
  return new FakeSlackApi(options).start();
}
