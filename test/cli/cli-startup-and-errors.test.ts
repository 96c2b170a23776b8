import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePng } from '../helpers/images.js';

/**
 * What a command loads before it answers, and how it refuses in `--json` mode: one
 * `{ "error": { code, message } }` object on stdout with the documented exit code.
 */
const BIN = path.resolve('scripts/maiimg-source.mjs');
const LOG_PACKAGES = path.resolve('test/helpers/log-packages.mjs');
const HEAVY = ['sharp', '@aws-sdk/client-s3', '@prisma/client', 'pg', 'ioredis'];
const BOT_SDKS = ['telegraf', 'discord.js', '@slack/bolt', '@slack/web-api'];
/**
 * What `list` on the default configuration (SQLite, local files, shared state in memory) never
 * needs: the image pipeline, the QR code, the other database, store and shared-state drivers,
 * libsql's remote clients (a SQLite file is local), metrics, and the visit writer's lookups (its
 * thread starts with the first visit).
 */
const NOT_FOR_LIST = [
  'sharp',
  'file-type',
  'qrcode',
  '@aws-sdk/client-s3',
  'pg',
  '@prisma/adapter-pg',
  'ioredis',
  '@libsql/hrana-client',
  '@libsql/isomorphic-fetch',
  '@libsql/isomorphic-ws',
  'ws',
  'prom-client',
  'geoip-lite',
  'ua-parser-js',
];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let dir: string;
let env: NodeJS.ProcessEnv;

function maiimg(
  args: string[],
  options: {
    user?: string;
    env?: NodeJS.ProcessEnv;
    node?: string[];
    cwd?: string;
    execPath?: string;
  } = {},
) {
  return new Promise<Run>((resolve) => {
    execFile(
      options.execPath ?? process.execPath,
      [...(options.node ?? []), BIN, ...args],
      {
        cwd: options.cwd ?? dir,
        env: { ...env, MAIIMG_CLI_USER: options.user ?? 'alice', ...options.env },
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

const loadedPackages = (run: Run) => [...run.stderr.matchAll(/^loaded-package (\S+)$/gm)].map((m) => m[1]);

/**
 * Root may write anywhere, by its capability to override file permissions. As root the command runs
 * without it (util-linux's setpriv drops it), so root meets a folder it may not write to as any
 * other user does, as a container's `node` user meets a volume owned by root.
 */
const WITHOUT_OVERRIDE =
  process.getuid?.() === 0
    ? {
        execPath: 'setpriv',
        node: [
          '--inh-caps=-dac_override,-dac_read_search',
          '--bounding-set=-dac_override,-dac_read_search',
          process.execPath,
        ],
      }
    : {};

function jsonError(run: Run): { code: string; message: string } {
  const body = JSON.parse(run.stdout) as { error: { code: string; message: string } };
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message']);
  expect(body.error.message.length).toBeGreaterThan(3);
  return body.error;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'maiimg-cli-errors-'));
  env = { PATH: process.env.PATH, HOME: dir, DATA_DIR: path.join(dir, 'data'), LOG_LEVEL: 'silent' };
  await writeFile(path.join(dir, 'one.png'), await makePng(40, 30, 5));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('maiimg loads only what a command uses', () => {
  it('--help loads no image library, storage client, database client or bot SDK', async () => {
    const run = await maiimg(['--help'], { node: ['--import', LOG_PACKAGES] });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('upload');
    const loaded = loadedPackages(run);
    expect(loaded).toContain('commander'); // the hook does see packages
    for (const name of [...HEAVY, ...BOT_SDKS]) expect(loaded).not.toContain(name);
  });

  it('list --json on SQLite and local files loads neither the image pipeline nor another driver, nor a bot SDK', async () => {
    const run = await maiimg(['list', '--json'], { node: ['--import', LOG_PACKAGES] });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ galleries: [] });
    const loaded = loadedPackages(run);
    expect(loaded).toContain('@prisma/client');
    expect(loaded).toContain('@prisma/adapter-libsql');
    expect(loaded).toContain('libsql'); // required, not imported: the report sees those too
    for (const name of [...NOT_FOR_LIST, ...BOT_SDKS]) expect(loaded).not.toContain(name);
  });

  it('reads a .env in the working folder (dotenv is loaded only when there is one)', async () => {
    const folder = path.join(dir, 'with-env');
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, '.env'), 'PUBLIC_BASE_URL=https://from-dotenv.example\n');
    const made = await maiimg(['upload', path.join(dir, 'one.png'), '--json'], { cwd: folder, user: 'dotenv' });
    expect(made.code, made.stderr).toBe(0);
    expect((JSON.parse(made.stdout) as { gallery: { url: string } }).gallery.url).toMatch(
      /^https:\/\/from-dotenv\.example\/g\//,
    );
    const without = await maiimg(['list', '--json'], { user: 'dotenv', node: ['--import', LOG_PACKAGES] });
    expect(loadedPackages(without)).not.toContain('dotenv');
  });

  it('upload --json loads the image pipeline and QR code, but no other driver or bot SDK', async () => {
    const run = await maiimg(['upload', path.join(dir, 'one.png'), '--json'], {
      node: ['--import', LOG_PACKAGES],
      user: 'loader',
    });
    expect(run.code, run.stderr).toBe(0);
    const loaded = loadedPackages(run);
    for (const name of ['sharp', 'file-type', 'qrcode']) expect(loaded).toContain(name);
    const unused = ['@aws-sdk/client-s3', 'pg', '@prisma/adapter-pg', 'ioredis', 'prom-client', 'geoip-lite', 'ws'];
    for (const name of [...unused, ...BOT_SDKS]) expect(loaded).not.toContain(name);
  });
});

