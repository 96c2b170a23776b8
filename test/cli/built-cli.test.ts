import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliSandbox, runMaiimg, type CliSandbox } from '../helpers/cli-run.js';
import { freshPostgres } from '../helpers/databases.js';
import { makePng } from '../helpers/images.js';

/**
 * The shipped bin runs every command but `serve` from dist/cli-bundle/ (scripts/bundle-cli.mjs), the
 * compiled code bundled with zod, commander and Prisma's runtime. These tests run that bundle as a
 * person would: on a new data folder (so its migrations are found and applied), on SQLite and on
 * PostgreSQL (each client finds its own query compiler), and with the refusals of `--json` mode.
 */
const LOG_PACKAGES = path.resolve('test/helpers/log-packages.mjs');
const BOT_SDKS = ['telegraf', 'discord.js', '@slack/bolt', '@slack/web-api'];

let cli: CliSandbox;
let photo: string;

beforeAll(async () => {
  cli = await cliSandbox('maiimg-built-cli-', 'built');
  photo = path.join(cli.dir, 'photo.png');
  await writeFile(photo, await makePng(48, 32, 7));
});

afterAll(async () => {
  await cli.remove();
});

interface Made {
  gallery: { slug: string; url: string; qrPng: string };
  accepted: unknown[];
}

describe('the built maiimg', () => {
  it('makes, lists, changes, counts and deletes a gallery on a new data folder', async () => {
    const made = await cli.json<Made>(['upload', photo, '--title', 'Built']);
    expect(made.gallery.url).toBe(`https://gallery.example/g/${made.gallery.slug}`);
    expect(made.accepted).toHaveLength(1);
    expect(Buffer.from(made.gallery.qrPng, 'base64').subarray(1, 4).toString()).toBe('PNG');

    const listed = await cli.json<{ galleries: { slug: string; title: string }[] }>(['list']);
    expect(listed.galleries).toEqual([expect.objectContaining({ slug: made.gallery.slug, title: 'Built' })]);

    const changed = await cli.json<{ maxOpens: number | null }>(['set', made.gallery.slug, '--max-views', '3']);
    expect(changed.maxOpens).toBe(3);
    const stats = await cli.json<{ imageCount: number; humanOpens: number }>(['stats', made.gallery.slug]);
    expect(stats).toMatchObject({ imageCount: 1, humanOpens: 0 });

    expect(await cli.json(['delete', made.gallery.slug])).toEqual({ deleted: made.gallery.slug, scope: 'gallery' });
    // Nothing on stderr either: the bin's V8 flag would print "unrecognized flag" there if a Node
    // upgrade dropped it.
    const empty = await cli.maiimg(['list', '--json']);
    expect(empty.stderr).toBe('');
    expect(JSON.parse(empty.stdout)).toEqual({ galleries: [] });
  });

  it('refuses in JSON: an unknown gallery, and an unknown option', async () => {
    const missing = await cli.maiimg(['show', 'AAAAAAAAAAAAAAAAAAAAAA', '--json']);
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout)).toEqual({ error: { code: 'GALLERY_NOT_FOUND', message: expect.any(String) } });

    const refused = await cli.maiimg(['list', '--colour', '--json']);
    expect(refused.code).toBe(1);
    expect((JSON.parse(refused.stdout) as { error: { code: string } }).error.code).toBe('INVALID_OPTION');
  });

  it('loads zod, commander and Prisma’s runtime from its bundle, and no bot SDK', async () => {
    const run = await runMaiimg(['list', '--json'], {
      cwd: cli.dir,
      env: cli.env,
      user: 'alice',
      build: 'built',
      node: ['--import', LOG_PACKAGES],
    });
    expect(run.code, run.stderr).toBe(0);
    const loaded = [...run.stderr.matchAll(/^loaded-package (\S+)$/gm)].map((m) => m[1]);
    expect(loaded).toContain('@prisma/adapter-libsql'); // the hook does see packages
    for (const name of ['zod', 'commander', '@prisma/client', ...BOT_SDKS]) expect(loaded).not.toContain(name);
  });

  it('works on PostgreSQL, migrating a new schema first', async () => {
    const db = await freshPostgres({ migrate: false });
    try {
      const env = { ...cli.env, DATABASE_URL: db.database.url };
      const run = (args: string[]) => runMaiimg([...args, '--json'], { cwd: cli.dir, env, user: 'pg', build: 'built' });
      const made = await run(['upload', photo]);
      expect(made.code, made.stderr).toBe(0);
      const slug = (JSON.parse(made.stdout) as Made).gallery.slug;
      const listed = await run(['list']);
      expect(listed.code, listed.stderr).toBe(0);
      expect((JSON.parse(listed.stdout) as { galleries: { slug: string }[] }).galleries.map((g) => g.slug)).toEqual([
        slug,
      ]);
    } finally {
      await db.cleanup();
    }
  });
});
