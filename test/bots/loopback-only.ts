import net from 'node:net';

/**
 * Proof that a bot test talks to nothing but the loopback fakes: every TCP connection this test
 * process opens (node:http, undici's fetch, ws and TLS all go through net.Socket#connect) is
 * checked, and one to any other host is refused and remembered, so the test can assert there was
 * none. A bot that fell back to api.telegram.org, discord.com or slack.com would show up here.
 */
export interface LoopbackGuard {
  /** `host:port` of every refused connection attempt, in order. */
  readonly attempts: string[];
  restore(): void;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost', '::ffff:127.0.0.1']);

export function allowOnlyLoopback(): LoopbackGuard {
  const attempts: string[] = [];
  const original = net.Socket.prototype.connect;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const guarded = function (this: net.Socket, ...args: any[]): net.Socket {
    const target = connectTarget(args);
    if (target && !LOOPBACK.has(target.host.toLowerCase())) {
      attempts.push(`${target.host}:${target.port}`);
      const refusal = Object.assign(new Error(`test process tried to reach ${target.host}:${target.port}`), {
        code: 'ECONNREFUSED',
      });
      process.nextTick(() => this.destroy(refusal));
      return this;
    }
    return (original as (...a: unknown[]) => net.Socket).apply(this, args);
  };
  net.Socket.prototype.connect = guarded as typeof original;
  return {
    attempts,
    restore() {
      net.Socket.prototype.connect = original;
    },
  };
}

/** The host and port of a connect() call, in any of its forms; null for IPC paths. */
function connectTarget(args: unknown[]): { host: string; port: string } | null {
  // net.connect() hands over its arguments already normalised, as one array.
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (first && typeof first === 'object') {
    const options = first as { host?: string; port?: number | string; path?: string };
    if (options.path) return null;
    return { host: options.host ?? 'localhost', port: String(options.port ?? '') };
  }
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    return { host: typeof args[1] === 'string' ? args[1] : 'localhost', port: String(first) };
  }
  return null;
}
