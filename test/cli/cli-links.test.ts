import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliSandbox, type CliSandbox } from '../helpers/cli-run.js';
import { makeJpeg } from '../helpers/images.js';

/** `maiimg share`, `links`, and disable / enable / delete given a share link, run as a person runs them. */

let cli: CliSandbox;
let photo: string;

beforeAll(async () => {
  cli = await cliSandbox('maiimg-cli-links-');
  photo = path.join(cli.dir, 'beach.jpg');
  await writeFile(photo, await makeJpeg(320, 240, 1));
});

afterAll(async () => {
  await cli.remove();
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
    const upload = await cli.json<{ gallery: { slug: string } }>(['upload', photo, '--title', 'Beach']);
    const gallery = upload.gallery.slug;

    const shared = await cli.json<{ link: Record<string, unknown> }>(['share', gallery, '--label', 'Blog']);
    expect(Object.keys(shared)).toEqual(['link']);
    expect(Object.keys(shared.link).sort()).toEqual(['label', 'qrPng', 'slug', 'url']);
    const link = shared.link as { slug: string; url: string; label: string; qrPng: string };
    expect(link.label).toBe('Blog');
    expect(link.url).toBe(`https://gallery.example/g/${link.slug}`);
    expect((await sharp(Buffer.from(link.qrPng, 'base64')).metadata()).format).toBe('png');

    const text = await cli.maiimg(['share', gallery]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/https:\/\/gallery\.example\/g\/[A-Za-z0-9_-]{22}\n/);
    expect(text.stdout).toContain('█');

    const listed = await cli.json<{ links: LinkJson[] }>(['links', link.url]);
    expect(listed.links.map((l) => [l.first, l.label, l.state, l.opens])).toEqual([
      [true, null, 'active', 0],
      [false, 'Blog', 'active', 0],
      [false, null, 'active', 0],
    ]);
    const plain = await cli.maiimg(['links', gallery]);
    expect(plain.stdout).toContain('Original link · on · 0 opens · 0 visitors · never opened');
    expect(plain.stdout).toContain('Blog · on · 0 opens');

    const off = await cli.json<{ scope: string; link: LinkJson }>(['disable', link.slug]);
    expect(off).toMatchObject({ scope: 'link', link: { slug: link.slug, state: 'disabled' } });
    expect((await cli.json<{ state: string }>(['show', gallery])).state).toBe('active');
    const shown = await cli.json<{ slug: string; link: { slug: string; first: boolean; state: string } }>([
      'show',
      link.url,
    ]);
    expect(shown).toMatchObject({ slug: gallery, link: { slug: link.slug, first: false, state: 'disabled' } });
    expect((await cli.maiimg(['show', link.slug])).stdout).toContain('This is a share link (Blog): only this link.');
    const enable = await cli.maiimg(['enable', link.slug]);
    expect(enable.stdout).toContain('Only this link was switched');

    const galleryOff = await cli.json<{ scope: string; state: string }>(['disable', gallery]);
    expect(galleryOff).toMatchObject({ scope: 'gallery', state: 'disabled', slug: gallery });
    await cli.json(['enable', gallery]);

    const stats = await cli.json<{ link: LinkJson; links: LinkJson[] }>(['stats', link.slug]);
    expect(stats.link.slug).toBe(link.slug);
    expect(stats.links).toHaveLength(3);

    expect(await cli.json(['delete', link.slug])).toEqual({ deleted: link.slug, scope: 'link' });
    expect((await cli.json<{ links: LinkJson[] }>(['links', gallery])).links).toHaveLength(2);
    expect((await cli.json<{ state: string }>(['show', gallery])).state).toBe('active');
  });

  it('answers errors in the {error:{code,message}} form', async () => {
    const upload = await cli.json<{ gallery: { slug: string } }>(['upload', photo]);
    const refused = await cli.maiimg(['share', upload.gallery.slug, '--json'], 'bob');
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toEqual({ error: { code: 'NOT_OWNER', message: expect.any(String) } });
    const unknown = await cli.maiimg(['links', 'A'.repeat(22), '--json']);
    expect(JSON.parse(unknown.stdout).error.code).toBe('GALLERY_NOT_FOUND');
  });
});
