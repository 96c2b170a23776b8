/**
 * npm run bench:mixed — what visitors feel while the machine works hard. The server (the real
 * `createRunningServer`, Slack in HTTP mode with a dummy secret) runs in a child process so its peak
 * RSS is its own. Two visitors request a gallery page and a cached thumbnail, first on an idle
 * server, then while these run together: three 25-photo uploads through /upload, cold renders of
 * large animations (six concurrent first requests each), and a 50 MB unsigned POST to
 * /slack/events. Latencies of the visitors' requests are compared (p99 busy / p99 idle).
 * Last line: one JSON object.
 */
import { fork } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import sharp from 'sharp';
import { message, resetPeakRss, runBench, startBenchServer, stopWhenAsked } from './bench-process.js';

const PHOTOS = 25;
const UPLOADS = 3;
const ANIMATIONS = 3;
const CONCURRENT_RENDERS = 6;
const IDLE_REQUESTS = 300;
/** Two visitors, each pausing this long between requests, as people browsing do (not a load test). */
const VISITORS = 2;
const PAUSE_MS = 20;
const SLACK_POST_BYTES = 50 * 1024 * 1024;
const BROWSER_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

interface Seeded {
  base: string;
  port: number;
  page: string;
  thumbnail: string;
  animations: string[];
}

// ---- what the server is seeded with, drawn by the parent ----------------------------------------

/**
 * The seed images are drawn in the parent and handed to the server as files, as uploads would
 * arrive: drawing 40 MP of noise frames in the server left it holding some 150 MB of freed memory
 * (glibc keeps it), which then counted in the peak measured after seeding.
 */
const seedDirOf = (dataDir: string) => `${dataDir}-seed`;

async function drawSeed(seedDir: string, maxAnimationPixels: number): Promise<void> {
  await mkdir(seedDir, { recursive: true });
  for (const i of [1, 2, 3, 4]) {
    const data = await sharp({
      create: { width: 1600, height: 1200, channels: 3, background: { r: i * 40, g: 90, b: 160 } },
    })
      .jpeg()
      .toBuffer();
    await writeFile(path.join(seedDir, `${i}.jpg`), data);
  }
  // Animations of 1080p frames just under MAX_ANIMATION_PIXELS: the largest a visitor can make render.
  const frames = Math.floor(maxAnimationPixels / (1920 * 1080));
  for (let a = 0; a < ANIMATIONS; a++) {
    const frame = (i: number) =>
      sharp({
        create: {
          width: 1920,
          height: 1080,
          channels: 3,
          background: '#000',
          noise: { type: 'gaussian', mean: 128, sigma: 20 + ((i + a) % 8) },
        },
      })
        .raw()
        .toBuffer();
    const strip = Buffer.concat(await Promise.all(Array.from({ length: frames }, (_, i) => frame(i))));
    const data = await sharp(strip, { raw: { width: 1920, height: 1080 * frames, channels: 3, pageHeight: 1080 } })
      .webp({ quality: 80, effort: 0, loop: 0 })
      .toBuffer();
    await writeFile(path.join(seedDir, `anim-${a}.webp`), data);
  }
}

async function readSeed(seedDir: string) {
  const read = async (name: string) => ({ name, data: await readFile(path.join(seedDir, name)) });
  return {
    photos: await Promise.all([1, 2, 3, 4].map((i) => read(`${i}.jpg`))),
    animations: await Promise.all(Array.from({ length: ANIMATIONS }, (_, a) => read(`anim-${a}.webp`))),
  };
}

// ---- the server (child process) -----------------------------------------------------------------

