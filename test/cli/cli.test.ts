import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliSandbox, runMaiimg, type CliSandbox } from '../helpers/cli-run.js';
import { makeGif, makeJpeg, makePng, svgFile, textFile } from '../helpers/images.js';

/**
 * The `maiimg` terminal adapter, run the way a person runs it: `maiimg ...` (from the source) in a child
 * process with its own data directory, checking what it prints and how it exits.
 */

let cli: CliSandbox;
const files: Record<string, string> = {};

beforeAll(async () => {
  cli = await cliSandbox('maiimg-cli-');
  const write = async (name: string, bytes: Buffer) => {
    files[name] = path.join(cli.dir, name);
    await writeFile(files[name], bytes);
  };
  await write('beach.jpg', await makeJpeg(640, 480, 1));
  await write('map.png', await makePng(300, 200, 2));
  await write('wave.gif', await makeGif(32, 32, 3));
  await write('notes.jpg', textFile());
  await write('logo.svg', svgFile());
  await write('unique.jpg', await makeJpeg(200, 150, 77));
  for (let i = 0; i < 26; i++) await write(`many-${i}.png`, await makePng(16, 16, 100 + i));
});

afterAll(async () => {
  await cli.remove();
});

describe('maiimg upload', () => {
  it('makes a gallery of the valid files, reports every rejected one by name, and prints one JSON object', async () => {
    const run = await cli.maiimg([
      'upload',
      files['beach.jpg']!,
      files['map.png']!,
      files['notes.jpg']!,
      files['wave.gif']!,
      files['logo.svg']!,
      '--title',
      'Holiday',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as {
      gallery: { slug: string; url: string; qrPng: string };
      accepted: Array<{ file: string; format: string; width: number; height: number; bytes: number }>;
      rejected: Array<{ file: string; code: string; message: string }>;
    };
    expect(result.gallery.slug).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    expect(result.gallery.url).toBe(`https://gallery.example/g/${result.gallery.slug}`);
    const qr = await sharp(Buffer.from(result.gallery.qrPng, 'base64')).metadata();
    expect(qr.format).toBe('png');
    expect(qr.width).toBeGreaterThanOrEqual(512);
    expect(result.accepted).toEqual([
      { file: 'beach.jpg', format: 'jpeg', width: 640, height: 480, bytes: expect.any(Number) },
      { file: 'map.png', format: 'png', width: 300, height: 200, bytes: expect.any(Number) },
      { file: 'wave.gif', format: 'gif', width: 32, height: 32, bytes: expect.any(Number) },
    ]);
    expect(result.rejected.map((r) => [r.file, r.code])).toEqual([
      ['notes.jpg', 'UNSUPPORTED_FORMAT'],
      ['logo.svg', 'UNSUPPORTED_FORMAT'],
    ]);
    expect(result.rejected[0]!.message.length).toBeGreaterThan(10);
  });

  it('prints the link, a terminal QR code and the rejected files in text mode', async () => {
    const run = await cli.maiimg(['upload', files['beach.jpg']!, files['notes.jpg']!]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/https:\/\/gallery\.example\/g\/[A-Za-z0-9_-]{22,}/);
    // The terminal rendering of the QR code draws with block characters, many lines of it.
    expect(run.stdout.split('\n').filter((line) => /[█▀▄]/.test(line)).length).toBeGreaterThan(10);
    expect(run.stdout).toContain('notes.jpg');
  });

  it('refuses 26 files as a whole, exit 2, nothing stored', async () => {
    const before = await cli.json<{ galleries: unknown[] }>(['list'], 'carol');
    const many = Array.from({ length: 26 }, (_, i) => files[`many-${i}.png`]!);
    const run = await cli.maiimg(['upload', ...many], 'carol');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/26/);
    expect(run.stderr).toMatch(/25/);
    expect((await cli.json<{ galleries: unknown[] }>(['list'], 'carol')).galleries).toHaveLength(
      before.galleries.length,
    );
  });

  it('makes no gallery when nothing is valid, exit 2', async () => {
    const run = await cli.maiimg(['upload', files['notes.jpg']!, files['logo.svg']!, '--json'], 'dave');
    expect(run.code).toBe(2);
    const result = JSON.parse(run.stdout) as { gallery: unknown; rejected: unknown[] };
    expect(result.gallery).toBeNull();
    expect(result.rejected).toHaveLength(2);
    expect((await cli.json<{ galleries: unknown[] }>(['list'], 'dave')).galleries).toHaveLength(0);
  });

  it('names a file it cannot read instead of failing the batch', async () => {
    const result = await cli.json<{ rejected: Array<{ file: string; code: string }> }>(
      ['upload', files['map.png']!, path.join(cli.dir, 'missing.png')],
      'erin',
    );
    expect(result.rejected).toEqual([expect.objectContaining({ file: 'missing.png', code: 'FILE_UNREADABLE' })]);
  });
});

describe('managing a link from the terminal', () => {
  let slug: string;
  let url: string;
  beforeAll(async () => {
    const made = await cli.json<{ gallery: { slug: string; url: string } }>(
      ['upload', files['beach.jpg']!, files['map.png']!, '--max-views', '10', '--expires', '7d'],
      'frank',
    );
    ({ slug, url } = made.gallery);
  });

  it('lists and shows the owner’s galleries, by slug or by full link', async () => {
    const list = await cli.json<{ galleries: Array<{ slug: string }> }>(['list'], 'frank');
    expect(list.galleries.map((g) => g.slug)).toContain(slug);
    const shown = await cli.json<{ slug: string; maxOpens: number; expiresAt: string; images: unknown[] }>(
      ['show', url],
      'frank',
    );
    expect(shown.slug).toBe(slug);
    expect(shown.maxOpens).toBe(10);
    expect(Date.parse(shown.expiresAt) - Date.now()).toBeGreaterThan(6.9 * 24 * 3600 * 1000);
    expect(shown.images).toHaveLength(2);
  });

  it('disables and re-enables, keeping the images', async () => {
    expect((await cli.json<{ state: string }>(['disable', slug], 'frank')).state).toBe('disabled');
    expect((await cli.json<{ state: string; images: unknown[] }>(['show', slug], 'frank')).state).toBe('disabled');
    const enabled = await cli.json<{ state: string; images: unknown[] }>(['enable', slug], 'frank');
    expect(enabled.state).toBe('active');
    expect(enabled.images).toHaveLength(2);
  });

  it('changes and clears settings; the password is never shown back', async () => {
    const set = await cli.json<Record<string, unknown>>(
      ['set', slug, '--password', 'open sesame', '--no-download', '--max-views', '3', '--title', 'Renamed'],
      'frank',
    );
    expect(set).toMatchObject({ passwordProtected: true, downloadsAllowed: false, maxOpens: 3, title: 'Renamed' });
    expect(JSON.stringify(set)).not.toContain('open sesame');
    const cleared = await cli.json<Record<string, unknown>>(
      ['set', slug, '--no-password', '--download', '--no-max-views', '--no-expiry'],
      'frank',
    );
    expect(cleared).toMatchObject({
      passwordProtected: false,
      downloadsAllowed: true,
      maxOpens: null,
      expiresAt: null,
    });
  });

  it('refuses someone else, and unknown links, with the catalogue’s sentence', async () => {
    const other = await cli.maiimg(['disable', slug], 'mallory');
    expect(other.code).toBe(1);
    expect(other.stderr.trim().length).toBeGreaterThan(5);
    expect((await cli.json<{ state: string }>(['show', slug], 'frank')).state).toBe('active');
    const unknown = await cli.maiimg(['show', 'AAAAAAAAAAAAAAAAAAAAAA'], 'frank');
    expect(unknown.code).toBe(1);
  });

  it('reports stats as JSON', async () => {
    const stats = await cli.json<Record<string, unknown>>(['stats', slug], 'frank');
    expect(stats).toMatchObject({ humanOpens: 0 });
  });

  it('deletes the gallery and its stored files, keeping files another gallery shares', async () => {
    // wave.gif is in alice's gallery too (stored once by content): it must survive this delete.
    const own = await cli.json<{ gallery: { slug: string } }>(
      ['upload', files['unique.jpg']!, files['wave.gif']!],
      'grace',
    );
    const storeDir = path.join(cli.dir, 'data', 'files');
    const countFiles = async (): Promise<number> =>
      (await readdir(storeDir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).length;
    const before = await countFiles();
    expect(await cli.json<{ deleted: string }>(['delete', own.gallery.slug], 'grace')).toEqual({
      deleted: own.gallery.slug,
      scope: 'gallery',
    });
    // unique.jpg's original and thumbnail are gone; the shared GIF's are not.
    expect(await countFiles()).toBe(before - 2);
    expect((await cli.maiimg(['show', own.gallery.slug], 'grace')).code).toBe(1);
  });
});

describe('maiimg configuration', () => {
  it('lists every configuration problem at once and exits 1', async () => {
    const run = await runMaiimg(['list'], {
      cwd: cli.dir,
      env: { ...cli.env, PORT: 'abc', STORAGE_DRIVER: 'ftp' },
      user: 'alice',
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('PORT');
    expect(run.stderr).toContain('STORAGE_DRIVER');
  });
});
