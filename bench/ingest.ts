/**
 * npm run bench:ingest — how long from "25 photos received" to "link ready", against a bare sharp
 * pipeline doing the least any image service must do (decode, orient, one 480 px WebP each).
 * Each side runs in its own child process so its peak RSS is its own; sides alternate, and the
 * median of the runs is reported. Last line: one JSON object.
 */
import { fork } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { defaultBatchConcurrency } from '../core/gallery-service.js';
import { peakRssMb } from './bench-process.js';

const PHOTOS = 25;
const WIDTH = 4000;
const HEIGHT = 3000;
const RUNS = 3;

interface PhaseResult {
  ms: number;
  peakRssMb: number;
}

async function makePhotos(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (let i = 0; i < PHOTOS; i++) {
    // Smooth gradients plus grain compress like a real 12 MP photo (about 4-5 MB at quality 90).
    const grain = await sharp({
      create: {
        width: WIDTH,
        height: HEIGHT,
        channels: 3,
        background: '#000',
        noise: { type: 'gaussian', mean: 128, sigma: 18 + (i % 5) },
      },
    })
      .raw()
      .toBuffer();
    const gradient = Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl(${(i * 37) % 360},70%,45%)"/><stop offset="1" stop-color="hsl(${(i * 37 + 140) % 360},60%,70%)"/></linearGradient></defs><rect width="100%" height="100%" fill="url(#g)"/></svg>`,
    );
    const file = path.join(dir, `photo-${String(i + 1).padStart(2, '0')}.jpg`);
    await sharp(gradient)
      .composite([{ input: grain, raw: { width: WIDTH, height: HEIGHT, channels: 3 }, blend: 'overlay' }])
      .withExif({ IFD0: { Make: 'BenchCam', Model: 'B-1', Orientation: '1' } })
      .jpeg({ quality: 90 })
      .toFile(file);
    files.push(file);
  }
  return files;
}

async function runLimited<T>(items: T[], limit: number, worker: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await worker(items[next++]!);
    }),
  );
}

/** The baseline: read, decode, orient, 480 px WebP — with the same parallelism the core uses. */
async function baseline(files: string[]): Promise<void> {
  await runLimited(files, defaultBatchConcurrency(), async (file) => {
    const input = await readFile(file);
    await sharp(input).rotate().resize(480, 480, { fit: 'inside', withoutEnlargement: true }).webp().toBuffer();
  });
}

/** Ours: the core's create-gallery path end to end, as the CLI drives it, until the link and QR are ready. */
async function ours(files: string[], dataDir: string): Promise<number> {
  const { fileFromPath } = await import('../cli/main.js');
  const { loadConfig } = await import('../core/config.js');
  const { openCore } = await import('../core/core-app.js');
  const core = await openCore(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' }, dataDir));
  try {
    const started = performance.now();
    // The files as `maiimg upload` hands them to the core.
    const incoming = await Promise.all(files.map(fileFromPath));
    const outcome = await core.service.createGallery({ owner: { platform: 'cli', userId: 'bench' }, files: incoming });
    if (!outcome.gallery || outcome.accepted.length !== files.length)
      throw new Error(`bench batch failed: ${JSON.stringify(outcome.rejected)}`);
    await core.service.qrCode(outcome.gallery.slug);
    return performance.now() - started;
  } finally {
    await core.close();
  }
}

async function child(): Promise<void> {
  const [phase, listFile, dataDir] = process.argv.slice(3);
  const files = JSON.parse(await readFile(listFile!, 'utf8')) as string[];
  let ms: number;
  if (phase === 'baseline') {
    const started = performance.now();
    await baseline(files);
    ms = performance.now() - started;
  } else {
    ms = await ours(files, dataDir!);
  }
  // Each side is measured in a process of its own.
  process.send!({ ms, peakRssMb: await peakRssMb() });
}

function runPhase(phase: 'ours' | 'baseline', listFile: string, dataDir: string): Promise<PhaseResult> {
  return new Promise((resolve, reject) => {
    const proc = fork(fileURLToPath(import.meta.url), ['--child', phase, listFile, dataDir], {
      execArgv: ['--import', 'tsx'],
    });
    let result: PhaseResult | undefined;
    proc.on('message', (m: PhaseResult) => (result = m));
    proc.on('error', reject);
    proc.on('exit', (code) => {
      if (code !== 0 || !result) return reject(new Error(`${phase} run failed (exit ${code})`));
      resolve(result);
    });
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'maiimg-bench-ingest-'));
  try {
    process.stderr.write(`making ${PHOTOS} photo-like ${WIDTH}x${HEIGHT} JPEGs in ${dir}...\n`);
    const files = await makePhotos(dir);
    const sizes = await Promise.all(files.map(async (f) => (await readFile(f)).length));
    const avgMb = sizes.reduce((a, b) => a + b, 0) / sizes.length / 1024 / 1024;
    process.stderr.write(`average photo: ${avgMb.toFixed(2)} MB\n`);
    const listFile = path.join(dir, 'files.json');
    await writeFile(listFile, JSON.stringify(files));
    const results: Record<'ours' | 'baseline', PhaseResult[]> = { ours: [], baseline: [] };
    for (let run = 0; run < RUNS; run++) {
      for (const phase of ['baseline', 'ours'] as const) {
        const dataDir = await mkdtemp(path.join(dir, `data-${phase}-`));
        const result = await runPhase(phase, listFile, dataDir);
        results[phase].push(result);
        process.stderr.write(
          `run ${run + 1} ${phase}: ${result.ms.toFixed(0)} ms, peak RSS ${result.peakRssMb.toFixed(0)} MB\n`,
        );
        await rm(dataDir, { recursive: true, force: true });
      }
    }
    const oursMs = median(results.ours.map((r) => r.ms));
    const baselineMs = median(results.baseline.map((r) => r.ms));
    const peak = Math.max(...results.ours.map((r) => r.peakRssMb));
    process.stdout.write(`ours (create gallery, link + QR ready): ${oursMs.toFixed(0)} ms\n`);
    process.stdout.write(`baseline (bare sharp: decode, orient, 480 px WebP): ${baselineMs.toFixed(0)} ms\n`);
    process.stdout.write(`peak RSS of ours: ${peak.toFixed(0)} MB; photos: ${PHOTOS} x ${avgMb.toFixed(2)} MB\n`);
    process.stdout.write(
      JSON.stringify({
        bench: 'ingest',
        ours_ms: Math.round(oursMs),
        baseline_ms: Math.round(baselineMs),
        ratio: Math.round((oursMs / baselineMs) * 100) / 100,
        peak_rss_mb: Math.round(peak),
      }) + '\n',
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  child()
    .then(() => process.exit(0))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
} else {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
