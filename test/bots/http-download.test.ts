import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { downloadFile, type DownloadSpec } from '../../bots/shared/http-download.js';
import type { BatchOutcome, Owner } from '../../core/types.js';
import { makePng } from '../helpers/images.js';
import { startTestCore, type TestCore } from '../helpers/test-core.js';

/**
 * The platforms' file downloads (Slack's url_private_download, Telegram's and Discord's file URLs)
 * with canned HTTP answers from nock, through the real core, which judges what came back. The
 * end-to-end bot tests use loopback fakes of the platforms instead.
 */
const FILES = 'https://files.chat.example';
const CDN = 'https://cdn.chat.example';
const MAX_FILE_BYTES = 64 * 1024;
const owner: Owner = { platform: 'slack', userId: 'U1' };

let test: TestCore;

beforeAll(async () => {
  nock.disableNetConnect();
  test = await startTestCore({ MAX_FILE_BYTES: String(MAX_FILE_BYTES) });
});

afterEach(() => {
  nock.abortPendingRequests();
  nock.cleanAll();
});

afterAll(async () => {
  nock.enableNetConnect();
  // nock 14 intercepts every request of the process (telegraf's keep-alive calls hang under it):
  // take its interceptors out so nothing else run by this worker goes through them.
  nock.restore();
  await test.cleanup();
});

function upload(spec: Partial<DownloadSpec> & { url: string }): Promise<BatchOutcome> {
  return test.core.service.createGallery({ owner, files: [downloadFile({ name: 'photo.png', ...spec })] });
}

const codeOf = (outcome: BatchOutcome) => outcome.rejected.map((file) => file.code);

describe('downloading a platform file', () => {
  it('follows a redirect to the file host and makes the gallery from its bytes', async () => {
    const png = await makePng(40, 30, 7);
    const files = nock(FILES)
      .get('/download/F1/photo.png')
      .matchHeader('authorization', 'Bearer xoxb-token')
      .reply(302, '', { location: `${CDN}/signed/F1?expires=1` });
    const cdn = nock(CDN).get('/signed/F1').query({ expires: '1' }).reply(200, png, { 'content-type': 'image/png' });

    const outcome = await upload({
      url: `${FILES}/download/F1/photo.png`,
      headers: { Authorization: 'Bearer xoxb-token' },
    });

    expect(codeOf(outcome)).toEqual([]);
    expect(outcome.gallery?.images.map((image) => [image.width, image.height])).toEqual([[40, 30]]);
    expect(files.isDone() && cdn.isDone()).toBe(true);
  });

  it('gives up on a file host that does not answer in time (DOWNLOAD_FAILED)', async () => {
    // The host answers only once the test lets it: the download's own timeout must end the wait.
    let answer = () => {};
    const answered = new Promise<void>((resolve) => (answer = resolve));
    nock(FILES)
      .get('/slow.png')
      .reply(async () => {
        await answered;
        return [200, 'never sent in time'];
      });
    const outcome = await upload({ url: `${FILES}/slow.png`, timeoutMs: 100 }).finally(answer);
    expect(outcome.gallery).toBeNull();
    expect(codeOf(outcome)).toEqual(['DOWNLOAD_FAILED']);
  });

  it('refuses a sign-in page answered instead of the file, by its content type (DOWNLOAD_FAILED)', async () => {
    // What Slack answers when the token lacks files:read.
    nock(FILES).get('/download/F2/photo.png').reply(200, '<!DOCTYPE html><html><title>Sign in | Slack</title></html>', {
      'content-type': 'text/html; charset=utf-8',
    });
    const outcome = await upload({ url: `${FILES}/download/F2/photo.png`, refuseContentTypes: /text\/html/i });
    expect(codeOf(outcome)).toEqual(['DOWNLOAD_FAILED']);
  });

  it('refuses a sign-in page sent as a binary file, by its bytes (UNSUPPORTED_FORMAT)', async () => {
    nock(FILES)
      .get('/download/F3/photo.png')
      .reply(200, '<!DOCTYPE html><html><title>Sign in</title><form action="/login"></form></html>', {
        'content-type': 'application/octet-stream',
      });
    const outcome = await upload({ url: `${FILES}/download/F3/photo.png`, refuseContentTypes: /text\/html/i });
    expect(codeOf(outcome)).toEqual(['UNSUPPORTED_FORMAT']);
  });

  it('answers DOWNLOAD_FAILED for an HTTP error from the file host', async () => {
    nock(FILES).get('/gone.png').reply(404, 'not found');
    expect(codeOf(await upload({ url: `${FILES}/gone.png` }))).toEqual(['DOWNLOAD_FAILED']);
  });

  it('refuses a file whose announced size is over the limit without downloading it (FILE_TOO_LARGE)', async () => {
    const scope = nock(FILES).get('/big.png').reply(200, Buffer.alloc(16));
    const outcome = await upload({ url: `${FILES}/big.png`, declaredBytes: MAX_FILE_BYTES + 1 });
    expect(codeOf(outcome)).toEqual(['FILE_TOO_LARGE']);
    expect(scope.isDone()).toBe(false);
  });

  it('stops a download that turns out larger than announced once it passes the limit (FILE_TOO_LARGE)', async () => {
    const png = await makePng(40, 30, 8);
    const oversized = Buffer.concat([png, Buffer.alloc(MAX_FILE_BYTES)]);
    nock(FILES).get('/lying.png').reply(200, oversized, { 'content-type': 'image/png' });
    const outcome = await upload({ url: `${FILES}/lying.png`, declaredBytes: png.length });
    expect(codeOf(outcome)).toEqual(['FILE_TOO_LARGE']);
  });
});
