import * as z from 'zod';
import { ConfigError } from '../../core/config.js';

/** The Slack app's own settings, read once from the validated environment (`config.env`). */
export interface SlackConfig {
  botToken: string;
  /** HTTP mode: Slack POSTs events and commands to `/slack/events`, signed with this secret. */
  signingSecret?: string;
  /** Socket Mode: the app opens a WebSocket to Slack instead (no public URL needed). */
  appToken?: string;
  mode: 'http' | 'socket';
  /** Web API base (`slackApiUrl`); tests and proxies point it elsewhere. Always ends with `/`. */
  apiUrl: string;
  /** The slash command, as configured in the app (manifest.yml), e.g. `/gallery`. */
  command: string;
  /**
   * Hosts the bot token may be sent to when downloading a shared file. Slack serves files from
   * files.slack.com; the API host is added so a proxy or fake API can serve them too.
   */
  fileHosts: string[];
}

const optional = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v ? v : undefined));

const schema = z.object({
  SLACK_BOT_TOKEN: optional,
  SLACK_SIGNING_SECRET: optional,
  SLACK_APP_TOKEN: optional.refine(
    (v) => v === undefined || v.startsWith('xapp-'),
    'must be an app-level token (xapp-...)',
  ),
  SLACK_API_URL: z
    .string()
    .trim()
    .default('https://slack.com/api/')
    .refine((v) => /^https?:\/\/[^\s]+$/i.test(v), 'must be a URL such as https://slack.com/api/'),
  SLACK_COMMAND: z
    .string()
    .trim()
    .default('/gallery')
    .refine(
      (v) => /^\/[a-z0-9_-]{1,31}$/i.test(v),
      'must look like /gallery (a slash, then up to 31 letters, digits, - or _)',
    ),
  SLACK_FILE_HOSTS: optional,
});

/**
 * Returns the Slack settings, or null when the app is not configured (no bot token, or neither a
 * signing secret nor an app token). Throws ConfigError listing every problem when it is
 * configured wrongly.
 */
export function readSlackConfig(env: Readonly<Record<string, string | undefined>>): SlackConfig | null {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const raw = parsed.data;
  if (!raw.SLACK_BOT_TOKEN || (!raw.SLACK_SIGNING_SECRET && !raw.SLACK_APP_TOKEN)) return null;
  const apiUrl = raw.SLACK_API_URL.endsWith('/') ? raw.SLACK_API_URL : `${raw.SLACK_API_URL}/`;
  const extraHosts = (raw.SLACK_FILE_HOSTS ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  return {
    botToken: raw.SLACK_BOT_TOKEN,
    signingSecret: raw.SLACK_SIGNING_SECRET,
    appToken: raw.SLACK_APP_TOKEN,
    // With an app token there is no need for a public URL, so Socket Mode wins when both are set.
    mode: raw.SLACK_APP_TOKEN ? 'socket' : 'http',
    apiUrl,
    command: raw.SLACK_COMMAND.toLowerCase(),
    fileHosts: [...new Set(['files.slack.com', new URL(apiUrl).hostname.toLowerCase(), ...extraHosts])],
  };
}

/** Whether the bot token may be sent along with a download from `url`. */
export function mayReceiveToken(url: string, config: Pick<SlackConfig, 'fileHosts'>): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  return config.fileHosts.includes(host);
}