describe('maiimg --json refusals', () => {
  it('TOO_MANY_FILES: one error object on stdout, exit 2', async () => {
    const many = Array.from({ length: 26 }, () => path.join(dir, 'one.png'));
    const run = await maiimg(['upload', ...many, '--json']);
    expect(run.code).toBe(2);
    const error = jsonError(run);
    expect(error.code).toBe('TOO_MANY_FILES');
    expect(error.message).toMatch(/26/);
    expect(run.stderr).not.toMatch(/26/);
  });

  it('FILE_UNREADABLE for a path that cannot be read, exit 2', async () => {
    const run = await maiimg(['upload', path.join(dir, 'missing.png'), '--json']);
    expect(run.code).toBe(2);
    expect(jsonError(run).code).toBe('FILE_UNREADABLE');
    expect(JSON.parse(run.stdout)).toMatchObject({ gallery: null, rejected: [{ file: 'missing.png' }] });
  });

  it('GALLERY_NOT_FOUND and NOT_OWNER, exit 1', async () => {
    const unknown = await maiimg(['show', 'AAAAAAAAAAAAAAAAAAAAAA', '--json']);
    expect(unknown.code).toBe(1);
    expect(jsonError(unknown).code).toBe('GALLERY_NOT_FOUND');

    const made = await maiimg(['upload', path.join(dir, 'one.png'), '--json']);
    expect(made.code, made.stdout + made.stderr).toBe(0);
    const slug = (JSON.parse(made.stdout) as { gallery: { slug: string } }).gallery.slug;
    const other = await maiimg(['disable', slug, '--json'], { user: 'mallory' });
    expect(other.code).toBe(1);
    expect(jsonError(other).code).toBe('NOT_OWNER');
  });

  it('INVALID_OPTION for a value that does not parse, an unknown option and an empty `set`, exit 1', async () => {
    for (const args of [
      ['upload', path.join(dir, 'one.png'), '--max-views', 'lots', '--json'],
      ['list', '--colour', '--json'],
      ['set', 'AAAAAAAAAAAAAAAAAAAAAA', '--json'],
    ]) {
      const run = await maiimg(args);
      expect(run.code, args.join(' ')).toBe(1);
      expect(jsonError(run).code).toBe('INVALID_OPTION');
      expect(run.stderr).toBe('');
    }
  });

  it('DATABASE_UNAVAILABLE says why, for whoever runs the service: exit 1', async () => {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const run = await maiimg(['list', '--json'], { env: { DATABASE_URL: 'postgresql://maiimg@127.0.0.1:1/maiimg' } });
    expect(run.code).toBe(1);
    const error = jsonError(run);
    expect(error.code).toBe('DATABASE_UNAVAILABLE');
    expect(error.message).toContain('ECONNREFUSED 127.0.0.1:1');
    expect(error.message).toContain('DATABASE_URL');

    const text = await maiimg(['serve'], {
      env: { DATABASE_URL: 'postgresql://maiimg@127.0.0.1:1/maiimg', PORT: '0' },
    });
    expect(text.code).toBe(1);
    expect(text.stderr).toMatch(/^Cannot reach the database: connect ECONNREFUSED 127\.0\.0\.1:1\./);
  });

  it('STORAGE_UNAVAILABLE says why too: an S3 endpoint that refuses connections, exit 1', async () => {
    const run = await maiimg(['upload', path.join(dir, 'one.png'), '--json'], {
      env: {
        DATA_DIR: path.join(dir, 's3-data'),
        STORAGE_DRIVER: 's3',
        S3_BUCKET: 'photos',
        S3_ENDPOINT: 'http://127.0.0.1:1',
        S3_ACCESS_KEY_ID: 'key',
        S3_SECRET_ACCESS_KEY: 'secret',
        S3_FORCE_PATH_STYLE: 'true',
      },
    });
    expect(run.code).toBe(1);
    const error = jsonError(run);
    expect(error.code).toBe('STORAGE_UNAVAILABLE');
    expect(error.message).toContain('ECONNREFUSED 127.0.0.1:1');
    expect(error.message).toContain('S3_');
  });

  it('FOLDER_NOT_WRITABLE names the folder and the user when the data folder cannot be written, exit 1', async () => {
    const locked = await mkdtemp(path.join(tmpdir(), 'maiimg-locked-'));
    try {
      await chmod(locked, 0o555);
      const run = await maiimg(['list', '--json'], {
        env: { DATA_DIR: path.join(locked, 'data') },
        ...WITHOUT_OVERRIDE,
      });
      expect(run.code, run.stderr).toBe(1);
      const error = jsonError(run);
      expect(error.code).toBe('FOLDER_NOT_WRITABLE');
      expect(error.message).toContain(path.join(locked, 'data'));
      expect(error.message).toContain(`uid ${process.getuid?.()}`);
    } finally {
      await rm(locked, { recursive: true, force: true });
    }
  });

  it('CONFIG_INVALID for a bad configuration, exit 1', async () => {
    const run = await maiimg(['list', '--json'], { env: { PORT: 'abc' } });
    expect(run.code).toBe(1);
    const error = jsonError(run);
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('PORT');
  });
});
