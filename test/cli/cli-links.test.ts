import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMaiimg, type CliRun } from '../helpers/cli-run.js';
import { makeJpeg } from '../helpers/images.js';

/** `maiimg share`, `links`, and disable / enable / delete given a share link, run as a person runs them. */

let dir: string;
let env: NodeJS.ProcessEnv;
let photo: string;

function maiimg(args: string[], user = 'alice'): Promise<CliRun> {
  return runMaiimg(args, { cwd: dir, env, user });
}

async function json<T = Record<string, unknown>>(args: string[], user?: string): Promise<T> {
  const run = await maiimg([...args, '--json'], user);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as T;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'maiimg-cli-links-'));
  env = {
    PATH: process.env.PATH,
    HOME: dir,
    DATA_DIR: path.join(dir, 'data'),
    PUBLIC_BASE_URL: 'https://gallery.example',
    LOG_LEVEL: 'silent',
  };
  photo = path.join(dir, 'beach.jpg');
  await writeFile(photo, await makeJpeg(320, 240, 1));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface LinkJson {
  slug: string;
  url: string;
  first: boolean;
  label: string | null;
  state: string;
  opens: number;
}

describe('links from the terminal', { timeout: 300_000 }, () => {
  it('makes a share link with a QR code, lists the links, and switches a share link alone', async () => {
    const upload = await json<{ gallery: { slug: string } }>(['upload', photo, '--title', 'Beach']);
    const gallery = upload.gallery.slug;

    const shared = await json<{ link: Record<string, unknown> }>(['share', gallery, '--label', 'Blog']);
    expect(Object.keys(shared)).toEqual(['link']);
    expect(Object.keys(shared.link).sort()).toEqual(['label', 'qrPng', 'slug', 'url']);
    const link = shared.link as { slug: string; url: string; label: string; qrPng: string };
    expect(link.label).toBe('Blog');
    expect(link.url).toBe(`https://gallery.example/g/${link.slug}`);
    expect((await sharp(Buffer.from(link.qrPng, 'base64')).metadata()).format).toBe('png');

    const text = await maiimg(['share', gallery]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/https:\/\/gallery\.example\/g\/[A-Za-z0-9_-]{22}\n/);
    expect(text.stdout).toContain('█');

    const listed = await json<{ links: LinkJson[] }>(['links', link.url]);
    expect(listed.links.map((l) => [l.first, l.label, l.state, l.opens])).toEqual([
      [true, null, 'active', 0],
      [false, 'Blog', 'active', 0],
      [false, null, 'active', 0],
    ]);
    const plain = await maiimg(['links', gallery]);
    expect(plain.stdout).toContain('Original link · on · 0 opens · 0 visitors · never opened');
    expect(plain.stdout).toContain('Blog · on · 0 opens');

    const off = await json<{ scope: string; link: LinkJson }>(['disable', link.slug]);
    expect(off).toMatchObject({ scope: 'link', link: { slug: link.slug, state: 'disabled' } });
    expect((await json<{ state: string }>(['show', gallery])).state).toBe('active');
    const shown = await json<{ slug: string; link: { slug: string; first: boolean; state: string } }>([
      'show',
      link.url,
    ]);
    expect(shown).toMatchObject({ slug: gallery, link: { slug: link.slug, first: false, state: 'disabled' } });
    expect((await maiimg(['show', link.slug])).stdout).toContain('This is a share link (Blog): only this link.');
    const enable = await maiimg(['enable', link.slug]);
    expect(enable.stdout).toContain('Only this link was switched');

    const galleryOff = await json<{ scope: string; state: string }>(['disable', gallery]);
    expect(galleryOff).toMatchObject({ scope: 'gallery', state: 'disabled', slug: gallery });
    await json(['enable', gallery]);

    const stats = await json<{ link: LinkJson; links: LinkJson[] }>(['stats', link.slug]);
    expect(stats.link.slug).toBe(link.slug);
    expect(stats.links).toHaveLength(3);

    expect(await json(['delete', link.slug])).toEqual({ deleted: link.slug, scope: 'link' });
    expect((await json<{ links: LinkJson[] }>(['links', gallery])).links).toHaveLength(2);
    expect((await json<{ state: string }>(['show', gallery])).state).toBe('active');
  });

  it('answers errors in the {error:{code,message}} form', async () => {
    const upload = await json<{ gallery: { slug: string } }>(['upload', photo]);
    const refused = await maiimg(['share', upload.gallery.slug, '--json'], 'bob');
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toEqual({ error: { code: 'NOT_OWNER', message: expect.any(String) } });
    const unknown = await maiimg(['links', 'A'.repeat(22), '--json']);
    expect(JSON.parse(unknown.stdout).error.code).toBe('GALLERY_NOT_FOUND');
  });
});
