import * as z from 'zod';
import { ConfigError } from '../../core/config.js';

/** The Discord adapter's own settings, parsed once from the validated environment (`config.env`). */
export interface DiscordConfig {
  token: string;
  applicationId: string;
  /** Register the commands to this guild only (instant, for testing a bot) instead of globally. */
  guildId: string | undefined;
  /** discord.js's `rest.api`: Discord's REST base URL, or a proxy / fake server. */
  apiUrl: string;
  /** Host names attachments may be downloaded from; anything else is refused without a request. */
  cdnHosts: string[];
}

const DEFAULT_CDN_HOSTS = ['cdn.discordapp.com', 'media.discordapp.net'];

const optional = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

const snowflake = z
  .string()
  .trim()
  .regex(/^\d{5,25}$/, 'must be a numeric Discord id');

const schema = z.object({
  DISCORD_BOT_TOKEN: z.string().trim().min(1, 'is required'),
  DISCORD_APPLICATION_ID: snowflake,
  DISCORD_GUILD_ID: optional.pipe(snowflake.optional()),
  DISCORD_API_URL: optional.pipe(z.string().url('must be a URL such as https://discord.com/api').optional()),
  DISCORD_CDN_HOSTS: optional,
});

/** True when the variables that switch the Discord bot on are both set. */
export function discordEnabled(env: Readonly<Record<string, string | undefined>>): boolean {
  return Boolean(env.DISCORD_BOT_TOKEN?.trim() && env.DISCORD_APPLICATION_ID?.trim());
}

/** Parses the DISCORD_* variables; throws ConfigError listing every problem at once. */
export function parseDiscordConfig(env: Readonly<Record<string, string | undefined>>): DiscordConfig {
  const parsed = schema.safeParse(env);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issue.path.join('.') || 'DISCORD'}: ${issue.message}`);
  }
  const hosts = (parsed.success ? parsed.data.DISCORD_CDN_HOSTS : env.DISCORD_CDN_HOSTS)
    ?.split(',')
    .map((host) => host.trim().toLowerCase())
    .filter(Boolean);
  for (const host of hosts ?? []) {
    if (!/^[a-z0-9.-]+$|^\[[0-9a-f:]+\]$/.test(host)) problems.push(`DISCORD_CDN_HOSTS: "${host}" is not a host name`);
  }
  if (!parsed.success || problems.length) throw new ConfigError(problems);
  const raw = parsed.data;
  return {
    token: raw.DISCORD_BOT_TOKEN,
    applicationId: raw.DISCORD_APPLICATION_ID,
    guildId: raw.DISCORD_GUILD_ID,
    apiUrl: (raw.DISCORD_API_URL ?? 'https://discord.com/api').replace(/\/+$/, ''),
    cdnHosts: hosts?.length ? hosts : DEFAULT_CDN_HOSTS,
  };
}
