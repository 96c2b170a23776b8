import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunningServer } from '../../cli/server.js';
import type { ErrorCode } from '../../core/errors.js';
import { errorMessage, t } from '../../core/messages.js';
import type { BatchOutcome, Gallery } from '../../core/types.js';
import { flatFrames } from '../core/images/image-fixtures.js';
import { FakeTelegramBotApi } from '../fakes/telegram-bot-api.js';
import { makeJpeg } from '../helpers/images.js';
import { replyText, waitForReply } from '../helpers/telegram-replies.js';
import { freePort, testConfig } from '../helpers/test-core.js';
import { OWNER, startWeb, type WebHarness } from '../web/web-harness.js';
import {
  ZIP_END_OF_DIRECTORY,
  ZIP_LOCAL_HEADER,
  decodesAs,
  hostileCorpus,
  manyFramesGif,
  type HostileFile,
} from './corpus.js';

/**
 * The hostile corpus (corpus.ts) sent as one batch to a running site: every bad file is refused
 * by name with its code, the valid ones are served only as re-checked pictures, and the process
 * keeps serving throughout.
 */

let web: WebHarness;
let corpus: HostileFile[];
let outcome: BatchOutcome;
let gallery: Gallery;

beforeAll(async () => {
  // Small animation budgets, so a "too heavy" animation is cheap to build here.
  web = await startWeb({ MAX_ANIMATION_PIXELS: '4000000' });
  corpus = await hostileCorpus();
  const files = [
    ...corpus.map((file) => ({ name: file.name, data: file.bytes })),
    { name: 'honest.jpg', data: await makeJpeg(90, 60, 7) },
  ];
  outcome = await web.core.service.createGallery({ owner: OWNER, files, options: { title: 'hostile corpus' } });
  gallery = outcome.gallery!;
}, 120_000);

afterAll(async () => {
  await web?.stop();
});

async function servedOriginal(name: string): Promise<Response> {
  const image = gallery.images.find((candidate) => candidate.originalName === name);
  expect(image, name).toBeDefined();
  return web.get(`/g/${gallery.slug}/i/${image!.position}/original`);
}

describe('hostile files in one batch', () => {
  it('refuses each bad file by name, with its code and the catalogue message', () => {
    const expected = corpus.filter((file) => file.code).map((file) => ({ file: file.name, code: file.code }));
    expect(outcome.rejected.map(({ file, code }) => ({ file, code }))).toEqual(expected);
    for (const rejected of outcome.rejected.filter(
      (r) => r.code === 'CORRUPT_IMAGE' || r.code === 'UNSUPPORTED_FORMAT',
    )) {
      expect(rejected.message).toBe(errorMessage('en', rejected.code as ErrorCode));
    }
    const bomb = outcome.rejected.find((r) => r.file === 'bomb.png')!;
    expect(bomb.message).toBe(errorMessage('en', 'IMAGE_TOO_LARGE', { pixels: '900 MP', limit: '100 MP' }));
    const frames = outcome.rejected.find((r) => r.file === 'thousands-of-frames.gif')!;
    expect(frames.message).toBe(errorMessage('en', 'TOO_MANY_FRAMES', { frames: 3000, limit: 1000 }));
  });

  it('keeps the valid pictures (the polyglots and the hostile EXIF among them) as the gallery', () => {
    const accepted = corpus.filter((file) => !file.code).map((file) => file.name);
    expect(gallery.images.map((image) => image.originalName)).toEqual([...accepted, 'honest.jpg']);
  });

  it('serves a JPEG+ZIP polyglot only as the re-checked picture, never the archive', async () => {
    const response = await servedOriginal('polyglot.jpg');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/jpeg');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(bytes.subarray(-2)).toEqual(Buffer.from([0xff, 0xd9]));
    expect(bytes.includes(ZIP_LOCAL_HEADER)).toBe(false);
    expect(bytes.includes(ZIP_END_OF_DIRECTORY)).toBe(false);
    expect(await decodesAs(bytes, 'jpeg')).toBe(true);
  });

  it('re-writes a JPEG that hides a ZIP inside a segment the stripper keeps', async () => {
    const uploaded = corpus.find((file) => file.name === 'zip-in-jfif.jpg')!.bytes;
    // The upload really is an archive too: the directory sits in its last 64 KiB.
    expect(uploaded.includes(ZIP_END_OF_DIRECTORY)).toBe(true);
    const bytes = Buffer.from(await (await servedOriginal('zip-in-jfif.jpg')).arrayBuffer());
    expect(bytes.includes(ZIP_LOCAL_HEADER)).toBe(false);
    expect(bytes.includes(ZIP_END_OF_DIRECTORY)).toBe(false);
    expect(await decodesAs(bytes, 'jpeg')).toBe(true);
  });

  it('serves a PNG+ZIP polyglot without the archive', async () => {
    const bytes = Buffer.from(await (await servedOriginal('polyglot.png')).arrayBuffer());
    expect(bytes.subarray(-8, -4).toString('latin1')).toBe('IEND');
    expect(bytes.includes(ZIP_LOCAL_HEADER)).toBe(false);
    expect(await decodesAs(bytes, 'png')).toBe(true);
  });

  it('serves the picture with hostile EXIF without any EXIF', async () => {
    const bytes = Buffer.from(await (await servedOriginal('oversized-exif.jpg')).arrayBuffer());
    expect(bytes.includes(Buffer.from('Exif\0\0', 'latin1'))).toBe(false);
    expect(bytes.includes(Buffer.from('HOSTILE-EXIF', 'latin1'))).toBe(false);
    expect(await decodesAs(bytes, 'jpeg')).toBe(true);
  });

  it('ZIP download holds only the cleaned pictures', async () => {
    const response = await web.get(`/g/${gallery.slug}/download.zip`);
    expect(response.status).toBe(200);
    const zip = Buffer.from(await response.arrayBuffer());
    // One archive (ours), one directory end: no smuggled archive nested inside an entry.
    let ends = 0;
    for (let at = zip.indexOf(ZIP_END_OF_DIRECTORY); at >= 0; at = zip.indexOf(ZIP_END_OF_DIRECTORY, at + 1)) ends += 1;
    expect(ends).toBe(1);
    expect(zip.includes(Buffer.from('evil.html', 'latin1'))).toBe(false);
  });

  it('keeps serving: health, home, the gallery page and its thumbnails', async () => {
    expect((await web.get('/healthz')).status).toBe(200);
    expect((await web.get('/')).status).toBe(200);
    const page = await web.get(`/g/${gallery.slug}`);
    expect(page.status).toBe(200);
    for (const image of gallery.images) {
      const thumb = await web.get(`/g/${gallery.slug}/i/${image.position}/480.webp`);
      expect(thumb.status, image.originalName).toBe(200);
    }
  });
});

