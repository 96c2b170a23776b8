import { createHmac } from 'node:crypto';

/** How a request to /slack/events is signed; tests override parts to forge or age it. */
export interface SigningOptions {
  secret: string;
  /** Unix seconds; defaults to now. */
  timestamp?: number;
  /** Replace the computed signature (forgery). */
  signature?: string;
  headers?: Record<string, string>;
}

/** Slack's v0 request signature: HMAC-SHA256 of `v0:<timestamp>:<raw body>` with the signing secret. */
export function slackSignature(secret: string, timestamp: number, rawBody: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

/** POSTs a raw body to the app's Slack endpoint, signed the way Slack signs it. */
export async function postSigned(
  endpoint: string,
  rawBody: string,
  contentType: string,
  signing: SigningOptions,
): Promise<Response> {
  const timestamp = signing.timestamp ?? Math.floor(Date.now() / 1000);
  return fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': contentType,
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': signing.signature ?? slackSignature(signing.secret, timestamp, rawBody),
      ...signing.headers,
    },
    body: rawBody,
  });
}

/** An Events API delivery (JSON). */
export function postEvent(endpoint: string, envelope: object, signing: SigningOptions): Promise<Response> {
  return postSigned(endpoint, JSON.stringify(envelope), 'application/json', signing);
}

/** A slash command (form-encoded, as Slack sends it). */
export function postCommand(
  endpoint: string,
  fields: Record<string, string>,
  signing: SigningOptions,
): Promise<Response> {
  return postSigned(endpoint, new URLSearchParams(fields).toString(), 'application/x-www-form-urlencoded', signing);
}

/** An interactivity payload (a button press): form-encoded with one `payload` field of JSON. */
export function postInteraction(endpoint: string, payload: object, signing: SigningOptions): Promise<Response> {
  return postSigned(
    endpoint,
    new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
    'application/x-www-form-urlencoded',
    signing,
  );
}

let eventCounter = 0;

/** A `message` event with subtype `file_share`, wrapped in the Events API envelope. */
export function fileShareEnvelope(input: {
  user: string;
  channel: string;
  files: Array<Record<string, unknown>>;
  channelType?: 'im' | 'channel' | 'group' | 'mpim';
  text?: string;
  ts?: string;
  botUserId: string;
}): { event_id: string; event: { ts: string } & Record<string, unknown> } & Record<string, unknown> {
  eventCounter += 1;
  const ts = input.ts ?? `${1_700_100_000 + eventCounter}.00${String(eventCounter).padStart(4, '0')}`;
  return {
    token: 'legacy-verification-token',
    team_id: 'T0001',
    api_app_id: 'A0001',
    type: 'event_callback',
    event_id: `Ev${String(eventCounter).padStart(8, '0')}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [
      { enterprise_id: null, team_id: 'T0001', user_id: input.botUserId, is_bot: true, is_enterprise_install: false },
    ],
    event: {
      type: 'message',
      subtype: 'file_share',
      user: input.user,
      channel: input.channel,
      channel_type: input.channelType ?? 'im',
      text: input.text ?? '',
      ts,
      event_ts: ts,
      upload: false,
      display_as_bot: false,
      files: input.files,
    },
  };
}

/**
 * A command's text as Slack sends what the person typed (manifest `should_escape: true`): `&`, `<`
 * and `>` as `&amp;`, `&lt;` and `&gt;` (https://api.slack.com/reference/surfaces/formatting#escaping),
 * and links wrapped as `<https://…>`.
 */
export function slackCommandText(typed: string): string {
  return typed
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/(^|\s)(https?:\/\/\S+)/g, '$1<$2>');
}

/** The fields of a `/gallery` slash command: `text` as sent, or `typed` as the person typed it. */
export function commandFields(input: {
  command?: string;
  text?: string;
  typed?: string;
  user: string;
  channel: string;
  responseUrl: string;
}): Record<string, string> {
  return {
    token: 'legacy-verification-token',
    team_id: 'T0001',
    team_domain: 'fake',
    channel_id: input.channel,
    channel_name: input.channel.startsWith('D') ? 'directmessage' : 'general',
    user_id: input.user,
    user_name: input.user.toLowerCase(),
    command: input.command ?? '/gallery',
    text: input.typed !== undefined ? slackCommandText(input.typed) : (input.text ?? ''),
    api_app_id: 'A0001',
    is_enterprise_install: 'false',
    response_url: input.responseUrl,
    trigger_id: `trigger-${Date.now()}`,
  };
}

/** A `block_actions` payload: `user` pressed the button with `actionId`/`value` on a channel message. */
export function buttonPress(input: {
  user: string;
  channel: string;
  actionId: string;
  value: string;
  responseUrl: string;
  /** The message the button is on; `thread_ts` when it sits in a thread. */
  message?: { ts: string; text: string; blocks: unknown[]; thread_ts?: string };
  ephemeral?: boolean;
}): object {
  const messageTs = input.message?.ts ?? '1700000000.000100';
  return {
    type: 'block_actions',
    user: { id: input.user, username: input.user.toLowerCase(), name: input.user.toLowerCase(), team_id: 'T0001' },
    api_app_id: 'A0001',
    token: 'legacy-verification-token',
    container: {
      type: 'message',
      message_ts: messageTs,
      channel_id: input.channel,
      is_ephemeral: Boolean(input.ephemeral),
    },
    trigger_id: `trigger-${Date.now()}`,
    team: { id: 'T0001', domain: 'fake' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: input.channel, name: 'general' },
    ...(input.ephemeral ? {} : { message: { type: 'message', user: 'UBOT0001', ts: messageTs, ...input.message } }),
    state: { values: {} },
    response_url: input.responseUrl,
    actions: [
      {
        type: 'button',
        action_id: input.actionId,
        block_id: 'maiimg_buttons',
        value: input.value,
        text: { type: 'plain_text', text: input.actionId, emoji: true },
        action_ts: String(Date.now() / 1000),
      },
    ],
  };
}