async function serve(dataDir: string): Promise<void> {
  const { running, port, base } = await startBenchServer(dataDir, {
    SLACK_BOT_TOKEN: 'xoxb-bench-dummy',
    SLACK_SIGNING_SECRET: 'bench-dummy-signing-secret',
    // Nothing listens there: auth.test fails once at start, and the app serves requests anyway.
    SLACK_API_URL: 'http://127.0.0.1:9/api/',
  });
  const { service } = running.core;
  const owner = { platform: 'cli' as const, userId: 'bench' };
  const seed = await readSeed(seedDirOf(dataDir));
  const small = await service.createGallery({ owner, files: seed.photos });
  const animations: string[] = [];
  for (const file of seed.animations) {
    const made = await service.createGallery({ owner, files: [file] });
    if (!made.gallery) throw new Error(`animation refused: ${JSON.stringify(made.rejected)}`);
    animations.push(`/g/${made.gallery.slug}/i/0/1600.webp`);
  }
  const seeded: Seeded = {
    base,
    port,
    page: `/g/${small.gallery!.slug}`,
    thumbnail: `/g/${small.gallery!.slug}/i/0/480.webp`,
    animations,
  };
  // Seeding (drawing the animations) is not what is measured: the peak counts from here on.
  await resetPeakRss();
  diagnose(running.server, seeded);
  process.send!({ type: 'ready', seeded });
  stopWhenAsked(running);
}

/**
 * Where the visitors' time goes, per phase (stderr only): the server's event-loop delay, and how
 * long the visitors' requests took inside the server (arrival of the request to the last byte
 * handed to the socket), so a slow visitor can be told apart from a slow server.
 */
function diagnose(server: import('node:http').Server, seeded: Seeded): void {
  const loop = monitorEventLoopDelay({ resolution: 5 });
  const inServer: number[] = [];
  let cpu = process.cpuUsage();
  let since = performance.now();
  loop.enable();
  let peak = { rss: 0, external: 0, heap: 0 };
  setInterval(() => {
    const rss = process.memoryUsage.rss();
    if (rss <= peak.rss) return;
    const usage = process.memoryUsage();
    peak = { rss, external: usage.external, heap: usage.heapUsed };
  }, 20).unref();
  server.prependListener(
    'request',
    (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
      if (req.url === '/upload') {
        res.once('close', () => {
          if (res.statusCode !== 201) process.stderr.write(`  server: an upload was answered ${res.statusCode}\n`);
        });
      }
      if (req.url !== seeded.page && req.url !== seeded.thumbnail) return;
      const started = performance.now();
      res.once('finish', () => inServer.push(performance.now() - started));
    },
  );
  process.on('message', (m: { type: string; phase?: string }) => {
    if (m.type !== 'phase') return;
    const used = process.cpuUsage(cpu);
    const wall = performance.now() - since;
    process.stderr.write(
      `  server during ${m.phase}: event-loop delay p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms, max ${(loop.max / 1e6).toFixed(1)} ms; ` +
        `visitor requests in the server p99 ${p99(inServer).toFixed(1)} ms, max ${Math.max(...inServer).toFixed(1)} ms; ` +
        `process CPU ${((used.user + used.system) / 1000 / wall).toFixed(2)} cores; ` +
        `highest RSS seen ${(peak.rss / 2 ** 20).toFixed(0)} MB (JS heap ${(peak.heap / 2 ** 20).toFixed(0)}, external ${(peak.external / 2 ** 20).toFixed(0)})\n`,
    );
    loop.reset();
    peak = { rss: 0, external: 0, heap: 0 };
    inServer.length = 0;
    cpu = process.cpuUsage();
    since = performance.now();
  });
}

// ---- the visitors' and the heavy work's requests ------------------------------------------------

async function timed(url: string, cookie: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(url, { headers: { 'user-agent': BROWSER_UA, cookie } });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`${url}: ${response.status}`);
  return performance.now() - started;
}

/** Two visitors alternating page and thumbnail until `until` says stop (or `count` requests are made). */
async function visitors(seeded: Seeded, cookie: string, until: () => boolean, count = Infinity): Promise<number[]> {
  const latencies: number[] = [];
  await Promise.all(
    Array.from({ length: VISITORS }, async (_, v) => {
      for (let i = v; !until() && latencies.length < count; i++) {
        const target = i % 2 ? seeded.thumbnail : seeded.page;
        latencies.push(await timed(seeded.base + target, cookie));
        await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
      }
    }),
  );
  return latencies;
}

