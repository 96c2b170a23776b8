/**
 * npm run bench:upload-rss — the memory a running server takes for large anonymous web uploads:
 * six parallel uploads of three ~47 MB PNGs each (the attack in issue 15). The server (the real
 * `createRunningServer`) runs in a child process so its peak RSS is its own; the baseline is the
 * same server's resident memory just before the uploads. `UPLOAD_BYTES_IN_FLIGHT` is raised so
 * every upload is processed rather than refused with 503: what is measured is the pipeline, not
 * the admission cap. Last line: one JSON object.
 */
import { fork } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { message, resetPeakRss, runBench, startBenchServer, stopWhenAsked } from './bench-process.js';

const UPLOADS = 6;
const FILES = 3;
/** 4000 x 4000 of Gaussian noise at PNG compression level 1: about 47 MB, the size in the issue. */
const SIDE = 4000;
const BROWSER_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

// ---- the server (child process) -----------------------------------------------------------------

async function serve(dataDir: string): Promise<void> {
  const { running, base } = await startBenchServer(dataDir, {
    UPLOAD_BYTES_IN_FLIGHT: String(2 * 1024 * 1024 * 1024),
  });
  process.send!({ type: 'ready', base });
  process.on('message', (message: { type: string }) => {
    if (message.type !== 'reset') return;
    void (async () => {
      await resetPeakRss();
      process.send!({ type: 'reset', rssMb: process.memoryUsage().rss / 1024 / 1024 });
    })();
  });
  stopWhenAsked(running);
}

// ---- the uploads (parent) -----------------------------------------------------------------------

async function makePngs(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (let i = 0; i < FILES; i++) {
    const file = path.join(dir, `big-${i}.png`);
    await sharp({
      create: {
        width: SIDE,
        height: SIDE,
        channels: 3,
        background: '#000',
        noise: { type: 'gaussian', mean: 128, sigma: 30 + i },
      },
    })
      .png({ compressionLevel: 1 })
      .toFile(file);
    files.push(file);
  }
  return files;
}

async function upload(base: string, pngs: Buffer[]): Promise<number> {
  const page = await fetch(base + '/', { headers: { 'user-agent': BROWSER_UA } });
  const html = await page.text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  const cookie = (page.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).join('; ');
  if (!csrf) throw new Error('no upload form');
  const form = new FormData();
  pngs.forEach((png, i) => form.append('files', new Blob([new Uint8Array(png)], { type: 'image/png' }), `${i}.png`));
  const response = await fetch(base + '/upload', {
    method: 'POST',
    body: form,
    headers: { accept: 'application/json', origin: base, cookie, 'x-csrf-token': csrf },
  });
  await response.arrayBuffer();
  return response.status;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'maiimg-bench-upload-rss-'));
  const dataDir = path.join(dir, 'data');
  const server = fork(fileURLToPath(import.meta.url), ['--serve', dataDir], { execArgv: ['--import', 'tsx'] });
  try {
    const ready = message<{ base: string }>(server, 'ready');
    process.stderr.write(`making ${FILES} PNGs of ${SIDE} x ${SIDE} noise...\n`);
    const files = await makePngs(dir);
    const pngs = await Promise.all(files.map((file) => readFile(file)));
    const fileMb = pngs.reduce((sum, png) => sum + png.length, 0) / pngs.length / 1024 / 1024;
    process.stderr.write(`average PNG: ${fileMb.toFixed(1)} MB\n`);
    const { base } = await ready;
    const resetting = message<{ rssMb: number }>(server, 'reset');
    server.send({ type: 'reset' });
    const { rssMb: idleRssMb } = await resetting;

    const started = performance.now();
    const statuses = await Promise.all(Array.from({ length: UPLOADS }, () => upload(base, pngs)));
    const ms = performance.now() - started;
    process.stderr.write(`statuses: ${statuses.join(' ')} in ${(ms / 1000).toFixed(1)} s\n`);

    const stopped = message<{ peakRssMb: number }>(server, 'stopped');
    server.send({ type: 'stop' });
    const { peakRssMb } = await stopped;
    process.stdout.write(
      JSON.stringify({
        bench: 'upload-rss',
        uploads: UPLOADS,
        files_per_upload: FILES,
        file_mb: Math.round(fileMb * 10) / 10,
        created: statuses.filter((s) => s === 201).length,
        idle_rss_mb: Math.round(idleRssMb),
        peak_rss_mb: Math.round(peakRssMb),
        seconds: Math.round(ms / 100) / 10,
      }) + '\n',
    );
  } finally {
    if (server.exitCode === null) server.kill();
    await rm(dir, { recursive: true, force: true });
  }
}

runBench({ main, serve });
