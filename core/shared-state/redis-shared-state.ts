import { Redis } from 'ioredis';
import { MaiimgError } from '../errors.js';
import type { Clock, Logger } from '../ports.js';
import type { BatchClaim, BatchTiming, BatchWindowStore, SharedState, WindowCounter } from './shared-state.js';

// Each operation is one Lua script, so Redis runs it atomically whatever the other instances do.

const INCREMENT = `
local count = redis.call('INCRBY', KEYS[1], ARGV[2] or 1)
local ttl = redis.call('PTTL', KEYS[1])
if count == tonumber(ARGV[2] or 1) or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}`;

const DECREMENT = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count > 0 then redis.call('DECR', KEYS[1]) end
return 0`;

// KEYS: window hash, entries list, due index (sorted set). ARGV: key, entry, items, now, quiet, max wait, ttl.
const APPEND = `
local now = tonumber(ARGV[4])
local opened = tonumber(redis.call('HGET', KEYS[1], 'opened') or ARGV[4])
local due = math.min(now + tonumber(ARGV[5]), opened + tonumber(ARGV[6]))
redis.call('RPUSH', KEYS[2], ARGV[2])
local count = redis.call('HINCRBY', KEYS[1], 'count', ARGV[3])
redis.call('HSET', KEYS[1], 'opened', string.format('%d', opened), 'due', string.format('%d', due))
redis.call('PEXPIRE', KEYS[1], ARGV[7])
redis.call('PEXPIRE', KEYS[2], ARGV[7])
redis.call('ZADD', KEYS[3], string.format('%d', due), ARGV[1])
return {count, string.format('%d', due - now)}`;

// KEYS: window hash, entries list, due index. ARGV: key, now, force ('1' or '0').
const CLAIM = `
local due = redis.call('HGET', KEYS[1], 'due')
if not due then
  redis.call('ZREM', KEYS[3], ARGV[1])
  return {'gone'}
end
if ARGV[3] ~= '1' and tonumber(due) > tonumber(ARGV[2]) then
  return {'waiting', string.format('%d', tonumber(due) - tonumber(ARGV[2]))}