function p99(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)]!;
}

async function makePhotos(): Promise<Buffer[]> {
  // Eight distinct 12 MP photos, cycled: every upload decodes 25 full photos.
  return Promise.all(
    Array.from({ length: 8 }, (_, i) =>
      sharp({
        create: {
          width: 4000,
          height: 3000,
          channels: 3,
          background: '#000',
          noise: { type: 'gaussian', mean: 128, sigma: 12 + i },
        },
      })
        .jpeg({ quality: 85 })
        .toBuffer(),
    ),
  );
}

async function upload(seeded: Seeded, photos: Buffer[], n: number): Promise<void> {
  const page = await fetch(seeded.base + '/', { headers: { 'user-agent': BROWSER_UA } });
  const html = await page.text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  const cookie = (page.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).join('; ');
  if (!csrf) throw new Error('no upload form');
  const form = new FormData();
  for (let i = 0; i < PHOTOS; i++) {
    form.append(
      'files',
      new Blob([new Uint8Array(photos[(i + n) % photos.length]!)], { type: 'image/jpeg' }),
      `${i}.jpg`,
    );
  }
  const response = await fetch(seeded.base + '/upload', {
    method: 'POST',
    body: form,
    headers: { accept: 'application/json', origin: seeded.base, cookie, 'x-csrf-token': csrf },
  });
  await response.arrayBuffer();
  if (response.status !== 201) throw new Error(`upload ${n}: ${response.status}`);
}

async function coldRenders(seeded: Seeded, cookie: string): Promise<void> {
  await Promise.all(
    seeded.animations.flatMap((target) =>
      Array.from({ length: CONCURRENT_RENDERS }, async () => {
        const response = await fetch(seeded.base + target, { headers: { 'user-agent': BROWSER_UA, cookie } });
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`${target}: ${response.status}`);
      }),
    ),
  );
}

/** 50 MB, unsigned, written as fast as the server takes it; resolves with the status it got. */
function unsignedSlackPost(seeded: Seeded): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(seeded.port, '127.0.0.1');
    let answer = '';
    let sent = 0;
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    // The server answers 413 and closes after at most 1 MB; the client, still writing, may see the
    // reset before it reads that answer. Either way, how much it got to send says the body was refused.
    const finish = () => {
      socket.destroy();
      const status = answer.split('\r\n')[0] || 'connection closed by the server before its answer was read';
      resolve(`${status} (${(sent / 1024 / 1024).toFixed(1)} of ${SLACK_POST_BYTES / 1024 / 1024} MB sent)`);
    };
    socket.on('data', (data: Buffer) => {
      answer += data.toString('latin1');
      if (answer.includes('\r\n\r\n')) finish();
    });
    socket.on('close', finish);
    socket.on('error', finish);
    socket.once('connect', () => {
      socket.write(
        `POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${SLACK_POST_BYTES}\r\n\r\n`,
      );
      const pump = () => {
        while (sent < SLACK_POST_BYTES && !socket.destroyed) {
          sent += chunk.length;
          if (!socket.write(chunk)) return void socket.once('drain', pump);
        }
      };
      pump();
    });
  });
}

// ---- the heavy work (its own process) ------------------------------------------------------------

/**
 * The uploaders, the renders' requesters and the Slack POST run in a process of their own, as they
 * would on other machines: building 350 MB of upload bodies and reading the animations back blocked
 * the visitors' own event loop for up to 2.5 s when they shared it, which is no property of the server.
 */
async function load(): Promise<void> {
  const photos = await makePhotos();
  const { seeded, cookie } = await new Promise<{ seeded: Seeded; cookie: string }>((resolve) =>
    process.once('message', resolve),
  );
  process.send!({ type: 'ready' });
  await message(process as unknown as ReturnType<typeof fork>, 'go');
  await Promise.all([
    ...Array.from({ length: UPLOADS }, (_, n) => upload(seeded, photos, n)),
    coldRenders(seeded, cookie),
    unsignedSlackPost(seeded).then((status) => process.stderr.write(`50 MB unsigned Slack POST: ${status}\n`)),
  ]);
  process.send!({ type: 'done' }, () => process.exit(0));
}

