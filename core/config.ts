import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import * as z from 'zod';
import { isTimeZone } from './analytics/time-zone.js';
import { defaultImageConcurrency } from './images/image-work-queue.js';

/**
 * Configuration is read from the environment exactly once, here, and validated as a whole:
 * every problem is listed in one error. Everything else receives the typed `Config`.
 * Any variable may instead be given as `<NAME>_FILE`, a path whose contents are the value
 * (Docker / Kubernetes secrets).
 */

const MiB = 1024 * 1024;

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['true', 'false', '1', '0', 'yes', 'no', 'on', 'off', ''].includes(v), 'must be true or false')
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));

const optionalString = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

const positiveInt = (fallback: number) =>
  z.coerce.number().int('must be a whole number').positive('must be greater than 0').default(fallback);

const url = z.string().trim().url('must be a URL such as https://example.com');

const rawSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().trim().default('0.0.0.0'),
  PUBLIC_BASE_URL: url.optional(),
  DATA_DIR: z.string().trim().min(1).default('./data'),
  DATABASE_URL: z.string().trim().optional(),
  STORAGE_DRIVER: z.enum(['local', 's3']).default('local'),
  STORAGE_DIR: z.string().trim().optional(),
  S3_BUCKET: optionalString,
  S3_REGION: z.string().trim().default('us-east-1'),
  S3_ENDPOINT: url.optional().or(z.literal('').transform(() => undefined)),
  S3_ACCESS_KEY_ID: optionalString,
  S3_SECRET_ACCESS_KEY: optionalString,
  S3_FORCE_PATH_STYLE: bool.default(false),
  MAX_FILE_BYTES: positiveInt(50 * MiB),
  MAX_BATCH_FILES: positiveInt(25),
  MAX_IMAGE_PIXELS: positiveInt(100_000_000),
  MAX_ANIMATION_FRAMES: positiveInt(1000),
  // What one core decodes in about 1.3 s here: ~19 frames of 1080p (see README, "Limits").
  MAX_ANIMATION_PIXELS: positiveInt(40_000_000),
  IMAGE_CONCURRENCY: z.coerce.number().int('must be a whole number').positive('must be greater than 0').optional(),
  UV_THREADPOOL_SIZE: z.coerce.number().int().min(1).max(1024).optional(),
  UPLOAD_BYTES_IN_FLIGHT: positiveInt(512 * MiB),
  UPLOAD_BYTES_PER_IP: z
    .string()
    .trim()
    .default('2GB')
    .refine(
      (value) => value.toLowerCase() === 'off' || parseBytes(value) !== null,
      'must be off or a size such as 2GB or 500MB',
    ),
  WEB_UPLOAD_DEFAULT_EXPIRY: z
    .string()
    .trim()
    .optional()
    .refine(
      (value) => !value || value.toLowerCase() === 'off' || parseDuration(value) !== null,
      'must be off or a duration such as 30d, 12h or 3600 (seconds)',
    ),
  NOT_FOUND_RATE_LIMIT: z
    .string()
    .trim()
    .default('30/15m')
    .refine(
      (value) => value.toLowerCase() === 'off' || parseRate(value) !== null,
      'must be off or a count per a duration, such as 30/15m',
    ),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DEFAULT_LOCALE: z.enum(['en', 'zh-CN']).optional(),
  LC_ALL: optionalString,
  LANG: optionalString,
  GALLERY_CACHE_MS: z.coerce
    .number()
    .int('must be a whole number')
    .min(0, 'must be 0 (off) or more')
    .max(5000, 'must be at most 5000 ms')
    .default(500),
  TRUST_PROXY: optionalString,
  ANONYMIZE_IP: bool.default(false),
  SESSION_SECRET: optionalString,
  BATCH_QUIET_MS: positiveInt(2500),
  BATCH_MAX_WAIT_MS: positiveInt(30_000),
  ROLE: z.enum(['all', 'web', 'bots']).default('all'),
  SHARED_STATE: z.enum(['auto', 'memory', 'database', 'redis']).default('auto'),
  REDIS_URL: optionalString.refine(
    (v) => v === undefined || /^rediss?:\/\//i.test(v),
    'must start with redis:// or rediss://',
  ),
  REDIS_KEY_PREFIX: z.string().trim().default('maiimg:'),
  METRICS_TOKEN: optionalString,
  STATS_TIMEZONE: z
    .string()
    .trim()
    .default('UTC')
    .refine((zone) => isTimeZone(zone), 'must be an IANA time zone such as UTC or Asia/Shanghai'),
  DASHBOARD_LINK_TTL: z
    .string()
    .trim()
    .default('1h')
    .refine((value) => parseDuration(value) !== null, 'must be a duration such as 3600 (seconds), 30m, 1h or 2d'),
  ALERT_UNIQUE_PER_HOUR: positiveInt(20),
  ALERT_COUNTRIES: positiveInt(3),
  VISIT_RETENTION_DAYS: positiveInt(365),
  UPLOADS_ENABLED: bool.default(true),
  UPLOAD_RATE_LIMIT: z
    .string()
    .trim()
    .default('30/1h')
    .refine(
      (value) => parseRate(value) !== null,
      'must be a count, optionally per a duration, such as 30, 30/1h or 5/10m',
    ),
});

