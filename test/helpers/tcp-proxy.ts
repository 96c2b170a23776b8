import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP proxy a test can cut and restore, to take a database or an S3 server away from a
 * running core without touching the real server (which other tests share).
 *
 * - `cut()` destroys every open connection and refuses new ones (the listener is closed, so clients
 *   get ECONNREFUSED at once, as when a server is down).
 * - `restore()` listens again on the same port.
 * - `onClientData` sees every chunk the client sends; returning true cuts the proxy right there,
 *   before the chunk is forwarded (a fault injected in the middle of a conversation).
 */
export interface TcpProxy {
  /** The proxy's port on 127.0.0.1. */
  port: number;
  /** Connections accepted since start (across restores). */
  readonly accepted: number;
  /** Local ports of the open connections to the target (what the target sees as client ports). */
  upstreamPorts(): number[];
  cut(): Promise<void>;
  restore(): Promise<void>;
  /** Called with each chunk from a client; return true to cut before it is forwarded. */
  onClientData?: (chunk: Buffer) => boolean | void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }, port = 0): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const upstreams = new Set<Socket>();
  let server: Server | null = null;
  let accepted = 0;
  let boundPort = port;

  const destroyAll = () => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const next = createServer((client) => {
        accepted += 1;
        const upstream = connect(target.port, target.host);
        sockets.add(client);
        sockets.add(upstream);
        upstreams.add(upstream);
        const drop = () => {
          upstreams.delete(upstream);
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on('error', drop).on('close', drop);
        upstream.on('error', drop).on('close', drop);
        client.on('data', (chunk: Buffer) => {
          if (proxy.onClientData?.(chunk) === true) {
            void proxy.cut();
            return;
          }
          upstream.write(chunk);
        });
        upstream.pipe(client);
      });
      next.once('error', reject);
      next.listen(boundPort, '127.0.0.1', () => {
        boundPort = (next.address() as { port: number }).port;
        server = next;
        resolve();
      });
    });

  const closeListener = async () => {
    const current = server;
    server = null;
    destroyAll();
    if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
  };

  const proxy: TcpProxy = {
    get port() {
      return boundPort;
    },
    get accepted() {
      return accepted;
    },
    upstreamPorts() {
      return [...upstreams].map((socket) => socket.localPort).filter((port): port is number => port !== undefined);
    },
    cut: closeListener,
    async restore() {
      if (!server) await listen();
    },
    close: closeListener,
  };
  await listen();
  return proxy;
}