// ---- the visitors (parent) ----------------------------------------------------------------------

async function main(): Promise<void> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'maiimg-bench-mixed-'));
  const { loadConfig } = await import('../core/config.js');
  process.stderr.write('drawing the seed images...\n');
  await drawSeed(seedDirOf(dataDir), loadConfig({ DATA_DIR: dataDir }, dataDir).limits.maxAnimationPixels);
  const server = fork(fileURLToPath(import.meta.url), ['--serve', dataDir], {
    // What bin/maiimg.js and the Dockerfile set for `serve`: two glibc malloc arenas.
    env: { ...process.env, MALLOC_ARENA_MAX: '2' },
    execArgv: [
      '--import',
      'tsx',
      ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
    ],
  });
  const heavyWork = fork(fileURLToPath(import.meta.url), ['--load'], { execArgv: ['--import', 'tsx'] });
  try {
    process.stderr.write('starting the server and seeding galleries and animations...\n');
    const seeded = await new Promise<Seeded>((resolve, reject) => {
      server.once('message', (m: { type: string; seeded: Seeded }) => resolve(m.seeded));
      server.once('exit', (code) => reject(new Error(`server exited (${code})`)));
    });
    const opened = await fetch(seeded.base + seeded.page, { headers: { 'user-agent': BROWSER_UA } });
    await opened.arrayBuffer();
    const cookie = (opened.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).join('; ');
    const loadReady = message(heavyWork, 'ready');
    heavyWork.send({ seeded, cookie });
    await loadReady;

    // Warm up, then idle.
    await visitors(seeded, cookie, () => false, 40);
    server.send({ type: 'phase', phase: 'warm-up' });
    const idle = await visitors(seeded, cookie, () => false, IDLE_REQUESTS);
    server.send({ type: 'phase', phase: 'idle' });
    process.stderr.write(`idle: ${idle.length} requests, p99 ${p99(idle).toFixed(1)} ms\n`);

    const ownLoop = monitorEventLoopDelay({ resolution: 5 });
    ownLoop.enable();
    let heavyDone = false;
    const started = performance.now();
    const heavy = message(heavyWork, 'done').finally(() => (heavyDone = true));
    heavyWork.send({ type: 'go' });
    const busy = await visitors(seeded, cookie, () => heavyDone);
    await heavy;
    server.send({ type: 'phase', phase: 'busy' });
    process.stderr.write(
      `  the visitors' process during busy: event-loop delay p99 ${(ownLoop.percentile(99) / 1e6).toFixed(1)} ms, max ${(ownLoop.max / 1e6).toFixed(1)} ms\n`,
    );
    process.stderr.write(
      `busy: ${busy.length} requests over ${((performance.now() - started) / 1000).toFixed(1)} s, p99 ${p99(busy).toFixed(1)} ms\n`,
    );

    const stopped = message<{ peakRssMb: number }>(server, 'stopped');
    server.send({ type: 'stop' });
    const { peakRssMb } = await stopped;
    const idleP99 = p99(idle);
    const busyP99 = p99(busy);
    process.stdout.write(
      JSON.stringify({
        bench: 'mixed',
        idle_p99_ms: Math.round(idleP99 * 10) / 10,
        busy_p99_ms: Math.round(busyP99 * 10) / 10,
        ratio: Math.round((busyP99 / idleP99) * 100) / 100,
        max_ms: Math.round(Math.max(...busy)),
        peak_rss_mb: Math.round(peakRssMb),
      }) + '\n',
    );
  } finally {
    if (server.exitCode === null) server.kill();
    if (heavyWork.exitCode === null) heavyWork.kill();
    await rm(dataDir, { recursive: true, force: true });
    await rm(seedDirOf(dataDir), { recursive: true, force: true });
  }
}

if (process.argv[2] === '--load') {
  load().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else {
  runBench({ main, serve });
}