export type RawConfig = z.infer<typeof rawSchema>;

export interface Config {
  port: number;
  host: string;
  publicBaseUrl: string;
  dataDir: string;
  database: { provider: 'sqlite'; url: string; file: string } | { provider: 'postgresql'; url: string };
  storage:
    | { driver: 'local'; dir: string }
    | {
        driver: 's3';
        bucket: string;
        region: string;
        endpoint?: string;
        accessKeyId?: string;
        secretAccessKey?: string;
        forcePathStyle: boolean;
      };
  /**
   * What one batch and one file may be. Animations: at most `maxAnimationFrames` frames, and all
   * frames together at most `maxAnimationPixels` pixels (what a thumbnail must decode).
   */
  limits: {
    maxFileBytes: number;
    maxBatchFiles: number;
    maxImagePixels: number;
    maxAnimationFrames: number;
    maxAnimationPixels: number;
  };
  /**
   * Image work (decoding uploads, rendering display versions) running at once in this process; kept
   * below libuv's thread pool so file reads always find a thread (core/images/image-work-queue.ts).
   */
  imageConcurrency: number;
  logLevel: RawConfig['LOG_LEVEL'];
  defaultLocale: 'en' | 'zh-CN';
  web: {
    trustProxy: string | undefined;
    anonymizeIp: boolean;
    sessionSecret: string | undefined;
    /** Gallery addresses that lead nowhere, allowed per IP in each window before 429s (null: no limit). */
    notFoundRateLimit: { max: number; windowMs: number } | null;
    /**
     * How long a gallery page may be answered from this instance's memory (0: never). A change made
     * through another instance (a disable, a new password) is obeyed after at most this long;
     * changes made through this one at once.
     */
    galleryCacheMs: number;
  };
  /** How chat messages are grouped into one batch (see core/chat/batch-collector.ts). */
  chat: { batchQuietMs: number; batchMaxWaitMs: number };
  /** Which parts this process runs: the web site, the bots, or both. */
  role: 'all' | 'web' | 'bots';
  /**
   * Where state every instance must share lives (password attempts, chat batch windows):
   * this process's memory, the database, or Redis (core/shared-state).
   */
  sharedState: { driver: 'memory' | 'database' | 'redis'; redisUrl?: string; redisKeyPrefix: string };
  /** `/metrics` (Prometheus): when a token is set, scrapes must send `Authorization: Bearer <token>`. */
  metrics: { token: string | undefined };
  /** Visit analytics (core/analytics): stats time zone, dashboard links, alert thresholds, retention. */
  analytics: {
    timeZone: string;
    dashboardLinkTtlMs: number;
    alertUniquePerHour: number;
    alertCountries: number;
    visitRetentionDays: number;
  };
  /** The web upload page (gallery-web/upload): on or off, and uploads allowed per IP in each window. */
  uploads: {
    enabled: boolean;
    rateLimit: { max: number; windowMs: number };
    /** Bytes of web uploads being received and processed at once; past it, 503 with Retry-After. */
    bytesInFlight: number;
    /** Bytes one IP may upload through the web page per day (null: no quota). */
    bytesPerIpPerDay: number | null;
    /** Expiry given to anonymous web uploads that choose none (null: they never expire). */
    defaultExpiryMs: number | null;
  };
  /** The validated environment, for adapters that add their own variables (bots). */
  env: Readonly<Record<string, string | undefined>>;
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** `1048576` (bytes), `500KB`, `20MB`, `2GB` (powers of 1024) -> bytes; null when unreadable or not positive. */
export function parseBytes(value: string): number | null {
  const match = /^(\d+)\s*(b|kb|mb|gb|tb)?$/i.exec(value.trim());
  if (!match) return null;
  const unit = { b: 1, kb: 1024, mb: MiB, gb: 1024 * MiB, tb: 1024 * 1024 * MiB }[
    (match[2] ?? 'b').toLowerCase() as 'b' | 'kb' | 'mb' | 'gb' | 'tb'
  ];
  const bytes = Number(match[1]) * unit;
  return bytes > 0 && Number.isSafeInteger(bytes) ? bytes : null;
}

/** `3600` (seconds), `90s`, `30m`, `1h`, `2d` -> milliseconds; null when unreadable or not positive. */
export function parseDuration(value: string): number | null {
  const match = /^(\d+)\s*(s|m|h|d)?$/i.exec(value.trim());
  if (!match) return null;
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[
    (match[2] ?? 's').toLowerCase() as 's' | 'm' | 'h' | 'd'
  ];
  const ms = Number(match[1]) * unit;
  return ms > 0 ? ms : null;
}

/** `30` (per hour) or `30/1h`, `5/10m`, `100/1d` -> a count per window; null when unreadable. */
export function parseRate(value: string): { max: number; windowMs: number } | null {
  const [count = '', window] = value.trim().split('/');
  if (!/^\d+$/.test(count.trim()) || Number(count) < 1) return null;
  const windowMs = window === undefined ? 3_600_000 : parseDuration(window);
  return windowMs === null ? null : { max: Number(count), windowMs };
}

/**
 * Whether `name` is one of the product's variables: its own, or one the bot adapters read. Other
 * programs' `*_FILE` variables (SSL_CERT_FILE, TF_CLI_CONFIG_FILE, ...) are none of our business and
 * must not stop the start when their file is missing.
 */
function isProductVariable(name: string): boolean {
  return Object.hasOwn(rawSchema.shape, name) || /^(TELEGRAM|DISCORD|SLACK)_/.test(name);
}

/** Resolves `<NAME>_FILE` variables into `<NAME>` (the file wins only when `<NAME>` is unset). */
export function resolveFileVariables(
  env: Record<string, string | undefined>,
  problems: string[],
): Record<string, string | undefined> {
  const resolved: Record<string, string | undefined> = { ...env };
  for (const [name, value] of Object.entries(env)) {
    if (!name.endsWith('_FILE') || !value) continue;
    const target = name.slice(0, -'_FILE'.length);
    if (!isProductVariable(target)) continue;
    if (env[target] !== undefined && env[target] !== '') continue;
    try {
      resolved[target] = readFileSync(value, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      problems.push(`${name}: cannot read ${value} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  return resolved;
}

/** Parse and validate the configuration. Throws ConfigError listing every problem. */
export function loadConfig(env: Record<string, string | undefined> = process.env, cwd: string = process.cwd()): Config {
  const problems: string[] = [];
  const resolved = resolveFileVariables(env, problems);
  const parsed = rawSchema.safeParse(resolved);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push(`${issue.path.join('.') || '(root)'}: ${issue.message}`);
    }
  }
  if (!parsed.success || problems.length) throw new ConfigError(problems);
  const raw = parsed.data;

  const dataDir = path.resolve(cwd, raw.DATA_DIR);
  const databaseUrl = raw.DATABASE_URL || `file:${path.join(dataDir, 'maiimg.db')}`;
  let database: Config['database'];
  if (/^postgres(ql)?:\/\//i.test(databaseUrl)) {
    database = { provider: 'postgresql', url: databaseUrl };
  } else if (databaseUrl.startsWith('file:')) {
    const file = path.resolve(cwd, databaseUrl.slice('file:'.length).replace(/\?.*$/, ''));
    database = { provider: 'sqlite', url: `file:${file}`, file };
  } else {
    problems.push('DATABASE_URL: must start with file: (SQLite) or postgres:// / postgresql:// (PostgreSQL)');
    database = { provider: 'sqlite', url: '', file: '' };
  }

  let storage: Config['storage'];
  if (raw.STORAGE_DRIVER === 's3') {
    if (!raw.S3_BUCKET) problems.push('S3_BUCKET: required when STORAGE_DRIVER=s3');
    if (Boolean(raw.S3_ACCESS_KEY_ID) !== Boolean(raw.S3_SECRET_ACCESS_KEY)) {
      problems.push('S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY: give both or neither');
    }
    storage = {
      driver: 's3',
      bucket: raw.S3_BUCKET ?? '',
      region: raw.S3_REGION,
      endpoint: raw.S3_ENDPOINT,
      accessKeyId: raw.S3_ACCESS_KEY_ID,
      secretAccessKey: raw.S3_SECRET_ACCESS_KEY,
      forcePathStyle: raw.S3_FORCE_PATH_STYLE,
    };
  } else {
    storage = { driver: 'local', dir: path.resolve(cwd, raw.STORAGE_DIR || path.join(raw.DATA_DIR, 'files')) };
  }
  if (raw.SHARED_STATE === 'redis' && !raw.REDIS_URL) problems.push('REDIS_URL: required when SHARED_STATE=redis');
  if (problems.length) throw new ConfigError(problems);

  // auto: Redis when given, else the database once it is one several instances can share.
  const sharedStateDriver =
    raw.SHARED_STATE !== 'auto'
      ? raw.SHARED_STATE
      : raw.REDIS_URL
        ? 'redis'
        : database.provider === 'postgresql'
          ? 'database'
          : 'memory';

  const publicBaseUrl = (raw.PUBLIC_BASE_URL ?? `http://localhost:${raw.PORT}`).replace(/\/+$/, '');
  return {
    port: raw.PORT,
    host: raw.HOST,
    publicBaseUrl,
    dataDir,
    database,
    storage,
    limits: {
      maxFileBytes: raw.MAX_FILE_BYTES,
      maxBatchFiles: raw.MAX_BATCH_FILES,
      maxImagePixels: raw.MAX_IMAGE_PIXELS,
      maxAnimationFrames: raw.MAX_ANIMATION_FRAMES,
      maxAnimationPixels: raw.MAX_ANIMATION_PIXELS,
    },
    imageConcurrency: raw.IMAGE_CONCURRENCY ?? defaultImageConcurrency(availableParallelism(), raw.UV_THREADPOOL_SIZE),
    logLevel: raw.LOG_LEVEL,
    // Without DEFAULT_LOCALE, the terminal's language decides (the CLI speaks Chinese on a zh_CN system).
    defaultLocale: raw.DEFAULT_LOCALE ?? (/^zh/i.test(raw.LC_ALL ?? raw.LANG ?? '') ? 'zh-CN' : 'en'),
    web: {
      trustProxy: raw.TRUST_PROXY,
      anonymizeIp: raw.ANONYMIZE_IP,
      sessionSecret: raw.SESSION_SECRET,
      notFoundRateLimit: raw.NOT_FOUND_RATE_LIMIT.toLowerCase() === 'off' ? null : parseRate(raw.NOT_FOUND_RATE_LIMIT),
      galleryCacheMs: raw.GALLERY_CACHE_MS,
    },
    chat: { batchQuietMs: raw.BATCH_QUIET_MS, batchMaxWaitMs: Math.max(raw.BATCH_MAX_WAIT_MS, raw.BATCH_QUIET_MS) },
    role: raw.ROLE,
    sharedState: { driver: sharedStateDriver, redisUrl: raw.REDIS_URL, redisKeyPrefix: raw.REDIS_KEY_PREFIX },
    metrics: { token: raw.METRICS_TOKEN },
    analytics: {
      timeZone: raw.STATS_TIMEZONE,
      dashboardLinkTtlMs: parseDuration(raw.DASHBOARD_LINK_TTL)!,
      alertUniquePerHour: raw.ALERT_UNIQUE_PER_HOUR,
      alertCountries: raw.ALERT_COUNTRIES,
      visitRetentionDays: raw.VISIT_RETENTION_DAYS,
    },
    uploads: {
      enabled: raw.UPLOADS_ENABLED,
      rateLimit: parseRate(raw.UPLOAD_RATE_LIMIT)!,
      bytesInFlight: raw.UPLOAD_BYTES_IN_FLIGHT,
      bytesPerIpPerDay: raw.UPLOAD_BYTES_PER_IP.toLowerCase() === 'off' ? null : parseBytes(raw.UPLOAD_BYTES_PER_IP),
      defaultExpiryMs:
        !raw.WEB_UPLOAD_DEFAULT_EXPIRY || raw.WEB_UPLOAD_DEFAULT_EXPIRY.toLowerCase() === 'off'
          ? null
          : parseDuration(raw.WEB_UPLOAD_DEFAULT_EXPIRY),
    },
    env: Object.freeze({ ...resolved }),
  };
}