end
local entries = redis.call('LRANGE', KEYS[2], 0, -1)
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[1])
return {'claimed', entries}`;

/** A window nobody claims (every instance that saw it died) expires this long after its last entry. */
const ABANDONED_WINDOW_TTL_MS = 24 * 3_600_000;

interface ScriptedRedis extends Redis {
  maiimgIncrement(key: string, windowMs: number, amount: number): Promise<[number, number]>;
  maiimgDecrement(key: string): Promise<number>;
  maiimgAppend(
    ...args: [string, string, string, string, string, string, string, number, number, number]
  ): Promise<[number, string]>;
  maiimgClaim(...args: [string, string, string, string, number, string]): Promise<[string, (string[] | string)?]>;
}

export interface RedisSharedStateOptions {
  url: string;
  /** Put before every key, so several products (or tests) can share one Redis. */
  keyPrefix: string;
  clock: Clock;
  logger: Logger;
}

/** Redis failures surface as the core's "temporarily unavailable" error, like a database outage. */
async function guarded<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw new MaiimgError('DATABASE_UNAVAILABLE', {}, { cause: error });
  }
}

class RedisWindowCounter implements WindowCounter {
  constructor(
    private readonly redis: ScriptedRedis,
    private readonly prefix: string,
    private readonly clock: Clock,
  ) {}

  async increment(key: string, windowMs: number, amount = 1): Promise<{ count: number; resetAt: Date }> {
    const [count, ttl] = await guarded(() => this.redis.maiimgIncrement(this.prefix + key, windowMs, amount));
    return { count: Number(count), resetAt: new Date(this.clock.now().getTime() + Number(ttl)) };
  }

  async peek(key: string): Promise<number> {
    // Redis drops the key when its window ends, so whatever is there is current.
    return Number((await guarded(() => this.redis.get(this.prefix + key))) ?? 0);
  }

  async decrement(key: string): Promise<void> {
    await guarded(() => this.redis.maiimgDecrement(this.prefix + key));
  }

  async reset(key: string): Promise<void> {
    await guarded(() => this.redis.del(this.prefix + key));
  }
}

class RedisBatchWindowStore implements BatchWindowStore {
  private readonly dueIndex: string;

  constructor(
    private readonly redis: ScriptedRedis,
    private readonly prefix: string,
    private readonly clock: Clock,
  ) {
    this.dueIndex = `${prefix}batch-due`;
  }

  private keys(key: string): [string, string, string] {
    return [`${this.prefix}batch:${key}`, `${this.prefix}batch:${key}:entries`, this.dueIndex];
  }

  async append(
    key: string,
    entry: string,
    itemCount: number,
    timing: BatchTiming,
  ): Promise<{ count: number; dueInMs: number }> {
    const now = this.clock.now().getTime();
    const ttl = timing.maxWaitMs + ABANDONED_WINDOW_TTL_MS;
    const [count, dueIn] = await guarded(() =>
      this.redis.maiimgAppend(
        ...this.keys(key),
        key,
        entry,
        String(itemCount),
        String(now),
        timing.quietMs,
        timing.maxWaitMs,
        ttl,
      ),
    );
    return { count: Number(count), dueInMs: Math.max(0, Number(dueIn)) };
  }

  async claim(key: string, force = false): Promise<BatchClaim> {
    const now = this.clock.now().getTime();
    const [status, payload] = await guarded(() =>
      this.redis.maiimgClaim(...this.keys(key), key, now, force ? '1' : '0'),
    );
    if (status === 'claimed') return { status, entries: (payload as string[]) ?? [] };
    if (status === 'waiting') return { status, dueInMs: Math.max(0, Number(payload)) };
    return { status: 'gone' };
  }

  async overdue(graceMs: number): Promise<string[]> {
    const limit = this.clock.now().getTime() - graceMs;
    return guarded(() => this.redis.zrangebyscore(this.dueIndex, '-inf', limit));
  }
}

/** Shared state in Redis (REDIS_URL). Connects lazily and reconnects by itself. */
export function redisSharedState(options: RedisSharedStateOptions): SharedState {
  const redis = new Redis(options.url, {
    lazyConnect: true,
    // Fail a request quickly while Redis is away instead of queueing it for ever; the callers
    // answer "temporarily unavailable" and the client keeps reconnecting in the background.
    maxRetriesPerRequest: 2,
    connectTimeout: 5_000,
  }) as ScriptedRedis;
  redis.defineCommand('maiimgIncrement', { numberOfKeys: 1, lua: INCREMENT });
  redis.defineCommand('maiimgDecrement', { numberOfKeys: 1, lua: DECREMENT });
  redis.defineCommand('maiimgAppend', { numberOfKeys: 3, lua: APPEND });
  redis.defineCommand('maiimgClaim', { numberOfKeys: 3, lua: CLAIM });
  let lastError = '';
  redis.on('error', (error: Error) => {
    // ioredis emits the same failure on every reconnect attempt: log each change only.
    if (error.message === lastError) return;
    lastError = error.message;
    options.logger.warn({ err: error }, 'redis: connection problem (reconnecting)');
  });
  redis.on('ready', () => {
    lastError = '';
  });
  return {
    driver: 'redis',
    counters: new RedisWindowCounter(redis, options.keyPrefix, options.clock),
    batchWindows: new RedisBatchWindowStore(redis, options.keyPrefix, options.clock),
    async ping() {
      await guarded(() => redis.ping());
    },
    async close() {
      if (redis.status === 'end') return;
      // quit() waits for replies still owed; disconnect() when the connection is not up at all.
      if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
      else redis.disconnect();
    },
  };
}