describe('animations that cost more to decode than their size suggests', () => {
  it('refuses frames adding up to more pixels than MAX_ANIMATION_PIXELS, from the header, quickly', async () => {
    // 100 frames of 300 x 300: 9 MP in all, over this site's 4 MP budget; a small file.
    const heavy = await flatFrames(300, 300, 100).gif({ effort: 1 }).toBuffer();
    const started = performance.now();
    const result = await web.core.service.createGallery({ owner: OWNER, files: [{ name: 'heavy.gif', data: heavy }] });
    expect(performance.now() - started).toBeLessThan(3000);
    expect(result.gallery).toBeNull();
    expect(result.rejected).toEqual([
      {
        file: 'heavy.gif',
        code: 'IMAGE_TOO_LARGE',
        message: errorMessage('en', 'IMAGE_TOO_LARGE', { pixels: '9 MP', limit: '4 MP' }),
      },
    ]);
  });

  it('accepts an ordinary animation under both limits', async () => {
    const result = await web.core.service.createGallery({
      owner: OWNER,
      files: [{ name: 'ok.gif', data: await manyFramesGif(40, 32) }],
    });
    expect(result.gallery?.images[0]).toMatchObject({ animated: true, width: 32, height: 32 });
  });
});

describe('the corpus sent to the Telegram bot as files', () => {
  it('answers with the gallery of the valid ones and each refused file named with its reason, then keeps answering', async () => {
    const fake = await FakeTelegramBotApi.start();
    const dir = await mkdtemp(path.join(tmpdir(), 'maiimg-hostile-bot-'));
    const port = await freePort();
    const running = await createRunningServer(
      testConfig(dir, {
        TELEGRAM_BOT_TOKEN: fake.token,
        TELEGRAM_API_ROOT: fake.url,
        PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
        PORT: String(port),
        BATCH_QUIET_MS: '1500',
      }),
      { analyticsJobs: false },
    );
    try {
      const user = { id: 5151, first_name: 'mallory', language_code: 'en' };
      const toUser = (c: { params: Record<string, unknown> }) => Number(c.params.chat_id) === user.id;
      let since = fake.calls.length;
      for (const file of corpus)
        fake.userSends({ from: user, document: { bytes: file.bytes, fileName: file.name, mimeType: 'image/jpeg' } });
      const answer = await waitForReply(fake, (c) => toUser(c) && c.method === 'sendPhoto', {
        since,
        timeoutMs: 60_000,
      });
      // The caption may be split; the whole answer is the caption plus any messages sent after it.
      const text = fake.calls
        .slice(since)
        .filter(
          (c) => toUser(c) && c.status === 200 && (c === answer || (c.method === 'sendMessage' && c.at >= answer.at)),
        )
        .map(replyText)
        .join('\n');
      expect(text).toContain(t('en', 'gallery.count', { count: corpus.filter((f) => !f.code).length }));
      for (const file of corpus.filter((f) => f.code)) expect(text, file.name).toContain(`• ${file.name} `);
      expect(text).toContain(`• script.svg ${errorMessage('en', 'UNSUPPORTED_FORMAT')}`);
      expect(text).toContain(
        `• thousands-of-frames.gif ${errorMessage('en', 'TOO_MANY_FRAMES', { frames: 3000, limit: 1000 })}`,
      );

      since = fake.calls.length;
      fake.userSends({ from: user, text: '/help' });
      expect(replyText(await waitForReply(fake, (c) => toUser(c) && c.method === 'sendMessage', { since }))).toContain(
        '/stats',
      );
    } finally {
      await running.stop();
      await fake.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
