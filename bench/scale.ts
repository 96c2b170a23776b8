/**
 * npm run bench:scale — the gallery page under the same load against one web instance, then two,
 * all on PostgreSQL, in one run. The instances are real `maiimg serve` processes (ROLE=web) sharing a
 * fresh schema of the local PostgreSQL server and one local store folder. The load is the same in
 * both phases: two autocannon processes of 10 connections each for 10 s (both aimed at the one
 * instance, then one at each), so the only thing that changes is the number of instances.
 * Then an exact-accounting run (a fixed number of requests through both instances, then SIGTERM)
 * checks that every 200 answered is exactly one recorded open.
 * It also samples CPU use (the machine's, each instance's, PostgreSQL's, autocannon's and what else
 * ran meanwhile), which is what decides the figures on a small machine. Last line: one JSON object.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import sharp from 'sharp';
import { loadConfig } from '../core/config.js';
import { openCore } from '../core/core-app.js';
import { startServerProcess, type ServerProcess } from '../test/helpers/server-process.js';
import { freePort } from '../test/helpers/test-core.js';

const LOAD_PROCESSES = 2;
const CONNECTIONS_EACH = 10;
const DURATION_S = 10;
const ACCOUNTING_REQUESTS_EACH = 1500;
const BROWSER_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const AUTOCANNON = path.resolve('node_modules/.bin/autocannon');
const POSTGRES_CANDIDATES = ['postgresql://postgres@127.0.0.1:5432/test', 'postgresql://root@127.0.0.1:5432/test'];

interface CannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  '2xx': number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodeStats?: Record<string, { count: number }>;
}

/** One autocannon process; resolves with its JSON result and its pid (for CPU accounting). */
function cannon(url: string, args: string[], onPid: (pid: number) => void = () => {}): Promise<CannonResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      AUTOCANNON,
      ['-c', String(CONNECTIONS_EACH), '-H', `user-agent=${BROWSER_UA}`, '-j', ...args, url],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    if (child.pid) onPid(child.pid);
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited with ${code}: ${err}`));
      resolve(JSON.parse(out) as CannonResult);
    });
  });
}

/** Several autocannon processes at once; their results added up (throughput) or worst-of (p99). */
async function load(
  urls: string[],
  args: string[],
  pids: Set<number>,
): Promise<{
  rps: number;
  ok: number;
  non2xx: number;
  errors: number;
  p99: number;
  p50: number;
  statuses: Record<string, number>;
}> {
  const results = await Promise.all(urls.map((url) => cannon(url, args, (pid) => pids.add(pid))));
  return {
    rps: results.reduce((sum, r) => sum + r.requests.average, 0),
    ok: results.reduce((sum, r) => sum + r['2xx'], 0),
    non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
    errors: results.reduce((sum, r) => sum + r.errors + r.timeouts, 0),
    p99: Math.max(...results.map((r) => r.latency.p99)),
    p50: Math.max(...results.map((r) => r.latency.p50)),
    statuses: results.reduce<Record<string, number>>((all, r) => {
      for (const [code, { count }] of Object.entries(r.statusCodeStats ?? {})) all[code] = (all[code] ?? 0) + count;
      return all;
    }, {}),
  };
}

// ---- CPU accounting from /proc (Linux) -----------------------------------------------------------

const TICKS_PER_S = 100;

async function processTicks(pid: number): Promise<number> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line; here (after "pid (comm) ") 12 and 13.
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

async function postgresPids(): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const comm = await readFile(`/proc/${entry}/comm`, 'utf8').catch(() => '');
    if (comm.trim() === 'postgres') pids.push(Number(entry));
  }
  return pids;
}

async function machineTicks(): Promise<{ busy: number; total: number }> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!;
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = values[3]! + (values[4] ?? 0);
  const total = values.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** CPU of this process's children that have ended: the autocannon runs (cutime + cstime). */
async function endedChildrenTicks(): Promise<number> {
  const stat = await readFile('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[13]) + Number(fields[14]);
}

interface CpuSnapshot {
  at: number;
  machine: { busy: number; total: number };
  servers: number[];
  postgres: number;
  loadGenerator: number;
}

async function snapshot(servers: ServerProcess[]): Promise<CpuSnapshot> {
  const pgPids = await postgresPids();
  return {
    at: Date.now(),
    machine: await machineTicks(),
    servers: await Promise.all(servers.map((s) => processTicks(s.child.pid!))),
    postgres: (await Promise.all(pgPids.map(processTicks))).reduce((a, b) => a + b, 0),
    loadGenerator: await endedChildrenTicks(),
  };
}

/** Cores used on average between two snapshots, by the machine, each server and PostgreSQL. */
function coresUsed(before: CpuSnapshot, after: CpuSnapshot, cores: number) {
  const seconds = (after.at - before.at) / 1000;
  const cpu = (ticks: number) => Math.round((ticks / TICKS_PER_S / seconds) * 100) / 100;
  const machineBusy = (after.machine.busy - before.machine.busy) / (after.machine.total - before.machine.total);
  const used = {
    machine: Math.round(machineBusy * cores * 100) / 100,
    servers: after.servers.map((ticks, i) => cpu(ticks - (before.servers[i] ?? 0))),
    postgres: cpu(after.postgres - before.postgres),
    loadGenerator: cpu(after.loadGenerator - before.loadGenerator),
  };
  // Whatever else ran on the machine meanwhile (other work on a shared machine shows up here).
  const other = Math.max(
    0,
    Math.round((used.machine - used.servers.reduce((a, b) => a + b, 0) - used.postgres - used.loadGenerator) * 100) /
      100,
  );
  return { ...used, other };
}

// ---- the run ---------------------------------------------------------------------------------------

async function postgresBase(): Promise<string> {
  for (const url of POSTGRES_CANDIDATES) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return url;
    } catch {
      await client.end().catch(() => undefined);
    }
  }
  throw new Error(`no PostgreSQL server at ${POSTGRES_CANDIDATES.join(' or ')}`);
}

async function main(): Promise<void> {
  const cores = (await readFile('/proc/cpuinfo', 'utf8')).split('\n').filter((l) => l.startsWith('processor')).length;
  const base = await postgresBase();
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  const databaseUrl = `${base}?schema=${schema}`;
  const dir = await mkdtemp(path.join(tmpdir(), 'maiimg-bench-scale-'));
  const env = {
    DATABASE_URL: databaseUrl,
    STORAGE_DRIVER: 'local',
    STORAGE_DIR: path.join(dir, 'files'),
    SESSION_SECRET: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'warn',
    DEFAULT_LOCALE: 'en',
    ROLE: 'web',
    // All the load comes from one address: a per-IP limit would measure itself, not the instances.
    NOT_FOUND_RATE_LIMIT: 'off',
  };
  const servers: ServerProcess[] = [];
  const dropSchema = async () => {
    const client = new pg.Client({ connectionString: base });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  };
  try {
    // The galleries are made in this process (the same core the instances run), then it lets go.
    const config = loadConfig({ ...env, DATA_DIR: path.join(dir, 'setup'), PORT: '0' }, dir);
    const core = await openCore(config, { analyticsJobs: false, processMetrics: false });
    const files = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => ({
        name: `photo-${i + 1}.jpg`,
        data: await sharp({
          create: { width: 1200, height: 800, channels: 3, background: { r: (i * 20) % 255, g: 120, b: 200 } },
        })
          .jpeg()
          .toBuffer(),
      })),
    );
    const owner = { platform: 'cli' as const, userId: 'bench' };
    const { gallery } = await core.service.createGallery({ owner, files, options: { title: 'Benchmark gallery' } });
    const { gallery: counted } = await core.service.createGallery({ owner, files: files.slice(0, 3) });
    await core.close();

    const start = async (name: string) => {
      const instance = await startServerProcess(name, {
        ...env,
        PORT: String(await freePort()),
        DATA_DIR: path.join(dir, name),
      });
      servers.push(instance);
      return instance;
    };
    const page = (instance: ServerProcess, slug: string) => `${instance.url}/g/${slug}`;
    const cannonPids = new Set<number>();

    const one = await start('web-1');
    process.stderr.write(
      `cores: ${cores}; load: ${LOAD_PROCESSES} autocannon processes x ${CONNECTIONS_EACH} connections, ${DURATION_S} s per phase\n`,
    );
    await load([page(one, gallery!.slug)], ['-d', '2'], cannonPids);
    let before = await snapshot(servers);
    const oneRun = await load(
      Array(LOAD_PROCESSES).fill(page(one, gallery!.slug)),
      ['-d', String(DURATION_S)],
      cannonPids,
    );
    const oneCpu = coresUsed(before, await snapshot(servers), cores);
    process.stderr.write(
      `one instance:  ${Math.round(oneRun.rps)} req/s, p50 ${oneRun.p50} ms, p99 ${oneRun.p99} ms; cores busy ${oneCpu.machine}/${cores}: web-1 ${oneCpu.servers[0]}, postgres ${oneCpu.postgres}, autocannon ${oneCpu.loadGenerator}, other ${oneCpu.other}; statuses ${JSON.stringify(oneRun.statuses)}\n`,
    );

    const two = await start('web-2');
    await load([page(two, gallery!.slug)], ['-d', '2'], cannonPids);
    before = await snapshot(servers);
    const twoRun = await load(
      [page(one, gallery!.slug), page(two, gallery!.slug)],
      ['-d', String(DURATION_S)],
      cannonPids,
    );
    const twoCpu = coresUsed(before, await snapshot(servers), cores);
    process.stderr.write(
      `two instances: ${Math.round(twoRun.rps)} req/s, p50 ${twoRun.p50} ms, p99 ${twoRun.p99} ms; cores busy ${twoCpu.machine}/${cores}: web-1 ${twoCpu.servers[0]}, web-2 ${twoCpu.servers[1]}, postgres ${twoCpu.postgres}, autocannon ${twoCpu.loadGenerator}, other ${twoCpu.other}; statuses ${JSON.stringify(twoRun.statuses)}\n`,
    );

    // Exact accounting: a fixed number of requests through both instances, then a graceful stop.
    const accounting = await load(
      [page(one, counted!.slug), page(two, counted!.slug)],
      ['-a', String(ACCOUNTING_REQUESTS_EACH)],
      cannonPids,
    );
    const codes = await Promise.all(servers.map((s) => s.stop('SIGTERM')));
    const client = new pg.Client({ connectionString: base, options: `-c search_path="${schema}"` });
    await client.connect();
    const { rows } = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM visits v JOIN galleries g ON g.id = v.gallery_id WHERE g.slug = $1 AND v.kind = 'human'`,
      [counted!.slug],
    );
    await client.end();
    const recorded = Number(rows[0]!.n);

    const result = {
      bench: 'scale',
      one_rps: Math.round(oneRun.rps),
      two_rps: Math.round(twoRun.rps),
      ratio: Math.round((twoRun.rps / oneRun.rps) * 100) / 100,
      recorded,
      ok_responses: accounting.ok,
    };
    const exact =
      recorded === accounting.ok &&
      accounting.non2xx === 0 &&
      accounting.errors === 0 &&
      codes.every((code) => code === 0);
    process.stderr.write(
      exact
        ? 'OK: every open answered was recorded exactly once; both instances stopped cleanly\n'
        : `NOT OK: accounting ${JSON.stringify(accounting)}, exit codes ${codes.join(',')}\n`,
    );
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exitCode = exact ? 0 : 1;
  } finally {
    await Promise.all(servers.map((s) => s.stop('SIGKILL')));
    await dropSchema().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
