import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRunningServer, type RunningServer } from '../../cli/server.js';
import { testConfig } from '../helpers/test-core.js';

/**
 * A process killed mid-upload leaves its working copies in DATA_DIR/tmp: the spooled upload parts
 * and the folders each image is cleaned in. The next start removes those that are clearly abandoned
 * and leaves alone those another process sharing the folder may still be using.
 */

let dir: string | undefined;
let running: RunningServer | undefined;

afterEach(async () => {
  await running?.stop();
  running = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function leftBehind(folder: string, ageMs: number): Promise<void> {
  await mkdir(folder, { recursive: true });
  await writeFile(path.join(folder, 'part'), Buffer.alloc(1024, 1));
  const when = new Date(Date.now() - ageMs);
  await utimes(path.join(folder, 'part'), when, when);
  await utimes(folder, when, when);
}

const HOUR = 60 * 60 * 1000;

describe('working copies left by a crash', () => {
  it('are removed at start once abandoned; recent ones are kept', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'maiimg-abandoned-'));
    const images = path.join(dir, 'tmp', 'images');
    const uploads = path.join(dir, 'tmp', 'uploads');
    await leftBehind(path.join(images, 'image-crashed'), 3 * HOUR);
    await leftBehind(path.join(images, 'image-in-use'), 0);
    await leftBehind(path.join(uploads, 'upload-crashed'), 30 * HOUR);
    await leftBehind(path.join(uploads, 'upload-in-use'), 2 * HOUR);

    running = await createRunningServer(testConfig(dir));

    await expect.poll(() => readdir(images)).toEqual(['image-in-use']);
    await expect.poll(() => readdir(uploads)).toEqual(['upload-in-use']);
  });

  it('a data folder without any is no trouble', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'maiimg-abandoned-'));
    running = await createRunningServer(testConfig(dir));
    const response = await fetch(`${running.url}/readyz`);
    expect(response.status).toBe(200);
    expect(await running.core.service.removeStaleWork()).toBe(0);
  });
});
