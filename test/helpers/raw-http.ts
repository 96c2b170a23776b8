import { connect, type Socket } from 'node:net';

export interface PushedBody {
  /** The status line's code, or null when the server closed without answering. */
  status: number | null;
  /** Body bytes the client managed to hand to its socket before the server answered or closed. */
  bytesSent: number;
  /** The raw answer (status line, headers, body) as far as it came. */
  answer: string;
}

export interface PushOptions {
  port: number;
  path: string;
  headers: Record<string, string>;
  /** How many body bytes to offer at most. */
  totalBytes: number;
  /** Send with `Transfer-Encoding: chunked` instead of a Content-Length. */
  chunked?: boolean;
  chunkBytes?: number;
}

/**
 * POSTs a large body over a raw socket, writing only as fast as the server reads (back-pressure),
 * and stops writing as soon as the server answers or closes. How many bytes got out tells how much
 * of the body the server read (plus what the loopback socket buffers hold).
 */
export function pushBody(options: PushOptions): Promise<PushedBody> {
  const { port, path, headers, totalBytes, chunked = false, chunkBytes = 64 * 1024 } = options;
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let answer = '';
    let bytesSent = 0;
    let finished = false;
    const chunk = Buffer.alloc(chunkBytes, 0x61);
    const done = () => {
      if (finished) return;
      finished = true;
      socket.destroy();
      const match = /^HTTP\/1\.1 (\d{3})/.exec(answer);
      resolve({ status: match ? Number(match[1]) : null, bytesSent, answer });
    };
    socket.on('data', (data: Buffer) => {
      answer += data.toString('latin1');
      // The head is enough; what follows does not matter.
      if (answer.includes('\r\n\r\n')) done();
    });
    socket.on('close', done);
    socket.on('error', () => done());
    socket.once('connect', () => {
      const head = [
        `POST ${path} HTTP/1.1`,
        'Host: 127.0.0.1',
        chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${totalBytes}`,
        ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
        '',
        '',
      ].join('\r\n');
      socket.write(head);
      const pump = () => {
        while (!finished && bytesSent < totalBytes) {
          const size = Math.min(chunk.length, totalBytes - bytesSent);
          const piece = chunked
            ? Buffer.concat([Buffer.from(`${size.toString(16)}\r\n`), chunk.subarray(0, size), Buffer.from('\r\n')])
            : chunk.subarray(0, size);
          bytesSent += size;
          if (!socket.write(piece)) {
            socket.once('drain', pump);
            return;
          }
        }
        if (!finished && chunked) socket.write('0\r\n\r\n');
      };
      pump();
    });
    socket.setTimeout(120_000, () => reject(new Error('no answer within two minutes')));
  });
}

export interface Trickle {
  /** Resolves with how long the connection stayed open once the server closes it. */
  closed: Promise<number>;
  isOpen(): boolean;
  stop(): void;
}

/**
 * Sends a request's headers, then its body one byte at a time every `everyMs` (as a slow-loris
 * client does), for as long as the server keeps the connection open.
 */
export function trickleBody(options: {
  port: number;
  path: string;
  headers: Record<string, string>;
  declaredBytes: number;
  everyMs: number;
}): Trickle {
  const started = Date.now();
  const socket = connect(options.port, '127.0.0.1');
  let open = true;
  let timer: NodeJS.Timeout | undefined;
  const closed = new Promise<number>((resolve) => {
    socket.on('close', () => {
      open = false;
      clearInterval(timer);
      resolve(Date.now() - started);
    });
  });
  socket.on('error', () => undefined);
  socket.once('connect', () => {
    socket.write(
      [
        `POST ${options.path} HTTP/1.1`,
        'Host: 127.0.0.1',
        `Content-Length: ${options.declaredBytes}`,
        ...Object.entries(options.headers).map(([name, value]) => `${name}: ${value}`),
        '',
        '',
      ].join('\r\n'),
    );
    timer = setInterval(() => socket.write('a'), options.everyMs);
  });
  return {
    closed,
    isOpen: () => open,
    stop: () => {
      clearInterval(timer);
      socket.destroy();
    },
  };
}
