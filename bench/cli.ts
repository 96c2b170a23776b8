/**
 * npm run bench:cli — cold starts of the built `maiimg` (dist/, what `npm start` and the bin run),
 * against bare Node started the same way in the same run.
 *
 * In a fresh data folder (SQLite and local files, migrated and holding one gallery before timing),
 * each round spawns, one after the other: `node -e 0`, `maiimg --help`, `maiimg list --json` and
 * `maiimg upload <one small PNG> --json`; ROUNDS rounds, interleaved so a change in the machine's load
 * touches every command alike. `list_unbundled_ms` and `upload_unbundled_ms` are the same two commands
 * run from the compiled modules in dist/cli/ without the bin's choices (the bundle in dist/cli-bundle/
 * and V8's baseline-only WebAssembly, see bin/maiimg.js): what those choices save, in the same run. Wall time from spawn to exit; medians reported. Targets on these
 * 2 cores: --help at most 5 times bare Node, list under 600 ms, a one-photo upload under 1 s.
 * Last line: one JSON object.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const ROUNDS = Number(process.argv[2] ?? 10);
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(REPO, 'bin/maiimg.js');
const UNBUNDLED = path.join(REPO, 'dist/cli/run.js');

if (!existsSync(path.join(REPO, 'dist/cli-bundle/run.js'))) throw new Error('dist/ is not built: run `npm run build`');

const dir = await mkdtemp(path.join(tmpdir(), 'maiimg-bench-cli-'));
const png = path.join(dir, 'photo.png');
await writeFile(
  png,
  await sharp({ create: { width: 64, height: 48, channels: 3, background: '#3a7' } })
    .png()
    .toBuffer(),
);
const env = {
  PATH: process.env.PATH ?? '',
  HOME: dir,
  DATA_DIR: path.join(dir, 'data'),
  LOG_LEVEL: 'silent',
  MAIIMG_CLI_USER: 'bench',
};

function timed(args: string[], check: (stdout: string) => void): number {
  const started = process.hrtime.bigint();
  const run = spawnSync(process.execPath, args, { cwd: dir, env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (run.status !== 0) throw new Error(`${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  check(run.stdout);
  return ms;
}

const commands = {
  node: { args: ['-e', '0'], check: () => {} },
  help: { args: [BIN, '--help'], check: (out: string) => assert(out.includes('upload'), 'help') },
  list: { args: [BIN, 'list', '--json'], check: listCheck },
  upload: { args: [BIN, 'upload', png, '--json'], check: uploadCheck },
  listUnbundled: { args: [UNBUNDLED, 'list', '--json'], check: listCheck },
  uploadUnbundled: { args: [UNBUNDLED, 'upload', png, '--json'], check: uploadCheck },
};

function listCheck(out: string): void {
  assert((JSON.parse(out) as { galleries: unknown[] }).galleries.length > 0, 'list');
}

function uploadCheck(out: string): void {
  assert((JSON.parse(out) as { gallery: unknown }).gallery !== null, 'upload');
}

function assert(ok: boolean, what: string): void {
  if (!ok) throw new Error(`${what}: unexpected output`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

try {
  // The "existing data folder": migrated, with one gallery, before anything is timed.
  timed(commands.upload.args, commands.upload.check);
  const times: Record<keyof typeof commands, number[]> = {
    node: [],
    help: [],
    list: [],
    upload: [],
    listUnbundled: [],
    uploadUnbundled: [],
  };
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, command] of Object.entries(commands) as [keyof typeof commands, (typeof commands)['node']][]) {
      times[name].push(timed(command.args, command.check));
    }
  }
  const round1 = (n: number) => Math.round(n * 10) / 10;
  const result = {
    bench: 'cli',
    rounds: ROUNDS,
    node_ms: round1(median(times.node)),
    help_ms: round1(median(times.help)),
    list_ms: round1(median(times.list)),
    upload_ms: round1(median(times.upload)),
    list_unbundled_ms: round1(median(times.listUnbundled)),
    upload_unbundled_ms: round1(median(times.uploadUnbundled)),
    help_ratio: Math.round((median(times.help) / median(times.node)) * 100) / 100,
    targets_met: {
      help: median(times.help) <= 5 * median(times.node),
      list: median(times.list) < 600,
      upload: median(times.upload) < 1000,
    },
  };
  console.log(JSON.stringify(result));
} finally {
  await rm(dir, { recursive: true, force: true });
}
